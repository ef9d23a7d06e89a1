import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import type { Condition, Phase, SvKmsMigration, VoteStatus } from '../api/types.ts';
import { MIGRATION_METRIC_NAMES, registerMigrationMetrics } from './migration-metrics.ts';

function migration(name: string, opts: { paused?: boolean; phase?: Phase; conditions?: Condition[]; votes?: VoteStatus[]; weights?: [number, number] } = {}): SvKmsMigration {
  return {
    apiVersion: 'svkms.dev/v1alpha1',
    kind: 'SvKmsMigration',
    metadata: { name, namespace: 'sv-kms' },
    spec: { paused: opts.paused ?? false, kms: { provider: 'aws' }, oldSv: { name: 'Acme-1' }, newSv: { name: 'Acme-2' } } as SvKmsMigration['spec'],
    ...(opts.phase || opts.conditions || opts.votes || opts.weights
      ? {
          status: {
            ...(opts.phase ? { phase: opts.phase } : {}),
            ...(opts.conditions ? { conditions: opts.conditions } : {}),
            ...(opts.votes ? { votes: opts.votes } : {}),
            ...(opts.weights ? { oldSv: { rewardWeight: opts.weights[0] }, newSv: { rewardWeight: opts.weights[1] } } : {}),
          },
        }
      : {}),
  };
}

const cond = (type: string, status: Condition['status'], reason: string, lastTransitionTime: string): Condition => ({ type, status, reason, message: 'm', lastTransitionTime });

/** The scraped samples of one metric as `{labels...} value` strings, sorted. */
async function samples(objects: SvKmsMigration[], metric: string): Promise<string[]> {
  const registry = new Registry();
  registerMigrationMetrics(registry, () => objects);
  const json = await registry.getMetricsAsJSON();
  const found = json.find((m) => m.name === metric);
  if (!found) throw new Error(`no metric ${metric}`);
  return found.values
    .map((v) => `${JSON.stringify(Object.fromEntries(Object.entries(v.labels).sort(([a], [b]) => a.localeCompare(b))))} ${v.value}`)
    .sort();
}

describe('migration metrics', () => {
  it('reports each migration with its phase, provider and SV names (Unknown before any status)', async () => {
    expect(await samples([migration('a', { phase: 'TransferringWeight' }), migration('b')], MIGRATION_METRIC_NAMES.info)).toEqual([
      '{"name":"a","namespace":"sv-kms","new_sv":"Acme-2","old_sv":"Acme-1","phase":"TransferringWeight","provider":"aws"} 1',
      '{"name":"b","namespace":"sv-kms","new_sv":"Acme-2","old_sv":"Acme-1","phase":"Unknown","provider":"aws"} 1',
    ]);
  });

  it('follows the cache: a migration gone from it is gone from the next scrape', async () => {
    const objects = [migration('a'), migration('b')];
    const registry = new Registry();
    registerMigrationMetrics(registry, () => objects);
    expect((await registry.getSingleMetric(MIGRATION_METRIC_NAMES.paused)!.get()).values).toHaveLength(2);
    objects.pop();
    expect((await registry.getSingleMetric(MIGRATION_METRIC_NAMES.paused)!.get()).values.map((v) => v.labels.name)).toEqual(['a']);
  });

  it('reports paused as 0 or 1', async () => {
    expect(await samples([migration('a', { paused: true }), migration('b')], MIGRATION_METRIC_NAMES.paused)).toEqual(['{"name":"a","namespace":"sv-kms"} 1', '{"name":"b","namespace":"sv-kms"} 0']);
  });

  it('reports every condition with its status and reason, and its last transition time', async () => {
    const m = migration('a', { conditions: [cond('Stalled', 'True', 'SpecInvalid', '2026-11-01T10:00:00Z'), cond('Ready', 'False', 'InProgress', '2026-11-01T09:00:00Z')] });
    expect(await samples([m], MIGRATION_METRIC_NAMES.condition)).toEqual([
      '{"name":"a","namespace":"sv-kms","reason":"InProgress","status":"False","type":"Ready"} 1',
      '{"name":"a","namespace":"sv-kms","reason":"SpecInvalid","status":"True","type":"Stalled"} 1',
    ]);
    expect(await samples([m], MIGRATION_METRIC_NAMES.conditionTransition)).toEqual([
      `{"name":"a","namespace":"sv-kms","reason":"InProgress","status":"False","type":"Ready"} ${Date.parse('2026-11-01T09:00:00Z') / 1000}`,
      `{"name":"a","namespace":"sv-kms","reason":"SpecInvalid","status":"True","type":"Stalled"} ${Date.parse('2026-11-01T10:00:00Z') / 1000}`,
    ]);
  });

  it('reports a gate as awaiting approval only while its condition is False with reason AwaitingApproval', async () => {
    const m = migration('a', {
      conditions: [
        cond('WeightTransferred', 'True', 'WeightMoved', '2026-11-01T08:00:00Z'),
        cond('AssetsTransferred', 'False', 'AwaitingApproval', '2026-11-02T08:00:00Z'),
        cond('OldSvOffboarded', 'False', 'VotePending', '2026-11-02T08:00:00Z'),
      ],
    });
    expect(await samples([m], MIGRATION_METRIC_NAMES.gateAwaiting)).toEqual([`{"gate":"assetTransfer","name":"a","namespace":"sv-kms"} ${Date.parse('2026-11-02T08:00:00Z') / 1000}`]);
  });

  it('reports Scan agreement as 1 or 0, and nothing before the first look', async () => {
    const agree = migration('a', { conditions: [cond('ScanAgreement', 'True', 'QuorumAgrees', '2026-11-01T08:00:00Z')] });
    const disagree = migration('b', { conditions: [cond('ScanAgreement', 'False', 'ScansDisagree', '2026-11-01T08:00:00Z')] });
    expect(await samples([agree, disagree, migration('c')], MIGRATION_METRIC_NAMES.scanAgreement)).toEqual(['{"name":"a","namespace":"sv-kms"} 1', '{"name":"b","namespace":"sv-kms"} 0']);
  });

  it('reports the reward weights it knows', async () => {
    expect(await samples([migration('a', { weights: [0, 10000] })], MIGRATION_METRIC_NAMES.rewardWeight)).toEqual(['{"name":"a","namespace":"sv-kms","sv":"new"} 10000', '{"name":"a","namespace":"sv-kms","sv":"old"} 0']);
  });

  it('reports the deadline and votes of open vote requests only', async () => {
    const open: VoteStatus = { action: 'OffboardSv(old)', attempt: 1, outcome: 'Pending', expiresAt: '2026-11-08T10:00:00Z', votesFor: 2, votesAgainst: 1, votesRequired: 3 };
    const closed: VoteStatus = { action: 'UpdateSvRewardWeight(new)', attempt: 1, outcome: 'Accepted', expiresAt: '2026-11-01T10:00:00Z', votesFor: 3, votesRequired: 3 };
    const noDeadline: VoteStatus = { action: 'UpdateSvRewardWeight(old)', attempt: 2, outcome: 'Pending', votesFor: 0 };
    const m = migration('a', { votes: [open, closed, noDeadline] });
    expect(await samples([m], MIGRATION_METRIC_NAMES.voteDeadline)).toEqual([`{"action":"OffboardSv(old)","attempt":"1","name":"a","namespace":"sv-kms"} ${Date.parse('2026-11-08T10:00:00Z') / 1000}`]);
    expect(await samples([m], MIGRATION_METRIC_NAMES.votes)).toEqual([
      '{"action":"OffboardSv(old)","attempt":"1","kind":"against","name":"a","namespace":"sv-kms"} 1',
      '{"action":"OffboardSv(old)","attempt":"1","kind":"for","name":"a","namespace":"sv-kms"} 2',
      '{"action":"OffboardSv(old)","attempt":"1","kind":"required","name":"a","namespace":"sv-kms"} 3',
      '{"action":"UpdateSvRewardWeight(old)","attempt":"2","kind":"for","name":"a","namespace":"sv-kms"} 0',
    ]);
  });

  it('reports open votes closing within a day short of their threshold as 1, the others as 0', async () => {
    const short: VoteStatus = { action: 'OffboardSv(old)', attempt: 1, outcome: 'Pending', closingShort: true };
    const passing: VoteStatus = { action: 'UpdateSvRewardWeight(new)', attempt: 1, outcome: 'Pending', closingShort: false };
    const closed: VoteStatus = { action: 'UpdateSvRewardWeight(old)', attempt: 1, outcome: 'Expired', closingShort: true };
    expect(await samples([migration('a', { votes: [short, passing, closed] })], MIGRATION_METRIC_NAMES.voteClosingShort)).toEqual([
      '{"action":"OffboardSv(old)","attempt":"1","name":"a","namespace":"sv-kms"} 1',
      '{"action":"UpdateSvRewardWeight(new)","attempt":"1","name":"a","namespace":"sv-kms"} 0',
    ]);
  });

  it('skips unparsable times instead of reporting NaN', async () => {
    const m = migration('a', { conditions: [cond('Ready', 'False', 'InProgress', 'not a time')], votes: [{ action: 'x', attempt: 1, outcome: 'Pending', expiresAt: 'later' }] });
    expect(await samples([m], MIGRATION_METRIC_NAMES.conditionTransition)).toEqual([]);
    expect(await samples([m], MIGRATION_METRIC_NAMES.voteDeadline)).toEqual([]);
  });
});
