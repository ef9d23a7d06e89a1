/**
 * `sv-kms configs-snippet` against the real API server: the change of a migration's current step (as the operator
 * publishes it), of a step asked for, and a checkout's approved-sv-id-values.yaml with it applied; read-only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig, TEST_KUBECONFIG_ENV } from '../env/kube.ts';
import type { KubeClient } from '../../src/controller/kube-client.ts';
import { SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import { parseApprovedIdentities } from '../../src/governance/approved-identities.ts';
import { runCli, type CliRun } from '../support/cli.ts';
import { applyMigration, awsTestMigration } from '../support/migrations.ts';
import { getMigration, migrationClient } from '../support/operator-harness.ts';

let kc: KubeConfig;
let client: KubeClient;
let namespace: string;
let dir: string;

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  namespace = await createTestNamespace(kc, 'cli-configs');
  dir = mkdtempSync(join(tmpdir(), 'svkms-configs-'));
  const m = awsTestMigration('snippet', namespace, 'http://127.0.0.1:1');
  m.spec.oldSv.extraBeneficiaries = [{ beneficiary: 'charity::1220aabbccdd', weight: '2500' }];
  await applyMigration(client, m);
  // What the operator records once the migration is prepared and the weight is known.
  await client.patch(
    SVKMS_MIGRATIONS,
    namespace,
    'snippet',
    { status: { identityKey: { publicKey: 'MFkwNEWKEY' }, oldSv: { originalRewardWeight: 10_000 }, governance: { configsChange: { step: 'weightTransfer', file: 'x', snippet: 'x' } } } },
    'merge',
    { subresource: 'status' },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const svKms = (...args: string[]): Promise<CliRun> => runCli('configs-snippet', ...args, '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', namespace);

describe('sv-kms configs-snippet', () => {
  it('prints the change of the current step, and changes nothing in the cluster', async () => {
    const rv = (await getMigration(client, namespace, 'snippet'))!.metadata.resourceVersion;
    const r = await svKms('snippet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# configs/MainNet/approved-sv-id-values.yaml (weightTransfer)\napprovedSvIdentities:\n  - name: Acme-2\n    publicKey: MFkwNEWKEY\n    rewardWeightBps: 10000\n');
    expect(r.stdout).toContain('extraBeneficiaries:\n      - beneficiary: charity::1220aabbccdd');
    expect((await getMigration(client, namespace, 'snippet'))!.metadata.resourceVersion).toBe(rv);
  });

  it('applies a step to a checkout\'s file', async () => {
    const file = join(dir, 'approved-sv-id-values.yaml');
    writeFileSync(file, 'approvedSvIdentities:\n  - name: Acme-1\n    publicKey: MFkwOLD\n    rewardWeightBps: 10000\n');
    const r = await svKms('snippet', '--step', 'onboarding', '--apply-to', file);
    expect(r.code).toBe(0);
    expect(parseApprovedIdentities(r.stdout)).toEqual([
      { name: 'Acme-1', publicKey: 'MFkwOLD', rewardWeightBps: 10_000 },
      { name: 'Acme-2', publicKey: 'MFkwNEWKEY', rewardWeightBps: 0 },
    ]);
  });

  it.each([
    ['an unknown step', ['snippet', '--step', 'retirement'], 2, /--step "retirement": give one of onboarding, weightTransfer, offboarding/],
    ['no migration name', [], 2, /which migration\?/],
    ['a migration that does not exist', ['nope'], 1, /SvKmsMigration .*\/nope not found/],
    ['a file that is not there', ['snippet', '--apply-to', '/nonexistent/file.yaml'], 3, /cannot read \/nonexistent\/file.yaml/],
  ])('%s', async (_n, args, code, message) => {
    const r = await svKms(...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});
