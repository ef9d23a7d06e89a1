/**
 * `npm run bench`: the operator against the API server's own floor (issues 7 and 14). For each size N: a fresh control
 * plane with the operator as a child process and N migrations applied at once (and, with --unrelated, the same on a
 * cluster full of unrelated Secrets and ConfigMaps); then a fresh control plane where a minimal client makes the same
 * writes at the same concurrency (the floor), and optionally the same through the operator's own Kubernetes client.
 * With --network, N migrations against one simulated Splice network. Prints a table, writes JSON and an SVG plot to
 * bench-results/. See docs/performance.md.
 */
import { cpus, totalmem, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../test/env/binaries.ts';
import { startMoto, type MotoServer } from '../test/env/moto.ts';
import { UsageError } from '../src/cli/parse-flags.ts';
import { startBenchCluster, type BenchCluster } from './cluster.ts';
import { kubeClientWriter, pooledWriter, runFloor, type FloorTemplates, type FloorWriter, type WritePlan } from './floor.ts';
import { NotConverged, runOperatorBacklog, runOperatorPhase } from './operator-phase.ts';
import { benchPlot, checkTargets, formatReport, type FloorFigures, type SizeResult } from './report.ts';
import { runNetworkPhase, type NetworkFigures } from './network-phase.ts';
import { createUnrelatedObjects } from './unrelated.ts';
import { compiledOperator, sourceOperator, type OperatorLaunch } from './operator-build.ts';
import { benchSettings, USAGE, type BenchSettings } from './settings.ts';
import { latencySummary, round } from './stats.ts';
import { machineBusySeconds } from './proc-stats.ts';

const started = performance.now();
const log = (line: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

/** Throws once the run's time budget is spent (checked between phases). */
function checkBudget(settings: BenchSettings): void {
  if (performance.now() - started > settings.maxMinutes * 60_000) throw new Error(`the run exceeded --max-minutes ${settings.maxMinutes}`);
}

async function floorPhase(
  settings: BenchSettings,
  n: number,
  moto: MotoServer,
  plan: WritePlan,
  templates: FloorTemplates,
  kind: FloorFigures['client'],
  backlog: boolean,
): Promise<FloorFigures> {
  const label = `N=${n} floor (${kind}${backlog ? ', backlog' : ''})`;
  log(`${label}: starting a fresh control plane`);
  const cluster = await startBenchCluster(n, 'floor', settings.applyConcurrency);
  try {
    const writer: FloorWriter = kind === 'pooled keep-alive' ? pooledWriter(cluster.client) : kubeClientWriter(cluster.kc);
    const cp0 = cluster.controlPlaneCpu();
    const harness0 = process.cpuUsage();
    const busy0 = machineBusySeconds();
    let lastLog = performance.now();
    const result = await runFloor({
      cluster,
      writer,
      plan,
      templates,
      workers: settings.workers,
      applyConcurrency: settings.applyConcurrency,
      motoEndpoint: moto.endpoint,
      backlog,
      onProgress: (done) => {
        if (performance.now() - lastLog > 5000) {
          lastLog = performance.now();
          log(`  floor: ${done}/${n} done`);
        }
      },
    });
    const harness = process.cpuUsage(harness0);
    const cpCpu = cluster.controlPlaneCpu() - cp0;
    const foreign = machineBusySeconds() - busy0 - cpCpu - (harness.user + harness.system) / 1e6;
    log(`${label}: ${(result.totalMs / 1000).toFixed(1)} s`);
    return {
      client: kind,
      backlog,
      totalMs: Math.round(result.totalMs),
      latencyMs: latencySummary(result.latenciesMs),
      writesPerMigration: round(result.writes / n, 3),
      controlPlaneCpuSeconds: round(cpCpu),
      harnessCpuSeconds: round((harness.user + harness.system) / 1e6),
      foreignCpuSeconds: round(Math.max(0, foreign)),
    };
  } finally {
    await cluster.stop();
  }
}

/** A fresh control plane with `n` namespaces `<prefix>-<i>` for `run`, stopped afterwards. */
async function withCluster<T>(settings: BenchSettings, n: number, run: (cluster: BenchCluster) => Promise<T>, prefix = 'sv'): Promise<T> {
  checkBudget(settings);
  const cluster = await startBenchCluster(n, prefix, settings.applyConcurrency);
  try {
    return await run(cluster);
  } finally {
    await cluster.stop();
  }
}

async function runSize(settings: BenchSettings, launch: OperatorLaunch, n: number, moto: MotoServer, logDir: string): Promise<SizeResult> {
  const common = () => ({
    motoEndpoint: moto.endpoint,
    workers: settings.workers,
    launch,
    applyConcurrency: settings.applyConcurrency,
    timeoutMs: Math.min(settings.timeoutSeconds * 1000, settings.maxMinutes * 60_000 - (performance.now() - started)),
    logDir,
    log,
  });
  log(`N=${n} operator: fresh control plane with ${n} namespaces; the operator runs while the migrations are applied`);
  const phase = await withCluster(settings, n, (cluster) => runOperatorPhase({ ...common(), cluster, steadySeconds: settings.steadySeconds, heapSnapshot: settings.heapSnapshot, cpuProfile: settings.cpuProfile, restartVariants: settings.restartVariants }));
  let operatorUnrelated: SizeResult['operatorUnrelated'];
  if (settings.unrelated > 0) {
    log(`N=${n} operator with unrelated objects: fresh control plane; ${settings.unrelated} Secrets and ${settings.unrelated} ConfigMaps in ${settings.unrelatedNamespaces} other namespaces first`);
    operatorUnrelated = await withCluster(settings, n, async (cluster) => {
      const unrelated = await createUnrelatedObjects(cluster.client, settings.unrelated, settings.unrelatedNamespaces, settings.applyConcurrency);
      log(`  created in ${unrelated.createSeconds} s (not part of the operator's figures); now the operator phase`);
      const run = await runOperatorPhase({ ...common(), cluster, steadySeconds: settings.steadySeconds, label: '-unrelated' });
      return { unrelated, operator: run.figures };
    });
  }
  log(`N=${n} operator, backlog: fresh control plane; ${n} migrations applied first, then the operator starts`);
  const backlog = await withCluster(settings, n, (cluster) => runOperatorBacklog({ ...common(), cluster, cpuProfile: settings.cpuProfile }));
  log(`N=${n} operator, backlog: all through in ${(backlog.afterReadyMs / 1000).toFixed(1)} s after ready (${backlog.readyMs} ms to ready)`);
  checkBudget(settings);
  const floor = await floorPhase(settings, n, moto, phase.plan, phase.templates, 'pooled keep-alive', false);
  checkBudget(settings);
  const floorBacklog = await floorPhase(settings, n, moto, phase.plan, phase.templates, 'pooled keep-alive', true);
  let floorBacklogKubeClient: FloorFigures | undefined;
  // Optional: it is skipped when it would not fit the run's time budget (it takes about 3x the pooled floor).
  const remainingMs = settings.maxMinutes * 60_000 - (performance.now() - started);
  const fits = remainingMs > 3 * floorBacklog.totalMs + 60_000 * (settings.sizes.at(-1) === n ? 1 : 4);
  if (settings.kubeClientFloor && !fits) log(`N=${n}: skipping the KubeClient floor, it would not fit --max-minutes ${settings.maxMinutes}`);
  if (settings.kubeClientFloor && fits) {
    floorBacklogKubeClient = await floorPhase(settings, n, moto, phase.plan, phase.templates, 'operator KubeClient', true);
  }
  const op = phase.figures;
  return {
    n,
    operator: op,
    operatorBacklog: backlog,
    floor,
    floorBacklog,
    floorBacklogKubeClient,
    ...(operatorUnrelated ? { operatorUnrelated } : {}),
    ratio: round(op.totalMs / floor.totalMs),
    ratioBacklog: round(backlog.afterReadyMs / floorBacklog.totalMs),
    ratioBacklogToKubeClientFloor: floorBacklogKubeClient ? round(backlog.afterReadyMs / floorBacklogKubeClient.totalMs) : undefined,
  };
}

async function main(): Promise<number> {
  let settings: BenchSettings;
  try {
    settings = benchSettings(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (settings.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(REPO_ROOT, 'bench-results');
  const logDir = join(resultsDir, `${stamp}-logs`);
  mkdirSync(logDir, { recursive: true });
  const out = settings.out ?? join(resultsDir, `${stamp}.json`);
  log(`sizes ${settings.sizes.join(', ')}; workers ${settings.workers}; operator heap ${settings.heapMiB ? `${settings.heapMiB} MiB` : 'Node default'}, semi-spaces ${settings.semiSpaceMiB ? `${settings.semiSpaceMiB} MiB` : 'V8 default'}; steady ${settings.steadySeconds} s; operator logs in ${logDir}`);
  if (!settings.fromSource) log('compiling the operator as the image runs it (tsconfig.build.json)');
  const heap = { heapMiB: settings.heapMiB, semiSpaceMiB: settings.semiSpaceMiB };
  const launch = settings.fromSource ? sourceOperator(heap) : compiledOperator(heap);

  const moto = await startMoto();
  const results: SizeResult[] = [];
  let failure: string | undefined;
  let incomplete: NotConverged['figures'] | undefined;
  let network: NetworkFigures | undefined;
  try {
    for (const n of settings.sizes) {
      checkBudget(settings);
      results.push(await runSize(settings, launch, n, moto, logDir));
    }
  } catch (err) {
    // Keep what was measured: the sizes done so far are still written out.
    failure = (err as Error).stack ?? String(err);
    if (err instanceof NotConverged) incomplete = err.figures;
    process.stderr.write(`bench: ${failure}\n`);
  } finally {
    await moto.stop();
  }
  if (settings.network > 0) {
    try {
      log(`network: fresh control plane with ${settings.network} namespaces; ${settings.network} migrations against one simulated Splice network`);
      network = await withCluster(
        settings,
        settings.network,
        (cluster) =>
          runNetworkPhase({
            cluster,
            workers: settings.workers,
            applyConcurrency: settings.applyConcurrency,
            launch,
            pollSeconds: settings.networkPollSeconds,
            steadySeconds: settings.networkSteadySeconds,
            gateIntervalMs: settings.gateIntervalMs,
            timeoutMs: Math.min(settings.timeoutSeconds * 1000, settings.maxMinutes * 60_000 - (performance.now() - started)),
            logDir,
            log,
          }),
        'net',
      );
    } catch (err) {
      const message = (err as Error).stack ?? String(err);
      failure = failure ? `${failure}\n${message}` : message;
      process.stderr.write(`bench: ${message}\n`);
    }
  }
  if (results.length === 0 && !incomplete && !network) return 1;
  const targets = checkTargets(results, network);
  const report = {
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    durationSeconds: round((performance.now() - started) / 1000, 1),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, kernel: release() },
    settings: { ...settings, help: undefined },
    results,
    ...(network ? { network } : {}),
    targets,
    ...(failure ? { failure } : {}),
    ...(incomplete ? { incomplete } : {}),
  };
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  let plotLine = '';
  if (results.length > 0) {
    const svg = benchPlot(results, `${basename(out)}: ${report.machine.cpus} CPUs, ${report.machine.node}; other processes used ${results.map((r) => r.operator.foreignCpuSeconds).join(' / ')} CPU-s while the operator converged`);
    const svgPath = out.replace(/\.json$/, '') + '.svg';
    writeFileSync(svgPath, svg);
    plotLine = `\nPlot: ${svgPath}`;
    if (settings.writeDocsPlot) {
      writeFileSync(join(REPO_ROOT, 'docs', 'performance.svg'), svg);
      plotLine += ` (and docs/performance.svg)`;
    }
  }
  const partial = incomplete
    ? `\n\nN=${incomplete.n} DID NOT CONVERGE: ${incomplete.through}/${incomplete.n} through Preparing after ${(incomplete.elapsedMs / 1000).toFixed(0)} s; ` +
      `operator RSS ${incomplete.rssMb} MB (peak ${incomplete.peakRssMb} MB), CPU ${incomplete.cpuSeconds} s, ${incomplete.reconciles} reconciles`
    : '';
  const tables = formatReport(results, targets, network);
  process.stdout.write(`\n${tables}${partial}\n\nJSON: ${out}${plotLine}\n`);
  return failure ? 1 : 0;
}

process.exitCode = await main();
