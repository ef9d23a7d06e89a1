/**
 * Governance votes requested through the old SV's app, each at most once per intent (action + attempt), across
 * crashes, restarts and replicas:
 *
 * 1. The intent is written to status (outcome `Requesting`) before the request is sent (a checkpoint).
 * 2. Before sending, open vote requests are searched for one with the same action — it is adopted, not repeated —
 *    and closed ones (vote results) for its outcome. A request carries its intent's tag in its reason text, so its
 *    result is recognised without comparing clocks, even when it was decided before the operator ever saw it open.
 * 3. The SV app itself refuses a second open request for the same action from the same SV; that answer counts as
 *    "it exists" and the next look adopts it.
 *
 * A rejected or expired vote is never requested again on its own: a new attempt needs `workflow.*.attempt` raised.
 */
import { createHash } from 'node:crypto';
import type { VoteStatus } from '../../api/types.ts';
import { describeAction, sameAction, type VoteAction } from '../../splice/daml-json.ts';
import { DuplicateVoteRequestError } from '../../splice/sv-app.ts';
import { findRequestForAction } from '../../splice/vote-requests.ts';
import type { SvAppApi } from '../ports.ts';
import type { StepContext } from '../step.ts';

export interface VoteIntent {
  /** Human label, also the key in status.votes together with the attempt, e.g. `UpdateSvRewardWeight(Acme-2)`. */
  label: string;
  attempt: number;
  action: VoteAction;
  description: string;
  expirationMs: number;
  effectiveAt?: Date;
}

export type VoteProgress =
  | { state: 'accepted' }
  | { state: 'rejected' | 'expired'; entry: VoteStatus }
  | { state: 'pending'; entry: VoteStatus }
  /** The request was just sent or is being sent; look again soon. */
  | { state: 'requested' }
  /** The status write before the request lost a race: stop, the reconcile starts over. */
  | { state: 'conflict' };

const FINAL: Record<string, 'Accepted' | 'Rejected' | 'Expired'> = { accepted: 'Accepted', rejected: 'Rejected', expired: 'Expired' };

function upsert(ctx: StepContext, entry: VoteStatus): VoteStatus {
  const votes = (ctx.draft.status.votes ??= []);
  const i = votes.findIndex((v) => v.action === entry.action && v.attempt === entry.attempt);
  if (i >= 0) votes[i] = entry;
  else votes.push(entry);
  return entry;
}

/** The tag that identifies an intent's request among all requests with the same action (in the reason text). */
export function intentTag(uid: string, intent: Pick<VoteIntent, 'label' | 'attempt'>): string {
  return `svkms:${createHash('sha256').update(`${uid}\u0000${intent.label}\u0000${intent.attempt}`).digest('hex').slice(0, 16)}`;
}

/** Drives one vote intent one step further; never sends a request whose twin may exist. */
export async function ensureVote(ctx: StepContext, app: SvAppApi, requester: { partyId: string; name: string }, intent: VoteIntent): Promise<VoteProgress> {
  const existing = ctx.draft.status.votes?.find((v) => v.action === intent.label && v.attempt === intent.attempt);
  const tag = intentTag(ctx.m.metadata.uid ?? ctx.m.metadata.name, intent);
  if (existing?.outcome === 'Accepted') return { state: 'accepted' };
  if (existing?.outcome === 'Rejected' || existing?.outcome === 'Expired') return { state: existing.outcome === 'Rejected' ? 'rejected' : 'expired', entry: existing };

  const open = await app.listVoteRequests(ctx.signal);
  const match = findRequestForAction(open, intent.action, requester.name);
  if (match) {
    const votesFor = match.votes.filter((v) => v.accept).length;
    const entry = upsert(ctx, {
      action: intent.label,
      attempt: intent.attempt,
      trackingCid: match.trackingCid,
      requestedAt: existing?.requestedAt ?? ctx.draft.nowIso(),
      outcome: 'Pending',
      votesFor,
      votesRequired: ctx.facts.dso?.votingThreshold ?? existing?.votesRequired ?? 0,
    });
    return { state: 'pending', entry };
  }

  if (existing) {
    // Not open (any more): has it been decided? Look for our request among the results, by its tag.
    const results = await app.listVoteResults({ limit: 100 }, ctx.signal);
    const result = results.find(
      (r) => sameAction(r.action, intent.action) && (r.reasonBody.includes(tag) || (existing.trackingCid !== undefined && r.trackingCid === existing.trackingCid)),
    );
    const outcome = result ? FINAL[result.outcome] : undefined;
    if (outcome) {
      const entry = upsert(ctx, { ...existing, outcome });
      if (outcome === 'Accepted') return { state: 'accepted' };
      return { state: outcome === 'Rejected' ? 'rejected' : 'expired', entry };
    }
    if (existing.outcome === 'Pending') {
      // Seen open before, not open now, no result yet: the app's lists lag. Never request again on a guess.
      return { state: 'pending', entry: existing };
    }
  }

  // Nothing exists for this intent: record it, then send it.
  if (!existing) {
    upsert(ctx, { action: intent.label, attempt: intent.attempt, requestedAt: ctx.draft.nowIso(), outcome: 'Requesting' });
    if (!(await ctx.checkpoint())) return { state: 'conflict' };
  }
  if (ctx.signal.aborted) return { state: 'requested' };
  try {
    await app.createVoteRequest(
      {
        requester: requester.partyId,
        action: intent.action,
        url: '',
        description: `${intent.description} [${tag}]`,
        expirationMs: intent.expirationMs,
        ...(intent.effectiveAt ? { effectiveTime: intent.effectiveAt } : {}),
      },
      ctx.signal,
    );
    ctx.log.info({ vote: intent.label, attempt: intent.attempt, action: describeAction(intent.action) }, 'requested a vote');
    await ctx.deps.event(ctx.m, 'Normal', 'VoteRequested', `requested a vote on ${intent.label} (attempt ${intent.attempt}) through ${ctx.m.spec.oldSv.name}'s SV app`);
  } catch (err) {
    if (!(err instanceof DuplicateVoteRequestError)) throw err;
    ctx.log.info({ vote: intent.label }, 'the SV app already has this vote request; adopting it');
  }
  return { state: 'requested' };
}

/**
 * The on-ledger result shows the votes passed: their entries that were still open in status are marked Accepted (the
 * network moved faster than the operator looked).
 */
export function markAccepted(ctx: StepContext, labelPrefix: string, attempt: number): void {
  for (const v of ctx.draft.status.votes ?? []) {
    if (v.action.startsWith(labelPrefix) && v.attempt === attempt && (v.outcome === 'Requesting' || v.outcome === 'Pending')) v.outcome = 'Accepted';
  }
}

/** "waiting for 2 more SV votes on …" */
export function pendingMessage(entry: VoteStatus): string {
  const missing = Math.max(0, (entry.votesRequired ?? 0) - (entry.votesFor ?? 0));
  return `waiting for ${missing} more SV vote${missing === 1 ? '' : 's'} on ${entry.action} (${entry.votesFor ?? 0} of ${entry.votesRequired ?? '?'} so far, tracking cid ${entry.trackingCid})`;
}
