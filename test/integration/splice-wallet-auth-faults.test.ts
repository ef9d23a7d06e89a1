/**
 * Wallet client (balances, three-step transfer offer), JWT handling (wrong secret, wrong audience, wrong user) and
 * fault handling (one attempt per call: 5xx, timeouts and 429 surface as typed errors; malformed JSON reported)
 * against the Splice network simulator.
 */
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { ApiError, AuthError, MalformedResponseError, TransferExists, TransferUnknown, TransientError } from '../../src/splice/errors.ts';
import type { CallEvent } from '../../src/splice/http.ts';
import { offboardSvAction } from '../../src/splice/daml-json.ts';
import { SvAppClient } from '../../src/splice/sv-app.ts';
import { startSpliceSim } from '../env/splice-sim/index.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import { clientsFor } from '../env/splice-sim/clients.ts';

let sim: SpliceSim;

beforeEach(async () => {
  sim = await startSpliceSim({
    svs: [
      { name: 'Acme-1', weightBps: 10_000, balance: '1000.5' },
      { name: 'Beta-1', weightBps: 10_000 },
      { name: 'Gamma-1', weightBps: 10_000 },
    ],
    candidates: [{ name: 'Acme-2', balance: '0' }],
  });
});

afterEach(async () => {
  await sim.stop();
  expect(sim.violations).toEqual([]);
});

describe('wallet', () => {
  it('moves a balance with create → receiver accepts → completed', async () => {
    const oldSv = clientsFor(sim, 'sv-1');
    const newSv = clientsFor(sim, 'cand-1');
    expect((await oldSv.wallet.getUserStatus()).party_id).toBe(oldSv.info.party);
    expect(await oldSv.wallet.getBalance()).toMatchObject({ unlocked: '1000.5000000000', locked: '0.0000000000' });

    const trackingId = 'svkms-assets-acme-1';
    const offerCid = await oldSv.wallet.createTransferOffer({
      receiver_party_id: newSv.info.party,
      amount: '900.25',
      description: 'KMS migration',
      expires_at: new Date(Date.now() + 3600_000),
      tracking_id: trackingId,
    });
    expect(await oldSv.wallet.getTransferOfferStatus(trackingId)).toMatchObject({ status: 'created', contract_id: offerCid });
    const seenByReceiver = await newSv.wallet.listTransferOffers();
    expect(seenByReceiver).toEqual([{ contractId: offerCid, sender: oldSv.info.party, receiver: newSv.info.party, amount: '900.2500000000', trackingId, description: 'KMS migration' }]);

    // Re-submitting the same tracking id is refused (exactly-once), not paid twice.
    const dup = await oldSv.wallet
      .createTransferOffer({ receiver_party_id: newSv.info.party, amount: '900.25', description: 'x', expires_at: new Date(Date.now() + 3600_000), tracking_id: trackingId })
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(TransferExists);
    expect(dup).toMatchObject({ status: 409, trackingId });

    await newSv.wallet.acceptTransferOffer(offerCid);
    expect(await oldSv.wallet.getTransferOfferStatus(trackingId)).toMatchObject({ status: 'completed' });
    expect((await oldSv.wallet.getBalance()).unlocked).toBe('100.2500000000');
    expect((await newSv.wallet.getBalance()).unlocked).toBe('900.2500000000');
    expect(await newSv.wallet.listTransferOffers()).toEqual([]);
    expect(sim.counts()['sv-1']!.createTransferOffer).toEqual({ attempts: 2, succeeded: 1 });
    expect(sim.counts()['cand-1']!.acceptTransferOffer).toEqual({ attempts: 1, succeeded: 1 });
  });

  it('an unknown tracking id is TransferUnknown (404); an offer larger than the balance fails as withdrawn', async () => {
    const oldSv = clientsFor(sim, 'sv-1');
    const unknown = await oldSv.wallet.getTransferOfferStatus('nope').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(TransferUnknown);
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({ status: 404, trackingId: 'nope' });
    const cid = await oldSv.wallet.createTransferOffer({ receiver_party_id: sim.node('cand-1').party, amount: '5000', description: 'too much', expires_at: new Date(Date.now() + 60_000), tracking_id: 't2' });
    sim.acceptOffer('cand-1', cid);
    expect(await oldSv.wallet.getTransferOfferStatus('t2')).toEqual({ status: 'failed', failure_kind: 'withdrawn', withdrawn_reason: 'insufficient funds' });
  });
});

describe('authentication', () => {
  it('a wrong client secret is an AuthError naming the token URL and client id, not the secret', async () => {
    const { sv } = clientsFor(sim, 'sv-1', { clientSecret: 'wrong-secret-123' });
    const err = await sv.listVoteRequests().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    const msg = (err as Error).message;
    expect(msg).toContain(sim.tokenUrl);
    expect(msg).toContain('sv-1-operator');
    expect(msg).not.toContain('wrong-secret-123');
    expect(msg).not.toContain(sim.node('sv-1').clientSecret);
  });

  it('a token for the wrong audience is refused with 403 → AuthError', async () => {
    const { sv, wallet } = clientsFor(sim, 'sv-1', { audience: 'https://other.example.com' });
    await expect(sv.listVoteRequests()).rejects.toMatchObject({ name: 'AuthError', status: 403 });
    await expect(wallet.getBalance()).rejects.toMatchObject({ name: 'AuthError', status: 403 });
    expect(await sv.checkAuthorization()).toMatchObject({ authorized: false });
  });

  it("another SV's operator is not authorized on this SV app (403 naming the SV party)", async () => {
    const sv2 = clientsFor(sim, 'sv-2');
    // sv-2's credentials against sv-1's SV app
    const token = await sim.idp.sign(sv2.info.user, sim.audiences.sv);
    const cross = new SvAppClient({ baseUrl: sim.node('sv-1').svAppUrl, token: async () => token });
    const res = await cross.checkAuthorization();
    expect(res).toMatchObject({ authorized: false });
    expect(!res.authorized && res.reason).toContain(`Authorization Failed for ${sim.node('sv-1').party}`);
  });

  it('a missing or garbage token is 401 → AuthError; public endpoints need none', async () => {
    const anon = new SvAppClient({ baseUrl: sim.node('sv-1').svAppUrl });
    await expect(anon.listVoteRequests()).rejects.toMatchObject({ name: 'AuthError', status: 401 });
    const garbage = new SvAppClient({ baseUrl: sim.node('sv-1').svAppUrl, token: async () => 'not.a.jwt' });
    await expect(garbage.listVoteRequests()).rejects.toMatchObject({ name: 'AuthError', status: 401 });
    expect(await anon.getOnboardingStatus('nobody')).toEqual({ state: 'unknown' });
  });
});

describe('faults', () => {
  it('a 5xx answer is one attempt and a TransientError (no hidden retry); the next call succeeds', async () => {
    const events: CallEvent[] = [];
    const { scan } = clientsFor(sim, 'sv-1', { http: { onCall: (e) => events.push(e) } });
    sim.injectFault({ nodeId: 'sv-1', app: 'scan', kind: 'status', status: 503, times: 1 });
    await expect(scan.getDsoState()).rejects.toBeInstanceOf(TransientError);
    expect((await scan.getDsoState()).svs.size).toBe(3);
    expect(events.map((e) => e.outcome)).toEqual(['transient', 'ok']);
    expect(events.every((e) => e.api === 'scan' && e.operation === 'getDsoInfo')).toBe(true);
  });

  it('a failing POST is sent once: a 503 on createVoteRequest is not repeated', async () => {
    const { sv, info } = clientsFor(sim, 'sv-1');
    const before = sim.counts()['sv-1']?.createVoteRequest?.attempts ?? 0;
    sim.injectFault({ nodeId: 'sv-1', app: 'sv', operationId: 'createVoteRequest', kind: 'status', status: 503, times: 'always' });
    const input = { requester: info.party, action: offboardSvAction(sim.node('sv-3').party), url: 'u', description: 'd', expirationMs: 86_400_000 };
    await expect(sv.createVoteRequest(input)).rejects.toBeInstanceOf(TransientError);
    expect(sim.counts()['sv-1']!.createVoteRequest!.attempts - before).toBe(1);
    sim.clearFaults();
  });

  it('429 is RateLimited carrying the Retry-After delay', async () => {
    const { wallet } = clientsFor(sim, 'sv-1');
    sim.injectFault({ nodeId: 'sv-1', app: 'wallet', operationId: 'getBalance', kind: 'status', status: 429, retryAfterSeconds: 30 });
    await expect(wallet.getBalance()).rejects.toMatchObject({ name: 'RateLimited', retryAfterMs: 30_000 });
  });

  it('a hanging server times out once: a TransientError, then the next call succeeds', async () => {
    const { scan } = clientsFor(sim, 'sv-2', { http: { timeoutMs: 200 } });
    sim.injectFault({ nodeId: 'sv-2', kind: 'hang', times: 1 });
    await expect(scan.getDsoState()).rejects.toThrow(/timed out/);
    expect((await scan.getDsoState()).svs.size).toBe(3);
  });

  it('malformed JSON is a MalformedResponseError, never a guess', async () => {
    const { wallet } = clientsFor(sim, 'sv-1');
    sim.injectFault({ nodeId: 'sv-1', app: 'wallet', operationId: 'getBalance', kind: 'malformed' });
    const err = await wallet.getBalance().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as MalformedResponseError).problems[0]).toMatch(/not JSON/);
  });

  it('a held request takes effect only when released, whether or not its client is still waiting', async () => {
    const { wallet } = clientsFor(sim, 'sv-1', { http: { timeoutMs: 200 } });
    const receiver = sim.node('cand-1').party;
    const offer = (trackingId: string) => ({ receiver_party_id: receiver, amount: '1', description: 'held', expires_at: new Date(Date.now() + 3600_000), tracking_id: trackingId });
    sim.injectFault({ nodeId: 'sv-1', app: 'wallet', operationId: 'createTransferOffer', kind: 'hold' });
    await expect(wallet.createTransferOffer(offer('held-1'))).rejects.toThrow(/timed out/);
    expect(sim.state().offers).toEqual([]);
    expect(await sim.releaseHeld()).toEqual([200]);
    expect(sim.state().offers.map((o) => o.trackingId)).toEqual(['held-1']);
    // Held again and repeated before the release: the repeat is served at once, the held one answered when released.
    sim.injectFault({ nodeId: 'sv-1', app: 'wallet', operationId: 'createTransferOffer', kind: 'hold' });
    await expect(wallet.createTransferOffer(offer('held-2'))).rejects.toThrow(/timed out/);
    await wallet.createTransferOffer(offer('held-2'));
    expect(await sim.releaseHeld()).toEqual([409]);
    expect(await sim.releaseHeld()).toEqual([]);
    expect(sim.counts()['sv-1']!.createTransferOffer).toEqual({ attempts: 3, succeeded: 2 });
  });

  it('latency alone does not fail a call', async () => {
    const { scan } = clientsFor(sim, 'sv-3');
    sim.injectFault({ nodeId: 'sv-3', kind: 'latency', ms: 50 });
    expect((await scan.getDsoState()).svs.size).toBe(3);
  });

  it('the control API is reachable over HTTP too', async () => {
    const res = await fetch(`${sim.baseUrl}/control/state`, { method: 'POST', body: '[]' });
    const body = (await res.json()) as { result: { svs: { name: string }[] } };
    expect(body.result.svs.map((s) => s.name)).toEqual(['Acme-1', 'Beta-1', 'Gamma-1']);
  });
});
