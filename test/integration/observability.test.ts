/**
 * Every metric the chart's alerting rules and Grafana dashboard use exists on a real operator's /metrics: the operator
 * runs against the real API server and moto and has reconciled a migration to AwaitingDeployment (KMS preflight done),
 * then /metrics is scraped over HTTP. Also: the migration series describe that migration.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { testBinaries } from '../env/binaries.ts';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { startMoto, type MotoServer } from '../env/moto.ts';
import type { KubeClient } from '../../src/controller/kube-client.ts';
import { MIGRATION_METRIC_NAMES } from '../../src/observability/migration-metrics.ts';
import { renderChart, type K8sObject } from '../support/chart-render.ts';
import { applyMigration, awsTestMigration, createAwsCredentials } from '../support/migrations.ts';
import { migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { ruleGroups } from '../support/promtool.ts';

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
let namespace: string;
let operator: TestOperator;
let scraped: string;
let chart: K8sObject[];

const NAME = 'observed';
let svNames: { old_sv: string; new_sv: string };

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  moto = await startMoto();
  namespace = await createTestNamespace(kc, 'observe');
  operator = await startTestOperator(kc, { namespaces: [namespace] });
  await createAwsCredentials(client, namespace);
  const m = awsTestMigration(NAME, namespace, moto.endpoint);
  svNames = { old_sv: m.spec.oldSv.name, new_sv: m.spec.newSv.name };
  await applyMigration(client, m);
  await waitForCondition(client, namespace, NAME, 'NewSvDeployed', 'False', 'ParticipantNotDeployed');
  const res = await fetch(`http://127.0.0.1:${operator.port}/metrics`);
  expect(res.status).toBe(200);
  scraped = await res.text();
  chart = renderChart(testBinaries().helm, { namespace: 'sv-kms-system', values: { alerts: { enabled: true }, dashboard: { enabled: true } } });
});

afterAll(async () => {
  await operator?.stop();
  await moto?.stop();
});

/** Metric names in PromQL text (every name of this operator starts with svkms_). */
const namesIn = (promql: string): string[] => [...promql.matchAll(/\bsvkms_[a-zA-Z0-9_]+/g)].map((m) => m[0]);

/** The names /metrics declares (`# TYPE` lines) and the names of its samples (`_bucket`, `_sum`, `_count` included). */
function scrapedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) names.add(type[1]!);
    else if (line && !line.startsWith('#')) names.add(line.split(/[{ ]/)[0]!);
  }
  return names;
}

/** The samples of one metric as label maps with values. */
function samples(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .map((l) => {
      const labels = Object.fromEntries([...(/\{(.*)\}/.exec(l)?.[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { labels, value: Number(l.slice(l.lastIndexOf(' ') + 1)) };
    });
}

function usedInRules(): string[] {
  return ruleGroups(chart).flatMap((g) => g.rules.flatMap((r) => namesIn(r.expr)));
}

function usedInDashboard(): string[] {
  const cm = chart.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1') as K8sObject & { data: Record<string, string> };
  const dashboard = JSON.parse(cm.data['sv-kms-operator.json']!) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { query?: unknown }[] } };
  const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? ''))];
  return exprs.flatMap(namesIn);
}

describe('metrics of a running operator', () => {
  it('include every metric the alerting rules use', () => {
    const used = [...new Set(usedInRules())].sort();
    expect(used.length).toBeGreaterThan(5);
    const have = scrapedNames(scraped);
    expect(used.filter((n) => !have.has(n))).toEqual([]);
  });

  it('include every metric the dashboard uses', () => {
    const used = [...new Set(usedInDashboard())].sort();
    expect(used.length).toBeGreaterThan(5);
    const have = scrapedNames(scraped);
    expect(used.filter((n) => !have.has(n))).toEqual([]);
  });

  it('describe the reconciled migration, its conditions and the operator', () => {
    expect(samples(scraped, MIGRATION_METRIC_NAMES.info)).toEqual([
      { labels: { namespace, name: NAME, phase: 'AwaitingDeployment', provider: 'aws', ...svNames }, value: 1 },
    ]);
    const conditions = samples(scraped, MIGRATION_METRIC_NAMES.condition).filter((s) => s.labels.name === NAME);
    expect(conditions).toContainEqual({ labels: { namespace, name: NAME, type: 'NewSvDeployed', status: 'False', reason: 'ParticipantNotDeployed' }, value: 1 });
    expect(conditions.filter((c) => c.labels.type === 'KmsPreflightPassed').map((c) => [c.labels.status, c.value])).toEqual([['True', 1]]);
    const transitions = samples(scraped, MIGRATION_METRIC_NAMES.conditionTransition).filter((s) => s.labels.name === NAME);
    expect(transitions.map((t) => t.labels.type).sort()).toEqual(conditions.map((c) => c.labels.type).sort());
    for (const t of transitions) expect(t.value).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z') / 1000);
    expect(samples(scraped, MIGRATION_METRIC_NAMES.paused)).toEqual([{ labels: { namespace, name: NAME }, value: 0 }]);
    expect(samples(scraped, 'svkms_leader')).toEqual([{ labels: {}, value: 1 }]);
    expect(samples(scraped, 'svkms_ready')).toEqual([{ labels: {}, value: 1 }]);
    expect(samples(scraped, 'svkms_kms_calls_total').some((s) => s.labels.provider === 'aws' && s.value > 0)).toBe(true);
  });
});
