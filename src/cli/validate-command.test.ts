import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { validateMigration } from '../api/validate.ts';
import { badManifests, loadExample, type BadManifest } from '../../test/fixtures/bad-manifests.ts';
import { generateGovernanceKey } from '../keys/governance-key.ts';
import { keySecretManifest } from '../keys/secret-manifest.ts';
import { runCli } from '../../test/support/cli.ts';


const sv = runCli;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'svkms-validate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function mutated(entry: BadManifest) {
  const m = loadExample(entry.example);
  entry.mutate(m);
  return m;
}

const createRules = badManifests.filter((b) => !b.transition);
const transitionRules = badManifests.filter((b) => b.transition);

describe('sv-kms validate', () => {
  it.each(['aws', 'gcp'] as const)('accepts examples/%s-migration.yaml (exit 0)', async (name) => {
    const r = await sv('validate', '-f', join('examples', `${name}-migration.yaml`));
    expect(r.stdout).toBe('sv-kms validate: 1 SvKmsMigration checked in 1 file: all valid\n');
    expect(r.code).toBe(0);
  });

  it('prints one line per problem even when a field name holds line breaks or terminal controls, and "" for an empty top-level field', async () => {
    const m = loadExample('aws');
    m['x\nf.yaml: spec.fake: injected'] = 1;
    m[''] = 2;
    (m.spec as Record<string, unknown>)['\u001b[2Jclear\u2028sep'] = 3;
    const file = write('line-breaks.yaml', dump(m));
    const r = await sv('validate', '-f', file);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3)).toEqual(
      expect.arrayContaining(
        [
          `${file}: "": is not a known field`,
          `${file}: spec.\\u001b[2Jclear\\u2028sep: is not a known field`,
          `${file}: x\\nf.yaml: spec.fake: injected: is not a known field`,
        ].map((l) => expect.stringContaining(l)),
      ),
    );
    expect(lines[3]).toMatch(/^sv-kms validate: 1 SvKmsMigration checked in 1 file: 3 problems in 1 document$/);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).not.toContain('\u2028');
  });

  it('still prints (document) for a document that is not a mapping', async () => {
    const r = await sv('validate', '-f', write('list.yaml', '- a\n- b\n'));
    expect(r.stdout.split('\n')[0]).toBe(`${join(dir, 'list.yaml')}: (document): is not a Kubernetes object (a YAML mapping with apiVersion and kind)`);
  });

  it('has at least 20 distinct bad manifests', () => {
    expect(createRules.length).toBeGreaterThanOrEqual(20);
    expect(new Set(badManifests.map((b) => b.name)).size).toBe(badManifests.length);
    const texts = createRules.map((b) => JSON.stringify(mutated(b)));
    expect(new Set(texts).size).toBe(texts.length);
  });

  it.each(createRules.map((b) => [b.name, b] as const))('refuses: %s — one line naming the field, exit 1', async (_name, entry) => {
    const file = write(`${entry.name.replace(/\W+/g, '-')}.yaml`, dump(mutated(entry)));
    const r = await sv('validate', '-f', file);
    const lines = r.stdout.trimEnd().split('\n');
    const problemLines = lines.slice(0, -1);
    expect(problemLines).toHaveLength(1);
    expect(problemLines[0]!.startsWith(`${file}: ${entry.expectPath}: `)).toBe(true);
    expect(problemLines[0]!.length).toBeGreaterThan(`${file}: ${entry.expectPath}: `.length + 10);
    expect(lines.at(-1)).toBe('sv-kms validate: 1 SvKmsMigration checked in 1 file: 1 problem in 1 document');
    expect(r.code).toBe(1);
  });

  it.each(transitionRules.map((b) => [b.name, b] as const))('transition rule: %s is valid on create, refused as an update', (_name, entry) => {
    const updated = mutated(entry);
    const old = loadExample(entry.example);
    entry.transition!.mutateOld(old);
    expect(validateMigration(updated).problems).toEqual([]);
    const problems = validateMigration(updated, old).problems;
    expect(problems.map((p) => p.path)).toEqual([entry.expectPath]);
    expect(problems[0]!.message).toMatch(/immutable/);
  });

  it('reports every file and document of a multi-document run, and names the document', async () => {
    const [a, b] = createRules;
    const multi = write('multi.yaml', [dump(mutated(a!)), dump(loadExample('gcp')), dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), dump(mutated(b!))].join('---\n'));
    const r = await sv('validate', '-f', multi, '-f', 'examples/aws-migration.yaml');
    expect(r.stdout).toContain(`${multi} (document 1, SvKmsMigration/acme-to-aws-kms): ${a!.expectPath}: `);
    expect(r.stdout).toContain(`${multi} (document 4, SvKmsMigration/acme-to-aws-kms): ${b!.expectPath}: `);
    expect(r.stderr).toContain(`note: ${multi} (document 3): skipped ConfigMap/x: not an SvKmsMigration`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('sv-kms validate: 4 SvKmsMigrations checked in 2 files: 2 problems in 2 documents; 1 other document skipped');
    expect(r.code).toBe(1);
  });

  it('checks extraConfig against the Canton catalogue', async () => {
    const m = loadExample('aws');
    const kms = m.spec as { kms: Record<string, unknown> };
    kms.kms.extraConfig = { auditLoging: true };
    const r = await sv('validate', '-f', write('extra.yaml', dump(m)));
    expect(r.stdout).toMatch(/: spec\.kms\.extraConfig\.auditLoging: .*auditLogging/);
    expect(r.code).toBe(1);
  });

  it('checks key Secrets in the files, without printing key material', async () => {
    const pair = await generateGovernanceKey();
    const good = keySecretManifest('governance', pair, { namespace: 'sv-kms' });
    const bad = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'splice-app-sv-cometbft-governance-key' }, stringData: { publicKey: pair.public, privateKey: pair.private } };
    const ok = await sv('validate', '-f', write('good-secret.yaml', dump(good)));
    expect(ok.stdout).toBe('sv-kms validate: 0 SvKmsMigrations and 1 key Secret checked in 1 file: all valid\n');
    expect(ok.code).toBe(0);
    const r = await sv('validate', '-f', write('bad-secret.yaml', dump(bad)));
    expect(r.stdout).toMatch(/bad-secret\.yaml: data: UpstreamDocsKeyNames: .*kubectl -n <namespace> patch secret splice-app-sv-cometbft-governance-key/);
    expect(r.code).toBe(1);
    for (const out of [ok.stdout, ok.stderr, r.stdout, r.stderr]) {
      expect(out).not.toContain(pair.private);
      expect(out).not.toContain(Buffer.from(pair.private).toString('base64'));
    }
  });

  it('reports malformed YAML with its line and column', async () => {
    const file = write('broken.yaml', 'apiVersion: svkms.dev/v1alpha1\nkind: SvKmsMigration\nspec:\n  network: [a,\n  b: c\n');
    const r = await sv('validate', '-f', file);
    expect(r.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+, column \\d+: invalid YAML: \\S`));
    expect(r.code).toBe(1);
    const dup = write('dup.yaml', 'kind: SvKmsMigration\nkind: SvKmsMigration\n');
    expect((await sv('validate', '-f', dup)).stdout).toContain(`${dup}: line 2, column 1: invalid YAML: duplicated mapping key`);
  });

  it('says when there was nothing to check (exit 1)', async () => {
    const r = await sv('validate', '-f', write('cm.yaml', dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })));
    expect(r.stdout).toBe('sv-kms validate: no SvKmsMigration found in 1 file; 1 other document skipped\n');
    expect(r.code).toBe(1);
  });

  it('reports a document that is not a mapping', async () => {
    const r = await sv('validate', '-f', write('list.yaml', '- a\n- b\n'));
    expect(r.stdout).toMatch(/list\.yaml: \(document\): is not a Kubernetes object/);
    expect(r.code).toBe(1);
  });

  it.each([
    [[], /no file given/],
    [['examples/aws-migration.yaml'], /unexpected argument "examples\/aws-migration.yaml" \(give files with -f\)/],
    [['-f'], /option -f needs a value/],
    [['--frobnicate'], /unknown option --frobnicate/],
  ])('usage error %j → exit 2', async (args, message) => {
    const r = await sv('validate', ...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: sv-kms validate');
    expect(r.code).toBe(2);
  });

  it('names the unreadable file and exits 2', async () => {
    const missing = join(dir, 'nope.yaml');
    const r = await sv('validate', '-f', 'examples/aws-migration.yaml', '--filename', missing);
    expect(r.stderr).toBe(`sv-kms validate: cannot read ${missing}: ENOENT\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('prints its help (exit 0)', async () => {
    const r = await sv('validate', '--help');
    expect(r.stdout).toContain('Usage: sv-kms validate -f FILE');
    expect(r.code).toBe(0);
  });

  it('checks for --splice-version / spec.splice.version and finds the participant database conflict of 0.6.8+', async () => {
    const m = loadExample('aws') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete m.spec.kms.aws.customTags;
    m.spec.oldSv.participantDatabaseHost = 'pg.sv.svc';
    m.spec.newSv.participant.baseValues = { configMapRef: { name: 'participant-base' } };
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'participant-base', namespace: 'sv-kms' }, data: { 'values.yaml': 'persistence:\n  host: pg.sv.svc\n' } };
    const file = write('conflict.yaml', `${dump(m)}---\n${dump(configMap)}`);
    const found = await sv('validate', '-f', file);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('spec.newSv.participant.baseValues: ConfigMap participant-base values.yaml.persistence.host: is "pg.sv.svc"');
    expect((await sv('validate', '-f', file, '--splice-version', '0.6.7')).code).toBe(0);
    // 0.6.11 ships a Canton 3.5.8 snapshot: no custom tags (the example sets some).
    const tags = await sv('validate', '-f', write('tags.yaml', dump(loadExample('aws'))), '--splice-version', '0.6.11-snapshot.20260601.1.0.vabc');
    expect(tags.stdout).toContain('spec.kms.aws.customTags: needs Canton 3.5.8 or later');
    m.spec.splice = { version: '0.6.5' };
    expect((await sv('validate', '-f', write('pinned.yaml', `${dump(m)}---\n${dump(configMap)}`))).code).toBe(0);
    expect((await sv('validate', '-f', file, '--splice-version', '0.7')).code).toBe(2);
  });
});
