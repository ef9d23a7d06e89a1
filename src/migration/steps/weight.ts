/**
 * WeightTransferred: once spec.workflow.weightTransfer.approved, two governance votes (requested through the old SV's
 * app, each once): the new SV gets the old SV's original reward weight, the old SV gets 0. Done when the Scan quorum
 * shows both weights on-ledger.
 */
import type { StepContext } from '../step.ts';
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import { updateSvRewardWeightAction } from '../../splice/daml-json.ts';
import { durationMs } from '../../util/duration.ts';
import { ensureVote, markAccepted, pendingMessage, type VoteIntent } from './votes.ts';
import { oldSvApp } from './old-sv-app.ts';
import { networkFailure } from './network-errors.ts';

export async function transferWeight(ctx: StepContext): Promise<StepResult> {
  const { m, draft, deps } = ctx;
  const dso = ctx.facts.dso!;
  const gate = m.spec.workflow.weightTransfer;
  const target = draft.status.oldSv?.originalRewardWeight;
  if (!dso.newSv || (!dso.oldSv && target === undefined)) {
    const message = 'the Scans do not show both SVs; waiting';
    draft.condition(CONDITION.WeightTransferred, 'False', 'SvsNotVisible', message);
    return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
  }
  const weight = target ?? dso.oldSv!.weight;
  const oldWeight = dso.oldSv?.weight ?? 0;
  if (dso.newSv.weight === weight && oldWeight === 0) {
    markAccepted(ctx, 'UpdateSvRewardWeight(', gate.attempt);
    draft.condition(CONDITION.WeightTransferred, 'True', 'WeightMoved', `${m.spec.newSv.name} has reward weight ${weight} bps, ${m.spec.oldSv.name} has 0`);
    return DONE;
  }
  if (!gate.approved) {
    const message = `${m.spec.newSv.name} is onboarded; set spec.workflow.weightTransfer.approved to true to request the votes moving ${weight} bps from ${m.spec.oldSv.name} to ${m.spec.newSv.name} (tell the other SV operators first)`;
    draft.condition(CONDITION.WeightTransferred, 'False', 'AwaitingApproval', message);
    return { kind: 'wait', message };
  }
  const app = await oldSvApp(ctx, CONDITION.WeightTransferred, 'weight transfer');
  if (!app.ok) return app.result;

  const common = { attempt: gate.attempt, expirationMs: durationMs(gate.voteExpiration), ...(gate.effectiveAt ? { effectiveAt: new Date(gate.effectiveAt) } : {}) };
  const intents: VoteIntent[] = [];
  if (dso.newSv.weight !== weight) {
    intents.push({
      label: `UpdateSvRewardWeight(${m.spec.newSv.name}:=${weight})`,
      action: updateSvRewardWeightAction(dso.newSv.partyId, weight),
      description: `KMS migration of ${m.spec.oldSv.name}: move its reward weight (${weight} bps) to ${m.spec.newSv.name}`,
      ...common,
    });
  }
  if (dso.oldSv && oldWeight !== 0) {
    intents.push({
      label: `UpdateSvRewardWeight(${m.spec.oldSv.name}:=0)`,
      action: updateSvRewardWeightAction(dso.oldSv.partyId, 0),
      description: `KMS migration of ${m.spec.oldSv.name}: its reward weight moves to ${m.spec.newSv.name}`,
      ...common,
    });
  }
  const waiting: string[] = [];
  for (const intent of intents) {
    let progress;
    try {
      progress = await ensureVote(ctx, app.app, app.requester, intent);
    } catch (err) {
      return networkFailure(err, `vote ${intent.label}`, deps.timing.networkPollMs);
    }
    if (progress.state === 'conflict') return { kind: 'wait', message: 'the migration changed meanwhile', requeueAfterMs: 250 };
    if (progress.state === 'rejected' || progress.state === 'expired') {
      const reason = progress.state === 'rejected' ? 'VoteRejected' : 'VoteExpired';
      const message = `the vote on ${intent.label} (attempt ${intent.attempt}) was ${progress.state}; the operator does not ask again on its own: agree with the other SV operators, then raise spec.workflow.weightTransfer.attempt to ${intent.attempt + 1} to request a new vote`;
      draft.condition(CONDITION.WeightTransferred, 'False', reason, message);
      return { kind: 'stalled', reason, message, requeueAfterMs: deps.timing.stalledRecheckMs };
    }
    if (progress.state === 'pending') waiting.push(pendingMessage(progress.entry));
    else if (progress.state === 'requested') waiting.push(`vote on ${intent.label} requested`);
    else waiting.push(`vote on ${intent.label} accepted; waiting for the weight on-ledger`);
  }
  const message = waiting.join('; ');
  draft.condition(CONDITION.WeightTransferred, 'False', 'VotesPending', message);
  return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
}
