/**
 * Metrics derived from SvKmsMigration objects, kube-state-metrics style: computed on each scrape from the operator's
 * informer cache, never from what this process did. So they are right straight after a restart, and every replica
 * (leader or standby: both keep the cache warm) reports the same series; alerts and dashboards take `max by` over
 * replicas. The alerting rules and the Grafana dashboard of the chart (deploy/helm/sv-kms-operator) use these names;
 * test/integration/observability.test.ts checks each name they use against a real /metrics scrape.
 *
 * The metric and label names are part of the chart's interface: renaming one breaks the rules and dashboards of
 * everyone who copied them.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Condition, SvKmsMigration, VoteStatus } from '../api/types.ts';

/** The approval gates, by the condition that reports each one's step (reason `AwaitingApproval` while closed). */
export const GATE_CONDITIONS = {
  weightTransfer: 'WeightTransferred',
  assetTransfer: 'AssetsTransferred',
  offboarding: 'OldSvOffboarded',
  retirement: 'OldSvRetired',
} as const;

/** The reason a gate's condition carries while the gate waits for `spec.workflow.<gate>.approved`. */
export const AWAITING_APPROVAL = 'AwaitingApproval';

/** Every metric name this module registers. */
export const MIGRATION_METRIC_NAMES = {
  info: 'svkms_migration_info',
  paused: 'svkms_migration_paused',
  condition: 'svkms_migration_condition',
  conditionTransition: 'svkms_migration_condition_last_transition_timestamp_seconds',
  gateAwaiting: 'svkms_gate_awaiting_approval_since_timestamp_seconds',
  scanAgreement: 'svkms_migration_scan_agreement',
  rewardWeight: 'svkms_migration_reward_weight_bps',
  voteDeadline: 'svkms_vote_deadline_timestamp_seconds',
  votes: 'svkms_vote_votes',
  voteClosingShort: 'svkms_vote_closing_short',
} as const;

type Key = 'namespace' | 'name';

/** Seconds since the epoch of an RFC 3339 time, or undefined when absent or unparsable. */
function epochSeconds(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** A vote still open: only those have a deadline worth watching and a count still moving. */
function isOpen(vote: VoteStatus): boolean {
  return vote.outcome === 'Pending';
}

/**
 * Registers the migration metrics on `registry`; `source` returns the cached migrations at scrape time (the
 * informers' `list()`), so a metric disappears with its object.
 */
export function registerMigrationMetrics(registry: Registry, source: () => readonly SvKmsMigration[]): void {
  const registers = [registry];
  // Each gauge is filled from the cache by its own collect(); prom-client awaits them on every scrape.
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, m: SvKmsMigration) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const m of source()) fill(this, m);
      },
    });
  const key = (m: SvKmsMigration): Record<Key, string> => ({ namespace: m.metadata.namespace, name: m.metadata.name });
  const conditions = (m: SvKmsMigration): Condition[] => m.status?.conditions ?? [];

  gauge(MIGRATION_METRIC_NAMES.info, 'Always 1; the labels say what the migration is and its phase (Unknown before the operator wrote a status).', ['namespace', 'name', 'phase', 'provider', 'old_sv', 'new_sv'], (g, m) => {
    g.set({ ...key(m), phase: m.status?.phase ?? 'Unknown', provider: m.spec.kms.provider, old_sv: m.spec.oldSv.name, new_sv: m.spec.newSv.name }, 1);
  });
  gauge(MIGRATION_METRIC_NAMES.paused, '1 while spec.paused is true.', ['namespace', 'name'], (g, m) => {
    g.set(key(m), m.spec.paused ? 1 : 0);
  });
  gauge(MIGRATION_METRIC_NAMES.condition, 'Always 1, one series per condition with its current status and reason.', ['namespace', 'name', 'type', 'status', 'reason'], (g, m) => {
    for (const c of conditions(m)) g.set({ ...key(m), type: c.type, status: c.status, reason: c.reason }, 1);
  });
  gauge(
    MIGRATION_METRIC_NAMES.conditionTransition,
    'When each condition last changed status (lastTransitionTime), seconds since the epoch.',
    ['namespace', 'name', 'type', 'status', 'reason'],
    (g, m) => {
      for (const c of conditions(m)) {
        const t = epochSeconds(c.lastTransitionTime);
        if (t !== undefined) g.set({ ...key(m), type: c.type, status: c.status, reason: c.reason }, t);
      }
    },
  );
  gauge(
    MIGRATION_METRIC_NAMES.gateAwaiting,
    'For each gate waiting for spec.workflow.<gate>.approved (its condition has reason AwaitingApproval): since when, ' +
      'as the condition\'s lastTransitionTime (the time the step\'s condition turned False, so at most that long).',
    ['namespace', 'name', 'gate'],
    (g, m) => {
      for (const [gate, type] of Object.entries(GATE_CONDITIONS)) {
        const c = conditions(m).find((x) => x.type === type);
        const t = c && c.status === 'False' && c.reason === AWAITING_APPROVAL ? epochSeconds(c.lastTransitionTime) : undefined;
        if (t !== undefined) g.set({ ...key(m), gate }, t);
      }
    },
  );
  gauge(MIGRATION_METRIC_NAMES.scanAgreement, '1 while a quorum of Scans agrees on DSO state (ScanAgreement=True), 0 when not; absent before the first look.', ['namespace', 'name'], (g, m) => {
    const c = conditions(m).find((x) => x.type === 'ScanAgreement');
    if (c && c.status !== 'Unknown') g.set(key(m), c.status === 'True' ? 1 : 0);
  });
  gauge(MIGRATION_METRIC_NAMES.rewardWeight, 'Reward weight of the old and new SV in basis points, as agreed by the Scan quorum.', ['namespace', 'name', 'sv'], (g, m) => {
    const weights = { old: m.status?.oldSv?.rewardWeight, new: m.status?.newSv?.rewardWeight };
    for (const [sv, w] of Object.entries(weights)) if (w !== undefined) g.set({ ...key(m), sv }, w);
  });
  gauge(MIGRATION_METRIC_NAMES.voteDeadline, 'When each open vote request closes (its voteBefore), seconds since the epoch.', ['namespace', 'name', 'action', 'attempt'], (g, m) => {
    for (const v of m.status?.votes ?? []) {
      const t = isOpen(v) ? epochSeconds(v.expiresAt) : undefined;
      if (t !== undefined) g.set({ ...key(m), action: v.action, attempt: String(v.attempt) }, t);
    }
  });
  gauge(MIGRATION_METRIC_NAMES.votes, 'Votes on each open vote request: kind="for", "against", or "required" to pass.', ['namespace', 'name', 'action', 'attempt', 'kind'], (g, m) => {
    for (const v of m.status?.votes ?? []) {
      if (!isOpen(v)) continue;
      const labels = { ...key(m), action: v.action, attempt: String(v.attempt) };
      const counts = { for: v.votesFor, against: v.votesAgainst, required: v.votesRequired };
      for (const [kind, n] of Object.entries(counts)) if (n !== undefined) g.set({ ...labels, kind }, n);
    }
  });
  gauge(
    MIGRATION_METRIC_NAMES.voteClosingShort,
    'Open vote requests that close within 24 h without enough votes to pass (1), as the operator judged at its last look.',
    ['namespace', 'name', 'action', 'attempt'],
    (g, m) => {
      for (const v of m.status?.votes ?? []) if (isOpen(v)) g.set({ ...key(m), action: v.action, attempt: String(v.attempt) }, v.closingShort ? 1 : 0);
    },
  );
}
