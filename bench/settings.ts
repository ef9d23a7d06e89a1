/** The benchmark's command line (parsed with the CLI's flag parser). */
import { parseFlags, UsageError } from '../src/cli/parse-flags.ts';

export const USAGE = `Usage: node bench/run.ts [options]   (or: npm run bench -- [options])

Starts its own kube-apiserver + etcd and moto, runs the operator (sv-kms run, a child process) against N migrations
applied at once, then the floor (the same writes without the operator), for each size. Prints a table, writes JSON
and an SVG plot of the sizes.

Options:
  --sizes N[,N...]|none       migration counts to run (default: 100,1000; none: only the scenarios below)
  --quick                     smoke run: --sizes 20,100 --steady-seconds 15
  --steady-seconds S          how long to watch for writes after convergence (default: 60)
  --workers N                 the operator's --workers, and the floor's concurrency (default: 4)
  --apply-concurrency N       creates in flight while applying the migrations (default: 16)
  --timeout-seconds S         limit for one size to converge (default: 300)
  --max-minutes M             limit for the whole run (default: 15)
  --skip-kubeclient-floor     do not run the second floor (through the operator's KubeClient)
  --heap-mib MIB              the operator's --max-old-space-size, as the chart sets it from its memory limit
                              (default: 384, the chart's default for its 512Mi limit; 0: Node's own default)
  --semi-space-mib MIB        the operator's --max-semi-space-size, as the chart sets it (default: 2, the chart's
                              heap.maxSemiSpaceSizeMiB; 0: V8's own, sized from the old space)
  --from-source               run the operator from its TypeScript sources (default: compiled, as the image runs
                              it; the sources cost about 30 MB more RSS and a slower start)
  --heap-snapshot             write a V8 heap snapshot of the operator restarted over the converged migrations, once
                              settled, next to its log (see bench/heap-summary.ts)
  --cpu-profile               write V8 CPU profiles of the backlog operator next to its log, and of the restarted one in restart/ (bench/profile-summary.ts)
  --restart-env K=V[,K=V...]  after the restart, restart once more with this environment added (repeatable: one
                              restart each; e.g. MALLOC_ARENA_MAX=2, or NODE_OPTIONS=--flag, appended to the chart's)
  --out FILE                  JSON output (default: bench-results/<timestamp>.json); the plot goes beside it (.svg)

A realistic cluster (issue 14):
  --unrelated N               at each size, run the operator phase again on a cluster that also holds N Secrets
                              (1 KB each) and N ConfigMaps in other namespaces, created before the operator starts
  --unrelated-namespaces K    how many namespaces the unrelated objects are spread over (default: 100)
  --network N                 N migrations against one simulated Splice network: Scan requests per minute at
                              steady state, and gate opened -> vote request latency (0: skip; default: 0)
  --network-poll-seconds S    the operator's --network-poll-interval in that scenario (default: 10)
  --network-steady-seconds S  how long Scan requests are counted (default: 60)
  --gate-interval-ms MS       time between two gate openings (default: 250; 0: all at once)
  --write-docs-plot           also write the plot to docs/performance.svg

--max-minutes defaults to 15, plus 5 per size with --unrelated and 10 with --network.
`;

export interface BenchSettings {
  sizes: number[];
  steadySeconds: number;
  workers: number;
  applyConcurrency: number;
  timeoutSeconds: number;
  maxMinutes: number;
  kubeClientFloor: boolean;
  quick: boolean;
  cpuProfile: boolean;
  heapSnapshot: boolean;
  /** The operator's V8 old-generation limit in MiB (0: Node's default). */
  heapMiB: number;
  /** The operator's V8 semi-space size in MiB (0: V8's default). */
  semiSpaceMiB: number;
  /** Run the TypeScript sources instead of the compiled layout the image runs. */
  fromSource: boolean;
  out?: string;
  help: boolean;
  /** Secrets and ConfigMaps (each) of the unrelated-objects phase; 0: no such phase. */
  unrelated: number;
  unrelatedNamespaces: number;
  /** Migrations of the one-network scenario; 0: not run. */
  network: number;
  networkPollSeconds: number;
  networkSteadySeconds: number;
  gateIntervalMs: number;
  writeDocsPlot: boolean;
  /** One more restart per entry, with that environment added. */
  restartVariants: Record<string, string>[];
}

/** What the chart's NODE_OPTIONS gives by default: 75 % (heap.percentOfMemoryLimit) of 512Mi (resources.limits.memory). */
export const CHART_DEFAULT_HEAP_MIB = 384;
/** The chart's default heap.maxSemiSpaceSizeMiB. */
export const CHART_DEFAULT_SEMI_SPACE_MIB = 2;

const FLAGS = {
  sizes: { names: ['--sizes'], takesValue: true },
  quick: { names: ['--quick'], takesValue: false },
  steadySeconds: { names: ['--steady-seconds'], takesValue: true },
  workers: { names: ['--workers'], takesValue: true },
  applyConcurrency: { names: ['--apply-concurrency'], takesValue: true },
  timeoutSeconds: { names: ['--timeout-seconds'], takesValue: true },
  maxMinutes: { names: ['--max-minutes'], takesValue: true },
  skipKubeClientFloor: { names: ['--skip-kubeclient-floor'], takesValue: false },
  out: { names: ['--out'], takesValue: true },
  cpuProfile: { names: ['--cpu-profile'], takesValue: false },
  heapSnapshot: { names: ['--heap-snapshot'], takesValue: false },
  restartEnv: { names: ['--restart-env'], takesValue: true, repeatable: true },
  heapMiB: { names: ['--heap-mib'], takesValue: true },
  fromSource: { names: ['--from-source'], takesValue: false },
  semiSpaceMiB: { names: ['--semi-space-mib'], takesValue: true },
  unrelated: { names: ['--unrelated'], takesValue: true },
  unrelatedNamespaces: { names: ['--unrelated-namespaces'], takesValue: true },
  network: { names: ['--network'], takesValue: true },
  networkPollSeconds: { names: ['--network-poll-seconds'], takesValue: true },
  networkSteadySeconds: { names: ['--network-steady-seconds'], takesValue: true },
  gateIntervalMs: { names: ['--gate-interval-ms'], takesValue: true },
  writeDocsPlot: { names: ['--write-docs-plot'], takesValue: false },
  help: { names: ['--help', '-h'], takesValue: false },
} as const;

function wholeNumber(raw: string | undefined, flag: string, def: number, min: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min}, got "${raw}"`);
  return n;
}
const positiveInt = (raw: string | undefined, flag: string, def: number) => wholeNumber(raw, flag, def, 1);
const nonNegativeInt = (raw: string | undefined, flag: string, def: number) => wholeNumber(raw, flag, def, 0);

export function benchSettings(args: readonly string[]): BenchSettings {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const quick = values.quick !== undefined;
  const last = (k: keyof typeof FLAGS) => values[k]?.at(-1);
  const sizesRaw = last('sizes') ?? (quick ? '20,100' : '100,1000');
  const sizes = sizesRaw.trim() === 'none' ? [] : sizesRaw.split(',').map((s) => positiveInt(s.trim(), '--sizes', 0));
  const unrelated = nonNegativeInt(last('unrelated'), '--unrelated', 0);
  const network = nonNegativeInt(last('network'), '--network', 0);
  if (sizes.length === 0 && network === 0) throw new UsageError('--sizes none leaves nothing to run: add --network N');
  const defaultMinutes = 15 + (unrelated > 0 ? 5 * sizes.length : 0) + (network > 0 ? 10 : 0);
  return {
    sizes,
    steadySeconds: positiveInt(last('steadySeconds'), '--steady-seconds', quick ? 15 : 60),
    workers: positiveInt(last('workers'), '--workers', 4),
    applyConcurrency: positiveInt(last('applyConcurrency'), '--apply-concurrency', 16),
    timeoutSeconds: positiveInt(last('timeoutSeconds'), '--timeout-seconds', 300),
    maxMinutes: positiveInt(last('maxMinutes'), '--max-minutes', defaultMinutes),
    kubeClientFloor: values.skipKubeClientFloor === undefined,
    quick,
    cpuProfile: values.cpuProfile !== undefined,
    heapSnapshot: values.heapSnapshot !== undefined,
    heapMiB: nonNegativeInt(last('heapMiB'), '--heap-mib', CHART_DEFAULT_HEAP_MIB),
    semiSpaceMiB: nonNegativeInt(last('semiSpaceMiB'), '--semi-space-mib', CHART_DEFAULT_SEMI_SPACE_MIB),
    fromSource: values.fromSource !== undefined,
    out: last('out'),
    help: values.help !== undefined,
    unrelated,
    unrelatedNamespaces: positiveInt(last('unrelatedNamespaces'), '--unrelated-namespaces', 100),
    network,
    networkPollSeconds: positiveInt(last('networkPollSeconds'), '--network-poll-seconds', 10),
    networkSteadySeconds: positiveInt(last('networkSteadySeconds'), '--network-steady-seconds', 60),
    gateIntervalMs: nonNegativeInt(last('gateIntervalMs'), '--gate-interval-ms', 250),
    writeDocsPlot: values.writeDocsPlot !== undefined,
    restartVariants: (values.restartEnv ?? []).map(restartEnv),
  };
}

/** `K=V[,K=V...]` as an environment; a value may hold `=` (NODE_OPTIONS=--max-semi-space-size=4). */
function restartEnv(raw: string): Record<string, string> {
  return Object.fromEntries(
    raw.split(',').map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--restart-env takes K=V[,K=V...], got "${raw}"`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1)];
    }),
  );
}
