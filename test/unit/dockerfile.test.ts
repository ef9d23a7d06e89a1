/**
 * The container image's essentials, read from the parsed Dockerfile and .dockerignore (no Docker engine here):
 * pinned Node.js 24 base matching the `node` devDependency, non-root numeric USER, production dependencies only,
 * the entrypoint, OCI labels, a read-only-root-friendly environment, and a build context that holds what the COPYs
 * need and nothing else. The parser itself is checked first on small inputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../env/binaries.ts';
import {
  finalStage,
  instructions,
  keyValues,
  npmCommands,
  parseDockerfile,
  runCommands,
  stageNamed,
  stageValues,
  type Dockerfile,
  type Stage,
} from '../support/dockerfile.ts';
import { isIgnored, parseDockerignore } from '../support/dockerignore.ts';

const repoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const pkg = JSON.parse(repoFile('package.json')) as { version: string; license: string; bin: Record<string, string> };
const lock = JSON.parse(repoFile('package-lock.json')) as { packages: Record<string, { version: string }> };
/** The Node.js version the project pins through the `node` devDependency. */
const pinnedNode = lock.packages['node_modules/node']!.version;

describe('Dockerfile parser', () => {
  const df = parseDockerfile(
    [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=node:1.2.3-slim',
      'FROM --platform=linux/amd64 ${BASE} AS Build',
      'RUN a --x \\',
      '  # a comment inside a continuation',
      '  && b "c d" ; e',
      'FROM build',
      'ENV A=1 B="two words"',
      'ENV LEGACY some value',
      'COPY --from=build --chown=0:0 /src/dist ./dist',
      'ENTRYPOINT ["node", "x.js"]',
      'CMD run',
    ].join('\n'),
  );

  it('reads stages, global ARGs substituted into FROM, names lower-cased, platform', () => {
    expect(df.globalArgs).toEqual({ BASE: 'node:1.2.3-slim' });
    expect(df.stages.map((s) => [s.name, s.from, s.platform])).toEqual([
      ['build', 'node:1.2.3-slim', 'linux/amd64'],
      [undefined, 'build', undefined],
    ]);
  });

  it('joins continuations, drops comments and splits shell commands', () => {
    const [run] = instructions(df.stages[0]!, 'RUN');
    expect(run!.line).toBe(4);
    expect(runCommands(run!)).toEqual([['a', '--x'], ['b', 'c d'], ['e']]);
  });

  it('reads options, exec form, shell form and KEY=VALUE lists', () => {
    const stage = df.stages[1]!;
    expect(instructions(stage, 'COPY')[0]!.flags).toEqual({ from: 'build', chown: '0:0' });
    expect(instructions(stage, 'COPY')[0]!.args).toBe('/src/dist ./dist');
    expect(instructions(stage, 'ENTRYPOINT')[0]!.exec).toEqual(['node', 'x.js']);
    expect(instructions(stage, 'CMD')[0]!.exec).toBeUndefined();
    expect(stageValues(stage, 'ENV')).toEqual({ A: '1', B: 'two words', LEGACY: 'some value' });
    expect(keyValues('VERSION')).toEqual({ VERSION: undefined });
  });

  it('refuses instructions before FROM and malformed FROM lines', () => {
    expect(() => parseDockerfile('RUN x\nFROM a:1')).toThrow('line 1: RUN before the first FROM');
    expect(() => parseDockerfile('FROM a:1 AS')).toThrow('FROM needs');
  });
});

describe('the image (Dockerfile)', () => {
  const df: Dockerfile = parseDockerfile(repoFile('Dockerfile'));
  const runtime: Stage = finalStage(df);
  const stageNames = new Set(df.stages.map((s) => s.name).filter((n) => n !== undefined));

  it('pins every external base image by a full version tag (never latest), on the pinned Node.js', () => {
    const external = df.stages.map((s) => s.from).filter((from) => !stageNames.has(from.toLowerCase()));
    expect(external.length).toBeGreaterThan(0);
    for (const ref of external) {
      const m = /^(?<repo>[^:@]+)(?::(?<tag>[^@]+))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/.exec(ref);
      expect(m).not.toBeNull();
      const { repo, tag, digest } = m!.groups!;
      expect(tag ?? digest).toBeDefined();
      expect(tag).not.toBe('latest');
      // A tag is a pin only when it names a full version, e.g. 24.21.0-bookworm-slim (not 24 or 24-slim).
      if (!digest) expect(tag).toMatch(/^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/);
      if (repo === 'node' || repo?.endsWith('/node')) expect(tag?.split('-')[0]).toBe(pinnedNode);
    }
    expect(runtime.from.toLowerCase()).toMatch(/^node:/);
  });

  it('runs as a non-root numeric user', () => {
    const users = instructions(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users.at(-1)!.args.split(':');
    // Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).not.toBe(0);
    if (gid !== undefined) {
      expect(gid).toMatch(/^\d+$/);
      expect(Number(gid)).not.toBe(0);
    }
    // The chart's securityContext uses the same uid.
    expect(Number(uid)).toBe(65532);
  });

  it('starts the CLI with node in exec form, `run` by default', () => {
    expect(instructions(runtime, 'ENTRYPOINT').at(-1)?.exec).toEqual(['node', `/app/${pkg.bin['sv-kms']!.replace(/^\.\//, '')}`]);
    expect(instructions(runtime, 'CMD').at(-1)?.exec).toEqual(['run']);
    expect(stageValues(runtime, 'ENV').NODE_ENV).toBe('production');
  });

  it('ships production dependencies only', () => {
    // Nothing ever runs `npm install` (it may rewrite the lockfile); installs are `npm ci`.
    for (const stage of df.stages) {
      for (const cmd of npmCommands(stage)) expect(['install', 'i', 'add']).not.toContain(cmd[0]);
    }
    // The runtime stage installs nothing itself with dev dependencies...
    for (const cmd of npmCommands(runtime)) if (cmd[0] === 'ci') expect(cmd).toContain('--omit=dev');
    // ...and every node_modules it copies comes from a stage whose `npm ci` omits them.
    const copiesOfModules = instructions(runtime, 'COPY').filter((c) => /node_modules/.test(c.args));
    expect(copiesOfModules.length).toBe(1);
    for (const copy of copiesOfModules) {
      const from = stageNamed(df, copy.flags.from ?? '');
      expect(from).toBeDefined();
      const installs = npmCommands(from!).filter((c) => c[0] === 'ci');
      expect(installs.length).toBeGreaterThan(0);
      for (const c of installs) expect(c).toContain('--omit=dev');
    }
  });

  it('copies the compiled dist/ from the stage that builds it, plus bin/ and package.json', () => {
    const copies = instructions(runtime, 'COPY');
    const dist = copies.find((c) => /\/dist\b/.test(c.args) && c.flags.from);
    expect(dist).toBeDefined();
    const builder = stageNamed(df, dist!.flags.from!)!;
    expect(npmCommands(builder)).toContainEqual(['run', 'build']);
    // bin/sv-kms.js picks dist/cli/main.js; `sv-kms version` reads package.json.
    const fromContext = copies.filter((c) => !c.flags.from).flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(fromContext).toEqual(expect.arrayContaining(['package.json', 'bin']));
    expect(instructions(runtime, 'WORKDIR').at(-1)?.args).toBe('/app');
  });

  it('needs no writable path but /tmp (HOME and npm cache there)', () => {
    const env = stageValues(runtime, 'ENV');
    expect(env.HOME).toMatch(/^\/tmp(\/|$)/);
    expect(env.npm_config_cache).toMatch(/^\/tmp\//);
    if (env.TMPDIR !== undefined) expect(env.TMPDIR).toMatch(/^\/tmp(\/|$)/);
    // Application files belong to root, so the non-root process cannot change them.
    for (const copy of instructions(runtime, 'COPY')) expect(copy.flags.chown).toBe('0:0');
  });

  it('carries the OCI labels, version from package.json', () => {
    const args = stageValues(runtime, 'ARG');
    const labels = stageValues(runtime, 'LABEL');
    const resolved = Object.fromEntries(
      Object.entries(labels).map(([k, v]) => [k, (v ?? '').replace(/\$\{(\w+)\}/g, (_m, n: string) => args[n] ?? '')]),
    );
    expect(resolved).toMatchObject({
      'org.opencontainers.image.title': 'sv-kms-operator',
      'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.licenses': pkg.license,
    });
    for (const key of ['source', 'revision', 'description']) expect(resolved[`org.opencontainers.image.${key}`]).toBeTruthy();
  });
});

describe('the build context (.dockerignore)', () => {
  const rules = parseDockerignore(repoFile('.dockerignore'));
  const df = parseDockerfile(repoFile('Dockerfile'));

  it('matches as Docker does: last rule wins, folders cover their contents', () => {
    const r = parseDockerignore('*\n!src/\nsrc/**/*.test.ts\n');
    expect(isIgnored(r, 'README.md')).toBe(true);
    expect(isIgnored(r, 'src/cli/main.ts')).toBe(false);
    expect(isIgnored(r, 'src/cli/main.test.ts')).toBe(true);
    expect(isIgnored(r, 'srcx/a.ts')).toBe(true);
  });

  it('lets through every file the COPY instructions take from the context', () => {
    const sources = df.stages
      .flatMap((s) => instructions(s, 'COPY'))
      .filter((c) => !c.flags.from)
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    // A representative file inside each copied folder.
    const probe: Record<string, string> = { src: 'src/cli/main.ts', bin: 'bin/sv-kms.js' };
    for (const s of sources) expect([s, isIgnored(rules, probe[s] ?? s)]).toEqual([s, false]);
  });

  it('keeps out local dependencies, build output, tests, git and docs', () => {
    for (const p of ['node_modules/jest/package.json', 'dist/cli/main.js', '.git/HEAD', 'test/env/kube.ts', 'src/api/generated.test.ts', 'README.md', 'coverage/x', '.env']) {
      expect([p, isIgnored(rules, p)]).toEqual([p, true]);
    }
  });
});
