/**
 * The container image's runtime layout, built without Docker by doing what the Dockerfile does: the deps stage's
 * `npm ci` (read from the Dockerfile) on package.json + package-lock.json, `npm run build` into a build folder, then
 * the runtime stage's COPY instructions into an /app folder. The CLI then runs from that folder on the pinned
 * Node.js, outside the repository (so nothing from the repository's own node_modules or src/ can help it), and every
 * package the compiled code imports must resolve from the production node_modules.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../env/binaries.ts';
import { finalStage, instructions, npmCommands, parseDockerfile, stageNamed, stageValues, type Stage } from '../support/dockerfile.ts';

const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const runtime = finalStage(dockerfile);
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dev?: boolean }> };
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

let work: string;
/** Each stage's WORKDIR stands for a folder under `work`. */
const stageDirs = new Map<Stage, string>();
let appDir: string;

function workdir(stage: Stage): string {
  return instructions(stage, 'WORKDIR').at(-1)?.args ?? '/';
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): void {
  // The npm on PATH (README prerequisites); the user's npm cache lets it work offline after one `npm ci`.
  execFileSync('npm', args, {
    cwd,
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/** Where a path inside a stage's filesystem lives in the emulation. */
function hostPath(stage: Stage, path: string): string {
  const base = stageDirs.get(stage);
  if (!base) throw new Error(`the test does not emulate the stage ${stage.name ?? stage.from}`);
  const abs = isAbsolute(path) ? path : posix.join(workdir(stage), path);
  const rel = posix.relative(workdir(stage), abs);
  if (rel.startsWith('..')) throw new Error(`${path} is outside the WORKDIR of stage ${stage.name}; the emulation only maps WORKDIRs`);
  return join(base, rel);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the image's ENTRYPOINT with `args` (in place of CMD), /app mapped to the emulated folder. */
/** Runs the image's entrypoint; with `stopWhen`, sends SIGTERM once stdout shows that text (as a pod stop would). */
function runImage(args: string[], opts: { stopWhen?: string } = {}): Promise<Run> {
  const entrypoint = instructions(runtime, 'ENTRYPOINT').at(-1)!.exec!;
  const [command, ...entryArgs] = entrypoint.map((a) => (a.startsWith('/app/') ? join(appDir, a.slice('/app/'.length)) : a));
  expect(command).toBe('node');
  const env = { PATH: process.env.PATH, ...stageValues(runtime, 'ENV'), HOME: join(work, 'home') };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...entryArgs, ...args], { cwd: work, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
    if (opts.stopWhen) {
      let seen = '';
      child.stdout?.on('data', (d: Buffer) => {
        if (!seen.includes(opts.stopWhen!) && (seen += d.toString()).includes(opts.stopWhen!)) setTimeout(() => child.kill('SIGTERM'), 1500);
      });
    }
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/** Import forms in compiled ESM: static imports/exports, dynamic import(), require(), createRequire(...)('x'). */
const IMPORT_PATTERNS: [RegExp, 'import' | 'require'][] = [
  [/^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"\n]+)['"]/gm, 'import'],
  [/^\s*import\s*['"]([^'"\n]+)['"]/gm, 'import'],
  [/\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g, 'import'],
  [/\brequire\(\s*['"]([^'"\n]+)['"]\s*\)/g, 'require'],
  // createRequire(import.meta.url)('pkg'): a lazily loaded CommonJS package.
  [/\bcreateRequire\([^)]*\)\(\s*['"]([^'"\n]+)['"]\s*\)/g, 'require'],
];

/**
 * The packages (bare specifiers, builtins excluded) that the modules reachable from `entry` through relative
 * imports load, each with how and where it is loaded first.
 */
function reachablePackages(entry: string): Map<string, { kind: 'import' | 'require'; file: string }> {
  const packages = new Map<string, { kind: 'import' | 'require'; file: string }>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [re, kind] of IMPORT_PATTERNS) {
      for (const m of text.matchAll(re)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) queue.push(join(dirname(file), spec));
        else if (!spec.startsWith('/') && !isBuiltin(spec) && !packages.has(`${kind} ${spec}`)) packages.set(`${kind} ${spec}`, { kind, file: relative(appDir, file) });
      }
    }
  }
  return packages;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'svkms-image-'));
  mkdirSync(join(work, 'home'));
  // deps stage: exactly its npm commands, on the files it copies in.
  const modulesCopy = instructions(runtime, 'COPY').find((c) => c.args.includes('node_modules'))!;
  const deps = stageNamed(dockerfile, modulesCopy.flags.from!)!;
  stageDirs.set(deps, join(work, 'deps'));
  mkdirSync(join(work, 'deps'));
  for (const copy of instructions(deps, 'COPY')) {
    for (const src of copy.args.split(/\s+/).slice(0, -1)) cpSync(join(REPO_ROOT, src), join(work, 'deps', src));
  }
  for (const cmd of npmCommands(deps)) npm(cmd, join(work, 'deps'));
  // build stage: `npm run build`, with the output folder moved out of the repository.
  const distCopy = instructions(runtime, 'COPY').find((c) => c.flags.from && /\/dist$/.test(c.args.split(/\s+/)[0]!))!;
  const build = stageNamed(dockerfile, distCopy.flags.from!)!;
  expect(npmCommands(build)).toContainEqual(['run', 'build']);
  stageDirs.set(build, join(work, 'build'));
  npm(['run', 'build', '--', '--outDir', join(work, 'build', 'dist')], REPO_ROOT);
  // runtime stage: its COPY instructions, destinations relative to WORKDIR /app.
  appDir = join(work, 'app');
  stageDirs.set(runtime, appDir);
  for (const copy of instructions(runtime, 'COPY')) {
    const words = copy.args.split(/\s+/);
    const dest = hostPath(runtime, words.at(-1)!);
    for (const src of words.slice(0, -1)) {
      const from = copy.flags.from ? join(hostPath(stageNamed(dockerfile, copy.flags.from)!, src)) : join(REPO_ROOT, src);
      const target = dest.endsWith('/') || words.length > 2 || src.endsWith('.json') ? join(dest, src.split('/').at(-1)!) : dest;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(from, target, { recursive: true });
    }
  }
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the image runtime layout', () => {
  it('is the pinned Node.js that the image uses', () => {
    expect(process.versions.node).toBe(lock.packages['node_modules/node']!.version);
    expect(runtime.from).toContain(`:${process.versions.node}-`);
  });

  it('holds package.json, bin/, dist/ and production node_modules only', () => {
    expect(readdirSync(appDir).sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json']);
    expect(statSync(join(appDir, 'dist', 'cli', 'main.js')).isFile()).toBe(true);
    const modules = readdirSync(join(appDir, 'node_modules'))
      .filter((m) => !m.startsWith('.'))
      .flatMap((m) => (m.startsWith('@') ? readdirSync(join(appDir, 'node_modules', m)).map((s) => `${m}/${s}`) : [m]));
    expect(modules).toEqual(expect.arrayContaining(['@kubernetes/client-node', 'ajv', 'js-yaml', 'pino', 'prom-client']));
    // Every installed top-level package is a production one in the lockfile (the compiler, jest and the `node`
    // devDependency are not there).
    const dev = modules.filter((m) => lock.packages[`node_modules/${m}`]?.dev === true);
    expect(dev).toEqual([]);
    for (const m of ['typescript', 'jest', 'node']) expect(modules).not.toContain(m);
    // No test files compiled into the image.
    expect(listFiles(join(appDir, 'dist')).filter((f) => /\.test\.js$/.test(f))).toEqual([]);
  });

  it('runs `sv-kms --help` from the compiled code', async () => {
    const r = await runImage(['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: sv-kms <command>');
    for (const command of ['run', 'version', 'validate', 'render', 'keygen']) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
  });

  it('starts the operator from the compiled code (every module of `sv-kms run` loads), and stops on SIGTERM', async () => {
    const kubeconfig = join(work, 'unreachable-kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'x' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    const r = await runImage(['run', '--kubeconfig', kubeconfig, '--leader-elect', 'false', '--metrics-port', '0'], { stopWhen: 'sv-kms-operator starting' });
    expect(r.stdout).toContain('sv-kms-operator starting');
    expect({ stderr: r.stderr, code: r.code, stopped: r.stdout.includes('shutting down') }).toEqual({ stderr: '', code: 0, stopped: true });
  });

  it('prints the version from the copied package.json', async () => {
    const r = await runImage(['version']);
    expect(r).toEqual({ code: 0, stdout: `sv-kms ${pkg.version}\n`, stderr: '' });
  });

  it('validates the examples (ajv, CEL, YAML from the production dependencies)', async () => {
    const r = await runImage(['validate', '-f', join(REPO_ROOT, 'examples', 'aws-migration.yaml'), '-f', join(REPO_ROOT, 'examples', 'gcp-migration.yaml')]);
    expect(r.stdout).toBe('sv-kms validate: 2 SvKmsMigrations checked in 2 files: all valid\n');
    expect(r.code).toBe(0);
  });

  it('resolves every package the compiled CLI can load from the production node_modules', () => {
    const specifiers = reachablePackages(join(appDir, 'dist', 'cli', 'main.js'));
    expect(specifiers.size).toBeGreaterThan(3);
    // Resolve them with the pinned Node.js from a module inside the layout, as the compiled code would.
    const checker = join(appDir, 'dist', `resolve-check-${process.pid}.mjs`);
    writeFileSync(
      checker,
      [
        "import { createRequire } from 'node:module';",
        'const require = createRequire(import.meta.url);',
        'const missing = [];',
        `for (const [key, where] of ${JSON.stringify([...specifiers.entries()])}) {`,
        "  const spec = key.slice(key.indexOf(' ') + 1);",
        "  try { if (where.kind === 'require') require.resolve(spec); else import.meta.resolve(spec); }",
        '  catch { missing.push(`${spec} (${where.kind}, in ${where.file})`); }',
        '}',
        'process.stdout.write(JSON.stringify(missing));',
      ].join('\n'),
    );
    const missing = JSON.parse(execFileSync(process.execPath, [checker], { cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH } })) as string[];
    rmSync(checker);
    // A package listed here is imported by the operator but is only a devDependency: move it to dependencies.
    expect(missing).toEqual([]);
  });
});
