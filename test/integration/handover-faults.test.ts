/**
 * The hand-over under faults (issue 5's proofs): the operator killed with SIGKILL at many points, lying Scans, wrong
 * OAuth2 credentials, a rejected vote, and a flaky network. After each: one vote request per action, one transfer per
 * intent (the hand-over transfer and, in the crash suite, the final sweep), and a status that matches the network.
 * The new SV is installed with the upstream charts of the simulated version (0.6.12 plays a 0.7 network).
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
import { decimalCompare, decimalSubtract } from '../../src/util/decimal.ts';
import { condition, eventually, getMigration, migrationClient, spawnOperatorProcess, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration } from '../support/migrations.ts';
import { NEW_SV, OLD_BALANCE, OLD_SV, OLD_WEIGHT, startTestNetwork } from '../support/network.ts';
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

/** Reward coupons that reach the old SV's wallet after the hand-over transfer (below the reserve of 10): the final sweep's. */
const LATE_REWARDS = '7.5';
/** What the old SV's wallet sends with, per method (the simulator's operation ids). */
const SEND_OPERATION = { TokenStandard: 'createTokenStandardTransfer', TransferPreapproval: 'transferPreapprovalSend', TransferOffer: 'createTransferOffer' } as const;

describe('crashes', () => {
  const kills = process.env.SVKMS_LONG_TESTS === '1' ? 100 : 20;

  // The asset transfer method each run covers, as the operator chooses it (spec.workflow.assetTransfer.method Auto,
  // chooseMethod in src/migration/steps/assets.ts: by what the old SV's wallet supports and whether the receiver has a
  // transfer preapproval, not by the version — both simulated wallets report the token standard and preapproval
  // descriptions). On a 0.7 network (simulated by 0.6.12, the migration rendering for 0.7.4) the new SV has no
  // preapproval: the transfer and the sweep are token-standard transfers, each accepted by the operator on the new SV's
  // wallet. On 0.4.15 the new SV has a transfer preapproval: both are preapproval sends, which complete at once.
  it.each([
    ['0.6.12', 'TokenStandard'],
    ['0.4.15', 'TransferPreapproval'],
  ] as const)(`a migration on Splice %s survives up to ${kills} SIGKILLs at seeded random points and issues every side effect once, the transfer and the final sweep (%s) included`, async (version, method) => {
    const seed = Number(process.env.SVKMS_KILL_SEED ?? 20261122);
    const random = prng(seed);
    // Votes are cast on command, after a delay: kills land while requests are open, too.
    const sim = await network({ autoVote: { accept: true, delayMs: 400 }, version });
    if (version === '0.4.15') sim.createPreapproval(sim.node(NEW_SV).id);
    const { namespace, oldNamespace } = await setup(sim, `kill-${version.replaceAll('.', '-')}`, {
      tweak: (m) => {
        // The offboarding gate opens once the late rewards arrived (after the hand-over transfer), so that the sweep
        // after offboarding has something to move.
        m.spec.workflow.offboarding.approved = false;
        if (version !== '0.4.15') return;
        m.spec.splice = { version };
        if (m.spec.kms.aws) delete m.spec.kms.aws.customTags;
      },
    });
    const old = sim.node(OLD_SV).id;
    const send = SEND_OPERATION[method];
    const sends = () => sim.counts()[old]?.[send] ?? { attempts: 0, succeeded: 0 };
    /**
     * Each send's first request is held by the wallet, and the operator is killed as soon as it arrives, so that the
     * next one finds a transfer recorded as Requesting whose answer it never got. The hand-over transfer's request is
     * released before the restart, so the restarted operator must find it in the wallet's history and not send it
     * again; the sweep's only after the restarted operator sent it again (same id), so the wallet must refuse the late
     * original. Armed for the transfer now, for the sweep when the late rewards come.
     */
    type Held = { purpose: 'Transfer' | 'Sweep'; attempts: number; succeeded: number };
    let armed: Held | undefined = { purpose: 'Transfer', attempts: 0, succeeded: 0 };
    const holdNextSend = () => sim.injectFault({ nodeId: old, operationId: send, kind: 'hold' });
    holdNextSend();
    /** The armed send, once its request arrived. */
    const heldSend = () => (armed && sends().attempts > armed.attempts ? armed : undefined);
    const inFlight: { purpose: string; succeededAtKill: number; originalAnswered: number[] }[] = [];
    let credited = false;
    const lateRewards = async (m: SvKmsMigration | undefined): Promise<void> => {
      if (credited || condition(m, 'AssetsTransferred')?.status !== 'True') return;
      credited = true;
      sim.creditRewards(old, LATE_REWARDS);
      armed = { purpose: 'Sweep', ...sends() };
      holdNextSend();
      await client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: { workflow: { offboarding: { approved: true } } } }, 'merge');
    };

    let killed = 0;
    const phases: string[] = [];
    const sideEffects = () => JSON.stringify(sim.counts()[old] ?? {});
    const spawn = () => spawnOperatorProcess([namespace, oldNamespace], { args: TIMING_FLAGS });
    let proc = spawn();
    // Bounded, so that an operator that never finishes fails the wait below instead of the test's timeout.
    for (let round = 0; round < kills + 50; round++) {
      await lateRewards(await getMigration(client, namespace, 'm'));
      const before = { rv: (await getMigration(client, namespace, 'm'))?.metadata.resourceVersion, effects: sideEffects() };
      const progressed = await eventually(
        async () => (await getMigration(client, namespace, 'm'))?.metadata.resourceVersion !== before.rv || sideEffects() !== before.effects,
        'progress',
        15_000,
      ).catch(() => false);
      // Kill it right after it made progress (a status write or a request to the network), at a seeded random moment
      // within the next 300 ms: before, during or after the next side effect; at once when a held send arrived.
      if (!heldSend()) await new Promise((r) => setTimeout(r, random() * 300));
      const m = await getMigration(client, namespace, 'm');
      phases.push(m?.status?.phase ?? 'none');
      if (m?.status?.phase === 'Completed') break;
      await lateRewards(m);
      const held = heldSend();
      if (held || killed < kills) {
        const succeededAtKill = sends().succeeded;
        await proc.kill();
        killed += 1;
        if (held?.purpose === 'Transfer') {
          inFlight.push({ purpose: held.purpose, succeededAtKill, originalAnswered: await sim.releaseHeld() });
          proc = spawn();
        } else if (held) {
          proc = spawn();
          await eventually(() => sends().succeeded > held.succeeded, 'the restarted operator sending the sweep again', 60_000);
          inFlight.push({ purpose: held.purpose, succeededAtKill, originalAnswered: await sim.releaseHeld() });
        } else {
          proc = spawn();
        }
        if (held) armed = undefined;
      } else if (!armed || !progressed) {
        break; // the last operator runs on; the wait below says where it stops
      }
    }
    cleanups.push(() => proc.kill());
    await waitForCondition(client, namespace, 'm', 'Ready', 'True', undefined, 60_000);
    expect(killed).toBeGreaterThanOrEqual(Math.min(kills, 5));
    // The kills spread over the hand-over, not only its start (seed ${seed}).
    expect(new Set(phases).size).toBeGreaterThanOrEqual(4);
    // Both sends were in flight when the operator was killed (neither had taken effect yet). The transfer's original
    // was served (200) and the restarted operator did not send it again; the late original of the sweep was refused as
    // a duplicate of the restarted operator's send (409).
    expect(inFlight).toEqual([
      { purpose: 'Transfer', succeededAtKill: 0, originalAnswered: [200] },
      { purpose: 'Sweep', succeededAtKill: 1, originalAnswered: [409] },
    ]);

    // Each side effect once: three vote requests, and two sends with the method chosen — the transfer and the sweep.
    expectEachSideEffectOnce(sim, { votes: 3, transfers: 2 });
    const counts = sim.counts();
    expect(counts[old]?.[send]?.succeeded).toBe(2);
    for (const other of Object.values(SEND_OPERATION).filter((op) => op !== send)) expect(counts[old]?.[other]?.attempts ?? 0).toBe(0);
    // A token-standard transfer waits for the receiver: the operator accepted each one once on the new SV's wallet.
    if (method === 'TokenStandard') expect(counts[sim.node(NEW_SV).id]?.['acceptTokenStandardTransfer']?.succeeded).toBe(2);
    const state = sim.state();
    expect(state.svs.find((s) => s.name === NEW_SV)?.weight).toBe(OLD_WEIGHT);
    expect(state.offboardedSvs.map((s) => s.name)).toContain(OLD_SV);
    // The right amounts arrived, once: the old SV keeps its reserve, the new SV got the balance above it and the late
    // rewards (a second payment of either would show in both balances).
    const intended = [decimalSubtract(OLD_BALANCE, '10'), LATE_REWARDS];
    expect(decimalCompare(state.balances[sim.node(OLD_SV).party]!, '10')).toBe(0);
    expect(decimalCompare(state.balances[sim.node(NEW_SV).party]!, decimalSubtract(OLD_BALANCE, decimalSubtract('10', LATE_REWARDS)))).toBe(0);
    if (method === 'TokenStandard') {
      expect(state.transferInstructions.map((t, i) => [t.status, decimalCompare(t.amount, intended[i]!)])).toEqual([
        ['completed', 0],
        ['completed', 0],
      ]);
      expect(new Set(state.transferInstructions.map((t) => t.trackingId)).size).toBe(2);
    }
    const final = (await getMigration(client, namespace, 'm'))!;
    expect(final.status?.votes?.map((v) => v.outcome)).toEqual(['Accepted', 'Accepted', 'Accepted']);
    const transfers = final.status?.assets?.transfers ?? [];
    expect(transfers.map((t) => [t.purpose, t.method, t.status])).toEqual([
      ['Transfer', method, 'Completed'],
      ['Sweep', method, 'Completed'],
    ]);
    expect(transfers.map((t, i) => decimalCompare(t.amount!, intended[i]!))).toEqual([0, 0]);
    expect(condition(final, 'AssetsSwept')).toMatchObject({ status: 'True', reason: 'TransferCompleted' });
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
