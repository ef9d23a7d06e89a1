/**
 * The shape shared by the steps that move the hand-over by governance vote (weight transfer, offboarding): a pure plan
 * says whether the step is done on-ledger, waits for its gate, or has vote intents to pursue; the old SV's app is read
 * only when the plan needs it; each intent is driven by {@link decideVote}; at most one request is sent per reconcile,
 * after its record is checkpointed.
 */
import type { SvKmsMigrationStatus, VoteStatus } from '../../api/types.ts';
import type { VoteAction } from '../../splice/daml-json.ts';
import { CREATE_VOTE_REQUEST_PATH, createVoteRequestBody, type CreateVoteRequestInput } from '../../splice/sv-app.ts';
import type { EventNote } from '../decision.ts';
import type { NewVoteRequest } from '../ports.ts';
import { humanDuration } from '../vote-timing.ts';
import { decision, doneWith, fromResult, stalledOn } from '../decision.ts';
import type { ConditionType } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';
import { networkFailure } from './network-errors.ts';
import {
  closedRecord,
  decideVote,
  isFinal,
  lookupFor,
  migrationUid,
  observeGovernance,
  observeNetworkVotes,
  notVotedText,
  pendingMessage,
  recordKey,
  recordOf,
  requestVote,
  settleAccepted,
  unresolved,
  withVote,
  type GovernanceObservation,
  type KeyedLookup,
  type RequestVote,
  type VoteIntent,
} from './votes.ts';

/** What a vote step has to do, decided from spec, status and agreed DSO facts alone. */
export type VotePlan =
  /** Nothing to ask the network: the decision stands (waiting for the gate, for the Scans, …). */
  | { kind: 'final'; decision: StepDecision<never> }
  /** The on-ledger state shows the votes' effect: done, once the records are settled. */
  | { kind: 'settled'; reason: string; message: string; recordAction: (v: VoteStatus) => VoteAction | undefined }
  /** Intents to drive (in order), unless the requested timing is invalid. */
  | { kind: 'vote'; intents: VoteIntent[]; recordAction: (v: VoteStatus) => VoteAction | undefined; invalidTiming?: string };

export type VoteStepObservation = { kind: 'notNeeded' } | GovernanceObservation;

/** The vote gates of spec.workflow. */
export type VoteGate = 'weightTransfer' | 'offboarding';

type ExternalVote = NonNullable<NonNullable<SvKmsMigrationStatus['governance']>['externalVote']>;

export interface VoteStepOptions {
  name: string;
  gate: VoteGate;
  condition: ConditionType;
  /** Label prefix of this step's records in status.votes. */
  labelPrefix: string;
  /** The gate's field path, for messages (e.g. `spec.workflow.weightTransfer`). */
  gateField: string;
  /** Reason of the condition while votes are open. */
  pendingReason: string;
  plan(input: DecideInput): VotePlan;
}

/** The records to look up among closed votes: this step's records that are not final, with their actions. */
function lookups(input: DecideInput, prefix: string, recordAction: (v: VoteStatus) => VoteAction | undefined): KeyedLookup[] {
  return unresolved(input.status.votes, prefix).flatMap((v) => {
    const action = recordAction(v);
    return action ? [lookupFor(input.m, v, action)] : [];
  });
}

/** A vote request in the SV app client's terms (the operator's adapter sends exactly this). */
export function toCreateVoteRequest(request: NewVoteRequest): CreateVoteRequestInput {
  return {
    requester: request.requesterPartyId,
    action: request.action,
    url: request.reasonUrl,
    description: request.description,
    expirationMs: request.expirationMs,
    ...(request.effectiveAt ? { effectiveTime: request.effectiveAt } : {}),
  };
}

/** The SV app's `CreateVoteRequest` body for a request, as the operator's client sends it. */
export function voteRequestBody(request: NewVoteRequest): Record<string, unknown> {
  return createVoteRequestBody(toCreateVoteRequest(request));
}

/** The instructions for a vote requested by hand (mode External): exactly what to request, and a ready command. */
export function externalVote(gate: VoteGate, m: { spec: { oldSv: { svAppUrl: string } } }, label: string, request: NewVoteRequest): ExternalVote {
  const body = voteRequestBody(request);
  const quoted = `'${JSON.stringify(body).replaceAll("'", "'\\''")}'`;
  return {
    gate,
    label,
    actionJson: JSON.stringify(request.action),
    description: request.description,
    reasonUrl: request.reasonUrl,
    expiration: `${Math.round(request.expirationMs / 1000)}s`,
    ...(request.effectiveAt ? { effectiveAt: request.effectiveAt.toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
    command: `curl -fsS -X POST -H "Authorization: Bearer $SV_APP_TOKEN" -H 'Content-Type: application/json' ${m.spec.oldSv.svAppUrl}${CREATE_VOTE_REQUEST_PATH} -d ${quoted}`,
  };
}

/** The earliest deadline of the open votes, for `kubectl get`. */
function nextDeadline(votes: readonly VoteStatus[]): string | undefined {
  return votes
    .filter((v) => v.outcome === 'Pending' && v.expiresAt)
    .map((v) => v.expiresAt!)
    .sort()[0];
}

/** A Warning for each open vote that has just turned to closing within a day short of its threshold. */
function closingShortWarnings(before: readonly VoteStatus[] | undefined, after: readonly VoteStatus[], now: Date): EventNote[] {
  return after
    .filter((v) => v.closingShort && !before?.find((b) => recordKey(b) === recordKey(v))?.closingShort)
    .map((v) => ({ type: 'Warning' as const, reason: 'VoteClosingShort', message: `the vote on ${v.action} closes in ${humanDuration(Date.parse(v.expiresAt!) - now.getTime())} with ${v.votesFor ?? 0} of ${v.votesRequired ?? '?'} votes; not voted yet: ${notVotedText(v) || 'unknown'}` }));
}

/** The pure decision of a vote step. */
export function decideVoteStep(opts: VoteStepOptions, input: DecideInput, observed: VoteStepObservation): StepDecision<RequestVote> {
  const plan = opts.plan(input);
  const { m, status, timing, facts, now } = input;
  const { condition } = opts;
  const external = m.spec.workflow[opts.gate].mode === 'External';
  if (plan.kind === 'final') return plan.decision;
  if (plan.kind === 'settled') {
    const closed = observed.kind === 'read' && observed.view.ok ? observed.view.value.closed : {};
    const votes = settleAccepted(status.votes, opts.labelPrefix, closed);
    return doneWith(condition, plan.reason, plan.message, { votes, nextDeadline: nextDeadline(votes), governance: withoutExternalVote(status.governance, opts.gate) });
  }
  // Nothing of this attempt was asked for yet (observe read nothing): the bad time is refused before any request.
  if (plan.invalidTiming && observed.kind === 'notNeeded') return stalledOn(condition, 'VoteTimingInvalid', plan.invalidTiming);
  if (observed.kind === 'notNeeded') return decision({ kind: 'wait', message: 'looking at the votes', requeueAfterMs: 0 });
  if (observed.kind === 'noAccess') return stalledOn(condition, observed.reason, observed.message);
  if (!observed.view.ok) {
    const source = external ? `the Scans (${m.spec.network.scanUrls.length})` : `the old SV's app (${m.spec.oldSv.svAppUrl})`;
    return fromResult(condition, networkFailure(observed.view.error, `${opts.name}: ${source}`, timing.networkPollMs));
  }
  const view = observed.view.value;
  const dso = { votingThreshold: facts.dso?.votingThreshold ?? 0, svNames: facts.dso?.svNames ?? [] };
  // Records of earlier attempts reach their final state too.
  const current = new Set(plan.intents.map((i) => recordKey({ action: i.label, attempt: i.attempt })));
  let votes = (status.votes ?? []).map((v) => {
    const closed = view.closed[recordKey(v)];
    return v.action.startsWith(opts.labelPrefix) && !isFinal(v) && !current.has(recordKey(v)) && closed?.outcome ? closedRecord(v, closed) : v;
  });
  const waiting: string[] = [];
  let act: RequestVote | undefined;
  let byHand: ExternalVote | undefined;
  const progresses = plan.intents.map((intent) => ({ intent, progress: decideVote(migrationUid(m), intent, recordOf(votes, intent), view, dso, now) }));
  const failed = progresses.find(({ progress }) => progress.state === 'rejected' || progress.state === 'expired' || progress.state === 'actionFailed');
  if (failed) {
    // Every record of this attempt reaches its state (the others' tallies too), and nothing more is asked for.
    for (const { progress } of progresses) if (progress.state !== 'request') votes = withVote(votes, progress.entry);
    const { intent, progress } = failed;
    const reason = progress.state === 'rejected' ? 'VoteRejected' : progress.state === 'expired' ? 'VoteExpired' : 'VoteActionFailed';
    const what = progress.state === 'actionFailed' ? `accepted, but its action failed on-ledger (${progress.entry.outcomeDetail ?? 'no detail'})` : progress.state;
    const message = `the vote on ${intent.label} (attempt ${intent.attempt}) was ${what}; the operator does not ask again on its own: agree with the other SV operators, then raise ${opts.gateField}.attempt to ${intent.attempt + 1} to request a new vote`;
    return stalledOn(condition, reason, message, timing.stalledRecheckMs, { votes, nextDeadline: nextDeadline(votes) });
  }
  for (const { intent, progress } of progresses) {
    if (progress.state === 'request') {
      // The time is checked against now only for a vote about to be asked for: one already asked for stays valid
      // while its effective time comes closer.
      if (plan.invalidTiming) return stalledOn(condition, 'VoteTimingInvalid', plan.invalidTiming, undefined, { votes, nextDeadline: nextDeadline(votes) });
      if (act || byHand) {
        waiting.push(`vote on ${intent.label} to be requested next`);
        continue;
      }
      if (external) {
        // Nothing is sent: the request is published for whoever votes for the old SV, and followed once it appears.
        byHand = externalVote(opts.gate, m, intent.label, progress.request);
        waiting.push(`request the vote on ${intent.label} yourself: status.governance.externalVote has the exact action and a ready command`);
        continue;
      }
      votes = withVote(votes, progress.entry);
      act = { kind: 'requestVote', label: intent.label, attempt: intent.attempt, request: progress.request };
      waiting.push(`requesting the vote on ${intent.label}`);
      continue;
    }
    votes = withVote(votes, progress.entry);
    if (progress.state === 'pending') waiting.push(pendingMessage(progress.entry));
    else waiting.push(`vote on ${intent.label} accepted; waiting for the Scans to show its effect`);
  }
  const message = waiting.join('; ') || 'waiting for the Scans to show the votes\' effect';
  const reason = byHand ? 'AwaitingExternalVoteRequest' : opts.pendingReason;
  const governance = byHand ? { ...status.governance, externalVote: byHand } : withoutExternalVote(status.governance, opts.gate);
  const result: StepDecision<RequestVote> = {
    ...decision<RequestVote>({ kind: 'wait', message, requeueAfterMs: timing.networkPollMs }, { type: condition, status: 'False', reason, message }, { votes, nextDeadline: nextDeadline(votes), governance }),
    events: closingShortWarnings(status.votes, votes, now),
  };
  return act ? { ...result, act: { effect: act, checkpoint: true, describe: `requesting the vote on ${act.label} (attempt ${act.attempt})`, history: { effect: 'VoteRequested', id: `${act.label}#${act.attempt}` } } } : result;
}

/** Whether status records a vote of one of `intents` (asked for, or about to be: a checkpoint comes first). */
function hasRecordOf(votes: readonly VoteStatus[] | undefined, intents: readonly VoteIntent[]): boolean {
  return intents.some((i) => recordOf(votes, i) !== undefined);
}

/** status.governance without the by-hand request of `gate` (it exists, or is no longer needed). */
function withoutExternalVote(governance: SvKmsMigrationStatus['governance'], gate: VoteGate): SvKmsMigrationStatus['governance'] {
  if (governance?.externalVote?.gate !== gate) return governance;
  const { externalVote: _done, ...rest } = governance;
  return rest;
}

/** A step for vote-driven phases. */
export function voteStep(opts: VoteStepOptions): Step<VoteStepObservation, RequestVote> {
  return {
    name: opts.name,
    condition: opts.condition,
    async observe(ctx) {
      const plan = opts.plan(ctx);
      if (plan.kind === 'final' || (plan.kind === 'vote' && plan.invalidTiming && !hasRecordOf(ctx.status.votes, plan.intents))) return { kind: 'notNeeded' };
      const wanted = lookups(ctx, opts.labelPrefix, plan.recordAction);
      if (plan.kind === 'settled' && wanted.length === 0) return { kind: 'notNeeded' };
      if (ctx.m.spec.workflow[opts.gate].mode === 'External') {
        const oldParty = ctx.facts.dso?.oldSv?.partyId ?? ctx.status.oldSv?.partyId ?? '';
        return observeNetworkVotes(ctx.m, ctx.deps.splice.networkVotes(ctx.m), oldParty, wanted, ctx.signal);
      }
      return observeGovernance(ctx.m, await ctx.deps.splice.oldSvApp(ctx.m), wanted, ctx.signal);
    },
    decide: (input, observed) => decideVoteStep(opts, input, observed),
    async act(effect, ctx) {
      const app = await ctx.deps.splice.oldSvApp(ctx.m);
      // The Secret went away since observing: the next reconcile reports it.
      if (!app.ok) return false;
      return requestVote(effect, ctx, app.client);
    },
  };
}
