/**
 * WeightTransferred: once spec.workflow.weightTransfer.approved, two governance votes (requested through the old SV's
 * app, each once): the new SV gets the old SV's original reward weight, the old SV gets 0. Done when the Scan quorum
 * shows both weights on-ledger.
 */
import type { VoteStatus } from '../../api/types.ts';
import { updateSvRewardWeightAction, type VoteAction } from '../../splice/daml-json.ts';
import { effectiveTimeProblem, voteTiming } from '../vote-timing.ts';
import { stalledOn, waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput } from '../step.ts';
import { voteStep, type VotePlan } from './vote-step.ts';
import type { VoteIntent } from './votes.ts';

const PREFIX = 'UpdateSvRewardWeight(';
const LABEL = /^UpdateSvRewardWeight\((.*):=(\d+)\)$/;

export function weightLabel(svName: string, weight: number): string {
  return `${PREFIX}${svName}:=${weight})`;
}

/** The action a weight record stands for (from its label and the parties the network showed). */
function recordAction({ m, status, facts }: DecideInput, v: VoteStatus): VoteAction | undefined {
  const match = LABEL.exec(v.action);
  if (!match) return undefined;
  const party = match[1] === m.spec.newSv.name ? (facts.dso?.newSv?.partyId ?? status.newSv?.partyId) : match[1] === m.spec.oldSv.name ? (facts.dso?.oldSv?.partyId ?? status.oldSv?.partyId) : undefined;
  return party ? updateSvRewardWeightAction(party, Number(match[2])) : undefined;
}

export function planWeight(input: DecideInput): VotePlan {
  const { m, status, facts, timing, now } = input;
  const dso = facts.dso;
  const gate = m.spec.workflow.weightTransfer;
  const target = status.oldSv?.originalRewardWeight;
  if (!dso?.newSv || (!dso.oldSv && target === undefined)) {
    return { kind: 'final', decision: waitingOn(CONDITION.WeightTransferred, 'SvsNotVisible', 'the Scans do not show both SVs; waiting', timing.networkPollMs) };
  }
  if (dso.svRightOwners) {
    return {
      kind: 'final',
      decision: stalledOn(
        CONDITION.WeightTransferred,
        'UnsupportedDsoModel',
        'the DSO rules keep reward weight with on-ledger SV right owners (svRightOwners), where moving it is a different governance action than this operator requests; ' +
          'move the weight by hand with the other SV operators (SRARC_UpdateSvRightOwnerInfo), or upgrade the operator to a version that supports this model',
      ),
    };
  }
  const weight = target ?? dso.oldSv!.weight;
  const oldWeight = dso.oldSv?.weight ?? 0;
  const recordAction_ = (v: VoteStatus) => recordAction(input, v);
  if (dso.newSv.weight === weight && oldWeight === 0) {
    return { kind: 'settled', reason: 'WeightMoved', message: `${m.spec.newSv.name} has reward weight ${weight} bps, ${m.spec.oldSv.name} has 0`, recordAction: recordAction_ };
  }
  if (!gate.approved) {
    return {
      kind: 'final',
      decision: waitingOn(
        CONDITION.WeightTransferred,
        'AwaitingApproval',
        `${m.spec.newSv.name} is onboarded; set spec.workflow.weightTransfer.approved to true to request the votes moving ${weight} bps from ${m.spec.oldSv.name} to ${m.spec.newSv.name} (tell the other SV operators first)`,
      ),
    };
  }
  const when = voteTiming(gate, now);
  const common = { attempt: gate.attempt, expirationMs: when.expirationMs, reasonUrl: gate.reasonUrl ?? '', ...(when.effectiveAt ? { effectiveAt: when.effectiveAt } : {}) };
  const intents: VoteIntent[] = [];
  if (dso.newSv.weight !== weight) {
    intents.push({
      label: weightLabel(m.spec.newSv.name, weight),
      action: updateSvRewardWeightAction(dso.newSv.partyId, weight),
      description: `KMS migration of ${m.spec.oldSv.name}: move its reward weight (${weight} bps) to ${m.spec.newSv.name}`,
      ...common,
    });
  }
  if (dso.oldSv && oldWeight !== 0) {
    intents.push({
      label: weightLabel(m.spec.oldSv.name, 0),
      action: updateSvRewardWeightAction(dso.oldSv.partyId, 0),
      description: `KMS migration of ${m.spec.oldSv.name}: its reward weight moves to ${m.spec.newSv.name}`,
      ...common,
    });
  }
  const timingProblem = effectiveTimeProblem(now, when.expirationMs, when.effectiveAt, 'spec.workflow.weightTransfer.effectiveAt');
  return { kind: 'vote', intents, recordAction: recordAction_, ...(timingProblem ? { invalidTiming: timingProblem } : {}) };
}

export const weightStep = voteStep({
  gate: 'weightTransfer',
  name: 'weightTransfer',
  condition: CONDITION.WeightTransferred,
  labelPrefix: PREFIX,
  gateField: 'spec.workflow.weightTransfer',
  pendingReason: 'VotesPending',
  plan: planWeight,
});
