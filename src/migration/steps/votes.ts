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
 * Every record reaches its final state with the final tally, also when the network moved on before the operator
 * looked.
 */
import { createHash } from 'node:crypto';
import type { SvKmsMigration, VoteStatus } from '../../api/types.ts';
import { findRequestForAction, type VoteRequest } from '../../splice/vote-requests.ts';
import type { VoteAction } from '../../splice/daml-json.ts';
import type { ActContext, Observed } from '../step.ts';
import type { Access, ClosedVote, GovernancePort, NetworkVotesPort, NewVoteRequest, VoteLookup } from '../ports.ts';
import { observed } from '../step.ts';
import { NOT_VOTED_LISTED } from '../../api/schema.ts';

export interface VoteIntent {
  /** Human label, also the key in status.votes together with the attempt, e.g. `UpdateSvRewardWeight(Acme-2:=10000)`. */
  label: string;
  attempt: number;
  action: VoteAction;
  description: string;
  expirationMs: number;
  effectiveAt?: Date;
  reasonUrl: string;
}

/** What the old SV's app showed about the votes a step cares about. */
export interface GovernanceView {
  requester: { partyId: string; name: string };
  open: VoteRequest[];
  /** Closed votes found, by `label#attempt` of the status record they answer. */
  closed: Record<string, ClosedVote | undefined>;
}

export type GovernanceObservation =
  | { kind: 'noAccess'; reason: string; message: string }
  | { kind: 'read'; view: Observed<GovernanceView> };

/** Where one intent stands after looking, and the status record to keep for it. */
export type VoteProgress =
  | { state: 'accepted'; entry: VoteStatus }
  | { state: 'rejected' | 'expired' | 'actionFailed'; entry: VoteStatus }
  | { state: 'pending'; entry: VoteStatus }
  /** Nothing of it exists on the network: send it (the entry, `Requesting`, is checkpointed first). */
  | { state: 'request'; entry: VoteStatus; request: NewVoteRequest };

const FINAL_OUTCOME = { accepted: 'Accepted', rejected: 'Rejected', expired: 'Expired', actionFailed: 'ActionFailed' } as const;

export function recordKey(v: Pick<VoteStatus, 'action' | 'attempt'>): string {
  return `${v.action}#${v.attempt}`;
}

/** The status record of `intent` (its label and attempt), if there is one. */
export function recordOf(votes: readonly VoteStatus[] | undefined, intent: Pick<VoteIntent, 'label' | 'attempt'>): VoteStatus | undefined {
  return votes?.find((v) => v.action === intent.label && v.attempt === intent.attempt);
}

/** The tag that identifies an intent's request among all requests with the same action (in the reason text). */
export function intentTag(uid: string, intent: Pick<VoteIntent, 'label' | 'attempt'>): string {
  return `svkms:${createHash('sha256').update(`${uid}\u0000${intent.label}\u0000${intent.attempt}`).digest('hex').slice(0, 16)}`;
}

export function migrationUid(m: SvKmsMigration): string {
  return m.metadata.uid ?? m.metadata.name;
}

export function isFinal(v: VoteStatus): boolean {
  return v.outcome === 'Accepted' || v.outcome === 'Rejected' || v.outcome === 'Expired' || v.outcome === 'ActionFailed';
}

/** Records of this step (by label prefix) that are not final: their closed votes are looked up. */
export function unresolved(votes: readonly VoteStatus[] | undefined, labelPrefix: string): VoteStatus[] {
  return (votes ?? []).filter((v) => v.action.startsWith(labelPrefix) && !isFinal(v));
}

export function closedRecord(entry: VoteStatus, closed: ClosedVote): VoteStatus {
  const outcome = closed.outcome ? FINAL_OUTCOME[closed.outcome] : undefined;
  const { closingShort: _closing, notVoted: _notVoted, notVotedCount: _notVotedCount, ...rest } = entry;
  return {
    ...rest,
    ...(outcome ? { outcome } : {}),
    ...(closed.trackingCid ? { trackingCid: closed.trackingCid } : {}),
    votesFor: closed.votesFor,
    votesAgainst: closed.votesAgainst,
    closedAt: closed.closedAt,
    ...(closed.outcome === 'actionFailed' || !closed.outcome ? { outcomeDetail: closed.detail } : {}),
  };
}

/** "A, B, C" or "A, B, … and 3 more": the SVs a vote waits on, as status lists them. */
export function notVotedText(entry: Pick<VoteStatus, 'notVoted' | 'notVotedCount'>): string {
  const names = entry.notVoted ?? [];
  const more = (entry.notVotedCount ?? names.length) - names.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}

/** How long before its close a vote short of its threshold is warned about. */
export const CLOSING_SOON_MS = 24 * 3_600_000;

function openRecord(entry: VoteStatus, open: VoteRequest, votingThreshold: number, svNames: readonly string[], now: Date): VoteStatus {
  const votesFor = open.votes.filter((v) => v.accept).length;
  const votesRequired = votingThreshold || entry.votesRequired || 0;
  const voted = new Set(open.votes.map((v) => v.svName));
  const notVoted = svNames.filter((n) => !voted.has(n));
  const closingShort = votesFor < votesRequired && Date.parse(open.voteBefore) - now.getTime() < CLOSING_SOON_MS;
  return {
    ...entry,
    trackingCid: open.trackingCid,
    outcome: 'Pending',
    votesFor,
    votesAgainst: open.votes.filter((v) => !v.accept).length,
    votesRequired,
    expiresAt: open.voteBefore,
    ...(open.targetEffectiveAt ? { effectiveAt: open.targetEffectiveAt } : {}),
    // The CRD bounds the list (a network of hundreds of SVs must not make the status invalid); the count is whole.
    ...(svNames.length ? { notVoted: notVoted.slice(0, NOT_VOTED_LISTED), notVotedCount: notVoted.length } : {}),
    closingShort,
  };
}

/** The request to send for an intent. */
export function newVoteRequest(uid: string, requesterPartyId: string, intent: VoteIntent): NewVoteRequest {
  return {
    requesterPartyId,
    action: intent.action,
    reasonUrl: intent.reasonUrl,
    description: `${intent.description} [${intentTag(uid, intent)}]`,
    expirationMs: intent.expirationMs,
    ...(intent.effectiveAt ? { effectiveAt: intent.effectiveAt } : {}),
  };
}

/**
 * Drives one vote intent one step further, purely: never asks for a request whose twin may exist. `existing` is its
 * status record, if any.
 */
export function decideVote(uid: string, intent: VoteIntent, existing: VoteStatus | undefined, view: GovernanceView, dso: { votingThreshold: number; svNames: readonly string[] }, now: Date): VoteProgress {
  const nowIso = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (existing?.outcome === 'Accepted') return { state: 'accepted', entry: existing };
  if (existing?.outcome === 'Rejected') return { state: 'rejected', entry: existing };
  if (existing?.outcome === 'Expired') return { state: 'expired', entry: existing };
  if (existing?.outcome === 'ActionFailed') return { state: 'actionFailed', entry: existing };
  const match = findRequestForAction(view.open, intent.action, view.requester.name);
  const base: VoteStatus = existing ?? { action: intent.label, attempt: intent.attempt, requestedAt: nowIso, outcome: 'Requesting' };
  if (match) return { state: 'pending', entry: openRecord(base, match, dso.votingThreshold, dso.svNames, now) };
  if (existing) {
    const closed = view.closed[recordKey(existing)];
    if (closed?.outcome) {
      const entry = closedRecord(existing, closed);
      return closed.outcome === 'accepted' ? { state: 'accepted', entry } : { state: closed.outcome, entry };
    }
    // Seen open before, not open now, no result yet: the app's lists lag. Never request again on a guess.
    if (existing.outcome === 'Pending') return { state: 'pending', entry: existing };
  }
  // Nothing exists for this intent (or a send whose fate is unknown and left no trace): record, then send it.
  return { state: 'request', entry: base, request: newVoteRequest(uid, view.requester.partyId, intent) };
}

/**
 * Records of this step whose vote the network has evidently decided in favour (the on-ledger state shows its
 * effect): final, with the closed vote's tally where it was found.
 */
export function settleAccepted(votes: readonly VoteStatus[] | undefined, labelPrefix: string, closed: Record<string, ClosedVote | undefined>): VoteStatus[] {
  return (votes ?? []).map((v) => {
    if (!v.action.startsWith(labelPrefix) || isFinal(v)) return v;
    const found = closed[recordKey(v)];
    if (found?.outcome) return closedRecord(v, found);
    return { ...v, outcome: 'Accepted' };
  });
}

/** status.votes with `entry` in place of its record (or added). */
export function withVote(votes: readonly VoteStatus[] | undefined, entry: VoteStatus): VoteStatus[] {
  const list = [...(votes ?? [])];
  const i = list.findIndex((v) => recordKey(v) === recordKey(entry));
  if (i >= 0) list[i] = entry;
  else list.push(entry);
  return list;
}

/**
 * "waiting since 2026-11-02T09:00:00Z for 2 more SV votes on …, closes 2026-11-09T09:00:00Z": times, not durations, so
 * the text (and the status) changes only when the vote does, not every minute a vote stays open.
 */
export function pendingMessage(entry: VoteStatus): string {
  const missing = Math.max(0, (entry.votesRequired ?? 0) - (entry.votesFor ?? 0));
  const since = entry.requestedAt ? ` since ${entry.requestedAt}` : '';
  const closes = entry.expiresAt ? `, closes ${entry.expiresAt}` : '';
  const waitingOn = entry.notVoted?.length ? `; not voted yet: ${notVotedText(entry)}` : '';
  return `waiting${since} for ${missing} more SV vote${missing === 1 ? '' : 's'} on ${entry.action} (${entry.votesFor ?? 0} of ${entry.votesRequired ?? '?'} so far${closes}, tracking cid ${entry.trackingCid ?? 'not yet known'}${waitingOn})`;
}

/** A closed vote to look for, keyed by the status record it answers. */
export interface KeyedLookup {
  key: string;
  lookup: VoteLookup;
}

/** The lookup for a status record whose action is `action`. */
export function lookupFor(m: SvKmsMigration, v: VoteStatus, action: VoteAction): KeyedLookup {
  return {
    key: recordKey(v),
    lookup: { action, requesterName: m.spec.oldSv.name, tag: intentTag(migrationUid(m), { label: v.action, attempt: v.attempt }), ...(v.trackingCid ? { trackingCid: v.trackingCid } : {}) },
  };
}

/** Reads the SV's party, the open requests and the closed votes for `lookups` through the old SV's app. */
export async function observeGovernance(m: SvKmsMigration, app: Access<GovernancePort>, lookups: readonly KeyedLookup[], signal: AbortSignal): Promise<GovernanceObservation> {
  if (!app.ok) return { kind: 'noAccess', reason: app.reason, message: app.message };
  const client = app.client;
  return {
    kind: 'read',
    view: await observed(async () => {
      const [identity, open] = await Promise.all([client.identity(signal), client.openVoteRequests(signal)]);
      return { requester: { partyId: identity.partyId, name: m.spec.oldSv.name }, open, closed: await closedVotes(client, lookups, signal) };
    }),
  };
}

/** Reads the open requests and the closed votes for `lookups` as the Scans agree on them (votes requested by others). */
export async function observeNetworkVotes(m: SvKmsMigration, votes: NetworkVotesPort, oldSvParty: string, lookups: readonly KeyedLookup[], signal: AbortSignal): Promise<GovernanceObservation> {
  return {
    kind: 'read',
    view: await observed(async () => ({ requester: { partyId: oldSvParty, name: m.spec.oldSv.name }, open: await votes.openVoteRequests(signal), closed: await closedVotes(votes, lookups, signal) })),
  };
}

async function closedVotes(source: Pick<NetworkVotesPort, 'findClosedVote'>, lookups: readonly KeyedLookup[], signal: AbortSignal): Promise<Record<string, ClosedVote | undefined>> {
  const closed: Record<string, ClosedVote | undefined> = {};
  for (const { key, lookup } of lookups) closed[key] = await source.findClosedVote(lookup, signal);
  return closed;
}

/** The effect of a vote step: send this request through the old SV's app. */
export interface RequestVote {
  kind: 'requestVote';
  label: string;
  attempt: number;
  request: NewVoteRequest;
}

/** Sends a vote request; a duplicate answer means it exists and is adopted on the next look. */
export async function requestVote(effect: RequestVote, { m, deps, signal, log }: ActContext, app: GovernancePort): Promise<boolean> {
  const result = await app.requestVote(effect.request, signal);
  if (result === 'exists') {
    log.info({ vote: effect.label }, 'the SV app already has this vote request; adopting it');
    return false;
  }
  log.info({ vote: effect.label, attempt: effect.attempt }, 'requested a vote');
  await deps.event(m, 'Normal', 'VoteRequested', `requested a vote on ${effect.label} (attempt ${effect.attempt}) through ${m.spec.oldSv.name}'s SV app`);
  return true;
}
