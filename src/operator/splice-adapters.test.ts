/**
 * The Splice ports over the typed clients: HTTP outcomes become the workflow's terms, and a closed vote is found by
 * the server-side filters however long the network's history is.
 */
import { describe, expect, it } from '@jest/globals';
import { offboardSvAction, updateSvRewardWeightAction } from '../splice/daml-json.ts';
import { ApiError, TransientError } from '../splice/errors.ts';
import { DuplicateVoteRequestError, type VoteResultsQuery } from '../splice/sv-app.ts';
import type { CastVote, VoteResult } from '../splice/vote-requests.ts';
import { governancePort, onboardingProgress, walletPort, type GovernanceClient, type WalletOps } from './splice-adapters.ts';
import type { TransferMethod } from '../migration/ports.ts';

const ACTION = updateSvRewardWeightAction('Acme-2::1', 10_000);

function result(over: Partial<VoteResult>): VoteResult {
  return {
    trackingCid: 'cid-1',
    requesterName: 'Acme-1',
    action: ACTION,
    decodedAction: undefined,
    outcome: 'accepted',
    completedAt: '2026-11-09T10:00:00Z',
    voteBefore: '2026-11-09T10:00:00Z',
    targetEffectiveAt: null,
    reasonUrl: '',
    reasonBody: 'move [svkms:abc]',
    votes: [],
    ...over,
  };
}

function cast(svName: string, accept: boolean): CastVote {
  return { svName, svParty: `${svName}::1`, accept, reasonUrl: '', reasonBody: '', castAt: null };
}

function governance(results: VoteResult[], onQuery?: (q: VoteResultsQuery) => void): GovernanceClient {
  return {
    createVoteRequest: async () => undefined,
    isAuthorized: async () => undefined,
    listVoteRequests: async () => [],
    getIdentity: async () => ({ svUser: 'u', svPartyId: 'Acme-1::1', dsoPartyId: 'DSO::1' }),
    // Pages of `limit` over the matching results, as Splice ≥ 0.6.10 serves them.
    listVoteResultsPage: async (q) => {
      onQuery?.(q);
      const matching = results.filter((r) => q.requester === undefined || r.requesterName === q.requester);
      const start = q.pageToken ?? 0;
      const page = matching.slice(start, start + q.limit);
      return start + q.limit < matching.length ? { results: page, nextPageToken: start + q.limit } : { results: page };
    },
  };
}

describe('governance port', () => {
  it('asks the server for results of this action and requester only', async () => {
    const queries: VoteResultsQuery[] = [];
    await governancePort(governance([], (q) => queries.push(q))).findClosedVote({ action: ACTION, requesterName: 'Acme-1', tag: 'svkms:abc' }, new AbortController().signal);
    expect(queries).toEqual([{ actionName: 'SRARC_UpdateSvRewardWeight', requester: 'Acme-1', limit: 100 }]);
  });

  it('follows the pages to a result beyond the first 100', async () => {
    const others = Array.from({ length: 250 }, (_, i) => result({ reasonBody: `other ${i}`, trackingCid: `o-${i}` }));
    const queries: VoteResultsQuery[] = [];
    const found = await governancePort(governance([...others, result({ outcome: 'rejected' })], (q) => queries.push(q))).findClosedVote({ action: ACTION, requesterName: 'Acme-1', tag: 'svkms:abc' }, new AbortController().signal);
    expect(found).toMatchObject({ outcome: 'rejected' });
    expect(queries.map((q) => q.pageToken)).toEqual([undefined, 100, 200]);
  });

  it.each([
    ['found by its tag, with the final tally', [result({ votes: [cast('a', true), cast('b', true), cast('c', false)] })], { outcome: 'accepted', votesFor: 2, votesAgainst: 1, closedAt: '2026-11-09T10:00:00Z' }],
    ['found by the tracking cid seen open', [result({ reasonBody: 'no tag', trackingCid: 'cid-seen' })], { outcome: 'accepted', trackingCid: 'cid-seen' }],
    ['an action that failed, with the ledger\'s description', [result({ outcome: 'actionFailed', actionFailedDescription: 'party unknown' })], { outcome: 'actionFailed', detail: 'party unknown' }],
    ['an outcome this operator does not know is reported, never acted on', [result({ outcome: 'VRO_Something' })], { outcome: undefined, detail: 'VRO_Something' }],
    ['another request for the same action without the tag is not ours', [result({ reasonBody: 'someone else', trackingCid: 'other' })], undefined],
    ['a result for another action is not ours', [result({ action: offboardSvAction('Acme-1::1') })], undefined],
  ])('%s', async (_n, results, expected) => {
    const found = await governancePort(governance(results)).findClosedVote({ action: ACTION, requesterName: 'Acme-1', tag: 'svkms:abc', trackingCid: 'cid-seen' }, new AbortController().signal);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject(expected);
  });

  it('a duplicate request is "exists"; other failures pass through', async () => {
    const client = governance([]);
    client.createVoteRequest = async () => {
      throw new DuplicateVoteRequestError(new ApiError('sv', 'createVoteRequest', 400, 'This vote request has already been created cid-1.'));
    };
    const request = { requesterPartyId: 'Acme-1::1', action: ACTION, reasonUrl: '', description: 'd', expirationMs: 1000 };
    await expect(governancePort(client).requestVote(request, new AbortController().signal)).resolves.toBe('exists');
    client.createVoteRequest = async () => {
      throw new TransientError('sv', 'createVoteRequest', 'timeout');
    };
    await expect(governancePort(client).requestVote(request, new AbortController().signal)).rejects.toBeInstanceOf(TransientError);
  });

  it('passes the reason URL and the effective time to the app', async () => {
    const client = governance([]);
    const seen: unknown[] = [];
    client.createVoteRequest = async (input) => void seen.push(input);
    const effectiveAt = new Date('2026-11-10T10:00:00Z');
    await governancePort(client).requestVote({ requesterPartyId: 'Acme-1::1', action: ACTION, reasonUrl: 'https://pr', description: 'd', expirationMs: 5, effectiveAt }, new AbortController().signal);
    expect(seen).toEqual([{ requester: 'Acme-1::1', action: ACTION, url: 'https://pr', description: 'd', expirationMs: 5, effectiveTime: effectiveAt }]);
  });
});

/** A wallet client whose every call succeeds; `over` replaces some. */
const walletOps = (over: Partial<WalletOps>): WalletOps => ({
  getUserStatus: async () => ({ party_id: 'p', user_onboarded: true, user_wallet_installed: true, has_featured_app_right: false }),
  getBalance: async () => ({ round: 1, unlocked: '12.5', locked: '0', holdingFees: '0' }),
  createTransferOffer: async () => 'cid',
  getTransferOfferStatus: async () => ({ status: 'created', contract_id: 'c', transaction_id: 't' }),
  listTransferOffers: async () => [],
  acceptTransferOffer: async () => 'cid',
  featureSupport: async () => ({ tokenStandard: true, preapprovalDescription: true }),
  createTokenStandardTransfer: async () => ({ kind: 'pending', transferInstructionCid: 'i1' }),
  listTokenStandardTransfers: async () => [],
  acceptTokenStandardTransfer: async () => ({ kind: 'completed', receiverHoldingCids: [] }),
  sendViaPreapproval: async () => undefined,
  listTransactions: async () => [],
  ...over,
});

describe('wallet port', () => {
  const ops = walletOps;
  const offer = (trackingId: string) => ({ trackingId, method: 'TransferOffer' as const });
  const order = (method: TransferMethod) => ({ receiverPartyId: 'p', amount: '1.5', description: 'd [t]', expiresAt: new Date(1000), trackingId: 't', method });
  const signal = new AbortController().signal;

  it.each([
    ['created', { status: 'created', contract_id: 'c', transaction_id: 't' }, 'created'],
    ['completed', { status: 'completed', contract_id: 'c', transaction_id: 't' }, 'completed'],
    ['expired', { status: 'failed', failure_kind: 'expired' }, 'expired'],
    ['rejected', { status: 'failed', failure_kind: 'rejected' }, 'failed'],
  ] as const)('transfer state %s', async (_n, body, state) => {
    await expect(walletPort(ops({ getTransferOfferStatus: async () => body })).transferState(offer('t'), signal)).resolves.toBe(state);
  });

  it('an unknown tracking id is undefined; other errors pass through', async () => {
    await expect(walletPort(ops({ getTransferOfferStatus: async () => Promise.reject(new ApiError('wallet', 's', 404, 'not found')) })).transferState(offer('t'), signal)).resolves.toBeUndefined();
    await expect(walletPort(ops({ getTransferOfferStatus: async () => Promise.reject(new ApiError('wallet', 's', 500, 'boom')) })).transferState(offer('t'), signal)).rejects.toBeInstanceOf(ApiError);
  });

  it('a second transfer with the same tracking id is "exists"', async () => {
    await expect(walletPort(ops({ createTransferOffer: async () => Promise.reject(new ApiError('wallet', 'c', 409, 'duplicate')) })).sendTransfer(order('TransferOffer'), signal)).resolves.toBe('exists');
  });

  it('sends the wire names and finds incoming offers by tracking id', async () => {
    const sent: unknown[] = [];
    const port = walletPort(ops({ createTransferOffer: async (i) => (sent.push(i), 'cid'), listTransferOffers: async () => [{ contractId: 'c9', sender: 's', receiver: 'r', amount: '1', trackingId: 't9', description: '' }] }));
    await port.sendTransfer(order('TransferOffer'), signal);
    expect(sent).toEqual([{ receiver_party_id: 'p', amount: '1.5', description: 'd [t]', expires_at: new Date(1000), tracking_id: 't' }]);
    await expect(port.incomingTransfer(offer('t9'), signal)).resolves.toBe('c9');
    await expect(port.incomingTransfer(offer('t0'), signal)).resolves.toBeUndefined();
    await expect(port.unlockedBalance(signal)).resolves.toBe('12.5');
    await expect(port.userStatus(signal)).resolves.toEqual({ onboarded: true, walletInstalled: true, partyId: 'p' });
  });
});

describe('wallet port: token-standard transfers and preapproval sends', () => {
  const signal = new AbortController().signal;
  const order = (method: TransferMethod) => ({ receiverPartyId: 'p', amount: '2', description: 'move [t7]', expiresAt: new Date(5000), trackingId: 't7', method });
  const base = (over: Partial<WalletOps>): WalletOps => walletOps({ featureSupport: async () => undefined, ...over });

  it('sends each method with its own call, the tracking id as the deduplication id', async () => {
    const calls: unknown[] = [];
    const port = walletPort(base({
      createTokenStandardTransfer: async (i) => (calls.push(['token', i]), { kind: 'pending', transferInstructionCid: 'i1' }),
      sendViaPreapproval: async (i) => void calls.push(['preapproval', i]),
    }));
    await expect(port.sendTransfer(order('TokenStandard'), signal)).resolves.toBe('created');
    await expect(port.sendTransfer(order('TransferPreapproval'), signal)).resolves.toBe('created');
    expect(calls).toEqual([
      ['token', { receiver_party_id: 'p', amount: '2', description: 'move [t7]', expires_at: new Date(5000), tracking_id: 't7' }],
      ['preapproval', { receiver_party_id: 'p', amount: '2', description: 'move [t7]', deduplication_id: 't7' }],
    ]);
  });

  it.each(['TokenStandard', 'TransferPreapproval'] as const)('a refused duplicate %s id is "exists"', async (method) => {
    const dup = async () => Promise.reject(new ApiError('wallet', 'x', 409, 'duplicate'));
    await expect(walletPort(base({ createTokenStandardTransfer: dup, sendViaPreapproval: dup })).sendTransfer(order(method), signal)).resolves.toBe('exists');
  });

  it('reads the state from the history, back to the request time', async () => {
    const pages: unknown[] = [];
    const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, s));
    const port = walletPort(base({
      listTransactions: async (page) => {
        pages.push(page);
        return [{ eventId: 'e1', date: at(3), type: 'transfer', sender: 'o', receivers: [{ party: 'p', amount: '2' }], description: 'move [t7]' }];
      },
    }));
    await expect(port.transferState({ trackingId: 't7', method: 'TransferPreapproval', requestedAt: at(0) }, signal)).resolves.toBe('completed');
    await expect(port.transferState({ trackingId: 't8', method: 'TokenStandard', requestedAt: at(0) }, signal)).resolves.toBeUndefined();
    expect(pages).toEqual([{ pageSize: 100 }, { pageSize: 100 }]);
  });

  it('finds the receiver\'s open instruction by the tracking id in its reason, and accepts it as an instruction', async () => {
    const accepted: string[] = [];
    const port = walletPort(base({
      listTokenStandardTransfers: async () => [
        { contractId: 'i0', templateId: 'T', payload: { transfer: { meta: { values: { 'splice.lfdecentralizedtrust.org/reason': 'other [t6]' } } } } },
        { contractId: 'i1', templateId: 'T', payload: { transfer: { meta: { values: { 'splice.lfdecentralizedtrust.org/reason': 'move [t7]' } } } } },
      ],
      acceptTokenStandardTransfer: async (cid) => (accepted.push(cid), { kind: 'completed', receiverHoldingCids: [] }),
    }));
    await expect(port.incomingTransfer({ trackingId: 't7', method: 'TokenStandard' }, signal)).resolves.toBe('i1');
    await expect(port.incomingTransfer({ trackingId: 't7', method: 'TransferPreapproval' }, signal)).resolves.toBeUndefined();
    await port.acceptTransfer('TokenStandard', 'i1', signal);
    expect(accepted).toEqual(['i1']);
  });

  it('a wallet without feature reporting supports neither newer method', async () => {
    await expect(walletPort(base({})).features(signal)).resolves.toEqual({ tokenStandard: false, preapprovalDescription: false });
  });
});

describe('onboarding progress', () => {
  it('reads the confirmations of a requested onboarding', () => {
    expect(onboardingProgress({ state: 'requested', confirmed_by: ['a', 'b'], required_num_confirmations: 3 } as never)).toEqual({ state: 'requested', confirmations: { have: 2, need: 3 } });
    expect(onboardingProgress({ state: 'completed' } as never)).toEqual({ state: 'completed' });
  });
});
