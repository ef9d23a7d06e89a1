/**
 * The operator chart rendered by the real helm, as objects: values scenarios the tests share, and the RBAC rules of
 * the rendered Roles and ClusterRoles flattened into (scope, apiGroup, resource, verb) grants.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { helmTemplate } from '../../scripts/chart.ts';

/** A rendered Kubernetes object (only the fields the tests read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** A chart values scenario: a name and the values (written to a values file for helm). */
export interface Scenario {
  name: string;
  values: Record<string, unknown>;
}

/** Default values, and a scenario that changes every value the brief names. */
export function scenarios(listNamespaces: string[]): Scenario[] {
  return [
    { name: 'default values', values: {} },
    {
      name: 'namespace list, 3 replicas, ServiceMonitor, alerts, dashboard, resources',
      values: {
        watchNamespaces: listNamespaces,
        replicas: 3,
        metrics: { port: 9090, serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        logLevel: 'debug',
        leaderElection: { enabled: true, leaseName: 'sv-kms-prod' },
        alerts: { enabled: true, labels: { release: 'prometheus' } },
        dashboard: { enabled: true, annotations: { grafana_folder: 'Splice' } },
      },
    },
  ];
}

let valuesDir: string | undefined;
/** Writes `values` to a fresh values file and returns its path. */
export function valuesFile(values: Record<string, unknown>): string {
  valuesDir ??= mkdtempSync(join(tmpdir(), 'svkms-chart-values-'));
  const path = join(valuesDir, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, dump(values));
  return path;
}

/** Renders the chart and parses the output into objects. */
export function renderChart(helm: string, opts: { release?: string; namespace: string; values?: Record<string, unknown>; includeCrds?: boolean }): K8sObject[] {
  const text = helmTemplate(helm, {
    releaseName: opts.release ?? 'sv-kms-operator',
    namespace: opts.namespace,
    valuesFiles: opts.values ? [valuesFile(opts.values)] : [],
    includeCrds: opts.includeCrds ?? false,
  });
  return loadAll(text).filter((d): d is K8sObject => typeof d === 'object' && d !== null);
}

/** One RBAC rule as written. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

/** One permission a rendered (Cluster)Role grants. `namespace` is undefined for a ClusterRole. */
export interface Grant {
  kind: 'Role' | 'ClusterRole';
  role: string;
  namespace?: string;
  apiGroup: string;
  resource: string;
  verb: string;
  resourceNames?: string[];
}

/** The Roles and ClusterRoles among `objects`. */
export function roles(objects: K8sObject[]): (K8sObject & { rules?: PolicyRule[] })[] {
  return objects.filter((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1' && (o.kind === 'Role' || o.kind === 'ClusterRole'));
}

/** Every (apiGroup, resource, verb) each Role and ClusterRole grants. */
export function grants(objects: K8sObject[]): Grant[] {
  return roles(objects).flatMap((r) =>
    (r.rules ?? []).flatMap((rule) =>
      (rule.apiGroups ?? []).flatMap((apiGroup) =>
        (rule.resources ?? []).flatMap((resource) =>
          rule.verbs.map((verb) => ({
            kind: r.kind as 'Role' | 'ClusterRole',
            role: r.metadata.name,
            ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
            apiGroup,
            resource,
            verb,
            ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}),
          })),
        ),
      ),
    ),
  );
}

/** `group/resource: verbs` lines (sorted), for comparing a role's grants with the intended table. */
export function grantTable(gs: Grant[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const g of gs) {
    const key = `${g.apiGroup || 'core'}/${g.resource}${g.resourceNames ? `[${g.resourceNames.join(',')}]` : ''}`;
    byResource.set(key, (byResource.get(key) ?? new Set()).add(g.verb));
  }
  return [...byResource.entries()].map(([k, verbs]) => `${k}: ${[...verbs].sort().join(',')}`).sort();
}
