/** The benchmark's results: their JSON shape, the targets of issue 7, and the table printed at the end. */
import type { BacklogFigures, OperatorFigures } from './operator-phase.ts';
import type { latencySummary } from './stats.ts';

/** One floor run's figures. */
export interface FloorFigures {
  client: 'pooled keep-alive' | 'operator KubeClient';
  /** Whether the migrations were applied before the clock started (else: applied while the floor ran). */
  backlog: boolean;
  totalMs: number;
  latencyMs: ReturnType<typeof latencySummary>;
  writesPerMigration: number;
  controlPlaneCpuSeconds: number;
  harnessCpuSeconds: number;
  /** CPU seconds of processes outside the benchmark meanwhile. */
  foreignCpuSeconds: number;
}

/** Everything measured at one size. */
export interface SizeResult {
  n: number;
  operator: OperatorFigures;
  operatorBacklog: BacklogFigures;
  floor: FloorFigures;
  floorBacklog: FloorFigures;
  floorBacklogKubeClient?: FloorFigures;
  /** Operator time / floor time for all N to get through, migrations applied while running (apply included). */
  ratio: number;
  /** The same over a backlog: operator from ready / floor, neither paying for the applies. */
  ratioBacklog: number;
  ratioBacklogToKubeClientFloor?: number;
}

/** A target of the issue and whether this run met it. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export const TARGETS = { ratio: 1.5, steadyWrites: 0, rssMb: 200 } as const;

/** Checks the targets at the largest size run. */
export function checkTargets(results: readonly SizeResult[]): TargetCheck[] {
  const largest = results.reduce((a, b) => (b.n > a.n ? b : a));
  const steady = results.map((r) => `${r.operator.steady.writesPerMinute}/min at N=${r.n}`).join(', ');
  return [
    { target: `time ratio operator/floor <= ${TARGETS.ratio} at N=${largest.n} (applied while running)`, measured: largest.ratio.toFixed(2), met: largest.ratio <= TARGETS.ratio },
    { target: `time ratio operator/floor <= ${TARGETS.ratio} at N=${largest.n} (backlog)`, measured: largest.ratioBacklog.toFixed(2), met: largest.ratioBacklog <= TARGETS.ratio },
    { target: 'zero writes in steady state', measured: steady, met: results.every((r) => r.operator.steady.writesPerMinute === 0) },
    { target: `peak RSS < ${TARGETS.rssMb} MB at N=${largest.n}`, measured: `${largest.operator.memory.peakRssMb} MB`, met: largest.operator.memory.peakRssMb < TARGETS.rssMb },
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const s = (ms: number) => (ms / 1000).toFixed(1);

/** The tables printed at the end of a run. */
export function formatReport(results: readonly SizeResult[], targets: readonly TargetCheck[]): string {
  const rows = (label: string, f: (r: SizeResult) => string) => [label, ...results.map(f)];
  const header = ['', ...results.map((r) => `N=${r.n}`)];
  const body: string[][] = [
    rows('applied while running: operator (s)', (r) => s(r.operator.totalMs)),
    rows('applied while running: floor (s)', (r) => s(r.floor.totalMs)),
    rows('  ratio operator/floor', (r) => r.ratio.toFixed(2)),
    rows('backlog: operator from ready (s)', (r) => s(r.operatorBacklog.afterReadyMs)),
    rows('backlog: floor (s)', (r) => s(r.floorBacklog.totalMs)),
    rows('  ratio operator/floor', (r) => r.ratioBacklog.toFixed(2)),
    rows('backlog: floor via KubeClient (s)', (r) => (r.floorBacklogKubeClient ? s(r.floorBacklogKubeClient.totalMs) : '-')),
    rows('  ratio operator/KubeClient floor', (r) => r.ratioBacklogToKubeClientFloor?.toFixed(2) ?? '-'),
    rows('apply→ValuesRendered p50 / p99 (ms)', (r) => `${r.operator.latencyValuesRenderedMs.p50} / ${r.operator.latencyValuesRenderedMs.p99}`),
    rows('floor apply→done p50 / p99 (ms)', (r) => `${r.floor.latencyMs.p50} / ${r.floor.latencyMs.p99}`),
    rows('API requests / migration (non-watch)', (r) => Object.entries(r.operator.requestsPerMigration).filter(([k]) => !k.startsWith('watch')).reduce((a, [, v]) => a + v, 0).toFixed(2)),
    rows('API writes / migration', (r) => r.operator.writesPerMigration.toFixed(2)),
    rows('KMS calls / migration', (r) => r.operator.kmsCallsPerMigration.toFixed(2)),
    rows('reconciles / migration', (r) => r.operator.reconcilesPerMigration.toFixed(2)),
    rows('ms / migration: reconcile, kube, KMS', (r) => `${r.operator.msPerMigration.inReconcile}, ${r.operator.msPerMigration.inKubeRequests}, ${r.operator.msPerMigration.inKmsCalls}`),
    rows('steady writes / min', (r) => String(r.operator.steady.writesPerMinute)),
    rows('steady KMS calls / min', (r) => String(r.operator.steady.kmsCallsPerMinute)),
    rows('operator RSS at ready / peak (MB)', (r) => `${r.operator.memory.rssAtReadyMb} / ${r.operator.memory.peakRssMb}`),
    rows('backlog: ready (ms) / peak RSS (MB)', (r) => `${r.operatorBacklog.readyMs} / ${r.operatorBacklog.peakRssMb}`),
    rows('operator CPU: converge / steady (s)', (r) => `${r.operator.cpuSeconds.convergence} / ${r.operator.cpuSeconds.steady}`),
    rows('apiserver+etcd CPU: operator / floor (s)', (r) => `${r.operator.controlPlaneCpuSeconds.convergence} / ${r.floor.controlPlaneCpuSeconds}`),
    rows('other processes CPU: operator / floor (s)', (r) => `${r.operator.foreignCpuSeconds} / ${r.floor.foreignCpuSeconds}`),
    rows('startup → ready (ms)', (r) => String(r.operator.startupReadyMs)),
    rows('restart: ready (ms) / writes / KMS', (r) => `${r.operator.restart.readyMs} / ${Object.values(r.operator.restart.writes).reduce((a, b) => a + b, 0)} / ${r.operator.restart.kmsCalls}`),
  ];
  const perVerb = [...new Set(results.flatMap((r) => Object.keys(r.operator.requestsPerMigration)))].sort();
  const verbs = perVerb.map((k) => [k, ...results.map((r) => String(r.operator.requestsPerMigration[k] ?? 0))]);
  const checks = targets.map((t) => `${t.met ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
  return [table(header, body), '', 'Operator API requests per migration, by verb and resource:', table(['verb resource', ...header.slice(1)], verbs), '', 'Targets (issue 7):', ...checks].join('\n');
}
