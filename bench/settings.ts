/** The benchmark's command line (parsed with the CLI's flag parser). */
import { parseFlags, UsageError } from '../src/cli/parse-flags.ts';

export const USAGE = `Usage: node bench/run.ts [options]   (or: npm run bench -- [options])

Starts its own kube-apiserver + etcd and moto, runs the operator (sv-kms run, a child process) against N migrations
applied at once, then the floor (the same writes without the operator), for each size. Prints a table and writes JSON.

Options:
  --sizes N[,N...]            migration counts to run (default: 100,1000)
  --quick                     smoke run: --sizes 20,100 --steady-seconds 15
  --steady-seconds S          how long to watch for writes after convergence (default: 60)
  --workers N                 the operator's --workers, and the floor's concurrency (default: 4)
  --apply-concurrency N       creates in flight while applying the migrations (default: 16)
  --timeout-seconds S         limit for one size to converge (default: 300)
  --max-minutes M             limit for the whole run (default: 15)
  --skip-kubeclient-floor     do not run the second floor (through the operator's KubeClient)
  --cpu-profile               write a V8 CPU profile of the backlog operator next to its log (see bench/profile-summary.ts)
  --out FILE                  JSON output (default: bench-results/<timestamp>.json)
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
  out?: string;
  help: boolean;
}

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
  help: { names: ['--help', '-h'], takesValue: false },
} as const;

function positiveInt(raw: string | undefined, flag: string, def: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number >= 1, got "${raw}"`);
  return n;
}

export function benchSettings(args: readonly string[]): BenchSettings {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const quick = values.quick !== undefined;
  const last = (k: keyof typeof FLAGS) => values[k]?.at(-1);
  const sizesRaw = last('sizes') ?? (quick ? '20,100' : '100,1000');
  const sizes = sizesRaw.split(',').map((s) => positiveInt(s.trim(), '--sizes', 0));
  return {
    sizes,
    steadySeconds: positiveInt(last('steadySeconds'), '--steady-seconds', quick ? 15 : 60),
    workers: positiveInt(last('workers'), '--workers', 4),
    applyConcurrency: positiveInt(last('applyConcurrency'), '--apply-concurrency', 16),
    timeoutSeconds: positiveInt(last('timeoutSeconds'), '--timeout-seconds', 300),
    maxMinutes: positiveInt(last('maxMinutes'), '--max-minutes', 15),
    kubeClientFloor: values.skipKubeClientFloor === undefined,
    quick,
    cpuProfile: values.cpuProfile !== undefined,
    out: last('out'),
    help: values.help !== undefined,
  };
}
