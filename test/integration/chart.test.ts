/**
 * The operator's Helm chart with the real helm: lint and template with default and non-default values, the values
 * schema refusing bad values, least-privilege RBAC (exactly the intended grants, no wildcards, Secret writes only in
 * namespaced Roles when serving a list), the Deployment's security and probes, and the generated artefacts (the
 * chart's CRD copy, deploy/manifests) being up to date. No API server: deploy-dry-run.test.ts applies them.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { testBinaries, REPO_ROOT } from '../env/binaries.ts';
import { CHART_CRDS_DIR, CHART_DIR, chartCrdFiles, manifestFiles, outdated } from '../../scripts/chart.ts';
import { grants, grantTable, renderChart, roles, scenarios, valuesFile, type K8sObject } from '../support/chart-render.ts';

const RELEASE_NS = 'sv-kms-system';
const LIST = ['sv', 'sv-kms'];

/** What the operator does in a namespace it serves (the brief's least-privilege list). */
const SERVED_NAMESPACE_GRANTS = [
  'apps/deployments/scale: patch,update',
  'apps/deployments: get,list,watch',
  'apps/statefulsets/scale: patch,update',
  'apps/statefulsets: get,list,watch',
  'core/configmaps: create,get,list,patch,update,watch',
  'core/events: create,patch',
  'core/pods: list',
  'core/secrets: create,get,list,patch,watch',
  'svkms.dev/svkmsmigrations/status: get,patch,update',
  'svkms.dev/svkmsmigrations: get,list,patch,watch',
];
const NAMESPACE_READ_GRANTS = ['core/namespaces: get,list,watch'];
const leaseGrants = (lease: string) => [`coordination.k8s.io/leases: create`, `coordination.k8s.io/leases[${lease}]: get,update`];

let helm: string;
beforeAll(() => {
  helm = testBinaries().helm;
});

function helmRun(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => o.kind)).toEqual([kind]);
  return found[0]!;
}

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number }[];
  securityContext?: Record<string, unknown>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: unknown;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
  affinity?: { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } } }[] } };
}
type Deployment = K8sObject & { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };

const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('helm lint', () => {
  it.each(scenarios(LIST).map((s) => [s.name, s.values] as const))('passes with %s', (_name, values) => {
    const r = helmRun(['lint', '--strict', CHART_DIR, '--namespace', RELEASE_NS, '--values', valuesFile(values)]);
    expect(r.out).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });
});

describe('values.schema.json and the templates refuse bad values', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['watchNamespaces neither "all" nor a list', { watchNamespaces: 'sv' }, /watchNamespaces/],
    ['an empty namespace list', { watchNamespaces: [] }, /watchNamespaces/],
    ['a namespace that is not a DNS label', { watchNamespaces: ['SV_1'] }, /watchNamespaces/],
    ['the image tag latest', { image: { repository: 'x/y', tag: 'latest' } }, /image\/tag/],
    ['zero replicas', { replicas: 0 }, /replicas/],
    ['an unknown top-level value', { replica: 2 }, /replica/],
    ['a misspelt nested value', { metrics: { port: 8080, service: {}, serviceMonitor: { enable: true } } }, /enable/],
    ['an env var the chart sets itself', { extraEnv: [{ name: 'SVKMS_NAMESPACES', value: 'all' }] }, /extraEnv/],
    ['a runbook URL with an anchor of its own', { alerts: { enabled: true, runbookBaseUrl: 'https://wiki.example/sv#alerts' } }, /runbookBaseUrl/],
    ['alerts turned on with a string', { alerts: { enabled: 'yes' } }, /alerts\/enabled/],
    ['a misspelt dashboard value', { dashboard: { enabled: true, folder: 'x' } }, /folder/],
    ['two replicas without leader election', { leaderElection: { enabled: false, leaseName: 'x' } }, /leaderElection\.enabled=false needs replicas: 1/],
    ['NODE_OPTIONS in extraEnv (the chart sets it from heap)', { extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=4096' }] }, /extraEnv/],
    ['a heap share of the whole memory limit', { heap: { percentOfMemoryLimit: 100, maxOldSpaceSizeMiB: 0 } }, /percentOfMemoryLimit/],
    ['a fixed heap too small to run in', { heap: { percentOfMemoryLimit: 75, maxOldSpaceSizeMiB: 32 } }, /maxOldSpaceSizeMiB/],
    ['a memory limit that leaves less than 64 MiB of heap', { resources: { limits: { memory: '64Mi' } } }, /leaves 48 MiB for the heap; the operator needs at least 64 MiB/],
    ['a memory limit that is not a quantity', { resources: { limits: { memory: '1GB' } } }, /limits\/memory/],
  ];
  it.each(cases)('%s', (_name, values, message) => {
    const r = helmRun(['template', 'x', CHART_DIR, '--kube-version', '1.34.4', '--values', valuesFile(values)]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(message);
  });
});

describe('rbac.readPods', () => {
  it('false leaves Pods out of every role, and nothing else', () => {
    for (const watchNamespaces of [['sv', 'sv-old'], undefined]) {
      const table = (readPods: boolean) => grantTable(grants(renderChart(helm, { namespace: RELEASE_NS, values: { rbac: { create: true, readPods }, ...(watchNamespaces ? { watchNamespaces } : {}) } })));
      const without = table(false);
      expect(without.filter((g) => g.startsWith('core/pods'))).toEqual([]);
      const withPods = table(true);
      expect(withPods).toContain('core/pods: list');
      expect(without).toEqual(withPods.filter((g) => g !== 'core/pods: list'));
    }
  });
});

describe.each(scenarios(LIST).map((s) => [s.name, s] as const))('helm template with %s', (_name, scenario) => {
  let objects: K8sObject[];
  const list = Array.isArray(scenario.values.watchNamespaces) ? (scenario.values.watchNamespaces as string[]) : undefined;
  beforeAll(() => {
    objects = renderChart(helm, { namespace: RELEASE_NS, values: scenario.values });
  });

  it('renders the expected objects', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}`).sort();
    const expected = [
      'ClusterRole/-',
      'ClusterRoleBinding/-',
      `Deployment/${RELEASE_NS}`,
      `PodDisruptionBudget/${RELEASE_NS}`,
      `Role/${RELEASE_NS}`,
      `RoleBinding/${RELEASE_NS}`,
      `Service/${RELEASE_NS}`,
      `ServiceAccount/${RELEASE_NS}`,
      ...(list ?? []).flatMap((ns) => [`Role/${ns}`, `RoleBinding/${ns}`]),
      ...(list ? [`ServiceMonitor/${RELEASE_NS}`, `PrometheusRule/${RELEASE_NS}`, `ConfigMap/${RELEASE_NS}`] : []),
    ].sort();
    expect(kinds).toEqual(expected);
  });

  it('grants no wildcard anywhere and no non-resource URLs', () => {
    const rs = roles(objects);
    expect(rs.length).toBeGreaterThan(1);
    for (const role of rs) {
      for (const rule of role.rules ?? []) {
        for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
          for (const v of rule[field] ?? []) expect([role.metadata.name, field, v.includes('*')]).toEqual([role.metadata.name, field, false]);
        }
        expect(rule.nonResourceURLs).toBeUndefined();
        expect(rule.verbs.length).toBeGreaterThan(0);
      }
    }
  });

  it('grants exactly the intended permissions, each where it belongs', () => {
    const gs = grants(objects);
    const leaseName = (scenario.values.leaderElection as { leaseName?: string } | undefined)?.leaseName ?? 'sv-kms-operator';
    const cluster = gs.filter((g) => g.kind === 'ClusterRole');
    expect(grantTable(cluster)).toEqual([...NAMESPACE_READ_GRANTS, ...(list ? [] : SERVED_NAMESPACE_GRANTS)].sort());
    const namespaces = [...new Set(gs.filter((g) => g.kind === 'Role').map((g) => g.namespace!))].sort();
    expect(namespaces).toEqual([...new Set([RELEASE_NS, ...(list ?? [])])].sort());
    // The release namespace's leader-election Role holds the Lease rules and nothing else.
    const leaderRole = gs.filter((g) => g.namespace === RELEASE_NS && g.role.endsWith('-leader-election'));
    expect(grantTable(leaderRole)).toEqual(leaseGrants(leaseName).sort());
    for (const ns of list ?? []) expect(grantTable(gs.filter((g) => g.kind === 'Role' && g.namespace === ns))).toEqual([...SERVED_NAMESPACE_GRANTS].sort());
  });

  it('grants Secret writes only through namespaced Roles when serving a list', () => {
    const writes = grants(objects).filter((g) => g.resource === 'secrets' && !['get', 'list', 'watch'].includes(g.verb));
    expect(writes.length).toBeGreaterThan(0);
    // Never update or delete: key Secrets are created and annotated, never rewritten or removed.
    expect(writes.filter((w) => !['create', 'patch'].includes(w.verb))).toEqual([]);
    if (list) {
      expect(writes.filter((w) => w.kind !== 'Role')).toEqual([]);
      expect([...new Set(writes.map((w) => w.namespace))].sort()).toEqual([...list].sort());
    }
  });

  it('binds every role to the operator ServiceAccount only', () => {
    const sa = only(objects, 'ServiceAccount');
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') as (K8sObject & {
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    })[];
    expect(bindings.length).toBe(roles(objects).length);
    for (const b of bindings) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: RELEASE_NS }]);
      const role = roles(objects).find((r) => r.kind === b.roleRef.kind && r.metadata.name === b.roleRef.name && r.metadata.namespace === b.metadata.namespace);
      expect(role).toBeDefined();
    }
  });

  it('runs the operator hardened, with probes, downward API identity and a /tmp emptyDir', () => {
    const d = only(objects, 'Deployment') as Deployment;
    const pod = d.spec.template.spec;
    expect(d.spec.replicas).toBe(scenario.values.replicas ?? 2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0]!;
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect((c.securityContext?.capabilities as { add?: unknown }).add).toBeUndefined();
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const port = (scenario.values.metrics as { port?: number } | undefined)?.port ?? 8080;
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: port, protocol: 'TCP' }]);
    expect(c.resources).toEqual(scenario.values.resources ?? { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    const env = envOf(c);
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.POD_NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    // The namespaces the operator serves are the ones the RBAC covers.
    expect(env.SVKMS_NAMESPACES).toBe(list ? list.join(',') : 'all');
    expect(env.SVKMS_METRICS_PORT).toBe(String(port));
    expect(env.SVKMS_LEADER_ELECT).toBe('true');
    expect(env.SVKMS_LEASE_NAMESPACE).toBe(RELEASE_NS);
    // 75 % of the memory limit: 512Mi by default, 1Gi in the other scenario.
    expect(env.NODE_OPTIONS).toBe(scenario.values.resources ? '--max-old-space-size=768 --max-semi-space-size=2' : '--max-old-space-size=384 --max-semi-space-size=2');
    expect(c.args).toEqual(['run']);
    const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(tmp).toBeDefined();
    expect(pod.volumes?.find((v) => v.name === tmp!.name)?.emptyDir).toBeDefined();
    expect(c.volumeMounts).toHaveLength(1);
    const anti = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    expect(anti?.[0]?.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(anti?.[0]?.podAffinityTerm.labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(pod.serviceAccountName).toBe(only(objects, 'ServiceAccount').metadata.name);
  });

  it('exposes the metrics port through the Service (and ServiceMonitor), and keeps one pod through drains', () => {
    const d = only(objects, 'Deployment') as Deployment;
    const svc = only(objects, 'Service') as K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } };
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    expect(svc.spec.ports.map((p) => [p.name, p.targetPort])).toEqual([['metrics', 'metrics']]);
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) expect(d.spec.template.metadata.labels[k]).toBe(v);
    const pdb = only(objects, 'PodDisruptionBudget') as K8sObject & { spec: { minAvailable: number; selector: { matchLabels: unknown } } };
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor') as (K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } })[];
    if (list) {
      expect(monitors).toHaveLength(1);
      expect(monitors[0]!.metadata.labels?.release).toBe('prometheus');
      for (const [k, v] of Object.entries(monitors[0]!.spec.selector.matchLabels)) expect(svc.metadata.labels?.[k]).toBe(v);
      expect(monitors[0]!.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics', honorLabels: true })]);
    } else expect(monitors).toEqual([]);
  });

  it('ships the alerts and the Grafana dashboard only when enabled, the dashboard with a row per migration', () => {
    const enabled = (key: 'alerts' | 'dashboard') => (scenario.values[key] as { enabled?: boolean } | undefined)?.enabled === true;
    expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(enabled('alerts') ? 1 : 0);
    const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1') as (K8sObject & { data: Record<string, string> })[];
    expect(dashboards).toHaveLength(enabled('dashboard') ? 1 : 0);
    if (!enabled('dashboard')) return;
    const dashboard = JSON.parse(dashboards[0]!.data['sv-kms-operator.json']!) as { templating: { list: { name: string }[] }; panels: { type: string; repeat?: string }[] };
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'migration']);
    expect(dashboard.panels.filter((p) => p.type === 'row' && p.repeat === 'migration')).toHaveLength(1);
  });
});

describe('the chart against the rest of the repository', () => {
  it('has the version of package.json', () => {
    const chart = load(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([chart.version, chart.appVersion]).toEqual([pkg.version, pkg.version]);
  });

  it('carries an exact copy of crds/ and nothing else (run `npm run generate`)', () => {
    const expected = chartCrdFiles();
    expect(expected.length).toBeGreaterThan(0);
    expect(outdated(expected)).toEqual([]);
    expect(readdirSync(CHART_CRDS_DIR).sort()).toEqual(expected.map((f) => f.path.split('/').at(-1)).sort());
  });

  it('deploy/manifests are what the chart renders with default values (run `npm run generate`)', () => {
    const files = manifestFiles(helm);
    expect(outdated(files)).toEqual([]);
    expect(readdirSync(join(REPO_ROOT, 'deploy', 'manifests')).sort()).toEqual(files.map((f) => f.path.split('/').at(-1)).sort());
  });

  it.each([
    ['512Mi (the default)', {}, '--max-old-space-size=384 --max-semi-space-size=2'],
    ['1.5Gi', { resources: { limits: { memory: '1.5Gi' } } }, '--max-old-space-size=1152 --max-semi-space-size=2'],
    ['500M (decimal)', { resources: { limits: { memory: '500M' } } }, '--max-old-space-size=357 --max-semi-space-size=2'],
    ['bytes as a number', { resources: { limits: { memory: 536870912 } } }, '--max-old-space-size=384 --max-semi-space-size=2'],
    ['2Gi at 50 %', { resources: { limits: { memory: '2Gi' } }, heap: { percentOfMemoryLimit: 50, maxOldSpaceSizeMiB: 0 } }, '--max-old-space-size=1024 --max-semi-space-size=2'],
    ['a fixed size, whatever the limit', { heap: { percentOfMemoryLimit: 75, maxOldSpaceSizeMiB: 300 } }, '--max-old-space-size=300 --max-semi-space-size=2'],
    ['larger semi-spaces', { heap: { maxSemiSpaceSizeMiB: 16 } }, '--max-old-space-size=384 --max-semi-space-size=16'],
    ["V8's own semi-spaces", { heap: { maxSemiSpaceSizeMiB: 0 } }, '--max-old-space-size=384'],
    ['no memory limit: only the semi-spaces', { resources: { limits: null } }, '--max-semi-space-size=2'],
    ['no memory limit and no semi-space size (V8 decides)', { resources: { limits: null }, heap: { maxSemiSpaceSizeMiB: 0 } }, undefined],
  ])('sizes the V8 heap from the memory limit: %s', (_name, values, nodeOptions) => {
    const objects = renderChart(helm, { namespace: RELEASE_NS, values });
    const c = (only(objects, 'Deployment') as Deployment).spec.template.spec.containers[0]!;
    expect(envOf(c).NODE_OPTIONS).toBe(nodeOptions);
  });

  it('renders NODE_OPTIONS that Node takes: the heap limit moves by the old-space size rendered', () => {
    const heapLimit = (memory: string) => {
      const objects = renderChart(helm, { namespace: RELEASE_NS, values: { resources: { limits: { memory } } } });
      const nodeOptions = envOf((only(objects, 'Deployment') as Deployment).spec.template.spec.containers[0]!).NODE_OPTIONS as string;
      const out = execFileSync(process.execPath, ['-p', 'require("v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
      return Number(out.trim()) / 2 ** 20;
    };
    // 75 % of 512Mi and of 1Gi: 384 and 768 MiB of old space (the young generation adds the same to both).
    expect(heapLimit('1Gi') - heapLimit('512Mi')).toBe(384);
    // The whole heap fits in the container: the old space and three semi-spaces of 2 MiB. V8's own semi-spaces
    // would add 192 MiB to the 384 (576 MiB, past the 512Mi limit).
    expect(heapLimit('512Mi')).toBe(384 + 3 * 2);
  });

  it('one single replica gets no PodDisruptionBudget (it would block every drain)', () => {
    const objects = renderChart(helm, { namespace: RELEASE_NS, values: { replicas: 1 } });
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });
});
