/**
 * OldSvOffboarded: once spec.workflow.offboarding.approved, one governance vote (through the old SV's own app) to
 * offboard the old SV. Done when the Scan quorum shows it among the offboarded SVs and no longer among the SVs.
 */
import type { VoteStatus } from '../../api/types.ts';
import { offboardSvAction } from '../../splice/daml-json.ts';
import { effectiveTimeProblem, voteTiming } from '../vote-timing.ts';
import { waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput } from '../step.ts';
import { voteStep, type VotePlan } from './vote-step.ts';

const PREFIX = 'OffboardSv(';

export function offboardLabel(svName: string): string {
  return `${PREFIX}${svName})`;
}

export function planOffboarding(input: DecideInput): VotePlan {
  const { m, status, facts, timing, now } = input;
  const gate = m.spec.workflow.offboarding;
  const partyId = facts.dso?.oldSv?.partyId ?? status.oldSv?.partyId;
  const recordAction = (v: VoteStatus) => (v.action === offboardLabel(m.spec.oldSv.name) && partyId ? offboardSvAction(partyId) : undefined);
  if (facts.dso?.oldSvOffboarded && !facts.dso.oldSv) return { kind: 'settled', reason: 'Offboarded', message: `${m.spec.oldSv.name} is offboarded`, recordAction };
  if (!gate.approved) {
    return {
      kind: 'final',
      decision: waitingOn(CONDITION.OldSvOffboarded, 'AwaitingApproval', `set spec.workflow.offboarding.approved to true to request the vote offboarding ${m.spec.oldSv.name} (tell the other SV operators first)`),
    };
  }
  if (!partyId) return { kind: 'final', decision: waitingOn(CONDITION.OldSvOffboarded, 'OldSvNotVisible', 'the old SV\'s party is not known; waiting for the Scans', timing.networkPollMs) };
  const when = voteTiming(gate, now);
  const timingProblem = effectiveTimeProblem(now, when.expirationMs, when.effectiveAt, 'spec.workflow.offboarding.effectiveAt');
  return {
    kind: 'vote',
    recordAction,
    intents: [
      {
        label: offboardLabel(m.spec.oldSv.name),
        attempt: gate.attempt,
        action: offboardSvAction(partyId),
        description: `KMS migration: ${m.spec.oldSv.name} is replaced by ${m.spec.newSv.name} and leaves the DSO`,
        expirationMs: when.expirationMs,
        reasonUrl: gate.reasonUrl ?? '',
        ...(when.effectiveAt ? { effectiveAt: when.effectiveAt } : {}),
      },
    ],
    ...(timingProblem ? { invalidTiming: timingProblem } : {}),
  };
}

export const offboardingStep = voteStep({
  gate: 'offboarding',
  name: 'offboarding',
  condition: CONDITION.OldSvOffboarded,
  labelPrefix: PREFIX,
  gateField: 'spec.workflow.offboarding',
  pendingReason: 'VotePending',
  plan: planOffboarding,
});
