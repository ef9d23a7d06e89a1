/**
 * Typed views of `Splice.DsoRules:VoteRequest` contracts and vote results, shared by the SV app and Scan clients.
 */
import { decodeVoteAction, sameAction } from './daml-json.ts';
import type { VoteAction } from './daml-json.ts';
import type { VoteRequestContract, VoteResultBody } from './schemas.ts';

/** One open vote request. */
export interface VoteRequest {
  contractId: string;
  /** The id that stays stable across votes: `payload.trackingCid` when set, else the contract id. */
  trackingCid: string;
  /** The requesting SV's *name* (not party). */
  requesterName: string;
  /** The raw Daml-JSON action, and its typed form when it is one the operator issues. */
  action: unknown;
  decodedAction: VoteAction | undefined;
  /** Votes keyed by SV name. */
  votes: { svName: string; svParty: string; accept: boolean }[];
  voteBefore: string;
  targetEffectiveAt: string | null;
  reasonUrl: string;
  reasonBody: string;
}

/** The outcome of a closed vote request. */
export interface VoteResult {
  trackingCid: string | null;
  requesterName: string;
  action: unknown;
  /** `accepted`, `rejected`, `expired`, or the raw outcome tag for outcomes this client does not know. */
  outcome: string;
  completedAt: string;
  /** The request's reason text (where a requester can tag its intent). */
  reasonBody: string;
  /** The final votes, keyed by SV name. */
  votes: { svName: string; accept: boolean }[];
  /** For `actionFailed`: what the ledger said; for an unknown outcome: its raw JSON. */
  detail: string;
}

/** Converts a listed contract into a {@link VoteRequest}. */
export function toVoteRequest(c: VoteRequestContract): VoteRequest {
  const p = c.payload;
  return {
    contractId: c.contract_id,
    trackingCid: p.trackingCid ?? c.contract_id,
    requesterName: p.requester,
    action: p.action,
    decodedAction: decodeVoteAction(p.action),
    votes: p.votes.map(([svName, v]) => ({ svName, svParty: v.sv, accept: v.accept })),
    voteBefore: p.voteBefore,
    targetEffectiveAt: p.targetEffectiveAt ?? null,
    reasonUrl: p.reason.url,
    reasonBody: p.reason.body,
  };
}

const OUTCOMES: Record<string, string> = { VRO_Accepted: 'accepted', VRO_Rejected: 'rejected', VRO_Expired: 'expired', VRO_AcceptedButActionFailed: 'actionFailed' };

/** What an outcome says beyond its tag: `VRO_AcceptedButActionFailed {description}`, or the raw value. */
function outcomeDetail(outcome: VoteResultBody['outcome']): string {
  const value = outcome.value as { description?: unknown } | undefined;
  if (typeof value?.description === 'string') return value.description;
  return value === undefined ? outcome.tag : `${outcome.tag} ${JSON.stringify(value)}`;
}

/** Converts a `DsoRules_CloseVoteRequestResult` into a {@link VoteResult}. */
export function toVoteResult(r: VoteResultBody): VoteResult {
  return {
    trackingCid: r.request.trackingCid ?? null,
    requesterName: r.request.requester,
    action: r.request.action,
    outcome: OUTCOMES[r.outcome.tag] ?? r.outcome.tag,
    completedAt: r.completedAt,
    reasonBody: r.request.reason.body,
    votes: r.request.votes.map(([svName, v]) => ({ svName, accept: v.accept })),
    detail: outcomeDetail(r.outcome),
  };
}

/** The open request with the same action, preferring one from `requesterName` (whose duplicate the app would reject). */
export function findRequestForAction(requests: VoteRequest[], action: VoteAction, requesterName?: string): VoteRequest | undefined {
  const same = requests.filter((r) => sameAction(r.action, action));
  return same.find((r) => r.requesterName === requesterName) ?? same[0];
}
