/**
 * The clients' response validators (generated from the upstream OpenAPI files of each version, plus the hand-written
 * Daml payload schemas of src/splice/daml-payloads.ts, both shipped in the operator image) agree with the upstream
 * specs, in both version modes of the simulator: every sample response the simulator produces in each state is checked
 * against upstream AND against the client's validator; responses upstream rejects are rejected by the client too.
 * Also proves the simulator really enforces the upstream request schema.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { envelopeAnd } from '../../src/splice/api-schemas.ts';
import { updateSvRewardWeightAction } from '../../src/splice/daml-json.ts';
import * as payloads from '../../src/splice/daml-payloads.ts';
import type { BodyValidator } from '../../src/splice/http.ts';
import type { OperationKey } from '../../src/splice/operations.ts';
import { startSpliceSim } from '../env/splice-sim/index.ts';
import type { SimVersion, SpliceSim } from '../env/splice-sim/index.ts';
import { clientsFor } from '../env/splice-sim/clients.ts';
import { SpliceSpecs, upstreamDirFor } from '../env/splice-sim/openapi.ts';
import type { SimApp } from '../env/splice-sim/openapi.ts';

describe.each<SimVersion>(['0.4.15', '0.6.12'])('Splice %s', (version) => {
  let sim: SpliceSim;
  const v = (key: OperationKey, payload?: BodyValidator<unknown>): BodyValidator<unknown> => envelopeAnd<unknown, unknown>(version, key, payload);
  let specs: SpliceSpecs;
  const DAY = 86_400_000;

  /** A response captured from the simulator, with what validates it on each side. */
  interface Sample {
    app: SimApp;
    method: 'GET' | 'POST';
    path: string;
    status: number;
    body: unknown;
    client: BodyValidator<unknown>;
  }
  const samples: Sample[] = [];

  async function capture(nodeId: string, app: SimApp, method: 'GET' | 'POST', path: string, client: BodyValidator<unknown>, opts: { body?: unknown; auth?: boolean } = {}) {
    const n = sim.node(nodeId);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.auth) headers.authorization = `Bearer ${await sim.idp.sign(n.user, app === 'sv' ? sim.audiences.sv : sim.audiences.wallet)}`;
    const res = await fetch(`${n.scanUrl}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    samples.push({ app, method, path, status: res.status, body: await res.json(), client });
  }

  beforeAll(async () => {
    specs = await SpliceSpecs.load(upstreamDirFor(version));
    sim = await startSpliceSim({
      version,
      svs: [
        { name: 'Acme-1', weightBps: 165_5000, balance: '10' },
        { name: 'Beta-1', weightBps: 10_000 },
        { name: 'Gamma-1', weightBps: 0 },
      ],
      candidates: [{ name: 'Acme-2' }],
    });
    const a = clientsFor(sim, 'sv-1');
    const cand = sim.node('cand-1');
    // Onboarding in every state.
    await capture('sv-2', 'sv', 'GET', '/api/sv/v0/onboard/sv/status/Acme-2', v('sv.getSvOnboardingStatus'));
    sim.approveCandidate({ name: 'Acme-2', publicKey: 'PK', rewardWeightBps: 0 }, ['sv-1']);
    sim.requestOnboarding('cand-1', 'PK');
    await capture('sv-2', 'sv', 'GET', '/api/sv/v0/onboard/sv/status/Acme-2', v('sv.getSvOnboardingStatus'));
    sim.approveCandidate({ name: 'Acme-2', publicKey: 'PK', rewardWeightBps: 0 }, ['sv-2']);
    await capture('sv-2', 'sv', 'GET', '/api/sv/v0/onboard/sv/status/Acme-2', v('sv.getSvOnboardingStatus'));
    // Votes open (fresh and voted-on), then closed.
    await a.sv.createVoteRequest({ requester: a.info.party, action: updateSvRewardWeightAction(cand.party, 165_5000), url: 'u', description: 'd', expirationMs: DAY });
    await capture('sv-1', 'sv', 'GET', '/api/sv/v0/admin/sv/voterequests', v('sv.listDsoRulesVoteRequests', payloads.validateVoteRequestsPayloads), { auth: true });
    const [req] = await a.sv.listVoteRequests();
    sim.castVote('sv-2', req!.trackingCid, false);
    await capture('sv-1', 'sv', 'GET', '/api/sv/v0/admin/sv/voterequests', v('sv.listDsoRulesVoteRequests', payloads.validateVoteRequestsPayloads), { auth: true });
    await capture('sv-1', 'scan', 'GET', '/api/scan/v0/admin/sv/voterequests', v('sv.listDsoRulesVoteRequests', payloads.validateVoteRequestsPayloads));
    sim.castVote('sv-2', req!.trackingCid, true);
    sim.castVote('sv-3', req!.trackingCid, true);
    await capture('sv-1', 'sv', 'POST', '/api/sv/v0/admin/sv/voteresults', v('sv.listVoteRequestResults', payloads.validateVoteResultsPayloads), { auth: true, body: { limit: 10 } });
    await capture('sv-1', 'scan', 'POST', '/api/scan/v0/admin/sv/voteresults', v('sv.listVoteRequestResults', payloads.validateVoteResultsPayloads), { body: { limit: 10 } });
    await capture('sv-3', 'scan', 'GET', '/api/scan/v0/dso', v('scan.getDsoInfo', payloads.validateDsoInfoPayloads));
    await capture('sv-3', 'sv', 'GET', '/api/sv/v0/dso', v('scan.getDsoInfo', payloads.validateDsoInfoPayloads));
    // Wallet in every transfer state.
    await capture('sv-1', 'wallet', 'GET', '/api/validator/v0/wallet/balance', v('wallet.getBalance', payloads.validateBalanceDecimals), { auth: true });
    await capture('sv-1', 'wallet', 'GET', '/api/validator/v0/wallet/user-status', v('wallet.userStatus'), { auth: true });
    const offer = { receiver_party_id: cand.party, amount: '4', description: 'd', expires_at: (Date.now() + 60_000) * 1000, tracking_id: 'a' };
    await capture('sv-1', 'wallet', 'POST', '/api/validator/v0/wallet/transfer-offers', v('wallet.createTransferOffer'), { auth: true, body: offer });
    await capture('sv-1', 'wallet', 'POST', '/api/validator/v0/wallet/transfer-offers/a/status', v('wallet.getTransferOfferStatus'), { auth: true });
    await capture('sv-1', 'wallet', 'GET', '/api/validator/v0/wallet/transfer-offers', v('wallet.listTransferOffers', payloads.validateTransferOffersPayloads), { auth: true });
    const cid = (await a.wallet.listTransferOffers())[0]!.contractId;
    await capture('cand-1', 'wallet', 'POST', `/api/validator/v0/wallet/transfer-offers/${cid}/accept`, v('wallet.acceptTransferOffer'), { auth: true });
    await capture('sv-1', 'wallet', 'POST', '/api/validator/v0/wallet/transfer-offers/a/status', v('wallet.getTransferOfferStatus'), { auth: true });
    await a.wallet.createTransferOffer({ ...offer, amount: '100', tracking_id: 'b', expires_at: new Date(Date.now() + 60_000) });
    sim.acceptOffer('cand-1', (await a.wallet.listTransferOffers())[0]!.contractId);
    await capture('sv-1', 'wallet', 'POST', '/api/validator/v0/wallet/transfer-offers/b/status', v('wallet.getTransferOfferStatus'), { auth: true });
  });

  afterAll(async () => {
    await sim.stop();
  });

  describe('client response validators vs upstream OpenAPI', () => {
    it('captured a sample of every state', () => {
      const states = samples.map((s) => (s.body as { state?: string; status?: string }).state ?? (s.body as { status?: string }).status).filter(Boolean);
      expect(new Set(states)).toEqual(new Set(['unknown', 'requested', 'completed', 'created', 'completed', 'failed']));
      expect(samples.every((s) => s.status === 200)).toBe(true);
    });

    it('every sample is valid upstream and accepted by the client schema', () => {
      for (const s of samples) {
        const op = specs.match(s.app, s.method, s.path);
        expect(op).toBeDefined();
        expect({ path: s.path, problems: specs.validateResponse(op!, s.status, s.body) }).toEqual({ path: s.path, problems: [] });
        const ok = s.client(s.body);
        expect({ path: s.path, errors: ok ? null : s.client.errors }).toEqual({ path: s.path, errors: null });
      }
      expect(sim.violations).toEqual([]);
    });

    it('the client never demands a top-level field that upstream makes optional', () => {
      let checked = 0;
      for (const s of samples) {
        const body = s.body as Record<string, unknown>;
        const op = specs.match(s.app, s.method, s.path)!;
        for (const key of Object.keys(body)) {
          const without = { ...body };
          delete without[key];
          const upstreamRejects = specs.validateResponse(op, s.status, without).length > 0;
          // Where upstream accepts the body without `key`, the client schema must accept it too.
          if (!upstreamRejects) expect({ path: s.path, key, client: s.client(without) }).toEqual({ path: s.path, key, client: true });
          else checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    });

    it('the client schemas reject wrong types the upstream spec also rejects', () => {
      const dso = samples.find((s) => s.path === '/api/scan/v0/dso')!;
      const bad = structuredClone(dso.body) as { voting_threshold: unknown };
      bad.voting_threshold = '3';
      const op = specs.match('scan', 'GET', '/api/scan/v0/dso')!;
      expect(specs.validateResponse(op, 200, bad)).not.toEqual([]);
      expect(v('scan.getDsoInfo', payloads.validateDsoInfoPayloads)(bad)).toBe(false);
      const badPayload = structuredClone(dso.body) as { dso_rules: { contract: { payload: { svs: unknown } } } };
      badPayload.dso_rules.contract.payload.svs = [['p', { name: 'x' }]];
      expect(v('scan.getDsoInfo', payloads.validateDsoInfoPayloads)(badPayload)).toBe(false);
    });

    it('the simulator enforces the upstream request schema (a vote request without action is a recorded violation)', async () => {
      const n = sim.node('sv-1');
      const res = await fetch(`${n.svAppUrl}/api/sv/v0/admin/sv/voterequest/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await sim.idp.sign(n.user, sim.audiences.sv)}` },
        body: JSON.stringify({ requester: n.party, url: 'u', description: 'd', expiration: { microseconds: '1' } }),
      });
      expect(res.status).toBe(400);
      expect(sim.violations).toHaveLength(1);
      expect(sim.violations[0]).toMatch(/createVoteRequest request .* does not match upstream: .*action/);
      sim.violations.length = 0;
    });
  });
});
