/**
 * The hand-over under faults (issue 5's proofs): the operator killed with SIGKILL at many points, lying Scans, wrong
 * OAuth2 credentials, a rejected vote, and a flaky network. After each: one vote request per action, one transfer per
 * intent, and a status that matches the network. The new SV is installed with the upstream charts of the simulated
 * version (0.6.12 plays a 0.7 network).
 *
 * SVKMS_LONG_TESTS=1 raises the number of kill points (see README).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { startMoto, createCantonKeys, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_4_15, FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SimVersion, SpliceSim } from '../env/splice-sim/index.ts';
import { type KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { condition, eventually, getMigration, migrationClient, spawnOperatorProcess, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration } from '../support/migrations.ts';
import { NEW_SV, OLD_SV, OLD_WEIGHT, startTestNetwork } from '../support/network.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
/**
 * The upstream chart set per simulated version: the world installs the new SV with the charts of the version the
 * network runs (0.6.12 is the newest upstream tree, what 0.7 networks install; the migrations render for 0.7.4 there).
 */
let charts: Record<SimVersion, SpliceCharts>;
const timing = { kmsKeysPollMs: 200, preflightRecheckMs: 300, stalledRecheckMs: 1000, deploymentRecheckMs: 500, networkPollMs: 200 };
const TIMING_FLAGS = ['--network-poll-interval', '200ms', '--kms-poll-interval', '200ms', '--recheck-interval', '1s'];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  charts = { '0.4.15': new SpliceCharts(FIXTURE_0_4_15), '0.6.12': new SpliceCharts(FIXTURE_0_6_12) };
  moto = await startMoto();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await moto?.stop();
  for (const c of Object.values(charts ?? {})) c.remove();
});

/** A namespace pair with a migration wired to `sim`, every gate open unless `gates` says otherwise. */
async function setup(sim: SpliceSim, prefix: string, opts: { gates?: boolean; reserve?: string; tweak?: (m: SvKmsMigration) => void } = {}) {
  const namespace = await createTestNamespace(kc, prefix);
  const oldNamespace = await createTestNamespace(kc, `${prefix}-old`);
  const m = await prepareHandover(client, sim, { namespace, oldNamespace, name: 'm', kmsEndpoint: moto.endpoint, gates: opts.gates === false ? 'closed' : 'open', ...(opts.reserve ? { reserve: opts.reserve } : {}) });
  opts.tweak?.(m);
  await applyMigration(client, m);
  const world = playWorld({ client, charts: charts[sim.version], sim, namespace, name: 'm', oldNamespace, createKmsKeys: () => createCantonKeys(moto.endpoint).then(() => undefined) });
  cleanups.push(() => world.stop());
  return { namespace, oldNamespace };
}

async function network(opts?: Parameters<typeof startTestNetwork>[0]): Promise<SpliceSim> {
  const sim = await startTestNetwork(opts);
  cleanups.push(() => sim.stop());
  return sim;
}

async function operator(namespaces: string[]): Promise<TestOperator> {
  // Every fault is a failed reconcile backed off by the work queue (one attempt per Splice call): the backoff is capped
  // at a second here, as the re-check intervals are shortened, so that many faults fit the test's time.
  const op = await startTestOperator(kc, { namespaces, timing, retryBackoff: { maxDelayMs: 1_000 } });
  cleanups.push(() => op.stop());
  return op;
}

/** The old SV wallet's operations that send Amulet (a transfer offer, a token-standard transfer, a preapproval send). */
const TRANSFER_OPERATIONS = ['createTransferOffer', 'createTokenStandardTransfer', 'transferPreapprovalSend'];

/** Exactly one request per intent reached the network. */
function expectEachSideEffectOnce(sim: SpliceSim, expected: { votes: number; transfers: number }): void {
  const counts = sim.counts()[sim.node(OLD_SV).id] ?? {};
  expect(counts['createVoteRequest']?.succeeded ?? 0).toBe(expected.votes);
  expect(TRANSFER_OPERATIONS.reduce((n, op) => n + (counts[op]?.succeeded ?? 0), 0)).toBe(expected.transfers);
  const state = sim.state();
  const actions = [...state.voteRequests.map((v) => JSON.stringify(v.action)), ...state.voteResults.map((v) => JSON.stringify(v.action))];
  expect(new Set(actions).size).toBe(actions.length);
  expect(sim.violations).toEqual([]);
}

/** A small deterministic PRNG (mulberry32), so a failing kill schedule can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('crashes', () => {
  const kills = process.env.SVKMS_LONG_TESTS === '1' ? 100 : 20;

  // On a 0.7 network (simulated by 0.6.12) the operator accepts a token-standard transfer on the new SV's wallet; on a
  // 0.4.15 one the new SV has a transfer preapproval and the send completes at once.
  it.each(['0.6.12', '0.4.15'] as const)(`a migration on Splice %s survives ${kills} SIGKILLs at seeded random points and issues every side effect once`, async (version) => {
    const seed = Number(process.env.SVKMS_KILL_SEED ?? 20261122);
    const random = prng(seed);
    // Votes are cast on command, after a delay: kills land while requests are open, too.
    const sim = await network({ autoVote: { accept: true, delayMs: 400 }, version });
    if (version === '0.4.15') sim.createPreapproval(sim.node(NEW_SV).id);
    const { namespace, oldNamespace } = await setup(sim, `kill-${version.replaceAll('.', '-')}`, {
      tweak: (m) => {
        if (version !== '0.4.15') return;
        m.spec.splice = { version };
        if (m.spec.kms.aws) delete m.spec.kms.aws.customTags;
      },
    });
    let done = false;
    let killed = 0;
    const phases: string[] = [];
    const sideEffects = () => JSON.stringify(sim.counts()[sim.node(OLD_SV).id] ?? {});
    while (!done) {
      const before = { rv: (await getMigration(client, namespace, 'm'))?.metadata.resourceVersion, effects: sideEffects() };
      const proc = spawnOperatorProcess([namespace, oldNamespace], { args: TIMING_FLAGS });
      // Kill it right after it made progress (a status write or a request to the network), at a seeded random
      // moment within the next 300 ms: before, during or after the next side effect.
      await eventually(
        async () => (await getMigration(client, namespace, 'm'))?.metadata.resourceVersion !== before.rv || sideEffects() !== before.effects,
        'progress',
        15_000,
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, random() * 300));
      const m = await getMigration(client, namespace, 'm');
      phases.push(m?.status?.phase ?? 'none');
      done = m?.status?.phase === 'Completed';
      if (killed < kills && !done) {
        await proc.kill();
        killed += 1;
      } else {
        cleanups.push(() => proc.kill());
        await waitForCondition(client, namespace, 'm', 'Ready', 'True', undefined, 60_000);
        done = true;
      }
    }
    expect(killed).toBeGreaterThanOrEqual(Math.min(kills, 5));
    // The kills spread over the hand-over, not only its start (seed ${seed}).
    expect(new Set(phases).size).toBeGreaterThanOrEqual(4);
    expectEachSideEffectOnce(sim, { votes: 3, transfers: 1 });
    const state = sim.state();
    expect(state.svs.find((s) => s.name === NEW_SV)?.weight).toBe(OLD_WEIGHT);
    expect(state.offboardedSvs.map((s) => s.name)).toContain(OLD_SV);
    const final = (await getMigration(client, namespace, 'm'))!;
    expect(final.status?.votes?.map((v) => v.outcome)).toEqual(['Accepted', 'Accepted', 'Accepted']);
    expect(final.status?.assets?.transfers?.length).toBe(1);
    // The world installed the new SV with the charts of the simulated version.
    const participant = await client.get<KubeObject>(RESOURCES.deployments, namespace, final.spec.newSv.participant.releaseName);
    expect(participant?.metadata?.labels?.['helm.sh/chart']).toBe(`splice-participant-${version}`);
  }, 600_000);
});

describe('Scans that lie', () => {
  it('one lying Scan out of three never makes the operator advance; two disagreeing stop it with ScanAgreement=False', async () => {
    const sim = await network({ autoVote: { accept: true, delayMs: 100 } });
    const { namespace, oldNamespace } = await setup(sim, 'lie', {
      gates: false,
      tweak: (m) => {
        m.spec.network = { scanUrls: ['sv-2', 'sv-3', 'sv-4'].map((id) => sim.node(id).scanUrl), scanQuorum: 2, name: 'Local' };
      },
    });
    await operator([namespace, oldNamespace]);
    await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'AwaitingApproval', 60_000);
    // sv-2 claims the weight already moved (which would let the operator skip the votes).
    sim.lieScan('sv-2', { kind: 'forge', weights: { [OLD_SV]: 0, [NEW_SV]: OLD_WEIGHT } });
    await client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: { workflow: { weightTransfer: { approved: true } } } }, 'merge');
    const moved = await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'True', undefined, 30_000);
    // It advanced because two honest Scans show the votes' result, and it did request the votes.
    expect(sim.counts()[sim.node(OLD_SV).id]?.['createVoteRequest']?.succeeded).toBe(2);
    expect(condition(moved, 'ScanAgreement')?.status).toBe('True');

    // Now two of three disagree with each other and with the truth: nothing advances.
    sim.lieScan('sv-2', { kind: 'forge', weights: { [OLD_SV]: OLD_WEIGHT, [NEW_SV]: 0 } });
    sim.lieScan('sv-3', { kind: 'forge', dropSvs: [NEW_SV] });
    await client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: { workflow: { assetTransfer: { approved: true } } } }, 'merge');
    const stuck = await waitForCondition(client, namespace, 'm', 'ScanAgreement', 'False', 'ScansDisagree');
    expect(stuck.status?.phase).toBe('TransferringAssets');
    expect(TRANSFER_OPERATIONS.reduce((n, op) => n + (sim.counts()[sim.node(OLD_SV).id]?.[op]?.attempts ?? 0), 0)).toBe(0);
    expect(condition(stuck, 'ScanAgreement')?.message).toMatch(/sv-2|sv-3/);
    const phase = stuck.status?.phase;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await getMigration(client, namespace, 'm'))?.status?.phase).toBe(phase);
    sim.lieScan('sv-2', null);
    sim.lieScan('sv-3', null);
    await waitForCondition(client, namespace, 'm', 'ScanAgreement', 'True');
  });
});

describe('credentials', () => {
  it.each([
    ['a wrong client secret', { clientSecret: 'not-the-secret' }],
    ['a wrong audience', { audience: 'https://wrong-audience.example.com' }],
  ])('%s stalls with a reason naming the auth problem, and recovers once fixed', async (_what, wrong) => {
    const sim = await network({ autoVote: { accept: true, delayMs: 100 } });
    const { namespace, oldNamespace } = await setup(sim, 'auth', {
      tweak: (m) => {
        if ('audience' in wrong) m.spec.oldSv.auth!.audience = wrong.audience;
      },
    });
    if ('clientSecret' in wrong) {
      await client.patch(RESOURCES.secrets, namespace, 'old-sv-operator-client', { stringData: { clientSecret: wrong.clientSecret } }, 'merge');
    }
    await operator([namespace, oldNamespace]);
    const stalled = await waitForCondition(client, namespace, 'm', 'Stalled', 'True', undefined, 60_000);
    const c = condition(stalled, 'Stalled')!;
    // Found in Preparing by the access check, long before a gate: a refused token, or a token the app refuses for the SV.
    expect(c.reason).toMatch(/AuthFailed$|NotAuthorized$/);
    expect(c.message).not.toContain(sim.node(OLD_SV).clientSecret);
    if ('clientSecret' in wrong) {
      expect(c.message).toContain(sim.node(OLD_SV).clientId);
      await client.patch(RESOURCES.secrets, namespace, 'old-sv-operator-client', { stringData: { clientSecret: sim.node(OLD_SV).clientSecret } }, 'merge');
    } else {
      await client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: { oldSv: { auth: { audience: sim.audiences.sv } } } }, 'merge');
    }
    await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'True', undefined, 30_000);
  });
});

describe('a rejected vote', () => {
  it('is reported and not requested again until the attempt is raised', async () => {
    const sim = await network({ autoVote: { accept: false, delayMs: 100 } });
    const { namespace, oldNamespace } = await setup(sim, 'reject');
    await operator([namespace, oldNamespace]);
    const rejected = await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'VoteRejected', 60_000);
    expect(condition(rejected, 'WeightTransferred')?.message).toContain('spec.workflow.weightTransfer.attempt');
    expect(condition(rejected, 'Stalled')?.status).toBe('True');
    const requests = () => sim.counts()[sim.node(OLD_SV).id]?.['createVoteRequest']?.succeeded ?? 0;
    const before = requests();
    await new Promise((r) => setTimeout(r, 2000)); // ten poll intervals
    expect(requests()).toBe(before);

    // The SV operators agree after all; the platform team raises the attempt in Git.
    await client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: { workflow: { weightTransfer: { attempt: 2 } } } }, 'merge');
    await eventually(() => requests() > before, 'a new vote request for attempt 2');
    const again = (await getMigration(client, namespace, 'm'))!;
    expect(again.status?.votes?.some((v) => v.attempt === 2)).toBe(true);
  });
});

describe('a flaky network', () => {
  it('5xx answers, timeouts and malformed JSON delay the hand-over but never double a side effect', async () => {
    const sim = await network({ autoVote: { accept: true, delayMs: 100 } });
    const { namespace, oldNamespace } = await setup(sim, 'flaky');
    for (const operationId of ['createVoteRequest', 'listDsoRulesVoteRequests', 'createTokenStandardTransfer', 'listTransactions', 'acceptTokenStandardTransfer', 'getBalance', 'getDsoInfo']) {
      sim.injectFault({ operationId, kind: 'status', status: 503, times: 3 });
      sim.injectFault({ operationId, kind: 'malformed', times: 2 });
    }
    sim.injectFault({ operationId: 'createVoteRequest', kind: 'hang', times: 1 });
    sim.injectFault({ operationId: 'createTokenStandardTransfer', kind: 'latency', ms: 3000, times: 1 });
    await operator([namespace, oldNamespace]);
    await waitForCondition(client, namespace, 'm', 'Ready', 'True', undefined, 90_000);
    expectEachSideEffectOnce(sim, { votes: 3, transfers: 1 });
  }, 150_000);
});
