import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { exampleManifest } from '../../test/unit/render/fixtures.ts';
import { REPO_ROOT } from '../../test/env/binaries.ts';
import { parseValuesYaml } from '../render/values.ts';
import { runCli } from '../../test/support/cli.ts';

const sv = runCli;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sv-kms-render-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AWS_EXAMPLE = join(REPO_ROOT, 'examples', 'aws-migration.yaml');

describe('sv-kms render', () => {
  it('prints both values documents with headers to stdout', async () => {
    const { code, stdout, stderr } = await sv('render', '-f', AWS_EXAMPLE);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const docs = loadAll(stdout) as Record<string, unknown>[];
    expect(docs).toHaveLength(2);
    expect((docs[0]!.kms as Record<string, unknown>).region).toBe('"us-east-1"');
    expect(docs[1]!.cometBFT).toEqual({ externalGovernanceKey: true });
    expect(stdout).toMatch(/^---\n# splice-participant values rendered by sv-kms for SvKmsMigration sv-kms\/acme-to-aws-kms\n# for Splice 0\.7\.4 \(Canton 3\.5\.14\)\n# sha256 of the values below: [0-9a-f]{64}\n/);
    expect(stdout).toContain('---\n# splice-sv-node values rendered by sv-kms');
  });

  it('keeps a base-values key with a line break inside its comment and on one stderr line', async () => {
    const base = join(dir, 'base-newline.yaml');
    writeFileSync(base, 'kms:\n  "x\\ninjected: true": 1\n');
    const { code, stdout, stderr } = await sv('render', '-f', AWS_EXAMPLE, '--base-values', base);
    expect(code).toBe(0);
    expect(stderr).toBe("sv-kms render: splice-participant: your base value at kms.x\\ninjected: true is replaced by the operator's\n");
    expect(stdout).toContain('# replaced a different base value at kms.x\\ninjected: true\n');
    const [participant] = loadAll(stdout) as Record<string, unknown>[];
    expect(participant!.injected).toBeUndefined();
  });

  it('writes both files into --out-dir, merging base values and reporting overrides', async () => {
    const base = join(dir, 'base.yaml');
    writeFileSync(base, 'persistence:\n  host: pg\nkms:\n  region: REGION\n');
    const svBase = join(dir, 'sv.yaml');
    writeFileSync(svBase, 'approvedSvIdentities:\n  - name: Big\n    rewardWeightBps: 165_5000\n');
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await sv('render', '-f', AWS_EXAMPLE, '--base-values', base, '--sv-node-base-values', svBase, '--out-dir', out);
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${join(out, 'participant-values.yaml')} (sha256 `);
    expect(stderr).toBe("sv-kms render: splice-participant: your base value at kms.region is replaced by the operator's\n");
    const participant = parseValuesYaml(readFileSync(join(out, 'participant-values.yaml'), 'utf8'));
    expect(participant.persistence).toEqual({ host: 'pg' });
    const svNode = parseValuesYaml(readFileSync(join(out, 'sv-node-values.yaml'), 'utf8'));
    expect(svNode.approvedSvIdentities).toEqual([{ name: 'Big', rewardWeightBps: 1655000 }]);
    expect(svNode.onboardingName).toBe('Acme-2');
  });

  it('reports each problem as file: path: message and exits 1', async () => {
    const raw = exampleManifest('aws');
    raw.spec.kms.extraConfig = { auditLoging: true };
    raw.spec.kms.aws.region = 'Mars';
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, dump(raw));
    const first = await sv('render', '-f', bad);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toBe(`${bad}: spec.kms.aws.region: must be an AWS region such as us-east-1\n`);
    raw.spec.kms.aws.region = 'us-east-1';
    raw.spec.newSv.governanceKey = { secretName: 'other-key' };
    writeFileSync(bad, dump(raw));
    const second = await sv('render', '-f', bad);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${bad}: spec\\.kms\\.extraConfig\\.auditLoging: .*did you mean \`auditLogging\`\\?`)),
      expect.stringMatching(new RegExp(`^${bad}: spec\\.newSv\\.governanceKey\\.secretName: .*splice-app-sv-cometbft-governance-key`)),
    ]);
  });

  it('reports malformed base values with the line and exits 1', async () => {
    const base = join(dir, 'broken.yaml');
    writeFileSync(base, 'a: 1\nb: [1,\n');
    const { code, stderr } = await sv('render', '-f', AWS_EXAMPLE, '--base-values', base);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^${base}: line \\d+, column \\d+: `));
  });

  it('exits 2 on usage errors and unreadable files, 0 with help', async () => {
    expect((await sv('render')).code).toBe(2);
    expect((await sv('render', '-f', AWS_EXAMPLE, '--bogus')).code).toBe(2);
    const missing = await sv('render', '-f', join(dir, 'missing.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the file (ENOENT)');
    const help = await sv('render', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sv-kms render -f migration.yaml');
    expect((await sv('--help')).stdout).toMatch(/render\s+Render the participant/);
  });

  it('renders for --splice-version: a 0.6.11 chart gets no custom tags, a legacy one no session signing keys', async () => {
    const withTags = join(dir, 'tags.yaml');
    writeFileSync(withTags, dump(exampleManifest('aws')));
    const refused = await sv('render', '-f', withTags, '--splice-version', '0.6.11');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('spec.kms.aws.customTags: needs Canton 3.5.8 or later; the target is Splice 0.6.11, which ships Canton 3.5.8-snapshot');

    const m = exampleManifest('aws');
    delete m.spec.kms.aws.customTags;
    writeFileSync(withTags, dump(m));
    const legacy = await sv('render', '-f', withTags, '--splice-version', '0.4.15');
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toContain('# for Splice 0.4.15 (Canton 3.3.0)');
    expect(legacy.stdout).not.toContain('SESSION_SIGNING');
    expect(legacy.stdout).not.toContain('COPY_VOTES_FROM');
    expect(legacy.stderr).toContain('warning: Splice 0.4.15 is a legacy version');

    const newer = await sv('render', '-f', withTags, '--splice-version', '0.9.0');
    expect(newer.code).toBe(0);
    expect(newer.stdout).toContain('# for Splice 0.9.0 (Canton 3.5.14, rendered as 0.7.4)');
    expect(newer.stdout).toContain('ADDITIONAL_CONFIG_SESSION_SIGNING_KEYS');
    expect(newer.stderr).toContain('newer than the newest version the operator knows (0.7.4)');

    const bad = await sv('render', '-f', withTags, '--splice-version', 'latest');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--splice-version: "latest" is not a version');

    const canton = await sv('render', '-f', withTags, '--splice-version', '3.5.14');
    expect(canton.code).toBe(2);
    expect(canton.stderr).toContain('--splice-version: 3.5.14 is a Canton version, not a Splice one: Splice releases are numbered 0.x (Splice 0.7.4 ships Canton 3.5.14)');
  });

  it('warns when the new participant\'s base values name the old participant\'s database host (0.6.8+)', async () => {
    const m = exampleManifest('aws');
    m.spec.oldSv.participantDatabaseHost = 'postgres.sv.svc';
    const file = join(dir, 'db.yaml');
    writeFileSync(file, dump(m));
    const base = join(dir, 'db-base.yaml');
    writeFileSync(base, dump({ persistence: { host: 'Postgres.sv.svc', databaseName: 'participant_2' } }));
    const current = await sv('render', '-f', file, '--base-values', base);
    expect(current.code).toBe(0);
    expect(current.stderr).toContain('--base-values.persistence.host: is "Postgres.sv.svc", the Postgres server of the old SV\'s participant');
    const old = await sv('render', '-f', file, '--base-values', base, '--splice-version', '0.6.7');
    expect(old.stderr).not.toContain('Postgres server');
  });
});
