/**
 * The chart's alerting rules, as `helm template` renders them (alerts.enabled), run through the real promtool:
 * `promtool check rules`, then `promtool test rules` with a firing and a quiet case for every alert (the migration
 * series come from two replicas, as they do in a cluster). Every runbook_url points at a section of
 * docs/user-guide.md. The Grafana dashboard's queries pass promtool's PromQL parser too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dump } from 'js-yaml';
import { REPO_ROOT, testBinaries } from '../env/binaries.ts';
import { renderChart, type K8sObject } from '../support/chart-render.ts';
import { findPromtool, ruleGroups, type RuleGroup } from '../support/promtool.ts';

const RELEASE_NS = 'sv-kms-system';
const RUNBOOK = 'https://docs.example.invalid/user-guide.md';
const PODS = ['sv-kms-operator-0', 'sv-kms-operator-1'];

let promtool: string;
let dir: string;
let groups: RuleGroup[];
let rulesFile: string;

beforeAll(() => {
  promtool = findPromtool();
  dir = mkdtempSync(join(tmpdir(), 'svkms-alerts-'));
  groups = ruleGroups(renderChart(testBinaries().helm, { namespace: RELEASE_NS, values: { alerts: { enabled: true, runbookBaseUrl: RUNBOOK } } }));
  rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, dump({ groups }));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function promtoolRun(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(promtool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: dir }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A series line, once per operator replica when `replicas` (the migration series every replica reports). */
function series(metric: string, labels: Record<string, string>, values: string, replicas = true): { series: string; values: string }[] {
  const text = (l: Record<string, string>) => `${metric}{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  return (replicas ? PODS : [PODS[0]!]).map((pod) => ({ series: text({ ...labels, pod }), values }));
}

const M = { namespace: 'sv', name: 'acme-to-kms' };
const runbook = (alert: string) => `${RUNBOOK}#${alert.toLowerCase()}`;

interface AlertCase {
  alert: string;
  /** Series, the sample interval, when to evaluate, and the alerts expected then (none: the quiet case). */
  interval: string;
  input: { series: string; values: string }[];
  evalTime: string;
  expected: { labels: Record<string, string>; annotations: Record<string, string> }[];
  name: string;
}

const CASES: AlertCase[] = [
  {
    name: 'a migration Stalled for 16 minutes',
    alert: 'SvKmsMigrationStalled',
    interval: '1m',
    input: series('svkms_migration_condition', { ...M, type: 'Stalled', status: 'True', reason: 'GovernanceKeyInvalid' }, '1x30'),
    evalTime: '16m',
    expected: [
      {
        labels: { severity: 'warning', ...M },
        annotations: {
          summary: 'SvKmsMigration sv/acme-to-kms is stalled',
          description: 'The operator has been unable to go on without a human for 15 minutes. Run: kubectl describe skm -n sv acme-to-kms (the Stalled condition says why and what to do).',
          runbook_url: runbook('SvKmsMigrationStalled'),
        },
      },
    ],
  },
  { name: 'a migration Stalled for 14 minutes', alert: 'SvKmsMigrationStalled', interval: '1m', input: series('svkms_migration_condition', { ...M, type: 'Stalled', status: 'True', reason: 'X' }, '1x30'), evalTime: '14m', expected: [] },
  { name: 'a migration not Stalled', alert: 'SvKmsMigrationStalled', interval: '1m', input: series('svkms_migration_condition', { ...M, type: 'Stalled', status: 'False', reason: 'Progressing' }, '1x60'), evalTime: '59m', expected: [] },
  {
    name: 'a gate waiting since 3 days 3 hours',
    alert: 'SvKmsGateAwaitingApproval',
    interval: '10m',
    // Waiting since the epoch (0): at 75 h the gate has waited 270000 s.
    input: series('svkms_gate_awaiting_approval_since_timestamp_seconds', { ...M, gate: 'offboarding' }, '0x600'),
    evalTime: '75h',
    expected: [
      {
        labels: { severity: 'info', ...M, gate: 'offboarding' },
        annotations: {
          summary: 'SvKmsMigration sv/acme-to-kms has waited over 3 days for spec.workflow.offboarding.approved',
          description: 'The offboarding gate has been waiting for approval for 3d 3h 0m 0s. Open it once the other SV operators are ready, or pause the migration.',
          runbook_url: runbook('SvKmsGateAwaitingApproval'),
        },
      },
    ],
  },
  { name: 'a gate waiting for 2 days 23 hours', alert: 'SvKmsGateAwaitingApproval', interval: '10m', input: series('svkms_gate_awaiting_approval_since_timestamp_seconds', { ...M, gate: 'offboarding' }, '0x600'), evalTime: '71h', expected: [] },
  {
    name: 'a vote closing in under 24 h with too few votes',
    alert: 'SvKmsVoteClosingShortOfThreshold',
    interval: '10m',
    // Closes at 100000 s; at 10 h (36000 s) 64000 s are left, with 1 vote of 3.
    input: [
      ...series('svkms_vote_deadline_timestamp_seconds', { ...M, action: 'OffboardSv(old)', attempt: '1' }, '100000x100'),
      ...series('svkms_vote_votes', { ...M, action: 'OffboardSv(old)', attempt: '1', kind: 'for' }, '1x100'),
      ...series('svkms_vote_votes', { ...M, action: 'OffboardSv(old)', attempt: '1', kind: 'required' }, '3x100'),
    ],
    evalTime: '10h',
    expected: [
      {
        labels: { severity: 'warning', ...M, action: 'OffboardSv(old)', attempt: '1' },
        annotations: {
          summary: 'Vote OffboardSv(old) of SvKmsMigration sv/acme-to-kms closes within 24 h without enough votes',
          description: 'The vote request (attempt 1) closes in 17h 46m 40s and has fewer votes in favour than it needs. Ask the other SV operators to vote, or let it expire and retry with a new attempt.',
          runbook_url: runbook('SvKmsVoteClosingShortOfThreshold'),
        },
      },
    ],
  },
  {
    name: 'a vote that takes days, short of votes but far from its deadline',
    alert: 'SvKmsVoteClosingShortOfThreshold',
    interval: '1h',
    // Open for 7 days (604800 s) with 0 of 3 votes; at day 5 nothing alerts.
    input: [
      ...series('svkms_vote_deadline_timestamp_seconds', { ...M, action: 'OffboardSv(old)', attempt: '1' }, '604800x168'),
      ...series('svkms_vote_votes', { ...M, action: 'OffboardSv(old)', attempt: '1', kind: 'for' }, '0x168'),
      ...series('svkms_vote_votes', { ...M, action: 'OffboardSv(old)', attempt: '1', kind: 'required' }, '3x168'),
    ],
    evalTime: '120h',
    expected: [],
  },
  {
    name: 'a vote closing in under 24 h that has its votes',
    alert: 'SvKmsVoteClosingShortOfThreshold',
    interval: '10m',
    input: [
      ...series('svkms_vote_deadline_timestamp_seconds', { ...M, action: 'OffboardSv(old)', attempt: '1' }, '100000x100'),
      ...series('svkms_vote_votes', { ...M, action: 'OffboardSv(old)', attempt: '1', kind: 'for' }, '3x100'),
      ...series('svkms_vote_votes', { ...M, action: 'OffboardSv(old)', attempt: '1', kind: 'required' }, '3x100'),
    ],
    evalTime: '10h',
    expected: [],
  },
  {
    name: 'Scans disagreeing for 16 minutes',
    alert: 'SvKmsScansDisagree',
    interval: '1m',
    input: series('svkms_migration_scan_agreement', M, '0x30'),
    evalTime: '16m',
    expected: [
      {
        labels: { severity: 'warning', ...M },
        annotations: {
          summary: 'Scans disagree (or do not answer) for SvKmsMigration sv/acme-to-kms',
          description: 'Fewer than spec.network.scanQuorum Scans have agreed on the DSO state for 15 minutes; the migration does not advance. The ScanAgreement condition names which Scan said what.',
          runbook_url: runbook('SvKmsScansDisagree'),
        },
      },
    ],
  },
  { name: 'Scans disagreeing for 10 minutes, then agreeing', alert: 'SvKmsScansDisagree', interval: '1m', input: series('svkms_migration_scan_agreement', M, '0x10 1x20'), evalTime: '20m', expected: [] },
  {
    name: 'KMS calls failing every minute for half an hour',
    alert: 'SvKmsKmsCallErrors',
    interval: '1m',
    input: series('svkms_kms_calls_total', { namespace: RELEASE_NS, provider: 'aws', operation: 'GetPublicKey', outcome: 'error' }, '0+1x60', false),
    evalTime: '31m',
    expected: [
      {
        labels: { severity: 'warning', provider: 'aws', operation: 'GetPublicKey' },
        annotations: {
          summary: 'KMS GetPublicKey calls to aws keep failing',
          description: '15 aws GetPublicKey calls failed in the last 15 minutes, for at least 15 minutes. Check the KMS credentials, permissions and quotas.',
          runbook_url: runbook('SvKmsKmsCallErrors'),
        },
      },
    ],
  },
  {
    name: 'KMS calls succeeding, and old errors no longer growing',
    alert: 'SvKmsKmsCallErrors',
    interval: '1m',
    input: [
      ...series('svkms_kms_calls_total', { namespace: RELEASE_NS, provider: 'aws', operation: 'GetPublicKey', outcome: 'ok' }, '0+5x60', false),
      ...series('svkms_kms_calls_total', { namespace: RELEASE_NS, provider: 'aws', operation: 'GetPublicKey', outcome: 'error' }, '7x60', false),
    ],
    evalTime: '31m',
    expected: [],
  },
  {
    name: 'two replicas, neither leading',
    alert: 'SvKmsOperatorNoLeader',
    interval: '1m',
    input: series('svkms_leader', { namespace: RELEASE_NS }, '0x20'),
    evalTime: '6m',
    expected: [
      {
        labels: { severity: 'critical' },
        annotations: { summary: `No sv-kms operator replica in ${RELEASE_NS} leads`, description: 'No replica has held the leader Lease for 5 minutes (or none is scraped), so no migration advances.', runbook_url: runbook('SvKmsOperatorNoLeader') },
      },
    ],
  },
  {
    name: 'no operator scraped at all',
    alert: 'SvKmsOperatorNoLeader',
    interval: '1m',
    input: series('svkms_ready', { namespace: 'elsewhere' }, '1x20'),
    evalTime: '6m',
    expected: [
      {
        labels: { severity: 'critical', namespace: RELEASE_NS },
        annotations: { summary: `No sv-kms operator replica in ${RELEASE_NS} leads`, description: 'No replica has held the leader Lease for 5 minutes (or none is scraped), so no migration advances.', runbook_url: runbook('SvKmsOperatorNoLeader') },
      },
    ],
  },
  {
    name: 'one replica leading, one standing by',
    alert: 'SvKmsOperatorNoLeader',
    interval: '1m',
    input: [...series('svkms_leader', { namespace: RELEASE_NS }, '1x20', false), { series: `svkms_leader{namespace="${RELEASE_NS}", pod="${PODS[1]}"}`, values: '0x20' }],
    evalTime: '10m',
    expected: [],
  },
  {
    name: 'a replica not ready for 11 minutes',
    alert: 'SvKmsOperatorNotReady',
    interval: '1m',
    input: series('svkms_ready', { namespace: RELEASE_NS }, '0x20', false),
    evalTime: '11m',
    expected: [
      {
        labels: { severity: 'warning', namespace: RELEASE_NS, pod: PODS[0]! },
        annotations: {
          summary: `sv-kms operator replica ${PODS[0]} is not ready`,
          description: 'Its caches have not synced for 10 minutes: it cannot list or watch what it needs (RBAC, API server).',
          runbook_url: runbook('SvKmsOperatorNotReady'),
        },
      },
    ],
  },
  { name: 'a replica ready', alert: 'SvKmsOperatorNotReady', interval: '1m', input: series('svkms_ready', { namespace: RELEASE_NS }, '1x20'), evalTime: '15m', expected: [] },
];

describe('the chart\'s alerting rules under promtool', () => {
  it('pass `promtool check rules`', () => {
    const r = promtoolRun(['check', 'rules', rulesFile]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code).toBe(0);
  });

  it('have a firing and a quiet case each in the unit tests below', () => {
    const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert)).sort();
    expect(alerts).toEqual(['SvKmsGateAwaitingApproval', 'SvKmsKmsCallErrors', 'SvKmsMigrationStalled', 'SvKmsOperatorNoLeader', 'SvKmsOperatorNotReady', 'SvKmsScansDisagree', 'SvKmsVoteClosingShortOfThreshold']);
    expect([...new Set(CASES.filter((c) => c.expected.length > 0).map((c) => c.alert))].sort()).toEqual(alerts);
    expect([...new Set(CASES.filter((c) => c.expected.length === 0).map((c) => c.alert))].sort()).toEqual(alerts);
  });

  it('pass `promtool test rules` with every case', () => {
    const tests = {
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      tests: CASES.map((c) => ({
        name: c.name,
        interval: c.interval,
        input_series: c.input,
        alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: c.expected.map((e) => ({ exp_labels: e.labels, exp_annotations: e.annotations })) }],
      })),
    };
    const testsFile = join(dir, 'tests.yaml');
    writeFileSync(testsFile, dump(tests, { lineWidth: -1 }));
    const r = promtoolRun(['test', 'rules', testsFile]);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });
});

describe('the Grafana dashboard\'s queries', () => {
  it('are valid PromQL (each checked by promtool as a recording rule, with the template variables filled in)', () => {
    const chart = renderChart(testBinaries().helm, { namespace: RELEASE_NS, values: { dashboard: { enabled: true } } });
    const cm = chart.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1') as K8sObject & { data: Record<string, string> };
    const dashboard = JSON.parse(cm.data['sv-kms-operator.json']!) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$namespace', '.*').replaceAll('$migration', 'acme-to-kms') }));
    expect(rules.filter((r) => r.expr.includes('$'))).toEqual([]);
    const file = join(dir, 'dashboard-rules.yaml');
    writeFileSync(file, dump({ groups: [{ name: 'dashboard', rules }] }));
    const r = promtoolRun(['check', 'rules', file]);
    expect(r.out).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.code).toBe(0);
  });
});

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as dashes. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

describe('runbooks', () => {
  it('every alert links to its own section of docs/user-guide.md', () => {
    const guide = readFileSync(join(REPO_ROOT, 'docs', 'user-guide.md'), 'utf8');
    const anchors = new Set([...guide.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
    for (const rule of groups.flatMap((g) => g.rules)) {
      const url = rule.annotations?.runbook_url ?? '';
      expect(url).toBe(runbook(rule.alert));
      expect([rule.alert, anchors.has(url.split('#')[1]!)]).toEqual([rule.alert, true]);
    }
  });
});
