/**
 * What we ship, applied to the real API server of the Jest global setup with server-side dry run
 * (`kubectl apply --server-side --dry-run=server`): the chart with default and non-default values, the committed
 * deploy/manifests, and every example. The operator's pod template is also created as a Pod in a namespace that enforces the
 * "restricted" Pod Security Standard (with a negative control, so the check is known to be active).
 *
 * Not applied: the ServiceMonitor (its CRD, from the Prometheus Operator, is not installed here; chart.test.ts checks
 * its shape) and the Flux / Argo CD objects of examples/gitops (their CRDs neither; examples.test.ts checks them
 * against the migration). Needs the control plane: run without SVKMS_NO_CONTROL_PLANE.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { dump, loadAll, YAML11_SCHEMA } from 'js-yaml';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT, testBinaries } from '../env/binaries.ts';
import { createTestNamespace, TEST_KUBECONFIG_ENV, testKubeConfig } from '../env/kube.ts';
import { helmTemplate, MANIFESTS_DIR, MANIFESTS_RELEASE, splitDocuments } from '../../scripts/chart.ts';
import { renderChart, valuesFile, type K8sObject } from '../support/chart-render.ts';

/** Kinds whose CRDs the test control plane does not have. */
const NOT_INSTALLED_GROUPS = ['monitoring.coreos.com', 'source.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io', 'argoproj.io'];

let kc: KubeConfig;
let kubeconfig: string;

beforeAll(() => {
  kc = testKubeConfig();
  kubeconfig = process.env[TEST_KUBECONFIG_ENV]!;
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], input?: string): Result {
  const r = spawnSync(testBinaries().kubectl, ['--kubeconfig', kubeconfig, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `kubectl apply --server-side --dry-run=server`, as docs/install.md tells users to apply (no 58 KB CRD copied into
 * a last-applied annotation), with the field manager the global setup installed the CRDs with.
 */
const APPLY_DRY_RUN = ['apply', '--server-side', '--field-manager=sv-kms-tests', '--dry-run=server'];

/** Dry-run applies the documents; returns kubectl's result and the number of objects sent. */
function dryRunApply(docs: string[]): Result & { objects: number } {
  const r = kubectl([...APPLY_DRY_RUN, '-f', '-'], docs.map((d) => `---\n${d}\n`).join(''));
  return { ...r, objects: docs.length };
}

/** Whether a document's apiVersion belongs to a group whose CRD is not installed here. */
function notInstalled(doc: string): boolean {
  const api = /^apiVersion:\s*(\S+)/m.exec(doc)?.[1] ?? '';
  return NOT_INSTALLED_GROUPS.some((g) => api.startsWith(`${g}/`));
}

function expectAllApplied(r: Result & { objects: number }): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(r.objects);
  for (const l of lines) expect(l).toMatch(/ (created|configured|unchanged|serverside-applied) \(server dry run\)$/);
}

describe('the chart, dry-run applied to the API server', () => {
  it('with default values (CRDs included)', async () => {
    const ns = await createTestNamespace(kc, 'chart-default');
    const docs = splitDocuments(helmTemplate(testBinaries().helm, { releaseName: 'sv-kms-operator', namespace: ns, includeCrds: true }));
    expect(docs.some((d) => /^kind: CustomResourceDefinition$/m.test(d))).toBe(true);
    expectAllApplied(dryRunApply(docs));
  });

  it('serving a list of namespaces, 3 replicas, other resources and port (ServiceMonitor skipped)', async () => {
    const release = await createTestNamespace(kc, 'chart-list');
    const served = [await createTestNamespace(kc, 'served-a'), await createTestNamespace(kc, 'served-b')];
    const text = helmTemplate(testBinaries().helm, {
      releaseName: 'ops',
      namespace: release,
      valuesFiles: [
        valuesFile({
          watchNamespaces: served,
          replicas: 3,
          metrics: { port: 9090, serviceMonitor: { enabled: true } },
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        }),
      ],
    });
    const docs = splitDocuments(text);
    expect(docs.filter(notInstalled).map((d) => /^kind: (\S+)/m.exec(d)?.[1])).toEqual(['ServiceMonitor']);
    const applied = docs.filter((d) => !notInstalled(d));
    expect(applied.filter((d) => /^kind: Role$/m.test(d))).toHaveLength(3);
    expectAllApplied(dryRunApply(applied));
  });
});

describe('deploy/manifests, dry-run applied with kustomize', () => {
  it('applies (the namespace created for real first, as `kubectl apply -k` would)', () => {
    const ns = kubectl(['apply', '--server-side', '--field-manager=sv-kms-tests', '-f', join(MANIFESTS_DIR, 'namespace.yaml')]);
    expect(ns.code).toBe(0);
    const r = kubectl([...APPLY_DRY_RUN, '-k', MANIFESTS_DIR]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`deployment.apps/${MANIFESTS_RELEASE.name} serverside-applied (server dry run)`);
    expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/svkmsmigrations.svkms.dev');
    expect(r.stdout).toContain(`role.rbac.authorization.k8s.io/${MANIFESTS_RELEASE.name}-leader-election serverside-applied (server dry run)`);
  });
});

describe('the operator pod under the restricted Pod Security Standard', () => {
  let ns: string;
  let pod: Record<string, unknown>;
  beforeAll(async () => {
    ns = `psa-restricted-${Math.random().toString(16).slice(2, 8)}`;
    await kc.makeApiClient(CoreV1Api).createNamespace({
      body: { metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } },
    });
    const deployment = renderChart(testBinaries().helm, { namespace: ns }).find((o) => o.kind === 'Deployment') as K8sObject & {
      spec: { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
    };
    pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'operator', namespace: ns }, spec: deployment.spec.template.spec };
  });

  it('is admitted', () => {
    const r = kubectl(['create', '--dry-run=server', '-f', '-'], dump(pod));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('(negative control) the same pod allowing privilege escalation is refused', () => {
    const bad = JSON.parse(JSON.stringify(pod)) as { spec: { containers: { securityContext: Record<string, unknown> }[] } };
    bad.spec.containers[0]!.securityContext.allowPrivilegeEscalation = true;
    const r = kubectl(['create', '--dry-run=server', '-f', '-'], dump(bad));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('violates PodSecurity "restricted:latest"');
  });
});

describe('the examples, dry-run applied to the API server', () => {
  const files = [
    ...readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(REPO_ROOT, 'examples', f)),
    ...readdirSync(join(REPO_ROOT, 'examples', 'gitops')).filter((f) => f.endsWith('.yaml')).map((f) => join(REPO_ROOT, 'examples', 'gitops', f)),
  ];

  it('are accepted: every SvKmsMigration and core object, in a fresh namespace', async () => {
    const ns = await createTestNamespace(kc, 'examples');
    const docs = files.flatMap((f) => loadAll(readFileSync(f, 'utf8'), { schema: YAML11_SCHEMA }) as K8sObject[]).filter((d) => d);
    const migrations = docs.filter((d) => d.kind === 'SvKmsMigration');
    expect(migrations.length).toBeGreaterThanOrEqual(3);
    const applicable = docs.filter((d) => d.apiVersion === 'svkms.dev/v1alpha1' || d.apiVersion === 'v1');
    // Everything else is a Flux or Argo CD object, whose CRDs are not installed.
    expect(docs.filter((d) => !applicable.includes(d)).every((d) => notInstalled(`apiVersion: ${d.apiVersion}`))).toBe(true);
    const texts = applicable.map((d) => dump({ ...d, metadata: { ...d.metadata, namespace: ns } }));
    const r = kubectl([...APPLY_DRY_RUN, '--validate=strict', '-f', '-'], texts.map((t) => `---\n${t}`).join(''));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(applicable.length);
  });
});
