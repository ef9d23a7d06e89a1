/**
 * The examples: every SvKmsMigration in examples/ and examples/gitops/ passes `sv-kms validate` (run in-process), and
 * the GitOps objects are wired to the migration they serve: the Flux HelmReleases read the ConfigMaps the operator
 * writes, under the release names it watches, in the namespace it writes them to, and the label that makes Flux watch
 * them is set. The API server's view of the same files is in test/integration/deploy-dry-run.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';
import { REPO_ROOT } from '../env/binaries.ts';
import { main } from '../../src/cli/main.ts';
import { validateMigration } from '../../src/api/validate.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { participantValuesConfigMapName, svNodeValuesConfigMapName } from '../../src/migration/meta.ts';

const yamlFiles = (dir: string) =>
  readdirSync(join(REPO_ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(REPO_ROOT, dir, f));
const exampleFiles = [...yamlFiles('examples'), ...yamlFiles('examples/gitops')];

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };
const docsOf = (file: string) => (loadAll(readFileSync(file, 'utf8'), { schema: YAML11_SCHEMA }) as Doc[]).filter(Boolean);

async function validate(files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } };
  const code = await main(['validate', ...files.flatMap((f) => ['-f', f])], io);
  return { code, stdout, stderr };
}

describe('example manifests', () => {
  it('every SvKmsMigration passes `sv-kms validate`', async () => {
    const migrations = exampleFiles.flatMap(docsOf).filter((d) => d.kind === 'SvKmsMigration');
    expect(migrations.length).toBeGreaterThanOrEqual(3);
    const r = await validate(exampleFiles);
    expect(r.stdout).toMatch(new RegExp(`^sv-kms validate: ${migrations.length} SvKmsMigrations checked in ${exampleFiles.length} files: all valid`, 'm'));
    expect(r.code).toBe(0);
  });

  it('validate really checks them: a broken copy fails', async () => {
    const m = docsOf(join(REPO_ROOT, 'examples', 'gitops', 'migration.yaml'))[0]!;
    const broken = JSON.parse(JSON.stringify(m)) as { spec: { newSv: { name: string }; oldSv: { name: string } } };
    broken.spec.newSv.name = broken.spec.oldSv.name;
    expect(validateMigration(broken).problems.length).toBeGreaterThan(0);
  });
});

describe('examples/gitops wiring', () => {
  const dir = join(REPO_ROOT, 'examples', 'gitops');
  const migrationDoc = docsOf(join(dir, 'migration.yaml')).find((d) => d.kind === 'SvKmsMigration')!;
  const { migration, problems } = validateMigration(migrationDoc);
  const m = migration as SvKmsMigration;
  type HelmRelease = Doc & { spec: { releaseName: string; valuesFrom: { kind: string; name: string; valuesKey?: string; optional?: boolean }[]; values?: unknown; chart: { spec: { chart: string } } } };
  const releases = docsOf(join(dir, 'flux-helmreleases.yaml')).filter((d) => d.kind === 'HelmRelease') as HelmRelease[];
  const byChart = (chart: string) => releases.find((r) => r.spec.chart.spec.chart === chart)!;

  it('the migration is valid and labels its ConfigMaps for Flux to watch', () => {
    expect(problems).toEqual([]);
    expect(m.spec.output.labels).toEqual({ 'reconcile.fluxcd.io/watch': 'Enabled' });
  });

  it.each([
    ['splice-participant', () => ({ release: m.spec.newSv.participant.releaseName, configMap: participantValuesConfigMapName(m) })],
    ['splice-sv-node', () => ({ release: m.spec.newSv.svNode.releaseName, configMap: svNodeValuesConfigMapName(m) })],
  ] as const)('the %s HelmRelease reads the operator ConfigMap, not optional, no inline values', (chart, expected) => {
    const hr = byChart(chart);
    expect(hr).toBeDefined();
    const { release, configMap } = expected();
    expect(hr.spec.releaseName).toBe(release);
    expect(hr.metadata.namespace).toBe(m.spec.newSv.namespace);
    expect(hr.spec.valuesFrom).toEqual([{ kind: 'ConfigMap', name: configMap, valuesKey: 'values.yaml' }]);
    // Inline values would be merged over the operator's.
    expect(hr.spec.values).toBeUndefined();
  });

  it('the base values ConfigMap the migration references is in Git next to it', () => {
    const base = docsOf(join(dir, 'base-values.yaml')).find((d) => d.kind === 'ConfigMap') as Doc & { data: Record<string, string> };
    const ref = m.spec.newSv.participant.baseValues!.configMapRef;
    expect(base.metadata.name).toBe(ref.name);
    expect(base.metadata.namespace).toBe(m.metadata.namespace);
    expect(Object.keys(base.data)).toEqual([ref.key ?? 'values.yaml']);
  });

  it('the Argo CD Application never prunes the migration', () => {
    const app = docsOf(join(dir, 'argocd-application.yaml')).find((d) => d.kind === 'Application') as Doc & {
      spec: { destination: { namespace: string }; syncPolicy: { automated: { prune: boolean } } };
    };
    expect(app.spec.syncPolicy.automated.prune).toBe(false);
    expect(app.spec.destination.namespace).toBe(m.metadata.namespace);
  });
});
