/** The benchmark's pure parts: flags, statistics, the targets of issue 14, the plot of a run, request sums. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { UsageError } from '../../../src/cli/parse-flags.ts';
import { REPO_ROOT } from '../../env/binaries.ts';
import { benchSettings, CHART_DEFAULT_HEAP_MIB, CHART_DEFAULT_SEMI_SPACE_MIB } from '../../../bench/settings.ts';
import { latencySummary, percentile } from '../../../bench/stats.ts';
import { benchPlot, checkTargets, formatReport, peakRssOf, type SizeResult } from '../../../bench/report.ts';
import { appRequests, type NetworkFigures, type NetworkSteady } from '../../../bench/network-phase.ts';
import type { OperatorFigures } from '../../../bench/operator-phase.ts';
import { unrelatedNamespace } from '../../../bench/unrelated.ts';
import { launchEnv, sourceOperator } from '../../../bench/operator-build.ts';
import { finalStage, parseDockerfile, stageValues } from '../../support/dockerfile.ts';

const lat = { p50: 1, p90: 2, p99: 3, max: 4 };

function operator(over: { rssAtReady?: number; peak?: number; restartRss?: number; restartReady?: number; steadyWrites?: number; totalMs?: number } = {}): OperatorFigures {
  return {
    startupReadyMs: 900,
    totalMs: over.totalMs ?? 50_000,
    latencyValuesRenderedMs: lat,
    latencyThroughPreparingMs: lat,
    requestsPerMigration: { 'create secrets': 2, 'watch secrets': 0.01 },
    writesPerMigration: 15,
    failedRequests: {},
    kmsCallsPerMigration: 1,
    reconcilesPerMigration: 3,
    msPerMigration: { inReconcile: 10, inKubeRequests: 5, inKmsCalls: 1 },
    unmirroredWrites: {},
    settleMs: 2000,
    steady: { seconds: 60, writes: {}, writesPerMinute: over.steadyWrites ?? 0, kmsCalls: 0, kmsCallsPerMinute: 0, reconciles: 0, migrationChanges: 0 },
    memory: { rssAtReadyMb: over.rssAtReady ?? 90, rssAtReadyAnonFileMb: [40, 50], peakRssAtReadyMb: 95, rssAfterConvergenceMb: 150, rssAfterSteadyMb: 140, peakRssMb: over.peak ?? 180 },
    cpuSeconds: { startup: 1, convergence: 30, steady: 0.1 },
    controlPlaneCpuSeconds: { convergence: 40, steady: 1 },
    harnessCpuSeconds: 5,
    foreignCpuSeconds: 0,
    loadAverage1m: { atStart: 0.5, atConvergence: 2 },
    restartVariants: [{ env: { MALLOC_ARENA_MAX: '2' }, readyMs: 700, rssAtReadyMb: 90, rssSettledMb: 92, peakRssMb: 99 }],
    restart: {
      readyMs: over.restartReady ?? 800,
      listFloorMs: 500,
      listFloorLists: [{ list: 'svkmsmigrations', ms: 500, items: 100, bytes: 1_460_000 }, { list: 'secrets (svkms.dev/managed-by) (metadata)', ms: 120, items: 300, bytes: 307_200 }],
      rssAtReadyAnonFileMb: [60, 55],
      migrationWeight: { bytes: 14_950, managedFields: 5_427, spec: 1_500, status: 6_963, statusFields: { conditions: 4_096, governance: 2_048 } },
      rssAtReadyMb: over.restartRss ?? 95, settleMs: 3000, writes: {}, kmsCalls: 0, reconciles: 1000, peakRssMb: 120 },
  };
}

const floor = (totalMs: number) => ({ client: 'pooled keep-alive' as const, backlog: false, totalMs, latencyMs: lat, writesPerMigration: 15, controlPlaneCpuSeconds: 1, harnessCpuSeconds: 1, foreignCpuSeconds: 0 });

function size(n: number, op: OperatorFigures, opts: { ratio?: number; unrelated?: OperatorFigures } = {}): SizeResult {
  return {
    n,
    operator: op,
    operatorBacklog: { readyMs: 700, totalMs: 40_000, afterReadyMs: 39_300, cpuSeconds: 20, rssAtReadyMb: 85, peakRssMb: 170, controlPlaneCpuSeconds: 30 },
    floor: floor(op.totalMs / (opts.ratio ?? 1.1)),
    floorBacklog: { ...floor(35_000), backlog: true },
    ...(opts.unrelated ? { operatorUnrelated: { unrelated: { secrets: 10_000, configMaps: 10_000, namespaces: 100, createSeconds: 120 }, operator: opts.unrelated } } : {}),
    ratio: opts.ratio ?? 1.1,
    ratioBacklog: 1.12,
  };
}

const steady = (scanPerMinute: number, writes = 0): NetworkSteady => ({
  seconds: 60,
  scanRequestsPerMinute: scanPerMinute,
  scanRequestsPerMinuteByOperation: { getDsoInfo: scanPerMinute },
  svAppRequestsPerMinute: 10,
  walletRequestsPerMinute: 0,
  writesPerMinute: writes,
  writes: {},
  kmsCallsPerMinute: 0,
  reconcilesPerMinute: 600,
  operatorCpuSeconds: 1,
});

function network(scan: [number, number], p99: number, missing = 0): NetworkFigures {
  return {
    n: 100,
    scans: 4,
    pollSeconds: 10,
    startupReadyMs: 900,
    walkMs: { toAwaitingOnboarding: 20_000, onboardedToGate: 15_000 },
    scanRequestsPerMinuteTarget: 48,
    awaitingOnboarding: steady(scan[0]),
    votesPending: steady(scan[1]),
    gateToVoteMs: { first: { ...lat, p99 }, second: lat, gateIntervalMs: 250, missing },
    memory: { rssAtReadyMb: 90, rssAtGatesMb: 120, peakRssMb: 150 },
    operatorCpuSeconds: { walk: 10, gates: 2 },
    simViolations: 0,
  };
}

const byTarget = (checks: ReturnType<typeof checkTargets>, fragment: string) => {
  const c = checks.find((t) => t.target.includes(fragment));
  if (!c) throw new Error(`no target containing "${fragment}" in ${checks.map((t) => t.target).join(' | ')}`);
  return c;
};

describe('benchSettings', () => {
  it('keeps the defaults of a plain run: no unrelated objects, no network scenario, 15 minutes', () => {
    const s = benchSettings([]);
    expect(s).toMatchObject({ sizes: [100, 1000], unrelated: 0, network: 0, maxMinutes: 15, writeDocsPlot: false, gateIntervalMs: 250, networkPollSeconds: 10 });
  });

  it('reads the realistic-cluster flags and gives their phases time', () => {
    const s = benchSettings(['--unrelated', '10000', '--network', '100', '--write-docs-plot', '--gate-interval-ms', '0']);
    expect(s).toMatchObject({ unrelated: 10_000, unrelatedNamespaces: 100, network: 100, writeDocsPlot: true, gateIntervalMs: 0, maxMinutes: 15 + 2 * 5 + 10 });
    expect(benchSettings(['--unrelated', '10', '--max-minutes', '3']).maxMinutes).toBe(3);
  });

  it("runs the operator with the heap the chart's defaults give it, or another", () => {
    const values = load(readFileSync(join(REPO_ROOT, 'deploy/helm/sv-kms-operator/values.yaml'), 'utf8')) as { resources: { limits: { memory: string } }; heap: { percentOfMemoryLimit: number; maxSemiSpaceSizeMiB: number } };
    const limitMiB = Number(/^(\d+)Mi$/.exec(values.resources.limits.memory)?.[1]);
    expect(CHART_DEFAULT_HEAP_MIB).toBe(Math.floor((limitMiB * values.heap.percentOfMemoryLimit) / 100));
    expect(benchSettings([]).heapMiB).toBe(CHART_DEFAULT_HEAP_MIB);
    expect(benchSettings(['--heap-mib', '0']).heapMiB).toBe(0);
    expect(CHART_DEFAULT_SEMI_SPACE_MIB).toBe(values.heap.maxSemiSpaceSizeMiB);
    expect(benchSettings([]).semiSpaceMiB).toBe(CHART_DEFAULT_SEMI_SPACE_MIB);
    expect(benchSettings(['--semi-space-mib', '0']).semiSpaceMiB).toBe(0);
  });

  it('runs the operator compiled, as the image does, in the environment the image and the chart give it', () => {
    expect(benchSettings([]).fromSource).toBe(false);
    expect(benchSettings(['--from-source']).fromSource).toBe(true);
    const image = stageValues(finalStage(parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))), 'ENV');
    const env = launchEnv(sourceOperator({ heapMiB: CHART_DEFAULT_HEAP_MIB, semiSpaceMiB: CHART_DEFAULT_SEMI_SPACE_MIB }));
    expect(env.NODE_ENV).toBe(image.NODE_ENV);
    // What the chart renders by default (test/integration/chart.test.ts checks the chart's side).
    expect(env.NODE_OPTIONS).toBe(`--max-old-space-size=${CHART_DEFAULT_HEAP_MIB} --max-semi-space-size=${CHART_DEFAULT_SEMI_SPACE_MIB}`);
    expect(launchEnv(sourceOperator({ heapMiB: 0, semiSpaceMiB: 0 })).NODE_OPTIONS).toBeUndefined();
  });

  it('restarts once more per --restart-env, with that environment added to the launch (NODE_OPTIONS appended)', () => {
    expect(benchSettings([]).restartVariants).toEqual([]);
    const { restartVariants } = benchSettings(['--restart-env', 'MALLOC_ARENA_MAX=2', '--restart-env', 'A=1,NODE_OPTIONS=--max-semi-space-size=4']);
    expect(restartVariants).toEqual([{ MALLOC_ARENA_MAX: '2' }, { A: '1', NODE_OPTIONS: '--max-semi-space-size=4' }]);
    expect(() => benchSettings(['--restart-env', 'oops'])).toThrow(/--restart-env takes K=V/);
    const env = launchEnv({ ...sourceOperator({ heapMiB: 384, semiSpaceMiB: 2 }), env: restartVariants[1] });
    expect(env).toMatchObject({ NODE_ENV: 'production', A: '1', NODE_OPTIONS: '--max-old-space-size=384 --max-semi-space-size=2 --max-semi-space-size=4' });
  });

  it('runs only the network scenario with --sizes none, and refuses a run with nothing to do', () => {
    expect(benchSettings(['--sizes', 'none', '--network', '5'])).toMatchObject({ sizes: [], network: 5 });
    expect(() => benchSettings(['--sizes', 'none'])).toThrow(UsageError);
  });

  it.each([
    [['--unrelated=-1'], /--unrelated must be a whole number >= 0/],
    [['--network', 'x'], /--network must be a whole number >= 0/],
    [['--network-poll-seconds', '0'], /--network-poll-seconds must be a whole number >= 1/],
    [['--sizes', '10,'], /--sizes must be a whole number >= 1/],
  ])('refuses %p', (args, message) => {
    expect(() => benchSettings(args)).toThrow(message);
  });
});

describe('stats', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100)]).toEqual([50, 99, 100]);
    expect(latencySummary([5])).toEqual({ p50: 5, p90: 5, p99: 5, max: 5 });
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});

describe('checkTargets', () => {
  it('judges the largest size, with and without the unrelated objects, and the network scenario', () => {
    const checks = checkTargets([size(100, operator({ peak: 500 })), size(1000, operator(), { unrelated: operator({ rssAtReady: 92, restartRss: 97 }) })], network([40, 44], 300));
    expect(checks.every((c) => c.met)).toBe(true);
    expect(byTarget(checks, 'peak RSS <= 200 MB at N=1000').measured).toBe('180 MB');
    expect(byTarget(checks, 'memory independent').measured).toBe('+2.0 MB before the migrations, +2.0 MB restarted over them');
    expect(byTarget(checks, 'Scan requests/min').measured).toBe('40 awaiting onboarding, 44 with the votes pending');
    expect(byTarget(checks, 'steady state').measured).toContain('0/0 at network N=100 votes pending');
  });

  it('misses each target the figures miss', () => {
    const u = operator({ rssAtReady: 150, peak: 400, restartReady: 3000 });
    const checks = checkTargets([size(1000, operator({ steadyWrites: 2 }), { ratio: 1.9, unrelated: u })], network([40, 400], 1500, 1));
    const missed = checks.filter((c) => !c.met).map((c) => c.target);
    expect(missed).toEqual([
      'ratio operator/floor <= 1.2 at N=1000, applied while running',
      'RSS at ready <= 100 MB at N=1000 with 20000 unrelated objects',
      'peak RSS <= 200 MB at N=1000 with 20000 unrelated objects',
      'memory independent of unrelated objects: RSS at ready within 10 % with 20000 unrelated objects',
      'time to ready after start <= 1000 ms at N=1000',
      'steady state: 0 writes and 0 KMS calls per minute',
      'Scan requests/min for 100 migrations on one network <= 2 x 4 Scans x (60 s / 10 s) = 48',
      'gate opened -> vote request in the SV app: p99 < 1000 ms at N=100',
    ]);
  });

  it('counts the backlog and the restart in the peak', () => {
    expect(peakRssOf(operator({ peak: 150 }), { readyMs: 1, totalMs: 1, afterReadyMs: 1, cpuSeconds: 1, rssAtReadyMb: 80, peakRssMb: 210, controlPlaneCpuSeconds: 1 })).toBe(210);
  });

  it('has only the network targets when no size ran', () => {
    expect(checkTargets([], network([1, 2], 10)).map((c) => c.met)).toEqual([true, true, true]);
  });
});

describe('formatReport and benchPlot', () => {
  it('prints the unrelated rows and the network table only when they ran', () => {
    const plain = formatReport([size(100, operator())], checkTargets([size(100, operator())]));
    expect(plain).not.toContain('UNRELATED');
    expect(plain).not.toContain('one simulated network');
    const full = formatReport([size(100, operator(), { unrelated: operator() })], [], network([40, 44], 300));
    expect(full).toContain('UNRELATED: Secrets + ConfigMaps, created in (s)');
    expect(full).toContain('100 migrations on one simulated network (4 Scans, network poll 10 s)');
    expect(full).toMatch(/Scan requests \/ min +40 \| 44 \(target <= 48\)/);
  });

  it('says what a start lists and where one migration\'s bytes are', () => {
    const text = formatReport([size(100, operator())], []);
    expect(text).toContain('A start at N=100: the lists its caches make');
    expect(text).toMatch(/RSS at ready, anonymous \+ mapped from files \(MB\): fresh \/ restarted +40 \+ 50 \/ 60 \+ 55/);
    expect(text).toMatch(/svkmsmigrations +500 +100 +1425\.8/);
    expect(text).toMatch(/secrets \(svkms.dev\/managed-by\) \(metadata\) +120 +300 +300\.0/);
    expect(text).toContain('restart with MALLOC_ARENA_MAX=2: ready 700 ms, RSS at ready / settled / peak 90 / 92 / 99 MB');
    expect(text).toContain('One migration: 14.6 KB (managedFields 5.3, spec 1.5, status 6.8: conditions 4.0, governance 2.0)');
  });

  it('plots time, ratio and RSS over N on a log axis, the unrelated runs dashed', () => {
    const svg = benchPlot([size(100, operator({ totalMs: 8000 }), { unrelated: operator() }), size(1000, operator(), { unrelated: operator() })], 'x.json');
    expect(svg).toContain('Time until all N are through Preparing');
    expect(svg).toContain('Operator time / floor time');
    expect(svg).toContain('target peak 200 MB');
    expect(svg).toContain('(20000 unrelated objects)');
    expect(svg).toContain('N migrations (log scale)');
    expect(svg.match(/<polyline/g)).toHaveLength(5 + 2 + 4);
  });
});

describe('helpers', () => {
  it('sums one app over every node of the simulator counters', () => {
    const counts = { 'sv-1': { scan: { getDsoInfo: 3, getVersion: 1 }, sv: { getDsoInfo: 9 } }, 'sv-2': { scan: { getDsoInfo: 2 } }, 'cand-1': {} };
    expect(Object.fromEntries(appRequests(counts, 'scan'))).toEqual({ getDsoInfo: 5, getVersion: 1 });
    expect(appRequests(counts, 'wallet').size).toBe(0);
  });

  it('spreads the unrelated objects evenly over their namespaces', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => unrelatedNamespace(i, 10_000, 100));
    const perNamespace = new Map<string, number>();
    for (const n of names) perNamespace.set(n, (perNamespace.get(n) ?? 0) + 1);
    expect(perNamespace.size).toBe(100);
    expect(new Set(perNamespace.values())).toEqual(new Set([100]));
    expect(unrelatedNamespace(6, 7, 3)).toBe('unrelated-2');
  });
});
