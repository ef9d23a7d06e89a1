/**
 * Typed views of `Splice.DsoRules:VoteRequest` contracts and vote results, shared by the SV app and Scan clients, and
 * the tally of an open request (what "external voter" mode follows through a quorum of Scans).
 */
import { decodeVoteAction, sameAction } from './daml-json.ts';
import type { VoteAction } from './daml-json.ts';
import type { VoteRequestContract, VoteRequestPayload, VoteResultPayload } from './daml-payloads.ts';

/** One vote on a request. */
export interface CastVote {
  svName: string;
  svParty: string;
  accept: boolean;
  reasonUrl: string;
  reasonBody: string;
  /** When the vote was cast, when the ledger recorded it. */
  castAt: string | null;
}

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
  /** Votes, one per SV name. */
  votes: CastVote[];
  /** The request's expiration: votes are counted until then (`voteBefore`). */
  voteBefore: string;
  /** When an accepted action takes effect; null = as soon as ⅔ accept. */
  targetEffectiveAt: string | null;
  reasonUrl: string;
  reasonBody: string;
}

/** How a closed request ended. `actionFailed` is `VRO_AcceptedButActionFailed` (D3, before dsoGovernance 0.1.24). */
export type VoteOutcome = 'accepted' | 'rejected' | 'expired' | 'actionFailed';

/** The outcome of a closed vote request. */
export interface VoteResult {
  trackingCid: string | null;
  requesterName: string;
  action: unknown;
  decodedAction: VoteAction | undefined;
  /** A known outcome, or the raw outcome tag for outcomes this client does not know (`string & {}` keeps the known ones from collapsing into `string`). */
  outcome: VoteOutcome | (string & {});
  /** For `actionFailed`: why the accepted action failed. */
  actionFailedDescription?: string;
  /** For `accepted`: when the action took effect. */
  effectiveAt?: string;
  completedAt: string;
  votes: CastVote[];
  voteBefore: string;
  targetEffectiveAt: string | null;
  reasonUrl: string;
  /** The request's reason text (where a requester can tag its intent). */
  reasonBody: string;
}

function toVotes(p: VoteRequestPayload): CastVote[] {
  return p.votes.map(([svName, v]) => ({ svName, svParty: v.sv, accept: v.accept, reasonUrl: v.reason?.url ?? '', reasonBody: v.reason?.body ?? '', castAt: v.optCastAt ?? null }));
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
    votes: toVotes(p),
    voteBefore: p.voteBefore,
    targetEffectiveAt: p.targetEffectiveAt ?? null,
    reasonUrl: p.reason.url,
    reasonBody: p.reason.body,
  };
}

const OUTCOMES: Record<string, VoteOutcome> = {
  VRO_Accepted: 'accepted',
  VRO_Rejected: 'rejected',
  VRO_Expired: 'expired',
  VRO_AcceptedButActionFailed: 'actionFailed',
};

/** Converts a `DsoRules_CloseVoteRequestResult` into a {@link VoteResult}. */
export function toVoteResult(r: VoteResultPayload): VoteResult {
  const p = r.request;
  const outcome = OUTCOMES[r.outcome.tag] ?? r.outcome.tag;
  return {
    trackingCid: p.trackingCid ?? null,
    requesterName: p.requester,
    action: p.action,
    decodedAction: decodeVoteAction(p.action),
    outcome,
    ...(outcome === 'actionFailed' && typeof r.outcome.value?.description === 'string' ? { actionFailedDescription: r.outcome.value.description } : {}),
    ...(outcome === 'accepted' && typeof r.outcome.value?.effectiveAt === 'string' ? { effectiveAt: r.outcome.value.effectiveAt } : {}),
    completedAt: r.completedAt,
    votes: toVotes(p),
    voteBefore: p.voteBefore,
    targetEffectiveAt: p.targetEffectiveAt ?? null,
    reasonUrl: p.reason.url,
    reasonBody: p.reason.body,
  };
}

/** The open request with the same action, preferring one from `requesterName` (whose duplicate the app would reject). */
export function findRequestForAction(requests: VoteRequest[], action: VoteAction, requesterName?: string): VoteRequest | undefined {
  const same = requests.filter((r) => sameAction(r.action, action));
  return same.find((r) => r.requesterName === requesterName) ?? same[0];
}

/** Where an open request stands: who voted which way, and its deadlines. */
export interface VoteTally {
  trackingCid: string;
  /** SV names that accepted / rejected, sorted. */
  acceptedBy: string[];
  rejectedBy: string[];
  accepted: number;
  rejected: number;
  voteBefore: string;
  targetEffectiveAt: string | null;
}

/**
 * The tally of `request`, counting only the votes of `currentSvNames` when given (votes of offboarded SVs do not count
 * on the ledger). Deterministic, so tallies from several Scans can be compared for a quorum.
 */
export function tallyVotes(request: VoteRequest, currentSvNames?: ReadonlySet<string>): VoteTally {
  const counted = request.votes.filter((v) => currentSvNames === undefined || currentSvNames.has(v.svName));
  const acceptedBy = counted.filter((v) => v.accept).map((v) => v.svName).sort();
  const rejectedBy = counted.filter((v) => !v.accept).map((v) => v.svName).sort();
  return {
    trackingCid: request.trackingCid,
    acceptedBy,
    rejectedBy,
    accepted: acceptedBy.length,
    rejected: rejectedBy.length,
    voteBefore: request.voteBefore,
    targetEffectiveAt: request.targetEffectiveAt,
  };
}
