/**
 * The Splice clients against the simulator in both version modes (0.4.15 and 0.6.12): `/version`, vote results
 * ordering, filters and paging (a rejected vote buried under 10,000 other results is found with the filters), failed
 * actions, the SV right owners model, external vote requests and their tally, wallet users without a wallet (D1),
 * token-standard transfer idempotence and preapproval send dedup, and MainNet-like voting on empty reason URLs.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { offboardSvAction, updateSvRewardWeightAction } from '../../src/splice/daml-json.ts';
import { NotAuthorized, TransferExists, WalletUserNotOnboarded } from '../../src/splice/errors.ts';
import { tallyVotes } from '../../src/splice/vote-requests.ts';
import { findVoteResult } from '../../src/splice/vote-results.ts';
import { startSpliceSim } from '../env/splice-sim/index.ts';
import type { SimVersion, SpliceSim } from '../env/splice-sim/index.ts';
import { clientsFor } from '../env/splice-sim/clients.ts';

const DAY = 86_400_000;
const APP_USER = { nodeId: 'sv-1', clientId: 'sv-1-app', clientSecret: 'app-secret-0123456789', user: 'sv-1-app-user@clients', wallet: false };

describe.each<SimVersion>(['0.4.15', '0.6.12'])('Splice %s', (version) => {
  let sim: SpliceSim;

  beforeAll(async () => {
    // A network clock that moves only when the test says (advanceTime), so times computed from it compare exactly.
    const frozen = Date.now();
    sim = await startSpliceSim({
      version,
      now: () => frozen,
      svs: [
        { name: 'Acme-1', weightBps: 10_000, balance: '1000' },
        { name: 'Beta-1', weightBps: 10_000 },
        { name: 'Gamma-1', weightBps: 10_000 },
        { name: 'Delta-1', weightBps: 10_000 },
      ],
      candidates: [{ name: 'Acme-2', balance: '0' }],
      users: [APP_USER],
      seedVoteResults: { count: 10_000 },
    });
  });

  afterAll(async () => {
    await sim.stop();
    expect(sim.violations).toEqual([]);
  });

  it('Scan and the SV app report the version', async () => {
    const { scan, sv } = clientsFor(sim, 'sv-2');
    expect((await scan.getVersion()).version).toBe(version);
    expect((await sv.getVersion()).version).toBe(version);
  });

  it('a rejected vote buried under 10,000 other results is found with the actionName and requester filters', async () => {
    const acme = clientsFor(sim, 'sv-1');
    const action = updateSvRewardWeightAction(sim.node('cand-1').party, 5000);
    await acme.sv.createVoteRequest({ requester: acme.info.party, action, url: 'https://example.com/pr/1', description: 'd', expirationMs: DAY });
    const [req] = await acme.sv.listVoteRequests();
    sim.voteAll(req!.trackingCid, false);

    const found = await findVoteResult(
      (q) => acme.sv.listVoteResultsPage(q),
      { actionName: 'UpdateSvRewardWeight', requester: 'Acme-1', limit: 10 },
      (r) => r.trackingCid === req!.trackingCid,
    );
    expect(found.found).toMatchObject({ outcome: 'rejected', requesterName: 'Acme-1', reasonUrl: 'https://example.com/pr/1' });
    expect(found.pages).toBe(1);
    // Scan publishes the same results.
    const viaScan = await acme.scan.listVoteResultsPage({ requester: 'Acme-1', limit: 10 });
    expect(viaScan.results.map((r) => r.trackingCid)).toContain(req!.trackingCid);

    const unfiltered = await acme.sv.listVoteResultsPage({ limit: 100 });
    expect(unfiltered.results).toHaveLength(100);
    if (version === '0.4.15') {
      // D2: NULL effective dates first, oldest first: the newest rejection is not among the first 100, and no paging.
      expect(unfiltered.results.some((r) => r.trackingCid === req!.trackingCid)).toBe(false);
      expect(unfiltered.results.every((r) => r.outcome !== 'accepted')).toBe(true);
      expect(unfiltered.nextPageToken).toBeUndefined();
    } else {
      // Newest first, paged.
      expect(unfiltered.results[0]!.trackingCid).toBe(req!.trackingCid);
      expect(unfiltered.nextPageToken).toBe(100);
      const next = await acme.sv.listVoteResultsPage({ limit: 100, pageToken: unfiltered.nextPageToken! });
      expect(next.results).toHaveLength(100);
      expect(next.results[0]!.completedAt <= unfiltered.results[99]!.completedAt).toBe(true);
    }
  });

  it('pages through one requester of the seeded history (0.6.12) or cuts it at the limit (0.4.15)', async () => {
    const { sv } = clientsFor(sim, 'sv-2');
    let pages = 0;
    let total = 0;
    let q = { requester: 'Other-1', limit: 500 } as { requester: string; limit: number; pageToken?: number };
    for (;;) {
      const page = await sv.listVoteResultsPage(q);
      pages++;
      total += page.results.length;
      expect(page.results.every((r) => r.requesterName === 'Other-1')).toBe(true);
      if (page.nextPageToken === undefined) break;
      q = { ...q, pageToken: page.nextPageToken };
    }
    expect({ pages, total }).toEqual(version === '0.4.15' ? { pages: 1, total: 500 } : { pages: 4, total: 1667 });
    const accepted = await sv.listVoteResultsPage({ accepted: true, limit: 5 });
    expect(accepted.results.every((r) => r.outcome === 'accepted' && r.effectiveAt !== undefined)).toBe(true);
  });

  it('an accepted vote whose action fails is actionFailed with the description', async () => {
    const a = clientsFor(sim, 'sv-1');
    sim.failActions('DsoRules_UpdateSvRewardWeight: simulated failure');
    try {
      await a.sv.createVoteRequest({ requester: a.info.party, action: updateSvRewardWeightAction(sim.node('sv-4').party, 7000), url: 'u', description: 'd', expirationMs: DAY });
      const [req] = await a.sv.listVoteRequests();
      sim.voteAll(req!.trackingCid, true);
      const { found } = await findVoteResult((q) => a.sv.listVoteResultsPage(q), { requester: 'Acme-1', limit: 10 }, (r) => r.trackingCid === req!.trackingCid);
      expect(found).toMatchObject({ outcome: 'actionFailed', actionFailedDescription: 'DsoRules_UpdateSvRewardWeight: simulated failure' });
    } finally {
      sim.failActions(null);
    }
  });

  it('DsoState tells whether the DSO rules carry on-ledger SV right owners', async () => {
    const { scan } = clientsFor(sim, 'sv-3');
    expect((await scan.getDsoState()).onLedgerSvRightOwners).toBe(false);
    sim.setSvRightOwners([[sim.node('sv-1').party, { weight: '10000' }]]);
    expect((await scan.getDsoState()).onLedgerSvRightOwners).toBe(true);
    sim.setSvRightOwners(null);
  });

  it('a vote request made by hand as another SV is followed through Scan: tally, voteBefore, expiry on the network clock', async () => {
    const { scan } = clientsFor(sim, 'sv-4');
    const t0 = sim.now();
    const tracking = sim.createVoteRequestAs('sv-2', { action: offboardSvAction(sim.node('sv-4').party), url: 'https://example.com/pr/9', description: 'external', expirationMs: 7 * DAY, effectiveAtMs: t0 + 8 * DAY });
    sim.castVote('sv-3', tracking, false);
    const req = (await scan.listVoteRequests()).find((r) => r.trackingCid === tracking)!;
    expect(tallyVotes(req)).toEqual({
      trackingCid: tracking,
      acceptedBy: ['Beta-1'],
      rejectedBy: ['Gamma-1'],
      accepted: 1,
      rejected: 1,
      voteBefore: new Date(t0 + 7 * DAY).toISOString(),
      targetEffectiveAt: new Date(t0 + 8 * DAY).toISOString(),
    });
    sim.advanceTime(9 * DAY);
    expect((await scan.listVoteRequests()).some((r) => r.trackingCid === tracking)).toBe(false);
  });

  it('the SV app user without a wallet install gets WalletUserNotOnboarded; user-status says so; 403 on authorization is NotAuthorized', async () => {
    const app = clientsFor(sim, 'sv-1', { clientId: APP_USER.clientId, clientSecret: APP_USER.clientSecret });
    const err = await app.wallet.getBalance().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalletUserNotOnboarded);
    expect(err).toMatchObject({ status: 404, user: APP_USER.user });
    expect(await app.wallet.getUserStatus()).toMatchObject({ user_onboarded: false, user_wallet_installed: false });
    expect(await app.sv.checkAuthorization()).toEqual({ authorized: true });
    const other = clientsFor(sim, 'sv-2');
    const { sv } = clientsFor(sim, 'sv-1', { clientId: other.info.clientId, clientSecret: other.info.clientSecret });
    await expect(sv.isAuthorized()).rejects.toBeInstanceOf(NotAuthorized);
  });

  it('token-standard transfers: a reused tracking id is TransferExists and pays once', async () => {
    const from = clientsFor(sim, 'sv-1');
    const to = clientsFor(sim, 'cand-1');
    const before = (await from.wallet.getBalance()).unlocked;
    const input = { receiver_party_id: to.info.party, amount: '10', description: 'move', expires_at: new Date(sim.now() + DAY), tracking_id: `ts-${version}` };
    const first = await from.wallet.createTokenStandardTransfer(input);
    expect(first.kind).toBe('pending');
    await expect(from.wallet.createTokenStandardTransfer(input)).rejects.toBeInstanceOf(TransferExists);
    const listed = await to.wallet.listTokenStandardTransfers();
    expect(listed.map((t) => t.contractId)).toEqual([first.kind === 'pending' ? first.transferInstructionCid : '']);
    sim.acceptTransferInstruction('cand-1', listed[0]!.contractId);
    expect(Number((await from.wallet.getBalance()).unlocked)).toBe(Number(before) - 10);
    expect((await to.wallet.getBalance()).unlocked).toBe('10.0000000000');
  });

  it('preapproval sends: the receiver is looked up on Scan; one success per deduplication id', async () => {
    const from = clientsFor(sim, 'sv-1');
    const to = clientsFor(sim, 'cand-1');
    expect(await from.scan.lookupTransferPreapproval(to.info.party)).toBeUndefined();
    expect(await to.wallet.createTransferPreapproval()).toMatchObject({ alreadyExisted: false });
    expect(await to.wallet.createTransferPreapproval()).toEqual({ contractId: undefined, alreadyExisted: true });
    expect(await from.scan.lookupTransferPreapproval(to.info.party)).toMatchObject({ receiver: to.info.party });
    const toBefore = Number((await to.wallet.getBalance()).unlocked);
    const send = { receiver_party_id: to.info.party, amount: '5', deduplication_id: `dedup-${version}` };
    await from.wallet.sendViaPreapproval(send);
    const dup = await from.wallet.sendViaPreapproval(send).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(TransferExists);
    expect(dup).toMatchObject({ trackingId: send.deduplication_id });
    expect(Number((await to.wallet.getBalance()).unlocked)).toBe(toBefore + 5);
    expect(sim.counts()['sv-1']!.transferPreapprovalSend).toEqual({ attempts: 2, succeeded: 1 });
  });
});

describe('MainNet-like governance', () => {
  it('the simulated SVs vote down a weight change with an empty reason URL, and not one that links a PR', async () => {
    const sim = await startSpliceSim({ version: '0.6.12', mainNetRules: true, svs: [{ name: 'A', weightBps: 1 }, { name: 'B', weightBps: 2 }, { name: 'C', weightBps: 3 }] });
    try {
      const a = clientsFor(sim, 'sv-1');
      await a.sv.createVoteRequest({ requester: a.info.party, action: updateSvRewardWeightAction(sim.node('sv-2').party, 5), url: '', description: 'no PR', expirationMs: DAY });
      const results = await a.sv.listVoteResultsPage({ requester: 'A', limit: 10 });
      expect(results.results.map((r) => r.outcome)).toEqual(['rejected']);
      expect(results.results[0]!.votes.filter((v) => !v.accept).map((v) => v.svName).sort()).toEqual(['B', 'C']);
      await a.sv.createVoteRequest({ requester: a.info.party, action: updateSvRewardWeightAction(sim.node('sv-2').party, 5), url: 'https://example.com/pr/2', description: 'PR', expirationMs: DAY });
      expect(await a.sv.listVoteRequests()).toHaveLength(1);
    } finally {
      await sim.stop();
      expect(sim.violations).toEqual([]);
    }
  });
});
