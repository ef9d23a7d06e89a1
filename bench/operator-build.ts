/**
 * How the benchmark runs the operator. By default as the container image does (Dockerfile): the TypeScript compiled to
 * dist/ by tsconfig.build.json, started through bin/sv-kms.js with NODE_ENV=production. Running the sources makes Node
 * strip types as it loads each module, which the image never does: about 30 MB of RSS and most of the start time, so
 * figures from the sources are not the image's. `--from-source` runs them anyway (to compare, or without a build).
 *
 * The compiled layout is built into .tmp/bench-operator/ (git-ignored), beside the repository's node_modules, and
 * rebuilt on every run: a stale build would measure old code.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/env/binaries.ts';

/** What starts the operator: the `sv-kms` entry point (compiled or the sources) and the heap settings of its environment. */
export interface OperatorLaunch {
  /** bin/sv-kms.js of the layout to run. */
  entry: string;
  /** V8's old-generation limit (--max-old-space-size) as the chart sets it through NODE_OPTIONS; 0: Node's default. */
  heapMiB: number;
  /** V8's semi-space size (--max-semi-space-size) as the chart sets it; 0: V8's default. */
  semiSpaceMiB: number;
  /** More environment for the process (a restart variant's, e.g. MALLOC_ARENA_MAX=2); NODE_OPTIONS here is appended. */
  env?: Record<string, string>;
}

/** The V8 heap settings of a launch. */
export type HeapSettings = Pick<OperatorLaunch, 'heapMiB' | 'semiSpaceMiB'>;

const LAYOUT = join(REPO_ROOT, '.tmp', 'bench-operator');

/** Compiles the operator into the image's layout (package.json, bin/, dist/, node_modules) and says how to start it. */
export function compiledOperator(heap: HeapSettings): OperatorLaunch {
  rmSync(LAYOUT, { recursive: true, force: true });
  mkdirSync(join(LAYOUT, 'bin'), { recursive: true });
  // The pinned Node runs tsc (this process runs on it: npm run bench).
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(LAYOUT, 'dist')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The image's runtime stage: package.json (read for the version), bin/, dist/, the dependencies.
  copyFileSync(join(REPO_ROOT, 'package.json'), join(LAYOUT, 'package.json'));
  copyFileSync(join(REPO_ROOT, 'bin', 'sv-kms.js'), join(LAYOUT, 'bin', 'sv-kms.js'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(LAYOUT, 'node_modules'), 'dir');
  return { entry: join(LAYOUT, 'bin', 'sv-kms.js'), ...heap };
}

/** The operator run from the repository's TypeScript sources (types stripped by Node as they load). */
export function sourceOperator(heap: HeapSettings): OperatorLaunch {
  return { entry: join(REPO_ROOT, 'bin', 'sv-kms.js'), ...heap };
}

/** The environment of the operator's process: the image's NODE_ENV, and NODE_OPTIONS as the chart renders it. */
export function launchEnv(launch: OperatorLaunch): Record<string, string> {
  const options = [
    ...(launch.heapMiB ? [`--max-old-space-size=${launch.heapMiB}`] : []),
    ...(launch.semiSpaceMiB ? [`--max-semi-space-size=${launch.semiSpaceMiB}`] : []),
  ];
  const { NODE_OPTIONS: extraOptions, ...extra } = launch.env ?? {};
  if (extraOptions) options.push(extraOptions);
  return { NODE_ENV: 'production', ...extra, ...(options.length > 0 ? { NODE_OPTIONS: options.join(' ') } : {}) };
}
