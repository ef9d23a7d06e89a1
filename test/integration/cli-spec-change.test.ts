/**
 * `sv-kms approve`, `pause` and `resume` against the real API server: each sets exactly its one spec field with a
 * merge patch that carries the resourceVersion precondition, refuses objects Flux or Argo CD manage (exit 1, with the
 * Git change to make), and works as `kubectl sv-kms` through kubectl's plugin mechanism.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT, testBinaries } from '../env/binaries.ts';
import { createTestNamespace, testKubeConfig, TEST_KUBECONFIG_ENV } from '../env/kube.ts';
import { isConflict, type KubeClient } from '../../src/controller/kube-client.ts';
import { SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { runCli, type CliRun } from '../support/cli.ts';
import { recordEmitted } from '../support/leak-scan.ts';
import { applyMigration, awsTestMigration } from '../support/migrations.ts';
import { getMigration, migrationClient } from '../support/operator-harness.ts';

let kc: KubeConfig;
let client: KubeClient;
let namespace: string;
let pluginDir: string;

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  namespace = await createTestNamespace(kc, 'cli-spec');
  pluginDir = mkdtempSync(join(tmpdir(), 'svkms-kubectl-plugin-'));
  // What `npm install -g` does with package.json's bin entry: kubectl-sv_kms on PATH.
  symlinkSync(join(REPO_ROOT, 'bin', 'kubectl-sv_kms.js'), join(pluginDir, 'kubectl-sv_kms'));
});
afterAll(() => {
  if (pluginDir) rmSync(pluginDir, { recursive: true, force: true });
});

async function svKms(...args: string[]): Promise<CliRun> {
  const r = await runCli(...args, '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', namespace);
  recordEmitted('cli-output.log', `${r.stdout}\n${r.stderr}\n`);
  return r;
}

async function create(name: string, metadata: Partial<SvKmsMigration['metadata']> = {}): Promise<SvKmsMigration> {
  const m = awsTestMigration(name, namespace, 'http://127.0.0.1:1');
  m.metadata = { ...m.metadata, ...metadata };
  return applyMigration(client, m);
}

async function fetch(name: string): Promise<SvKmsMigration> {
  return (await getMigration(client, namespace, name))!;
}

/** The spec with one field path removed, to compare everything else. */
function without(spec: SvKmsMigration['spec'], path: string[]): unknown {
  const copy = structuredClone(spec) as unknown as Record<string, unknown>;
  let cur = copy;
  for (const key of path.slice(0, -1)) cur = cur[key] as Record<string, unknown>;
  delete cur[path.at(-1)!];
  return copy;
}

const PR = 'https://github.com/global-synchronizer-foundation/configs/pull/42';
/** The vote gates open only with their reason URL on MainNet (the examples' network). */
const reasonFlags = (gate: string): string[] => (gate === 'weightTransfer' || gate === 'offboarding' ? ['--reason-url', PR] : []);

describe('sv-kms approve', () => {
  it.each([['weightTransfer'], ['assetTransfer'], ['offboarding'], ['retirement']])('opens the %s gate of an unmanaged migration and changes nothing else', async (gate) => {
    const name = `approve-${gate.toLowerCase()}`;
    const before = await create(name);
    expect(before.spec.workflow[gate as 'weightTransfer'].approved).toBe(false);
    const r = await svKms('approve', name, gate, ...reasonFlags(gate));
    expect(r.stdout).toBe(`SvKmsMigration ${namespace}/${name}: approved ${gate} (spec.workflow.${gate}.approved: true)\n`);
    expect(r.code).toBe(0);
    const after = await fetch(name);
    expect(after.spec.workflow[gate as 'weightTransfer'].approved).toBe(true);
    const changed = reasonFlags(gate).length ? ['reasonUrl'] : [];
    for (const field of changed) expect((after.spec.workflow[gate as 'weightTransfer'] as unknown as Record<string, unknown>)[field]).toBe(PR);
    const strip = (spec: SvKmsMigration['spec']) => changed.reduce((acc, f) => without(acc, ['workflow', gate, f]) as SvKmsMigration['spec'], without(spec, ['workflow', gate, 'approved']) as SvKmsMigration['spec']);
    expect(strip(after.spec)).toEqual(strip(before.spec));
    expect(after.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
  });

  it('a vote gate on MainNet does not open without its reason URL: the API server says why', async () => {
    await create('approve-no-reason');
    const r = await svKms('approve', 'approve-no-reason', 'weightTransfer');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.workflow.weightTransfer.reasonUrl is required to approve the vote on MainNet and TestNet');
    expect((await fetch('approve-no-reason')).spec.workflow.weightTransfer.approved).toBe(false);
  });

  it('changes nothing when the gate is already open', async () => {
    await create('approve-twice');
    expect((await svKms('approve', 'approve-twice', 'offboarding', ...reasonFlags('offboarding'))).code).toBe(0);
    const rv = (await fetch('approve-twice')).metadata.resourceVersion;
    const r = await svKms('approve', 'approve-twice', 'offboarding');
    expect(r.stdout).toMatch(/spec\.workflow\.offboarding\.approved is already true; nothing changed/);
    expect(r.code).toBe(0);
    expect((await fetch('approve-twice')).metadata.resourceVersion).toBe(rv);
  });

  it('refuses a Flux-managed migration (exit 1) and names the Git change', async () => {
    const before = await create('flux-managed', { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } });
    const r = await svKms('approve', 'flux-managed', 'weightTransfer');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`SvKmsMigration ${namespace}/flux-managed is managed by Flux (Kustomization flux-system/apps, label kustomize.toolkit.fluxcd.io/name)`);
    expect(r.stderr).toContain('  spec:\n    workflow:\n      weightTransfer:\n        approved: true\n');
    expect((await fetch('flux-managed')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('refuses an Argo CD-managed migration (exit 1) and names the Git change', async () => {
    const before = await create('argo-managed', { annotations: { 'argocd.argoproj.io/tracking-id': 'sv-kms:svkms.dev/SvKmsMigration:x/argo-managed' } });
    const r = await svKms('approve', 'argo-managed', 'retirement');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is managed by Argo CD (Application sv-kms, annotation argocd.argoproj.io/tracking-id)');
    expect(r.stderr).toContain('      retirement:\n        approved: true\n');
    expect((await fetch('argo-managed')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('says so when the migration does not exist (exit 1)', async () => {
    const r = await svKms('approve', 'no-such-migration', 'weightTransfer');
    expect(r.stderr).toBe(`sv-kms approve: SvKmsMigration ${namespace}/no-such-migration not found (check the name and -n/--namespace)\n`);
    expect(r.code).toBe(1);
  });

  it('relies on a precondition the API server enforces: a merge patch with an old resourceVersion is refused with 409', async () => {
    const before = await create('stale-patch');
    await client.patch(SVKMS_MIGRATIONS, namespace, 'stale-patch', { metadata: { labels: { touched: 'yes' } } }, 'merge');
    const stale = client.patch(SVKMS_MIGRATIONS, namespace, 'stale-patch', { spec: { paused: true }, metadata: { resourceVersion: before.metadata.resourceVersion } }, 'merge');
    const err = await stale.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConflict(err)).toBe(true);
    expect((await fetch('stale-patch')).spec.paused).toBe(false);
  });
});

describe('sv-kms pause and resume', () => {
  it('round-trips spec.paused', async () => {
    await create('pause-resume');
    const paused = await svKms('pause', 'pause-resume');
    expect(paused.stdout).toBe(`SvKmsMigration ${namespace}/pause-resume: paused (spec.paused: true)\n`);
    expect((await fetch('pause-resume')).spec.paused).toBe(true);
    const resumed = await svKms('resume', 'pause-resume');
    expect(resumed.stdout).toBe(`SvKmsMigration ${namespace}/pause-resume: resumed (spec.paused: false)\n`);
    expect((await fetch('pause-resume')).spec.paused).toBe(false);
  });

  it('refuses to pause an Argo CD label-tracked migration', async () => {
    await create('argo-label', { labels: { 'argocd.argoproj.io/instance': 'sv-kms' } });
    const r = await svKms('pause', 'argo-label');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('  spec:\n    paused: true\n');
    expect((await fetch('argo-label')).spec.paused).toBe(false);
  });
});

describe('kubectl sv-kms (the kubectl plugin on PATH)', () => {
  it('pauses and resumes through kubectl', async () => {
    await create('kubectl-plugin');
    // The plugin runs on the `node` first on PATH: the pinned Node 24 this test runs on.
    const env = { ...process.env, PATH: [pluginDir, dirname(process.execPath), process.env.PATH].join(':') };
    const kubectl = (...args: string[]) =>
      new Promise<CliRun>((resolve) => {
        execFile(testBinaries().kubectl, ['sv-kms', ...args, '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', namespace], { env }, (err, stdout, stderr) => {
          recordEmitted('cli-output.log', `${stdout}\n${stderr}\n`);
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
        });
      });
    const paused = await kubectl('pause', 'kubectl-plugin');
    expect(paused).toMatchObject({ code: 0, stdout: `SvKmsMigration ${namespace}/kubectl-plugin: paused (spec.paused: true)\n` });
    expect((await fetch('kubectl-plugin')).spec.paused).toBe(true);
    expect((await kubectl('resume', 'kubectl-plugin')).code).toBe(0);
    expect((await fetch('kubectl-plugin')).spec.paused).toBe(false);
    expect((await kubectl('approve', 'kubectl-plugin', 'nope')).code).toBe(2);
  });
});
