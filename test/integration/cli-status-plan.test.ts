/**
 * `sv-kms status` and `sv-kms plan` against a running migration (real API server, simulated network): the status tree
 * from a kubeconfig with read-only RBAC, and the plan of the next side effect — the weight vote, exactly — computed
 * without a single write to the cluster or request to the network that changes anything.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { createTestNamespace, testKubeConfig, TEST_KUBECONFIG_ENV } from '../env/kube.ts';
import { testBinaries } from '../env/binaries.ts';
import { createCantonKeys, startMoto, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import type { KubeClient, KubeObject } from '../../src/controller/kube-client.ts';
import { SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { runCli } from '../support/cli.ts';
import { recordEmitted } from '../support/leak-scan.ts';
import { applyMigration, awsTestMigration, createAwsCredentials } from '../support/migrations.ts';
import { getMigration, migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { OLD_SV, startTestNetwork } from '../support/network.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

const timing = { kmsKeysPollMs: 200, preflightRecheckMs: 300, stalledRecheckMs: 1000, deploymentRecheckMs: 500, networkPollMs: 200 };
let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
let charts: SpliceCharts;
let sim: SpliceSim;
let operator: TestOperator | undefined;
let namespace: string;
let dir: string;

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  // The migrations render for Splice 0.7.4 (the examples'): installed with the newest upstream charts, 0.6.12's.
  charts = new SpliceCharts(FIXTURE_0_6_12);
  moto = await startMoto();
  sim = await startTestNetwork({ autoVote: { accept: true, delayMs: 100 } });
  dir = mkdtempSync(join(tmpdir(), 'svkms-status-'));
  namespace = await createTestNamespace(kc, 'cli-status');
  const oldNamespace = await createTestNamespace(kc, 'cli-status-old');
  const m = await prepareHandover(client, sim, { namespace, oldNamespace, name: 'm', kmsEndpoint: moto.endpoint, gates: 'closed' });
  await applyMigration(client, m);
  operator = await startTestOperator(kc, { namespaces: [namespace, oldNamespace], timing });
  const world = playWorld({ client, charts, sim, namespace, name: 'm', oldNamespace, createKmsKeys: () => createCantonKeys(moto.endpoint).then(() => undefined) });
  await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'AwaitingApproval', 60_000);
  await world.stop();
  // The operator stops: the plan shows what it would do next, and nothing does it.
  await operator.stop();
  operator = undefined;
});

afterAll(async () => {
  await operator?.stop();
  await sim?.stop();
  await moto?.stop();
  charts?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Write requests the API server has served so far (from its own metrics), to show a command made none. */
function apiServerWrites(): number {
  const text = execFileSync(testBinaries().kubectl, ['--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, 'get', '--raw', '/metrics'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^apiserver_request_total\{([^}]*)\} (\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/.exec(line);
    // Only what the operator and the CLI could write: the API server itself keeps writing its identity Lease and the
    // kubernetes Service's endpoints every few seconds.
    if (m && /verb="(POST|PUT|PATCH|DELETE|APPLY)"/.test(m[1]!) && /resource="(svkmsmigrations|secrets|configmaps|deployments|statefulsets|events)"/.test(m[1]!)) total += Number(m[2]);
  }
  return total;
}

/** A kubeconfig file for a ServiceAccount that may only read SvKmsMigrations and Deployments in the namespace. */
async function readOnlyKubeconfig(): Promise<string> {
  const sa = 'viewer';
  await client.create({ group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
  const rbac = (plural: string, kind: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, kind, namespaced: true });
  await client.create(rbac('roles', 'Role'), namespace, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: sa },
    rules: [
      { apiGroups: ['svkms.dev'], resources: ['svkmsmigrations'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
    ],
  } as unknown as KubeObject);
  await client.create(rbac('rolebindings', 'RoleBinding'), namespace, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: sa },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
  } as unknown as KubeObject);
  const res = (await client.create({ group: '', version: 'v1', plural: `serviceaccounts/${sa}/token`, kind: 'TokenRequest', namespaced: true }, namespace, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  } as KubeObject)) as KubeObject & { status?: { token?: string } };
  const cluster = kc.getCurrentCluster()!;
  const file = join(dir, 'viewer.kubeconfig');
  writeFileSync(
    file,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
      users: [{ name: sa, user: { token: res.status!.token } }],
      contexts: [{ name: 'viewer', context: { cluster: 'local', user: sa, namespace } }],
      'current-context': 'viewer',
    }),
  );
  return file;
}

async function cli(...args: string[]) {
  const r = await runCli(...args);
  recordEmitted('cli-output.log', `${r.stdout}\n${r.stderr}\n`);
  return r;
}

describe('sv-kms status', () => {
  it('shows the migration as a tree from a read-only kubeconfig, and as JSON', async () => {
    const viewer = await readOnlyKubeconfig();
    const tree = await cli('status', 'm', '--kubeconfig', viewer);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(new RegExp(`^SvKmsMigration ${namespace}/m: TransferringWeight \\(Ready=False Reconciling=True Stalled=False`));
    expect(tree.stdout).toContain('✓ AwaitingOnboarding');
    expect(tree.stdout).toContain('▶ TransferringWeight');
    expect(tree.stdout).toContain('    WeightTransferred=False AwaitingApproval:');
    expect(tree.stdout).toMatch(/splice-participant: ConfigMap m-participant-values sha256 [0-9a-f]{12}; Deployment runs them: yes/);
    expect(tree.stdout).toContain('Who: you: open the gate in Git (or sv-kms approve) once the other SV operators agree');
    expect(tree.stdout).toContain('Tell the other SV operators:');
    const json = await cli('status', 'm', '--kubeconfig', viewer, '-o', 'json');
    const view = JSON.parse(json.stdout) as { phase: string; next: { who: string }; keys: { fingerprint?: string }[] };
    expect(view.phase).toBe('TransferringWeight');
    expect(view.keys.every((k) => /^[0-9a-f]{64}$/.test(k.fingerprint ?? ''))).toBe(true);
  });

  it('says what is wrong with its input', async () => {
    const r = await cli('status', 'nope', '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', namespace);
    expect([r.code, r.stderr]).toEqual([1, `sv-kms status: SvKmsMigration ${namespace}/nope not found (check the name and -n/--namespace)\n`]);
    expect((await cli('status', 'm', '-o', 'yaml')).code).toBe(2);
  });
});

describe('sv-kms plan', () => {
  it('shows the next vote request exactly, and nothing changes anywhere', async () => {
    await client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: { workflow: { weightTransfer: { approved: true } } } }, 'merge');
    const before = (await getMigration(client, namespace, 'm'))!;
    const votesBefore = sim.counts()[sim.node(OLD_SV).id]?.['createVoteRequest']?.attempts ?? 0;
    const writesBefore = apiServerWrites();
    expect(writesBefore).toBeGreaterThan(0); // the counter is read (this run created namespaces and migrations)
    const r = await cli('plan', 'm', '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', namespace, '-o', 'json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { kind: string; phase: string; step: string; checkpoint: boolean; details: { request: string; body: { requester: string; action: unknown; url: string; description: string } } };
    expect(plan).toMatchObject({ kind: 'effect', phase: 'TransferringWeight', step: 'weightTransfer', checkpoint: true });
    expect(plan.details.request).toBe(`POST ${sim.node(OLD_SV).svAppUrl}/api/sv/v0/admin/sv/voterequest/create`);
    expect(plan.details.body.requester).toBe(sim.node(OLD_SV).party);
    expect(plan.details.body.description).toMatch(/\[svkms:[0-9a-f]{16}\]$/);
    // Reading only: the migration and the network are as they were.
    const after = (await getMigration(client, namespace, 'm'))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(sim.counts()[sim.node(OLD_SV).id]?.['createVoteRequest']?.attempts ?? 0).toBe(votesBefore);
    expect(apiServerWrites()).toBe(writesBefore);
    const posts = Object.values(sim.counts()).reduce((n, ops) => n + ['createVoteRequest', 'createTransferOffer', 'createTokenStandardTransfer', 'transferPreapprovalSend', 'castVote', 'acceptTransferOffer', 'acceptTokenStandardTransfer'].reduce((k, op) => k + (ops[op]?.attempts ?? 0), 0), 0);
    expect(posts).toBe(votesBefore);
    const text = await cli('plan', 'm', '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', namespace);
    expect(text.stdout).toMatch(/^Next side effect \(phase TransferringWeight, step weightTransfer\): requesting the vote on UpdateSvRewardWeight/);
  });

  it('plans a manifest not applied yet: its first effect is the key Secret it would create', async () => {
    const ns = await createTestNamespace(kc, 'cli-plan-f');
    await createAwsCredentials(client, ns);
    const m: SvKmsMigration = awsTestMigration('rehearsal', ns, moto.endpoint);
    const file = join(dir, 'rehearsal.yaml');
    writeFileSync(file, dump(m));
    const r = await cli('plan', '-f', file, '--kubeconfig', process.env[TEST_KUBECONFIG_ENV]!, '-n', ns);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Next side effect \(phase Preparing, step governanceKey\): generating the CometBFT governance key \(Ed25519\) in Secret cli-plan-f-[0-9a-f]+\/splice-app-sv-cometbft-governance-key/);
    expect(r.stdout).toContain(`createSecret: ${ns}/splice-app-sv-cometbft-governance-key`);
    // Reading only: no key was made.
    expect(await client.get({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true }, ns, 'splice-app-sv-cometbft-governance-key')).toBeUndefined();
  });
});
