/**
 * The workflow's Splice ports on the typed clients: HTTP outcomes become the workflow's terms here (a duplicate vote
 * request is `exists`, a 409 on a transfer's tracking id is `exists`, a 404 on a transfer's status is "unknown"), so
 * no step knows a status code or a wire field name.
 */
import { toCreateVoteRequest } from '../migration/steps/vote-step.ts';
import { sameAction } from '../splice/daml-json.ts';
import { ApiError } from '../splice/errors.ts';
import { DuplicateVoteRequestError, type SvAppClient } from '../splice/sv-app.ts';
import type { VoteRequest, VoteResult } from '../splice/vote-requests.ts';
import { findVoteResult } from '../splice/vote-results.ts';
import type { WalletClient } from '../splice/wallet.ts';
import type { ClosedVote, GovernancePort, NetworkVotesPort, OnboardingProgress, TransferMethod, TransferOrder, TransferState, VoteLookup, VoteOutcome, WalletPort } from '../migration/ports.ts';
import { instructionReason, readHistory, transferStateFromHistory } from './wallet-history.ts';
import { agree, type ScanView } from '../splice/scan-quorum.ts';
import type { ScanClient } from '../splice/scan.ts';
import { TransientError } from '../splice/errors.ts';
import type { OnboardingStatus } from '../splice/sv-app.ts';

/** Page size of vote-result lookups. */
export const VOTE_RESULTS_PAGE = 100;

/** The SV app operations the governance port uses. */
export type GovernanceClient = Pick<SvAppClient, 'createVoteRequest' | 'listVoteRequests' | 'listVoteResultsPage' | 'getIdentity' | 'isAuthorized'>;

const KNOWN_OUTCOMES = new Set<string>(['accepted', 'rejected', 'expired', 'actionFailed']);

/** A closed vote in the workflow's terms. */
export function toClosedVote(r: VoteResult): ClosedVote {
  return {
    trackingCid: r.trackingCid,
    outcome: KNOWN_OUTCOMES.has(r.outcome) ? (r.outcome as VoteOutcome) : undefined,
    detail: r.actionFailedDescription ?? String(r.outcome),
    closedAt: r.completedAt,
    votesFor: r.votes.filter((v) => v.accept).length,
    votesAgainst: r.votes.filter((v) => !v.accept).length,
  };
}

/** Whether a closed vote answers the lookup: same action, and our tag in its reason (or the tracking cid we saw). */
export function answers(r: VoteResult, lookup: VoteLookup): boolean {
  return sameAction(r.action, lookup.action) && (r.reasonBody.includes(lookup.tag) || (lookup.trackingCid !== undefined && r.trackingCid === lookup.trackingCid));
}

/** The action's tag, as the results filter `actionName` matches it (a substring of the action's constructor names). */
function actionName(lookup: VoteLookup): string | undefined {
  const value = (lookup.action as { value?: { dsoAction?: { tag?: unknown } } }).value;
  return typeof value?.dsoAction?.tag === 'string' ? value.dsoAction.tag : undefined;
}

export function governancePort(client: GovernanceClient): GovernancePort {
  return {
    identity: async (signal) => ({ partyId: (await client.getIdentity(signal)).svPartyId }),
    verifyAuthorized: (signal) => client.isAuthorized(signal),
    openVoteRequests: (signal) => client.listVoteRequests(signal),
    async findClosedVote(lookup, signal) {
      // Filtered by action and requester on the server, and followed through the pages where the version pages, so
      // the intent's result is found however long the network's history of other votes is.
      const name = actionName(lookup);
      const { found } = await findVoteResult(
        (query) => client.listVoteResultsPage(query, signal),
        { ...(name ? { actionName: name } : {}), requester: lookup.requesterName, limit: VOTE_RESULTS_PAGE },
        (r) => answers(r, lookup),
      );
      return found ? toClosedVote(found) : undefined;
    },
    async requestVote(request, signal) {
      try {
        await client.createVoteRequest(toCreateVoteRequest(request), signal);
        return 'created';
      } catch (err) {
        if (err instanceof DuplicateVoteRequestError) return 'exists';
        throw err;
      }
    },
  };
}

/** The wallet operations the wallet port uses. */
export type WalletOps = Pick<
  WalletClient,
  | 'getUserStatus'
  | 'getBalance'
  | 'featureSupport'
  | 'createTransferOffer'
  | 'getTransferOfferStatus'
  | 'listTransferOffers'
  | 'acceptTransferOffer'
  | 'createTokenStandardTransfer'
  | 'listTokenStandardTransfers'
  | 'acceptTokenStandardTransfer'
  | 'sendViaPreapproval'
  | 'listTransactions'
>;

/** A refused duplicate id: the first send with it counts. */
function isDuplicate(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409;
}

async function offerState(client: WalletOps, trackingId: string, signal: AbortSignal): Promise<TransferState | undefined> {
  try {
    const st = await client.getTransferOfferStatus(trackingId, signal);
    if (st.status === 'failed') return st.failure_kind === 'expired' ? 'expired' : 'failed';
    return st.status;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Sends `order` the way its method says; each is one POST the wallet deduplicates by the tracking id. */
async function send(client: WalletOps, order: TransferOrder, signal: AbortSignal): Promise<void> {
  const base = { receiver_party_id: order.receiverPartyId, amount: order.amount, description: order.description };
  const sends: Record<TransferMethod, () => Promise<unknown>> = {
    TransferOffer: () => client.createTransferOffer({ ...base, expires_at: order.expiresAt, tracking_id: order.trackingId }, signal),
    TokenStandard: () => client.createTokenStandardTransfer({ ...base, expires_at: order.expiresAt, tracking_id: order.trackingId }, signal),
    TransferPreapproval: () => client.sendViaPreapproval({ ...base, deduplication_id: order.trackingId }, signal),
  };
  await sends[order.method]();
}

export function walletPort(client: WalletOps): WalletPort {
  return {
    async userStatus(signal) {
      const st = await client.getUserStatus(signal);
      return { onboarded: st.user_onboarded, walletInstalled: st.user_wallet_installed, partyId: st.party_id };
    },
    unlockedBalance: async (signal) => (await client.getBalance(signal)).unlocked,
    features: async (signal) => (await client.featureSupport(signal)) ?? { tokenStandard: false, preapprovalDescription: false },
    async transferState(ref, signal) {
      if (ref.method === 'TransferOffer') return offerState(client, ref.trackingId, signal);
      return transferStateFromHistory(await readHistory((page, s) => client.listTransactions(page, s), ref.requestedAt, signal), ref.trackingId);
    },
    async sendTransfer(order, signal) {
      try {
        await send(client, order, signal);
        return 'created';
      } catch (err) {
        if (isDuplicate(err)) return 'exists';
        throw err;
      }
    },
    async incomingTransfer(ref, signal) {
      if (ref.method === 'TransferOffer') return (await client.listTransferOffers(signal)).find((o) => o.trackingId === ref.trackingId)?.contractId;
      if (ref.method === 'TransferPreapproval') return undefined;
      return (await client.listTokenStandardTransfers(signal)).find((t) => instructionReason(t.payload)?.includes(ref.trackingId))?.contractId;
    },
    async acceptTransfer(method, contractId, signal) {
      if (method === 'TransferOffer') await client.acceptTransferOffer(contractId, signal);
      else await client.acceptTokenStandardTransfer(contractId, signal);
    },
  };
}

/** The sponsor's onboarding report in the workflow's terms. */
export function onboardingProgress(st: OnboardingStatus): OnboardingProgress {
  const detail = st as unknown as { confirmed_by?: string[]; required_num_confirmations?: number };
  return {
    state: st.state,
    ...(st.state === 'requested' && detail.required_num_confirmations !== undefined ? { confirmations: { have: detail.confirmed_by?.length ?? 0, need: detail.required_num_confirmations } } : {}),
  };
}

/** The Scan operations the network-votes port uses. */
export type ScanVotesClient = Pick<ScanClient, 'url' | 'listVoteRequests' | 'listVoteResultsPage'>;

/** Every Scan's answer to `read`, failures included. */
async function views<T>(scans: readonly ScanVotesClient[], read: (scan: ScanVotesClient) => Promise<T>): Promise<ScanView<T>[]> {
  const settled = await Promise.allSettled(scans.map(read));
  return settled.map((r, i) => (r.status === 'fulfilled' ? { url: scans[i]!.url, ok: true as const, value: r.value } : { url: scans[i]!.url, ok: false as const, error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)) }));
}

/** A request as far as the workflow reads it (what Scans of different SVs must agree on). */
function comparable(r: VoteRequest): VoteRequest {
  return { ...r, votes: [...r.votes].sort((a, b) => (a.svName < b.svName ? -1 : a.svName > b.svName ? 1 : 0)) };
}

/**
 * Votes as the Scans publish them, acted on only when `quorum` Scans agree (a vote requested by someone else is
 * followed without any credentials); a disagreement is a transient error that names which Scan said what.
 */
export function networkVotesPort(scans: readonly ScanVotesClient[], quorum: number): NetworkVotesPort {
  return {
    async openVoteRequests(signal) {
      const result = agree(await views(scans, (s) => s.listVoteRequests(signal)), quorum, (list) => list.map(comparable).sort((a, b) => (a.trackingCid < b.trackingCid ? -1 : 1)));
      if ('disagreement' in result) throw new TransientError('scan', 'listDsoRulesVoteRequests', `fewer than ${quorum} Scans agree on the open vote requests: ${result.summary}`);
      return result.agreed;
    },
    async findClosedVote(lookup, signal) {
      const name = actionName(lookup);
      const query = { ...(name ? { actionName: name } : {}), limit: VOTE_RESULTS_PAGE };
      const found = await views(scans, async (s) => {
        const { found: r } = await findVoteResult((q) => s.listVoteResultsPage(q, signal), query, (x) => answers(x, lookup));
        return r ? toClosedVote(r) : null;
      });
      const result = agree(found, quorum, (v) => v);
      if ('disagreement' in result) throw new TransientError('scan', 'listVoteRequestResults', `fewer than ${quorum} Scans agree on the result of ${lookup.tag}: ${result.summary}`);
      return result.agreed ?? undefined;
    },
  };
}
