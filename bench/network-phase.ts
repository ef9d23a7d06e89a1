/**
 * N migrations against ONE simulated Splice network (issue 14 §4): N SVs hand over to N new KMS SVs on a network whose
 * other SVs run the Scans every migration names. The benchmark plays everyone but the operator (the platform team's
 * Helm releases, Canton's KMS keys, the other SV operators onboarding each new SV). Two steady states are counted,
 * each a window in which every migration looks at the network once per poll interval: all N waiting for their new SV
 * to be onboarded, and all N waiting for the other SVs' votes on the weight transfer. Counts are the simulator's own
 * (requests received per node, app and operation). In between, the N weight-transfer gates are opened one after
 * another, each spec patch timed until the vote request reaches the old SV's app (the simulator's creation time).
 * While a migration waits at a gate it does not poll at all (it wakes on the spec change).
 */
import { join } from 'node:path';
import { KubeClient, type KubeObject } from '../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../src/controller/kube-access.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import type { SvKmsMigration } from '../src/api/types.ts';
import { SV_APP_DEPLOYMENT } from '../src/migration/steps/deployment.ts';
import { startMoto, createCantonKeys } from '../test/env/moto.ts';
import { startSpliceSim, type SimRequestCounts, type SpliceSim } from '../test/env/splice-sim/index.ts';
import { createNetworkSecrets, wireToNetwork, type HandoverSvs } from '../test/support/network.ts';
import { awsTestMigration } from '../test/support/migrations.ts';
import { participantEnv } from '../test/support/migration-fixtures.ts';
import { markAvailable } from '../test/support/workloads.ts';
import { MIGRATION_NAME } from './apply.ts';
import type { BenchCluster } from './cluster.ts';
import { MigrationWatch } from './migration-watch.ts';
import { diff, total } from './metrics-text.ts';
import { byVerbResource, isWrite, sleep } from './operator-phase.ts';
import { OperatorProcess } from './operator-process.ts';
import { forEachLimited } from './pooled-client.ts';
import { MB } from './proc-stats.ts';
import { latencySummary, round } from './stats.ts';
import type { OperatorLaunch } from './operator-build.ts';

/** The SVs of the network that do not migrate; their Scans are the ones every migration names. */
export const SCAN_SVS = ['Globex-1', 'Initech-1', 'Umbrella-1', 'Hooli-1'] as const;
/** Old and new SV name of migration `i` (one SV per namespace hands over to its KMS successor). */
export const svNames = (i: number): HandoverSvs => ({ old: `Sv${i}-1`, next: `Sv${i}-2` });

export interface NetworkPhaseOptions {
  cluster: BenchCluster;
  workers: number;
  applyConcurrency: number;
  /** The operator's --network-poll-interval, in seconds. */
  pollSeconds: number;
  steadySeconds: number;
  /** How the operator is started (compiled as in the image, or from the sources; its heap limit). */
  launch: OperatorLaunch;
  /** Time between two gate openings (0: all at once). */
  gateIntervalMs: number;
  timeoutMs: number;
  logDir: string;
  log: (line: string) => void;
}

export interface NetworkFigures {
  n: number;
  scans: number;
  pollSeconds: number;
  startupReadyMs: number;
  /** First apply → all N waiting for onboarding; onboarding started → all N at the weight-transfer gate (the world played by the benchmark included). */
  walkMs: { toAwaitingOnboarding: number; onboardedToGate: number };
  /** The issue's bound on Scan requests per minute: 2 × Scans × (60 s / poll interval). */
  scanRequestsPerMinuteTarget: number;
  /** All N waiting for their new SV to be onboarded (the other SV operators have not acted yet). */
  awaitingOnboarding: NetworkSteady;
  /** All N waiting for the votes of the other SVs on the weight transfer (after the gates were opened). */
  votesPending: NetworkSteady;
  /** Spec patch of weightTransfer.approved → the vote request created in the old SV's app. */
  gateToVoteMs: { first: ReturnType<typeof latencySummary>; second: ReturnType<typeof latencySummary>; gateIntervalMs: number; missing: number };
  memory: { rssAtReadyMb: number; rssAtGatesMb: number; peakRssMb: number };
  operatorCpuSeconds: { walk: number; gates: number };
  /** Spec violations the simulator saw (requests or responses that do not match the upstream specs); should be 0. */
  simViolations: number;
}

/** One steady-state window of the one-network scenario: requests the simulated network received, the operator's work. */
export interface NetworkSteady {
  seconds: number;
  /** Requests the Scans received, per minute (all operations). */
  scanRequestsPerMinute: number;
  scanRequestsPerMinuteByOperation: Record<string, number>;
  svAppRequestsPerMinute: number;
  walletRequestsPerMinute: number;
  writesPerMinute: number;
  writes: Record<string, number>;
  kmsCallsPerMinute: number;
  reconcilesPerMinute: number;
  operatorCpuSeconds: number;
}

/** Requests to `app` summed over every node, per operation id. */
export function appRequests(counts: SimRequestCounts, app: 'scan' | 'sv' | 'wallet'): Map<string, number> {
  const out = new Map<string, number>();
  for (const perApp of Object.values(counts)) for (const [op, c] of Object.entries(perApp[app] ?? {})) out.set(op, (out.get(op) ?? 0) + c);
  return out;
}

/** The participant and sv-app Deployments the charts would make of the operator's values, Available. */
async function deployNewSv(client: KubeClient, m: SvKmsMigration): Promise<void> {
  const ns = m.spec.newSv.namespace;
  const deployment = (name: string, container: string, env: unknown[]): KubeObject =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: { app: name } },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: container, image: 'example.invalid/splice:1', env }] } } },
    }) as KubeObject;
  const secret = m.spec.newSv.governanceKey.secretName;
  const ref = (key: string) => ({ valueFrom: { secretKeyRef: { name: secret, key } } });
  await client.create(RESOURCES.deployments, ns, deployment(m.spec.newSv.participant.releaseName, 'participant', participantEnv(m)));
  await client.create(
    RESOURCES.deployments,
    ns,
    deployment(SV_APP_DEPLOYMENT, SV_APP_DEPLOYMENT, [
      { name: 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY', ...ref('public') },
      { name: 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY', ...ref('private') },
    ]),
  );
  await markAvailable(client, ns, m.spec.newSv.participant.releaseName);
}

/** Migration `i`, wired to the simulated network as SV `Sv<i>-1` handing over to `Sv<i>-2`. */
function networkMigration(sim: SpliceSim, namespace: string, i: number, motoEndpoint: string): SvKmsMigration {
  const m = wireToNetwork(awsTestMigration(MIGRATION_NAME, namespace, motoEndpoint), sim, svNames(i));
  m.spec.network.scanUrls = SCAN_SVS.map((name) => sim.node(name).scanUrl);
  return m;
}

function startNetwork(n: number): Promise<SpliceSim> {
  return startSpliceSim({
    version: '0.6.12',
    svs: [
      ...SCAN_SVS.map((name) => ({ name, weightBps: 10_000, balance: '100' })),
      ...Array.from({ length: n }, (_, i) => ({ name: svNames(i).old, weightBps: 10_000 + i, balance: '1000' })),
    ],
    candidates: Array.from({ length: n }, (_, i) => ({ name: svNames(i).next, balance: '0' })),
  });
}

export async function runNetworkPhase(o: NetworkPhaseOptions): Promise<NetworkFigures> {
  const { cluster, log } = o;
  const n = cluster.namespaces.length;
  const kubeClient = new KubeClient(accessFromKubeConfig(cluster.kc), { fieldManager: 'sv-kms-bench' });
  const moto = await startMoto();
  const sim = await startNetwork(n);
  const watch = new MigrationWatch(cluster.kc);
  let op: OperatorProcess | undefined;
  try {
    // What Canton does on the new participants' first start; done up front, so KmsKeysObserved holds at once.
    await createCantonKeys(moto.endpoint);
    await forEachLimited(cluster.namespaces, o.applyConcurrency, (ns, i) => createNetworkSecrets(kubeClient, ns, sim, { svs: svNames(i) }));
    await watch.start();
    op = await OperatorProcess.start({
      kubeconfigPath: cluster.cp.kubeconfigPath,
      workers: o.workers,
      launch: o.launch,
      logFile: join(o.logDir, `operator-network-${n}.log`),
      extraArgs: ['--network-poll-interval', `${o.pollSeconds}s`, '--kms-poll-interval', '1s'],
    });
    const atReady = op.stats();
    log(`network: operator ready in ${Math.round(op.readyMs)} ms; applying ${n} migrations on one network (${SCAN_SVS.length} Scans, ${SCAN_SVS.length + n} SVs)`);

    const t0 = performance.now();
    const keys = cluster.namespaces.map((ns) => `${ns}/${MIGRATION_NAME}`);
    await forEachLimited(cluster.namespaces, o.applyConcurrency, async (ns, i) => {
      await cluster.client.request({ method: 'POST', path: cluster.client.path(SVKMS_MIGRATIONS, ns), body: networkMigration(sim, ns, i, moto.endpoint) });
    });
    const world: World = { sim, watch, kubeClient, keys, t0, deployed: new Set(), onboarded: new Set() };
    await walk(o, world, 'waiting for onboarding', false, (_m, cond) => cond('NewSvOnboarded')?.reason === 'AwaitingOnboarding');
    const toAwaitingOnboarding = performance.now() - t0;
    const cpuWalked1 = op.stats().cpuSeconds;
    log(`network: all ${n} wait for onboarding after ${(toAwaitingOnboarding / 1000).toFixed(1)} s`);
    const awaitingOnboarding = await measureSteady(o, op, sim, 'all waiting for their new SV to be onboarded');
    const t1 = performance.now();
    const cpuWalk2 = op.stats().cpuSeconds;
    await walk(o, { ...world, t0: t1 }, 'at the weight-transfer gate', true, (m, cond) => m.status?.phase === 'TransferringWeight' && cond('WeightTransferred')?.reason === 'AwaitingApproval');
    const onboardedToGate = performance.now() - t1;
    const cpuWalked = cpuWalked1 - atReady.cpuSeconds + (op.stats().cpuSeconds - cpuWalk2);
    const rssAtGates = op.stats().rssBytes;
    log(`network: all ${n} at the weight-transfer gate ${(onboardedToGate / 1000).toFixed(1)} s after the other SVs began onboarding them`);

    // Gates, one after another: each a spec patch; the latency ends when the old SV's app has the vote request.
    log(`network: opening the ${n} weight-transfer gates, one every ${o.gateIntervalMs} ms`);
    const cpuGates0 = op.stats().cpuSeconds;
    const openedAt = new Map<string, number>();
    const gatesStart = performance.now();
    await Promise.all(
      cluster.namespaces.map(async (ns, i) => {
        const due = gatesStart + i * o.gateIntervalMs;
        if (due > performance.now()) await sleep(due - performance.now());
        openedAt.set(svNames(i).old, Date.now());
        await cluster.client.request({
          method: 'PATCH',
          path: cluster.client.path(SVKMS_MIGRATIONS, ns, MIGRATION_NAME),
          body: { spec: { workflow: { weightTransfer: { approved: true } } } },
          contentType: 'application/merge-patch+json',
        });
      }),
    );
    const votes = await waitForVotes(sim, n, 60_000);
    const first: number[] = [];
    const second: number[] = [];
    for (const [requester, opened] of openedAt) {
      const created = votes.get(requester) ?? [];
      if (created[0] !== undefined) first.push(created[0] - opened);
      if (created[1] !== undefined) second.push(created[1] - opened);
    }
    const cpuGates = op.stats().cpuSeconds - cpuGates0;
    log(`network: ${first.length}/${n} first vote requests, ${second.length}/${n} second; gate→vote p50 ${latencySummary(first).p50} ms, p99 ${latencySummary(first).p99} ms`);
    await walk(o, { ...world, t0: performance.now() }, 'waiting for the votes', false, (_m, cond) => cond('WeightTransferred')?.reason === 'VotesPending');
    const votesPending = await measureSteady(o, op, sim, 'all waiting for the weight votes');
    const end = op.stats();
    return {
      n,
      scans: SCAN_SVS.length,
      pollSeconds: o.pollSeconds,
      startupReadyMs: Math.round(op.readyMs),
      walkMs: { toAwaitingOnboarding: Math.round(toAwaitingOnboarding), onboardedToGate: Math.round(onboardedToGate) },
      scanRequestsPerMinuteTarget: round(2 * SCAN_SVS.length * (60 / o.pollSeconds), 1),
      awaitingOnboarding,
      votesPending,
      gateToVoteMs: { first: latencySummary(first), second: latencySummary(second), gateIntervalMs: o.gateIntervalMs, missing: n - first.length },
      memory: { rssAtReadyMb: round(atReady.rssBytes / MB, 1), rssAtGatesMb: round(rssAtGates / MB, 1), peakRssMb: round(end.peakRssBytes / MB, 1) },
      operatorCpuSeconds: { walk: round(cpuWalked), gates: round(cpuGates) },
      simViolations: sim.violations.length,
    };
  } finally {
    await op?.stop();
    await watch.stop();
    await sim.stop();
    await moto.stop();
  }
}

type Cond = (type: string) => { status?: string; reason?: string } | undefined;

/** What the benchmark plays the world with, and what it has done so far (by migration key). */
interface World {
  sim: SpliceSim;
  watch: MigrationWatch;
  kubeClient: KubeClient;
  keys: string[];
  t0: number;
  deployed: Set<string>;
  onboarded: Set<string>;
}

/**
 * Plays the world until `arrived` holds for every migration: once a migration's values are rendered the platform team
 * deploys them (Available at once); with `onboard`, once its KMS keys are observed, the other SVs approve the new SV's
 * identity and its sponsor onboards it.
 */
async function walk(
  o: NetworkPhaseOptions,
  w: World,
  goal: string,
  onboard: boolean,
  arrived: (m: SvKmsMigration, cond: Cond) => boolean,
): Promise<void> {
  const pending = new Set(w.keys);
  let lastLog = performance.now();
  while (pending.size > 0) {
    const toDeploy: SvKmsMigration[] = [];
    for (const key of pending) {
      const m = w.watch.lastStatus.get(key);
      if (!m?.status) continue;
      const cond: Cond = (type) => m.status?.conditions?.find((c) => c.type === type);
      if (!w.deployed.has(key) && cond('ValuesRendered')?.status === 'True') {
        w.deployed.add(key);
        toDeploy.push(m);
      }
      const publicKey = m.status.onboarding?.approvedSvIdentity?.publicKey;
      if (onboard && !w.onboarded.has(key) && publicKey && cond('KmsKeysObserved')?.status === 'True') {
        w.onboarded.add(key);
        const name = m.spec.newSv.name;
        // Every SV approves, those onboarded earlier in this run too: each new SV raises the ⅔ threshold.
        w.sim.approveCandidate({ name, publicKey, rewardWeightBps: 0 }, w.sim.nodes.map((node) => node.id));
        w.sim.requestOnboarding(w.sim.node(name).id, publicKey);
      }
      if (arrived(m, cond)) pending.delete(key);
    }
    await forEachLimited(toDeploy, o.applyConcurrency, (m) => deployNewSv(w.kubeClient, m));
    const now = performance.now();
    if (now - w.t0 > o.timeoutMs) {
      const where = new Map<string, number>();
      for (const k of pending) {
        const m = w.watch.lastStatus.get(k);
        const blocker = m?.status?.conditions?.find((c) => c.status !== 'True' && !['Ready', 'Stalled', 'Reconciling'].includes(c.type));
        const label = `${m?.status?.phase ?? 'no status'}/${blocker ? `${blocker.type}=${blocker.reason}` : '?'}`;
        where.set(label, (where.get(label) ?? 0) + 1);
      }
      throw new Error(`network: ${pending.size}/${w.keys.length} migrations not ${goal} within ${o.timeoutMs / 1000} s: ${JSON.stringify(Object.fromEntries(where))}`);
    }
    if (now - lastLog > 5000) {
      lastLog = now;
      o.log(`  ${((now - w.t0) / 1000).toFixed(0)} s: deployed ${w.deployed.size}, onboarded ${w.onboarded.size}, ${goal} ${w.keys.length - pending.size}/${w.keys.length}`);
    }
    await sleep(100);
  }
}

/** Counts what the network and the operator did in one steady-state window, after one poll interval to settle. */
async function measureSteady(o: NetworkPhaseOptions, op: OperatorProcess, sim: SpliceSim, what: string): Promise<NetworkSteady> {
  await sleep((o.pollSeconds + 2) * 1000);
  o.log(`network: steady state (${what}): counting requests for ${o.steadySeconds} s`);
  const before = await op.counters();
  const requests0 = sim.requests();
  const cpu0 = op.stats().cpuSeconds;
  await sleep(o.steadySeconds * 1000);
  const after = await op.counters();
  const requests1 = sim.requests();
  const minutes = o.steadySeconds / 60;
  const perMinute = (app: 'scan' | 'sv' | 'wallet') => {
    const d = diff(appRequests(requests1, app), appRequests(requests0, app));
    return { total: round(total(d) / minutes, 1), byOperation: Object.fromEntries([...d].sort().map(([k, v]) => [k, round(v / minutes, 1)])) };
  };
  const scan = perMinute('scan');
  const writes = byVerbResource(diff(after.kube, before.kube), isWrite);
  return {
    seconds: o.steadySeconds,
    scanRequestsPerMinute: scan.total,
    scanRequestsPerMinuteByOperation: scan.byOperation,
    svAppRequestsPerMinute: perMinute('sv').total,
    walletRequestsPerMinute: perMinute('wallet').total,
    writesPerMinute: round(total(writes) / minutes),
    writes: Object.fromEntries(writes),
    kmsCallsPerMinute: round(total(diff(after.kms, before.kms)) / minutes),
    reconcilesPerMinute: round((after.reconciles - before.reconciles) / minutes, 1),
    operatorCpuSeconds: round(op.stats().cpuSeconds - cpu0),
  };
}

/** Waits until each of the `n` old SVs has made both weight vote requests (or `timeoutMs`); their creation times by SV. */
async function waitForVotes(sim: SpliceSim, n: number, timeoutMs: number): Promise<Map<string, number[]>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const byRequester = new Map<string, number[]>();
    for (const r of sim.state().voteRequests) byRequester.set(r.requester, [...(byRequester.get(r.requester) ?? []), r.createdAt].sort((a, b) => a - b));
    const complete = [...byRequester.values()].filter((t) => t.length >= 2).length;
    if (complete >= n || performance.now() > deadline) return byRequester;
    await sleep(100);
  }
}
