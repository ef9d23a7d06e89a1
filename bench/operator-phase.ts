/**
 * The operator's side of one benchmark size: N migrations applied at once to a fresh cluster with the operator running
 * as a child process; time until all are through Preparing, per-migration latency, requests per migration, steady
 * state after convergence, memory and CPU, and a restart over the converged migrations.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { WRITE_VERBS, type KubeObject, type Verb } from '../src/controller/kube-client.ts';
import { applyMigrations, MIGRATION_NAME } from './apply.ts';
import type { BenchCluster } from './cluster.ts';
import { MIRRORED_WRITES, type FloorTemplates, type WritePlan } from './floor.ts';
import { MigrationWatch } from './migration-watch.ts';
import { diff, total } from './metrics-text.ts';
import { cacheListsOfLogFile, listFloor as measureListFloor, weighMigration, type ListFigures, type MigrationWeight } from './list-floor.ts';
import { OperatorProcess, type OperatorCounters } from './operator-process.ts';
import { SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import { machineBusySeconds, MB, type ProcSample } from './proc-stats.ts';
import { latencySummary, round } from './stats.ts';
import type { OperatorLaunch } from './operator-build.ts';

export interface OperatorPhaseOptions {
  cluster: BenchCluster;
  motoEndpoint: string;
  workers: number;
  applyConcurrency: number;
  steadySeconds: number;
  timeoutMs: number;
  logDir: string;
  /** How the operator is started (compiled as in the image, or from the sources; its heap limit). */
  launch: OperatorLaunch;
  /** Write V8 CPU profiles of the backlog operator and of the restarted one into logDir. */
  cpuProfile?: boolean;
  /** Write a V8 heap snapshot of the restarted operator, once settled, into logDir. */
  heapSnapshot?: boolean;
  /** After the restart, one more restart over the converged migrations per variant, each with this environment added. */
  restartVariants?: readonly Record<string, string>[];
  /** Appended to the operator's log file names (e.g. "-unrelated"). */
  label?: string;
  log: (line: string) => void;
}

/** Figures of the operator at one size (all times in milliseconds, memory in MB). */
export interface OperatorFigures {
  startupReadyMs: number;
  totalMs: number;
  latencyValuesRenderedMs: ReturnType<typeof latencySummary>;
  latencyThroughPreparingMs: ReturnType<typeof latencySummary>;
  requestsPerMigration: Record<string, number>;
  writesPerMigration: number;
  failedRequests: Record<string, number>;
  kmsCallsPerMigration: number;
  reconcilesPerMigration: number;
  /** Where the time of one migration went (ms, summed over its reconciles; requests overlap across workers). */
  msPerMigration: { inReconcile: number; inKubeRequests: number; inKmsCalls: number };
  unmirroredWrites: Record<string, number>;
  settleMs: number;
  steady: { seconds: number; writes: Record<string, number>; writesPerMinute: number; kmsCalls: number; kmsCallsPerMinute: number; reconciles: number; migrationChanges: number };
  memory: { rssAtReadyMb: number; rssAtReadyAnonFileMb: [number, number]; peakRssAtReadyMb: number; rssAfterConvergenceMb: number; rssAfterSteadyMb: number; peakRssMb: number };
  cpuSeconds: { startup: number; convergence: number; steady: number };
  controlPlaneCpuSeconds: { convergence: number; steady: number };
  harnessCpuSeconds: number;
  /** CPU seconds of processes outside the benchmark (other work on the machine) while the operator converged. */
  foreignCpuSeconds: number;
  loadAverage1m: { atStart: number; atConvergence: number };
  /** A new operator started over the N converged migrations: time to ready, RSS then, and what it did. */
  /** The restarts of `restartVariants`, in order. */
  restartVariants: RestartVariant[];
  restart: { readyMs: number; listFloorMs: number; listFloorLists: ListFigures[]; migrationWeight: MigrationWeight; rssAtReadyMb: number; rssAtReadyAnonFileMb: [number, number]; settleMs: number; writes: Record<string, number>; kmsCalls: number; reconciles: number; peakRssMb: number; heapSnapshot?: string };
}

/** A restart over the converged migrations with some environment added (an experiment: MALLOC_ARENA_MAX, a compile cache). */
export interface RestartVariant {
  env: Record<string, string>;
  readyMs: number;
  rssAtReadyMb: number;
  /** Once its reconciles after the start are done. */
  rssSettledMb: number;
  peakRssMb: number;
}

/** A reading's RSS split, MB: anonymous memory, and pages mapped from files. */
function anonAndFileMb(s: ProcSample): [number, number] {
  return [round(s.rssAnonBytes / MB, 1), round(s.rssFileBytes / MB, 1)];
}

/** The operator did not get all migrations through in time: what it had done by then. */
export class NotConverged extends Error {
  readonly figures: { n: number; through: number; elapsedMs: number; rssMb: number; peakRssMb: number; cpuSeconds: number; kubeRequests: number; reconciles: number };
  constructor(message: string, figures: NotConverged['figures']) {
    super(message);
    this.name = 'NotConverged';
    this.figures = figures;
  }
}

export interface OperatorPhaseResult {
  figures: OperatorFigures;
  plan: WritePlan;
  templates: FloorTemplates;
}

/** Whether a "verb resource code" key of svkms_kube_requests_total is a write. */
export const isWrite = (key: string) => WRITE_VERBS.has(key.split(' ')[0] as Verb);
const ok = (key: string) => /^2\d\d$/.test(key.split(' ')[2] ?? '');
/** "verb resource code" → "verb resource", summed. */
export function byVerbResource(m: Map<string, number>, keep: (key: string) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of m) if (keep(k)) out.set(k.split(' ').slice(0, 2).join(' '), (out.get(k.split(' ').slice(0, 2).join(' ')) ?? 0) + v);
  return out;
}
const perN = (m: Map<string, number>, n: number) => Object.fromEntries([...m].sort().map(([k, v]) => [k, round(v / n, 3)]));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the operator's reconcile counter has not moved for `quietMs` (or `maxMs` passed); returns the time waited. */
async function settle(op: OperatorProcess, quietMs: number, maxMs: number, atLeast = 0): Promise<number> {
  const started = performance.now();
  let last = (await op.counters()).reconciles;
  let since = performance.now();
  while (performance.now() - started < maxMs) {
    await sleep(250);
    const now = (await op.counters()).reconciles;
    if (now !== last || now < atLeast) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) break;
  }
  return performance.now() - started;
}

async function readTemplates(cluster: BenchCluster, ns: string, status: FloorTemplates['status']): Promise<FloorTemplates> {
  const get = (path: string) => cluster.client.request<KubeObject>({ method: 'GET', path });
  const secrets = await Promise.all(['splice-app-sv-cometbft-governance-key', 'splice-app-sv-key'].map((n) => get(`/api/v1/namespaces/${ns}/secrets/${n}`)));
  const configMaps = await Promise.all([`${MIGRATION_NAME}-participant-values`, `${MIGRATION_NAME}-sv-node-values`].map((n) => get(`/api/v1/namespaces/${ns}/configmaps/${n}`)));
  const events = await cluster.client.request<{ items: (KubeObject & { involvedObject?: { kind?: string } })[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/events` });
  const event = events.items.find((e) => e.involvedObject?.kind === 'SvKmsMigration');
  if (!event) throw new Error(`no Event of the operator in ${ns}`);
  return { secrets, configMaps, status, event };
}

export async function runOperatorPhase(o: OperatorPhaseOptions): Promise<OperatorPhaseResult> {
  const { cluster, log } = o;
  const n = cluster.namespaces.length;
  const watch = new MigrationWatch(cluster.kc);
  await watch.start();
  const label = o.label ?? '';
  const logFile = join(o.logDir, `operator-${n}${label}.log`);
  const op = await OperatorProcess.start({ kubeconfigPath: cluster.cp.kubeconfigPath, workers: o.workers, launch: o.launch, logFile });
  let op2: OperatorProcess | undefined;
  try {
    log(`operator ready in ${Math.round(op.readyMs)} ms (pid ${op.pid}); applying ${n} migrations`);
    const atReady = op.stats();
    const cpuStart = atReady.cpuSeconds;
    const before = await op.counters();
    const cp0 = cluster.controlPlaneCpu();
    const harness0 = process.cpuUsage();
    const busy0 = machineBusySeconds();
    const load0 = loadavg()[0]!;
    const appliedAt = new Map<string, number>();
    const t0 = performance.now();
    const applying = applyMigrations(cluster.client, cluster.namespaces, o.motoEndpoint, o.applyConcurrency, (a) => appliedAt.set(a.key, a.appliedAt));
    const keys = cluster.namespaces.map((ns) => `${ns}/${MIGRATION_NAME}`);
    let lastLog = t0;
    for (;;) {
      const through = watch.countThrough(keys);
      if (through === n) break;
      if (performance.now() - t0 > o.timeoutMs) {
        const st = op.stats();
        const c = await op.counters();
        throw new NotConverged(`only ${through}/${n} migrations got through Preparing within ${o.timeoutMs / 1000} s`, {
          n,
          through,
          elapsedMs: Math.round(performance.now() - t0),
          rssMb: round(st.rssBytes / MB, 1),
          peakRssMb: round(st.peakRssBytes / MB, 1),
          cpuSeconds: round(st.cpuSeconds - cpuStart),
          kubeRequests: total(diff(c.kube, before.kube)),
          reconciles: c.reconciles - before.reconciles,
        });
      }
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`  ${((lastLog - t0) / 1000).toFixed(0)} s: applied ${appliedAt.size}/${n}, through Preparing ${through}/${n}`);
      }
      await sleep(100);
    }
    await applying;
    const milestones = keys.map((k) => watch.milestones.get(k)!);
    const totalMs = Math.max(...milestones.map((m) => m.throughPreparing!)) - t0;
    const harness = process.cpuUsage(harness0);
    const cpuConverged = op.stats().cpuSeconds;
    const cpConverged = cluster.controlPlaneCpu();
    const rssAfterConvergence = op.stats().rssBytes;
    const busy = machineBusySeconds() - busy0;
    const load1 = loadavg()[0]!;
    log(`all ${n} through Preparing in ${(totalMs / 1000).toFixed(1)} s; waiting for the queue to drain`);

    const settleMs = await settle(op, 2000, 30_000);
    const converged: OperatorCounters = await op.counters();
    const work = diff(converged.kube, before.kube);
    const plan: WritePlan = {};
    const okWrites = byVerbResource(work, (k) => isWrite(k) && ok(k));
    for (const k of MIRRORED_WRITES) plan[k] = okWrites.get(k) ?? 0;
    const unmirrored = Object.fromEntries([...okWrites].filter(([k]) => !(MIRRORED_WRITES as readonly string[]).includes(k)));
    const failed = Object.fromEntries([...work].filter(([k]) => !ok(k) && !k.startsWith('watch ')).sort());

    log(`steady state: watching ${o.steadySeconds} s for writes and KMS calls`);
    const changes0 = watch.changes;
    const cpSteady0 = cluster.controlPlaneCpu();
    const cpuSteady0 = op.stats().cpuSeconds;
    await sleep(o.steadySeconds * 1000);
    const steadyEnd = await op.counters();
    const steadyWrites = byVerbResource(diff(steadyEnd.kube, converged.kube), isWrite);
    const steadyKms = total(diff(steadyEnd.kms, converged.kms));
    const afterSteady = op.stats();
    const minutes = o.steadySeconds / 60;

    const firstKey = keys[0]!;
    const templates = await readTemplates(cluster, cluster.namespaces[0]!, watch.lastStatus.get(firstKey)!.status!);

    log('restart: stopping the operator and starting a new one over the converged migrations');
    await op.stop();
    // The lists the new operator's caches will make, by a minimal client, with nothing else running: its floor.
    const listFloor = await measureListFloor(cluster.client, cacheListsOfLogFile(logFile));
    const migrationWeight = weighMigration(await cluster.client.request({ method: 'GET', path: cluster.client.path(SVKMS_MIGRATIONS, cluster.namespaces[0], MIGRATION_NAME) }));
    op2 = await OperatorProcess.start({
      kubeconfigPath: cluster.cp.kubeconfigPath,
      workers: o.workers,
      launch: o.launch,
      logFile: join(o.logDir, `operator-${n}${label}-restart.log`),
      heapSnapshotDir: o.heapSnapshot ? o.logDir : undefined,
      cpuProfileDir: o.cpuProfile ? join(o.logDir, `restart${label}`) : undefined,
    });
    const restartAtReady = op2.stats();
    const restartSettleMs = await settle(op2, 3000, 120_000, n);
    const restarted = await op2.counters();
    const restartPeakRss = op2.stats().peakRssBytes;
    const heapSnapshot = o.heapSnapshot ? await op2.heapSnapshot() : undefined;
    if (heapSnapshot) log(`restart: heap snapshot ${heapSnapshot} (summary: node bench/heap-summary.ts ${heapSnapshot})`);
    await op2.stop();
    const restartVariants: RestartVariant[] = [];
    for (const [i, env] of (o.restartVariants ?? []).entries()) {
      const logFile = join(o.logDir, `operator-${n}${label}-restart-variant-${i + 1}.log`);
      // An experiment that does not start (e.g. a V8 flag NODE_OPTIONS refuses) is said and skipped, not the run's end.
      const variant = await OperatorProcess.start({ kubeconfigPath: cluster.cp.kubeconfigPath, workers: o.workers, launch: { ...o.launch, env: { ...o.launch.env, ...env } }, logFile }).catch((err: unknown) => {
        log(`restart with ${JSON.stringify(env)}: did not start (${err instanceof Error ? err.message : String(err)}; see ${logFile})`);
        return undefined;
      });
      if (!variant) continue;
      try {
        const atReady = variant.stats();
        await settle(variant, 3000, 120_000, n);
        const settled = variant.stats();
        const figures: RestartVariant = { env, readyMs: Math.round(variant.readyMs), rssAtReadyMb: round(atReady.rssBytes / MB, 1), rssSettledMb: round(settled.rssBytes / MB, 1), peakRssMb: round(settled.peakRssBytes / MB, 1) };
        restartVariants.push(figures);
        log(`restart with ${JSON.stringify(env)}: ready in ${figures.readyMs} ms, RSS at ready ${figures.rssAtReadyMb} MB`);
      } finally {
        await variant.stop();
      }
    }

    const latVR = keys.map((k) => watch.milestones.get(k)!.valuesRendered! - appliedAt.get(k)!);
    const latThrough = keys.map((k) => watch.milestones.get(k)!.throughPreparing! - appliedAt.get(k)!);
    const figures: OperatorFigures = {
      startupReadyMs: Math.round(op.readyMs),
      totalMs: Math.round(totalMs),
      latencyValuesRenderedMs: latencySummary(latVR),
      latencyThroughPreparingMs: latencySummary(latThrough),
      requestsPerMigration: perN(byVerbResource(work), n),
      writesPerMigration: round(total(byVerbResource(work, isWrite)) / n, 3),
      failedRequests: failed,
      kmsCallsPerMigration: round(total(diff(converged.kms, before.kms)) / n, 3),
      reconcilesPerMigration: round((converged.reconciles - before.reconciles) / n, 2),
      msPerMigration: {
        inReconcile: round(((converged.seconds.reconcile - before.seconds.reconcile) * 1000) / n, 1),
        inKubeRequests: round(((converged.seconds.kube - before.seconds.kube) * 1000) / n, 1),
        inKmsCalls: round(((converged.seconds.kms - before.seconds.kms) * 1000) / n, 1),
      },
      unmirroredWrites: unmirrored,
      settleMs: Math.round(settleMs),
      steady: {
        seconds: o.steadySeconds,
        writes: Object.fromEntries(steadyWrites),
        writesPerMinute: round(total(steadyWrites) / minutes),
        kmsCalls: steadyKms,
        kmsCallsPerMinute: round(steadyKms / minutes),
        reconciles: steadyEnd.reconciles - converged.reconciles,
        migrationChanges: watch.changes - changes0,
      },
      memory: {
        rssAtReadyMb: round(atReady.rssBytes / MB, 1),
        rssAtReadyAnonFileMb: anonAndFileMb(atReady),
        peakRssAtReadyMb: round(atReady.peakRssBytes / MB, 1),
        rssAfterConvergenceMb: round(rssAfterConvergence / MB, 1), rssAfterSteadyMb: round(afterSteady.rssBytes / MB, 1), peakRssMb: round(afterSteady.peakRssBytes / MB, 1) },
      cpuSeconds: { startup: round(cpuStart), convergence: round(cpuConverged - cpuStart), steady: round(afterSteady.cpuSeconds - cpuSteady0) },
      controlPlaneCpuSeconds: { convergence: round(cpConverged - cp0), steady: round(cluster.controlPlaneCpu() - cpSteady0) },
      harnessCpuSeconds: round((harness.user + harness.system) / 1e6),
      foreignCpuSeconds: round(Math.max(0, busy - (cpuConverged - cpuStart) - (cpConverged - cp0) - (harness.user + harness.system) / 1e6)),
      loadAverage1m: { atStart: round(load0), atConvergence: round(load1) },
      restartVariants,
      restart: {
        readyMs: Math.round(op2.readyMs),
        listFloorMs: listFloor.ms,
        listFloorLists: listFloor.lists,
        migrationWeight,
        rssAtReadyMb: round(restartAtReady.rssBytes / MB, 1),
        rssAtReadyAnonFileMb: anonAndFileMb(restartAtReady),
        settleMs: Math.round(restartSettleMs),
        writes: Object.fromEntries(byVerbResource(restarted.kube, isWrite)),
        kmsCalls: total(restarted.kms),
        reconciles: restarted.reconciles,
        peakRssMb: round(restartPeakRss / MB, 1),
        ...(heapSnapshot ? { heapSnapshot } : {}),
      },
    };
    return { figures, plan, templates };
  } finally {
    await op.stop();
    await op2?.stop();
    await watch.stop();
  }
}

/** The operator started over a backlog: N migrations applied while no operator ran (times from spawn). */
export interface BacklogFigures {
  readyMs: number;
  /** Spawn → all N through Preparing. */
  totalMs: number;
  /** Ready → all N through Preparing: the operator's own throughput, without startup. */
  afterReadyMs: number;
  cpuSeconds: number;
  rssAtReadyMb: number;
  peakRssMb: number;
  controlPlaneCpuSeconds: number;
}

/** Applies N migrations with no operator running, then starts the operator and times it through the backlog. */
export async function runOperatorBacklog(o: Omit<OperatorPhaseOptions, 'steadySeconds'>): Promise<BacklogFigures> {
  const { cluster, log } = o;
  const n = cluster.namespaces.length;
  await applyMigrations(cluster.client, cluster.namespaces, o.motoEndpoint, o.applyConcurrency, () => undefined);
  const watch = new MigrationWatch(cluster.kc);
  await watch.start();
  const keys = cluster.namespaces.map((ns) => `${ns}/${MIGRATION_NAME}`);
  const cp0 = cluster.controlPlaneCpu();
  const t0 = performance.now();
  const op = await OperatorProcess.start({ kubeconfigPath: cluster.cp.kubeconfigPath, workers: o.workers, launch: o.launch, logFile: join(o.logDir, `operator-${n}-backlog.log`), cpuProfileDir: o.cpuProfile ? o.logDir : undefined });
  const atReady = op.stats();
  try {
    let lastLog = t0;
    for (;;) {
      const through = watch.countThrough(keys);
      if (through === n) break;
      if (performance.now() - t0 > o.timeoutMs) throw new Error(`backlog: only ${through}/${n} migrations got through Preparing within ${o.timeoutMs / 1000} s`);
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`  ${((lastLog - t0) / 1000).toFixed(0)} s: through Preparing ${through}/${n}`);
      }
      await sleep(100);
    }
    const totalMs = Math.max(...keys.map((k) => watch.milestones.get(k)!.throughPreparing!)) - t0;
    const stats = op.stats();
    return {
      readyMs: Math.round(op.readyMs),
      totalMs: Math.round(totalMs),
      afterReadyMs: Math.round(totalMs - op.readyMs),
      cpuSeconds: round(stats.cpuSeconds),
      rssAtReadyMb: round(atReady.rssBytes / MB, 1),
      peakRssMb: round(stats.peakRssBytes / MB, 1),
      controlPlaneCpuSeconds: round(cluster.controlPlaneCpu() - cp0),
    };
  } finally {
    await op.stop();
    await watch.stop();
  }
}
