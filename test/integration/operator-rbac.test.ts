/**
 * The operator under exactly the RBAC its chart grants (issue 6): the chart's ServiceAccount, Roles and bindings are
 * applied to the real API server, the operator authenticates with a real token of that ServiceAccount (TokenRequest)
 * and runs a whole migration without one forbidden call; `kubectl auth can-i` shows it cannot read Secrets outside the
 * namespaces it serves, nor change or delete the Secrets it may read.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { testBinaries } from '../env/binaries.ts';
import { startMoto, createCantonKeys, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import type { KubeClient} from '../../src/controller/kube-client.ts';
import { type KubeObject } from '../../src/controller/kube-client.ts';
import { RESOURCES } from '../../src/operator/resources.ts';
import { renderChart, type K8sObject } from '../support/chart-render.ts';
import { migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration } from '../support/migrations.ts';
import { startTestNetwork } from '../support/network.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

let admin: KubeClient;
let moto: MotoServer;
let sim: SpliceSim;
let charts: SpliceCharts;
let operator: TestOperator | undefined;
const ns = { system: '', sv: '', old: '', other: '' };
let serviceAccount = '';
let kubeconfigPath = '';

const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

function kubectl(...args: string[]): string {
  return execFileSync(testBinaries().kubectl, ['--kubeconfig', kubeconfigPath, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function canI(verb: string, resource: string, namespace: string, subresource?: string): boolean {
  try {
    const sub = subresource ? [`--subresource=${subresource}`] : [];
    return kubectl('auth', 'can-i', verb, resource, ...sub, '-n', namespace, `--as=system:serviceaccount:${ns.system}:${serviceAccount}`).trim() === 'yes';
  } catch (err) {
    const out = (err as { stdout?: string }).stdout?.trim();
    if (out === 'no') return false;
    throw err;
  }
}

beforeAll(async () => {
  const kc = testKubeConfig();
  kubeconfigPath = process.env.SVKMS_TEST_KUBECONFIG!;
  admin = migrationClient(kc);
  for (const key of Object.keys(ns) as (keyof typeof ns)[]) ns[key] = await createTestNamespace(kc, `rbac-${key}`);

  // The chart's RBAC, exactly as rendered, for a list of served namespaces.
  const objects = renderChart(testBinaries().helm, { namespace: ns.system, release: `op-${ns.system}`, values: { watchNamespaces: [ns.sv, ns.old] } });
  const rbac = objects.filter((o: K8sObject) => RBAC_KINDS.has(o.kind));
  serviceAccount = rbac.find((o) => o.kind === 'ServiceAccount')!.metadata.name;
  execFileSync(testBinaries().kubectl, ['--kubeconfig', kubeconfigPath, 'apply', '--server-side', '-f', '-'], { input: rbac.map((o) => dump(o)).join('---\n'), stdio: ['pipe', 'pipe', 'pipe'] });

  moto = await startMoto();
  sim = await startTestNetwork({ autoVote: { accept: true, delayMs: 200 } });
  // The migrations render for Splice 0.7.4 (the examples'): installed with the newest upstream charts, 0.6.12's.
  charts = new SpliceCharts(FIXTURE_0_6_12);
});

afterAll(async () => {
  await operator?.stop();
  await sim?.stop();
  await moto?.stop();
  charts?.remove();
});

/** A kubeconfig that authenticates as the chart's ServiceAccount, with a token from the TokenRequest API. */
async function serviceAccountKubeConfig(): Promise<KubeConfig> {
  const base = testKubeConfig();
  const cluster = base.getCurrentCluster()!;
  const token = await tokenFor();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: serviceAccount, token }],
    contexts: [{ name: 'sa', cluster: 'local', user: serviceAccount }],
    currentContext: 'sa',
  });
  return kc;
}

async function tokenFor(): Promise<string> {
  const res = (await admin.create(
    { group: '', version: 'v1', plural: `serviceaccounts/${serviceAccount}/token`, kind: 'TokenRequest', namespaced: true },
    ns.system,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } as KubeObject,
  )) as KubeObject & { status?: { token?: string } };
  return res.status!.token!;
}

describe('the operator under its chart RBAC', () => {
  it('may do what it needs in the namespaces it serves, and nothing more', () => {
    // Served namespace: read and create Secrets, annotate them; never change their data or delete them.
    expect(canI('get', 'secrets', ns.sv)).toBe(true);
    expect(canI('create', 'secrets', ns.sv)).toBe(true);
    expect(canI('delete', 'secrets', ns.sv)).toBe(false);
    expect(canI('update', 'secrets', ns.sv)).toBe(false);
    expect(canI('delete', 'configmaps', ns.sv)).toBe(false);
    expect(canI('delete', 'deployments', ns.old)).toBe(false);
    expect(canI('patch', 'deployments', ns.old)).toBe(false);
    expect(canI('patch', 'deployments', ns.old, 'scale')).toBe(true);
    expect(canI('patch', 'statefulsets', ns.old, 'scale')).toBe(true);
    // Pods: listed (the new participant's, while it does not start), never watched, read one by one or changed.
    expect(canI('list', 'pods', ns.sv)).toBe(true);
    for (const verb of ['get', 'watch', 'create', 'delete', 'patch']) expect([verb, canI(verb, 'pods', ns.sv)]).toEqual([verb, false]);
    expect(canI('list', 'pods', ns.other)).toBe(false);
    // Not served: no Secret, no ConfigMap, no workload.
    for (const verb of ['get', 'list', 'watch', 'create']) expect([verb, canI(verb, 'secrets', ns.other)]).toEqual([verb, false]);
    expect(canI('get', 'configmaps', ns.other)).toBe(false);
    expect(canI('list', 'deployments', ns.other)).toBe(false);
    // Its Lease only in its own namespace; cluster-wide only Namespaces read.
    expect(canI('update', 'leases/sv-kms-operator', ns.system)).toBe(true);
    expect(canI('update', 'leases/another-lease', ns.system)).toBe(false);
    expect(canI('update', 'leases/sv-kms-operator', ns.sv)).toBe(false);
    expect(canI('list', 'namespaces', ns.sv)).toBe(true);
    expect(canI('delete', 'namespaces', ns.sv)).toBe(false);
  });

  it('runs a whole migration with a real ServiceAccount token and is never forbidden', async () => {
    // A Secret it must never see.
    await admin.create(RESOURCES.secrets, ns.other, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-yours', namespace: ns.other }, stringData: { token: 'elsewhere' } } as KubeObject);
    const m = await prepareHandover(admin, sim, { namespace: ns.sv, oldNamespace: ns.old, name: 'rbac', kmsEndpoint: moto.endpoint, reserve: '1' });
    await applyMigration(admin, m);
    const saConfig = await serviceAccountKubeConfig();
    operator = await startTestOperator(saConfig, {
      namespaces: [ns.sv, ns.old],
      leaderElection: { namespace: ns.system, name: 'sv-kms-operator', identity: 'rbac-test' },
      timing: { kmsKeysPollMs: 200, preflightRecheckMs: 300, stalledRecheckMs: 1000, deploymentRecheckMs: 500, networkPollMs: 200 },
    });
    const world = playWorld({ client: admin, charts, sim, namespace: ns.sv, name: 'rbac', oldNamespace: ns.old, createKmsKeys: () => createCantonKeys(moto.endpoint).then(() => undefined) });
    try {
      await waitForCondition(admin, ns.sv, 'rbac', 'Ready', 'True', undefined, 90_000);
    } finally {
      await world.stop();
    }
    const forbidden = operator.requests.filter((r) => r.status === 401 || r.status === 403);
    expect(forbidden).toEqual([]);
    // Every kind of call it makes was made (watches are recorded when they end, so they are not listed here).
    const kinds = new Set(operator.requests.map((r) => `${r.verb}:${r.resource}${r.subresource ? `/${r.subresource}` : ''}`));
    const expected = ['create:secrets', 'create:configmaps', 'update:svkmsmigrations/status', 'patch:svkmsmigrations', 'patch:deployments/scale', 'patch:statefulsets/scale', 'create:events'];
    expect(expected.filter((k) => !kinds.has(k))).toEqual([]);
    expect(operator.requests.some((r) => r.resource === 'secrets' && r.verb === 'list' && r.status === 200)).toBe(true);
  });
});
