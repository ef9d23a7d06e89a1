/**
 * `sv-kms keygen` and `sv-kms validate` as real processes (bin/sv-kms.js on the pinned Node): exit codes, the keygen
 * output piped into validate, and no private key in any output but keygen's stdout. No cluster needed.
 */
import { recordEmitted } from '../support/leak-scan.ts';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { REPO_ROOT } from '../env/binaries.ts';
import { badManifests, loadExample } from '../fixtures/bad-manifests.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function svKms(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'sv-kms.js'), ...args], { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      // Every CLI output but keygen's goes to the run's secret-leak scan.
      if (args[0] !== 'keygen') recordEmitted('cli-output.log', `${stdout}\n${stderr}\n`);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'svkms-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sv-kms keygen and validate as processes', () => {
  it('validates both examples (exit 0)', async () => {
    const r = await svKms('validate', '-f', 'examples/aws-migration.yaml', '-f', 'examples/gcp-migration.yaml');
    expect(r.stdout).toBe('sv-kms validate: 2 SvKmsMigrations checked in 2 files: all valid\n');
    expect(r.code).toBe(0);
  });

  it('refuses a bad manifest (exit 1) with one line naming the field', async () => {
    const entry = badManifests.find((b) => b.name === 'both credential kinds')!;
    const m = loadExample(entry.example);
    entry.mutate(m);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, dump(m));
    const r = await svKms('validate', '-f', file);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: spec\\.kms\\.credentials: set exactly one of`));
    expect(r.code).toBe(1);
  });

  it('exits 2 on usage errors', async () => {
    expect((await svKms('validate')).code).toBe(2);
    expect((await svKms('validate', '-f', join(dir, 'missing.yaml'))).code).toBe(2);
    expect((await svKms('keygen')).code).toBe(2);
    expect((await svKms('keygen', 'governance', '--format', 'xml')).code).toBe(2);
  });

  it('keygen --format secret-yaml output validates, and only keygen prints the private key', async () => {
    for (const kind of ['governance', 'identity'] as const) {
      const gen = await svKms('keygen', kind, '--format', 'secret-yaml', '--namespace', 'sv-kms');
      expect(gen.code).toBe(0);
      const secret = load(gen.stdout) as { data: { public: string; private: string } };
      const privateText = Buffer.from(secret.data.private, 'base64').toString();
      const secretFile = join(dir, `${kind}-secret.yaml`);
      writeFileSync(secretFile, gen.stdout);
      const ok = await svKms('validate', '-f', secretFile, '-f', 'examples/aws-migration.yaml');
      expect(ok.stdout).toBe('sv-kms validate: 1 SvKmsMigration and 1 key Secret checked in 2 files: all valid\n');
      expect(ok.code).toBe(0);

      // The same key, broken the way `echo` breaks it, next to a migration: refused, and the key never echoed.
      const broken = { ...(load(gen.stdout) as object), data: undefined, stringData: { public: `${Buffer.from(secret.data.public, 'base64').toString()}\n`, private: privateText } };
      const mixed = join(dir, `${kind}-mixed.yaml`);
      writeFileSync(mixed, `${dump(loadExample('gcp'))}---\n${dump(JSON.parse(JSON.stringify(broken)))}`);
      const bad = await svKms('validate', '-f', mixed);
      expect(bad.stdout).toMatch(/\(document 2, Secret\/splice-app-sv[-a-z]*\): data: ValueHasWhitespace: /);
      expect(bad.code).toBe(1);

      const help = await svKms('--help');
      for (const out of [gen.stderr, ok.stdout, ok.stderr, bad.stdout, bad.stderr, help.stdout]) {
        expect(out).not.toContain(privateText);
        expect(out).not.toContain(secret.data.private);
      }
    }
  });
});
