/**
 * The SV app and Scan clients against the Splice network simulator: vote requests (create, list, duplicate
 * rejection, ⅔ rule, execution on-ledger, rejection, expiry), offboarding, onboarding status, Scan quorum.
 */
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { offboardSvAction, updateSvRewardWeightAction, sameAction } from '../../src/splice/daml-json.ts';
import { findSvByName } from '../../src/splice/scan.ts';
import { dsoQuorum } from '../../src/splice/scan-quorum.ts';
import { DuplicateVoteRequestError } from '../../src/splice/sv-app.ts';
import { findRequestForAction } from '../../src/splice/vote-requests.ts';
import { startSpliceSim } from '../env/splice-sim/index.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import { clientsFor } from '../env/splice-sim/clients.ts';

const DAY = 24 * 3600 * 1000;
let sim: SpliceSim;

beforeEach(async () => {
  sim = await startSpliceSim({
    svs: [
      { name: 'Acme-1', weightBps: 165_5000 },
      { name: 'Beta-1', weightBps: 10_000 },
      { name: 'Gamma-1', weightBps: 10_000 },
      { name: 'Delta-1', weightBps: 10_000 },
    ],
    candidates: [{ name: 'Acme-2' }],
  });
});

afterEach(async () => {
  await sim.stop();
  expect(sim.violations).toEqual([]);
});

async function onboardCandidate(): Promise<string> {
  sim.approveCandidate({ name: 'Acme-2', publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkey', rewardWeightBps: 0 });
  const r = sim.requestOnboarding('cand-1', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkey');
  expect(r.state).toBe('completed');
  return sim.node('cand-1').party;
}

describe('SV app and Scan clients', () => {
  it('reads the DSO state from Scan with weights in basis points', async () => {
    const { scan } = clientsFor(sim, 'sv-2');
    const state = await scan.getDsoState();
    expect(state.svs.size).toBe(4);
    expect(state.votingThreshold).toBe(3);
    expect(findSvByName(state, 'Acme-1')).toMatchObject({ partyId: sim.node('sv-1').party, svRewardWeight: 1655000 });
    expect(state.offboardedSvs.size).toBe(0);
  });

  it('learns the SV party of the authenticated user, and the authorization probe passes', async () => {
    const { sv } = clientsFor(sim, 'sv-1');
    expect(await sv.getIdentity()).toMatchObject({ svPartyId: sim.node('sv-1').party, svUser: sim.node('sv-1').user });
    expect(await sv.checkAuthorization()).toEqual({ authorized: true });
  });

  it('creates and lists a vote request; a second identical request is a DuplicateVoteRequestError', async () => {
    const acme = clientsFor(sim, 'sv-1');
    const newParty = await onboardCandidate();
    const action = updateSvRewardWeightAction(newParty, 165_5000);
    const before = Date.now();
    await acme.sv.createVoteRequest({ requester: acme.info.party, action, url: 'https://example.com/kms', description: 'move weight to KMS SV', expirationMs: 7 * DAY });
    expect(sim.state().voteRequests[0]!.createdAt).toBeGreaterThanOrEqual(before);
    expect(sim.state().voteRequests[0]!.createdAt).toBeLessThanOrEqual(Date.now());

    const listed = await acme.sv.listVoteRequests();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ requesterName: 'Acme-1', decodedAction: action, reasonUrl: 'https://example.com/kms', trackingCid: listed[0]!.contractId });
    expect(listed[0]!.votes).toEqual([{ svName: 'Acme-1', svParty: acme.info.party, accept: true, reasonUrl: 'https://example.com/kms', reasonBody: 'move weight to KMS SV', castAt: expect.any(String) }]);
    expect(findRequestForAction(listed, action, 'Acme-1')?.contractId).toBe(listed[0]!.contractId);
    expect(await acme.scan.listVoteRequests()).toHaveLength(1);

    const err = await acme.sv.createVoteRequest({ requester: acme.info.party, action, url: 'u', description: 'd', expirationMs: DAY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateVoteRequestError);
    expect((err as DuplicateVoteRequestError).existingContractId).toBe(listed[0]!.contractId);
    expect((err as DuplicateVoteRequestError).transient).toBe(false);
    expect(sim.counts()['sv-1']!.createVoteRequest).toEqual({ attempts: 2, succeeded: 1 });
    // requests() counts every request, reads included: the two lists above, per app.
    expect(sim.requests()['sv-1']).toEqual({ sv: { createVoteRequest: 2, listDsoRulesVoteRequests: 1 }, scan: { listDsoRulesVoteRequests: 1 } });
  });

  it('a weight vote passes at ⅔ of SVs and the weight changes on-ledger; the tracking cid stays stable', async () => {
    const acme = clientsFor(sim, 'sv-1');
    const newParty = await onboardCandidate();
    expect((await acme.scan.getDsoState()).svs.get(newParty)?.svRewardWeight).toBe(0);
    const action = updateSvRewardWeightAction(newParty, 165_5000);
    await acme.sv.createVoteRequest({ requester: acme.info.party, action, url: 'u', description: 'd', expirationMs: DAY });
    const [req] = await acme.sv.listVoteRequests();
    const tracking = req!.trackingCid;

    // 5 SVs now: threshold is ceil(10/3) = 4. Requester + 2 more is not enough.
    sim.castVote('sv-2', tracking, true);
    sim.castVote('sv-3', tracking, true);
    const open = await acme.sv.listVoteRequests();
    expect(open).toHaveLength(1);
    expect(open[0]!.trackingCid).toBe(tracking);
    expect(open[0]!.contractId).not.toBe(tracking);
    expect((await acme.scan.getDsoState()).svs.get(newParty)?.svRewardWeight).toBe(0);

    // The fourth vote, cast through the SV app of sv-4 by its own operator.
    await clientsFor(sim, 'sv-4').sv.castVote({ trackingCid: tracking, accept: true, reasonUrl: '', reasonDescription: 'ok' });
    expect(await acme.sv.listVoteRequests()).toEqual([]);
    expect((await acme.scan.getDsoState()).svs.get(newParty)?.svRewardWeight).toBe(1655000);
    const results = await acme.sv.listVoteResults({ actionName: 'SRARC_UpdateSvRewardWeight', limit: 10 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ trackingCid: tracking, outcome: 'accepted', requesterName: 'Acme-1' });
    expect(sameAction(results[0]!.action, action)).toBe(true);
  });

  it('simulated SVs can vote automatically, and can reject', async () => {
    await sim.stop();
    sim = await startSpliceSim({ svs: [{ name: 'A', weightBps: 1 }, { name: 'B', weightBps: 2 }, { name: 'C', weightBps: 3 }], autoVote: { accept: false, delayMs: 0 } });
    const a = clientsFor(sim, 'sv-1');
    const action = updateSvRewardWeightAction(sim.node('sv-2').party, 0);
    await a.sv.createVoteRequest({ requester: a.info.party, action, url: 'u', description: 'd', expirationMs: DAY });
    let results = await a.sv.listVoteResults({ limit: 5 });
    for (let i = 0; i < 100 && results.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      results = await a.sv.listVoteResults({ limit: 5 });
    }
    expect(results.map((r) => r.outcome)).toEqual(['rejected']);
    expect(findSvByName(await a.scan.getDsoState(), 'B')?.svRewardWeight).toBe(2);
  });

  it('automatic votes due before the clock moves past the close are cast before it, however fast a test moves time', async () => {
    await sim.stop();
    // A minute of real time: the timer never fires in this test; moving the network clock casts the votes.
    sim = await startSpliceSim({ svs: [{ name: 'A', weightBps: 1 }, { name: 'B', weightBps: 2 }, { name: 'C', weightBps: 3 }], autoVote: { accept: true, delayMs: 60_000 } });
    const a = clientsFor(sim, 'sv-1');
    await a.sv.createVoteRequest({ requester: a.info.party, action: updateSvRewardWeightAction(sim.node('sv-2').party, 5), url: 'u', description: 'd', expirationMs: DAY });
    sim.advanceTime(30_000); // not yet due: still open with the requester's vote only
    expect((await a.sv.listVoteRequests()).map((r) => Object.keys(r.votes).length)).toEqual([1]);
    sim.advanceTime(DAY);
    expect((await a.sv.listVoteResults({ limit: 5 })).map((r) => r.outcome)).toEqual(['accepted']);
    expect(findSvByName(await a.scan.getDsoState(), 'B')?.svRewardWeight).toBe(5);
  });

  it('an unvoted request expires', async () => {
    const a = clientsFor(sim, 'sv-1');
    await a.sv.createVoteRequest({ requester: a.info.party, action: offboardSvAction(sim.node('sv-4').party), url: 'u', description: 'd', expirationMs: DAY });
    sim.advanceTime(DAY + 1000);
    expect(await a.sv.listVoteRequests()).toEqual([]);
    expect((await a.sv.listVoteResults({ limit: 5 }))[0]?.outcome).toBe('expired');
  });

  it('offboarding moves the SV from svs to offboardedSvs', async () => {
    const a = clientsFor(sim, 'sv-1');
    const old = sim.node('sv-4');
    await a.sv.createVoteRequest({ requester: a.info.party, action: offboardSvAction(old.party), url: 'u', description: 'retire Delta-1', expirationMs: DAY });
    const [req] = await a.scan.listVoteRequests();
    sim.voteAll(req!.trackingCid, true);
    const state = await a.scan.getDsoState();
    expect(state.svs.has(old.party)).toBe(false);
    expect(state.offboardedSvs.get(old.party)).toEqual({ name: 'Delta-1', participantId: expect.any(String) });
    expect(state.votingThreshold).toBe(2);
  });

  it('reports onboarding status on the sponsor: unknown → requested (partial approvals) → completed', async () => {
    const { sv } = clientsFor(sim, 'sv-2');
    expect(await sv.getOnboardingStatus('Acme-2')).toEqual({ state: 'unknown' });
    const identity = { name: 'Acme-2', publicKey: 'PK', rewardWeightBps: 0 };
    sim.approveCandidate(identity, ['sv-1', 'sv-2']);
    sim.requestOnboarding('cand-1', 'PK');
    expect(await sv.getOnboardingStatus('Acme-2')).toMatchObject({ state: 'requested', confirmed_by: ['Acme-1', 'Beta-1'], required_num_confirmations: 3 });
    sim.approveCandidate(identity, ['sv-3']);
    expect(await sv.getOnboardingStatus('Acme-2')).toMatchObject({ state: 'completed', name: 'Acme-2' });
    expect(findSvByName(await clientsFor(sim, 'sv-3').scan.getDsoState(), 'Acme-2')?.svRewardWeight).toBe(0);
  });
});

describe('Scan quorum against the simulator', () => {
  const project = (newParty: string, oldParty: string) => (s: Awaited<ReturnType<ReturnType<typeof clientsFor>['scan']['getDsoState']>>) => ({
    newSvPresent: s.svs.has(newParty),
    newWeight: s.svs.get(newParty)?.svRewardWeight ?? null,
    oldWeight: s.svs.get(oldParty)?.svRewardWeight ?? null,
    oldOffboarded: s.offboardedSvs.has(oldParty),
  });

  it('agrees when all Scans tell the truth', async () => {
    const scans = ['sv-1', 'sv-2', 'sv-3'].map((id) => clientsFor(sim, id).scan);
    const r = await dsoQuorum(scans, 2, project(sim.node('cand-1').party, sim.node('sv-1').party));
    expect(r).toMatchObject({ agreed: { newSvPresent: false, newWeight: null, oldWeight: 1655000, oldOffboarded: false } });
  });

  it('a forged Scan is outvoted; two lying Scans produce a disagreement that names them', async () => {
    const scans = ['sv-1', 'sv-2', 'sv-3'].map((id) => clientsFor(sim, id).scan);
    const p = project(sim.node('cand-1').party, sim.node('sv-1').party);
    sim.lieScan('sv-2', { kind: 'forge', weights: { 'Acme-1': 0 } });
    const one = await dsoQuorum(scans, 2, p);
    expect('agreed' in one && one.agreed.oldWeight).toBe(1655000);
    expect(one.summary).toContain(`${sim.node('sv-2').scanUrl} said`);

    sim.lieScan('sv-3', { kind: 'forge', dropSvs: ['Acme-1'] });
    const two = await dsoQuorum(scans, 2, p);
    expect('disagreement' in two).toBe(true);
    if (!('disagreement' in two)) return;
    expect(two.disagreement.map((d) => d.view?.oldWeight)).toEqual([1655000, 0, null]);
    expect(two.summary).toMatch(/^no 2 of 3 Scans agree/);
  });

  it('a stale Scan keeps showing the old state after a vote executed', async () => {
    const newParty = await onboardCandidate();
    sim.lieScan('sv-3', { kind: 'stale' });
    const a = clientsFor(sim, 'sv-1');
    await a.sv.createVoteRequest({ requester: a.info.party, action: updateSvRewardWeightAction(newParty, 5), url: 'u', description: 'd', expirationMs: DAY });
    sim.voteAll((await a.sv.listVoteRequests())[0]!.trackingCid, true);
    const scans = ['sv-1', 'sv-3'].map((id) => clientsFor(sim, id).scan);
    const r = await dsoQuorum(scans, 2, project(newParty, a.info.party));
    expect('disagreement' in r && r.disagreement.map((d) => d.view?.newWeight)).toEqual([5, 0]);
  });
});
