/**
 * The Splice version the values follow, and the human side of each gate (announcement, configs-repo change).
 */
import { describe, expect, it } from '@jest/globals';
import { facts, input, migration, PARTY } from '../../../test/support/migration-fixtures.ts';
import { decideGovernanceInfo } from './governance-info.ts';
import { decideVersion, type VersionObservation } from './version.ts';

const scans = (...answers: (string | Error)[]): VersionObservation => ({
  kind: 'scans',
  views: answers.map((a, i) => (a instanceof Error ? { url: `https://scan-${i}`, ok: false as const, error: a } : { url: `https://scan-${i}`, ok: true as const, value: a })),
});

describe('SpliceVersionResolved', () => {
  it.each([
    ['from the spec', migration((m) => (m.spec.splice = { version: '0.6.12' })), { kind: 'spec' }, { status: 'True', reason: 'FromSpec' }, { version: '0.6.12', source: 'Spec', support: 'supported' }],
    ['from a quorum of Scans', migration(), scans('0.7.4', '0.7.4', '0.7.3'), { status: 'True', reason: 'FromNetwork' }, { version: '0.7.4', source: 'Network', support: 'primary' }],
    ['a snapshot version', migration(), scans('0.7.4-snapshot.20260801.1.0.vabc', '0.7.4-snapshot.20260801.1.0.vabc'), { status: 'True', reason: 'FromNetwork' }, { source: 'Network' }],
    ['newer than known: rendered as the newest known, and said', migration(), scans('0.9.1', '0.9.1', '0.9.1'), { status: 'True', reason: 'NewerThanKnown', message: /rendered with the rules of 0.7.4/ }, { version: '0.9.1', support: 'newer-than-known' }],
    ['Scans unreachable: assumed, said, checked again', migration(), scans(new Error('ECONNREFUSED'), new Error('ECONNREFUSED'), new Error('ECONNREFUSED')), { status: 'Unknown', reason: 'VersionNotRead', message: /set spec.splice.version/ }, { source: 'Assumed', version: '0.7.4' }],
  ] as const)('%s', (_n, m, observed, condition, splice) => {
    const d = decideVersion(input(m), observed);
    expect(d.outcome.kind).toBe('done');
    expect(d.conditions?.[0]).toMatchObject({ type: 'SpliceVersionResolved', status: condition.status, reason: condition.reason });
    if ('message' in condition) expect(d.conditions?.[0]?.message).toMatch(condition.message);
    expect(d.status?.splice).toMatchObject(splice);
    expect(d.facts?.version?.effectiveVersion).toBeDefined();
  });

  it('a Scan disagreement keeps the version agreed before', () => {
    const d = decideVersion(input(migration(), { status: { splice: { version: '0.7.3', source: 'Network', checkedAt: '2026-11-01T00:00:00Z' } } }), scans('0.7.4', '0.7.3', new Error('down')));
    expect(d.status?.splice).toMatchObject({ version: '0.7.3', source: 'Network' });
  });

  it('a version older than any known one stalls', () => {
    const d = decideVersion(input(migration((m) => (m.spec.splice = { version: '0.3.9' }))), { kind: 'spec' });
    expect(d.outcome).toMatchObject({ kind: 'stalled', reason: 'UnsupportedSpliceVersion' });
  });

  it('a Canton version in spec.splice.version (stored before the CRD refused it) stalls, naming spec.kms.cantonVersion', () => {
    const d = decideVersion(input(migration((m) => (m.spec.splice = { version: '3.5.14' }))), { kind: 'spec' });
    expect(d.outcome).toMatchObject({ kind: 'stalled', reason: 'UnsupportedSpliceVersion', message: expect.stringMatching(/^spec\.splice\.version: 3\.5\.14 is a Canton version.*spec\.kms\.cantonVersion$/) });
  });
});

describe('status.governance', () => {
  const status = { identityKey: { publicKey: 'MFkwNEW' }, oldSv: { partyId: PARTY.old, originalRewardWeight: 10_000 }, newSv: { partyId: PARTY.new } };
  const m = migration((x) => {
    x.spec.network.name = 'MainNet';
    x.spec.oldSv.extraBeneficiaries = [{ beneficiary: 'charity::1220aa', weight: '2500' }];
    x.spec.workflow.weightTransfer.reasonUrl = 'https://github.com/global-synchronizer-foundation/configs/pull/9';
  });

  it('before the weight votes: the announcement with the rule for timing, the PR, and the configs change; announced once', () => {
    const d = decideGovernanceInfo('weightTransfer')(input(m, { status, dso: facts() }));
    const g = d.status?.governance;
    expect(g?.announcement).toContain('[MainNet] SV KMS migration: Acme-1 (Acme-1::1220aaaa) proposes to move its reward weight of 10000 bps to Acme-2 (Acme-2::1220bbbb).');
    expect(g?.announcement).toContain('Once requested, the votes stay open for 5 business days and take effect one day after they close.');
    expect(g?.announcement).toContain('PR / reason: https://github.com/global-synchronizer-foundation/configs/pull/9');
    expect(g?.configsChange).toMatchObject({ file: 'configs/MainNet/approved-sv-id-values.yaml', step: 'weightTransfer' });
    expect(g?.configsChange?.snippet).toContain('extraBeneficiaries:\n      - beneficiary: charity::1220aa');
    expect(d.events?.map((e) => e.reason)).toEqual(['Announcement']);
    const again = decideGovernanceInfo('weightTransfer')(input(m, { status: { ...status, governance: g }, dso: facts(), now: new Date('2026-11-05T00:00:00Z') }));
    expect(again.status?.governance).toEqual(g);
    expect(again.events).toBeUndefined();
  });

  it('once requested: the dates the network gave', () => {
    const votes = [{ action: 'UpdateSvRewardWeight(Acme-2:=10000)', attempt: 1, outcome: 'Pending' as const, expiresAt: '2026-11-09T10:00:00Z', effectiveAt: '2026-11-10T10:00:00Z' }];
    const d = decideGovernanceInfo('weightTransfer')(input(m, { status: { ...status, votes }, dso: facts() }));
    expect(d.status?.governance?.announcement).toContain('The votes close at 2026-11-09T10:00:00Z and take effect at 2026-11-10T10:00:00Z.');
  });

  it('onboarding and offboarding', () => {
    expect(decideGovernanceInfo('onboarding')(input(m, { status })).status?.governance?.configsChange?.snippet).toContain('  - name: Acme-2\n    publicKey: MFkwNEW\n    rewardWeightBps: 0\n');
    const off = decideGovernanceInfo('offboarding')(input(m, { status, dso: facts({ oldWeight: 0, newWeight: 10_000 }) }));
    expect(off.status?.governance?.announcement).toContain('OffboardSv(Acme-1): SRARC_OffboardSv(Acme-1::1220aaaa)');
    expect(off.status?.governance?.configsChange?.snippet).toContain('# remove the entry of Acme-1 (offboarded)');
  });
});
