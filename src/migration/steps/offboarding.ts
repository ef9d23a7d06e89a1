/**
 * OldSvOffboarded: once spec.workflow.offboarding.approved, one governance vote (through the old SV's own app) to
 * offboard the old SV. Done when the Scan quorum shows it among the offboarded SVs and no longer among the SVs.
 */
import { offboardSvAction } from '../../splice/daml-json.ts';
import { durationMs } from '../../util/duration.ts';
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import { networkFailure } from './network-errors.ts';
import { oldSvApp } from './old-sv-app.ts';
import { ensureVote, markAccepted, pendingMessage } from './votes.ts';

export async function offboardOldSv(ctx: StepContext): Promise<StepResult> {
  const { m, deps, draft } = ctx;
  const dso = ctx.facts.dso!;
  const gate = m.spec.workflow.offboarding;
  if (dso.oldSvOffboarded && !dso.oldSv) {
    markAccepted(ctx, 'OffboardSv(', gate.attempt);
    draft.condition(CONDITION.OldSvOffboarded, 'True', 'Offboarded', `${m.spec.oldSv.name} is offboarded`);
    return DONE;
  }
  if (!gate.approved) {
    const message = `set spec.workflow.offboarding.approved to true to request the vote offboarding ${m.spec.oldSv.name} (tell the other SV operators first)`;
    draft.condition(CONDITION.OldSvOffboarded, 'False', 'AwaitingApproval', message);
    return { kind: 'wait', message };
  }
  const partyId = dso.oldSv?.partyId ?? draft.status.oldSv?.partyId;
  if (!partyId) {
    const message = `the old SV's party is not known; waiting for the Scans`;
    draft.condition(CONDITION.OldSvOffboarded, 'False', 'OldSvNotVisible', message);
    return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
  }
  const app = await oldSvApp(ctx, CONDITION.OldSvOffboarded, 'offboarding');
  if (!app.ok) return app.result;
  const label = `OffboardSv(${m.spec.oldSv.name})`;
  let progress;
  try {
    progress = await ensureVote(ctx, app.app, app.requester, {
      label,
      attempt: gate.attempt,
      action: offboardSvAction(partyId),
      description: `KMS migration: ${m.spec.oldSv.name} is replaced by ${m.spec.newSv.name} and leaves the DSO`,
      expirationMs: durationMs(gate.voteExpiration),
    });
  } catch (err) {
    return networkFailure(err, `vote ${label}`, deps.timing.networkPollMs);
  }
  if (progress.state === 'conflict') return { kind: 'wait', message: 'the migration changed meanwhile', requeueAfterMs: 250 };
  if (progress.state === 'rejected' || progress.state === 'expired') {
    const reason = progress.state === 'rejected' ? 'VoteRejected' : 'VoteExpired';
    const message = `the vote on ${label} (attempt ${gate.attempt}) was ${progress.state}; the operator does not ask again on its own: raise spec.workflow.offboarding.attempt to ${gate.attempt + 1} to request a new vote`;
    draft.condition(CONDITION.OldSvOffboarded, 'False', reason, message);
    return { kind: 'stalled', reason, message, requeueAfterMs: deps.timing.stalledRecheckMs };
  }
  const message =
    progress.state === 'pending' ? pendingMessage(progress.entry) : progress.state === 'requested' ? `vote on ${label} requested` : `vote on ${label} accepted; waiting for the Scans to show it`;
  draft.condition(CONDITION.OldSvOffboarded, 'False', 'VotePending', message);
  return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
}
