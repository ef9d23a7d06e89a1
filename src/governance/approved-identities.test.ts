/**
 * The configs-repository changes of a hand-over: what each step adds, moves or removes in approved-sv-id-values.yaml,
 * applied to a file in the repository's format, and checked the way the foundation's weight check compares the file
 * with the network.
 */
import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { applyConfigsChange, configsChange, parseApprovedIdentities, renderSnippet, weightCheck, type HandoverIdentities } from './approved-identities.ts';
import { announcement } from './announcement.ts';

const FILE = `# Approved SV identities on MainNet
approvedSvIdentities:
  - name: Acme-1
    publicKey: MFkwOLD
    rewardWeightBps: 10000
    extraBeneficiaries:
      - beneficiary: "charity::1220aa" # a charity
        weight: "2500"
  - name: Other-1
    publicKey: MFkwOTHER
    rewardWeightBps: 20000
`;

const IDS: HandoverIdentities = {
  network: 'MainNet',
  oldSv: { name: 'Acme-1', extraBeneficiaries: [{ beneficiary: 'charity::1220aa', weight: '2500' }] },
  newSv: { name: 'Acme-2', publicKey: 'MFkwNEW' },
  weightBps: 10_000,
};

const weights = (text: string) => Object.fromEntries(parseApprovedIdentities(text).map((e) => [e.name, e.rewardWeightBps]));

describe('configs-repository changes', () => {
  it('onboarding adds the new SV at weight 0', () => {
    const change = configsChange('onboarding', IDS);
    expect(change.file).toBe('configs/MainNet/approved-sv-id-values.yaml');
    expect(renderSnippet(change)).toBe('# configs/MainNet/approved-sv-id-values.yaml (onboarding)\napprovedSvIdentities:\n  - name: Acme-2\n    publicKey: MFkwNEW\n    rewardWeightBps: 0\n');
    const after = applyConfigsChange(FILE, change);
    expect(weights(after)).toEqual({ 'Acme-1': 10_000, 'Other-1': 20_000, 'Acme-2': 0 });
  });

  it('the weight transfer moves the weight and the extra beneficiaries to the new SV', () => {
    const change = configsChange('weightTransfer', IDS);
    const snippet = renderSnippet(change);
    expect(snippet).toContain('  - name: Acme-2\n    publicKey: MFkwNEW\n    rewardWeightBps: 10000\n    extraBeneficiaries:\n      - beneficiary: charity::1220aa\n        weight: \'2500\'\n');
    expect(snippet).toContain('  - name: Acme-1\n    rewardWeightBps: 0\n    # publicKey: unchanged\n    # extraBeneficiaries: removed (moved to the new SV)\n');
    const after = parseApprovedIdentities(applyConfigsChange(applyConfigsChange(FILE, configsChange('onboarding', IDS)), change));
    expect(after.find((e) => e.name === 'Acme-1')).toEqual({ name: 'Acme-1', publicKey: 'MFkwOLD', rewardWeightBps: 0 });
    expect(after.find((e) => e.name === 'Acme-2')).toEqual({ name: 'Acme-2', publicKey: 'MFkwNEW', rewardWeightBps: 10_000, extraBeneficiaries: [{ beneficiary: 'charity::1220aa', weight: '2500' }] });
  });

  it('without extra beneficiaries nothing else moves', () => {
    const change = configsChange('weightTransfer', { ...IDS, oldSv: { name: 'Acme-1', extraBeneficiaries: [] } });
    expect(change.edits).toEqual([
      { name: 'Acme-2', set: { publicKey: 'MFkwNEW', rewardWeightBps: 10_000 } },
      { name: 'Acme-1', set: { rewardWeightBps: 0 } },
    ]);
  });

  it('offboarding removes the old SV', () => {
    const change = configsChange('offboarding', IDS);
    expect(renderSnippet(change)).toContain('# remove the entry of Acme-1 (offboarded)');
    expect(weights(applyConfigsChange(FILE, change))).toEqual({ 'Other-1': 20_000 });
  });

  it('keeps the file\'s other top-level keys', () => {
    const after = load(applyConfigsChange(`other: 1\n${FILE}`, configsChange('onboarding', IDS))) as Record<string, unknown>;
    expect(after.other).toBe(1);
  });

  it('refuses a file that is not an approved-sv-id-values.yaml', () => {
    expect(() => applyConfigsChange('foo: bar\n', configsChange('onboarding', IDS))).toThrow('no approvedSvIdentities list');
    expect(() => parseApprovedIdentities('approvedSvIdentities:\n  - publicKey: x\n')).toThrow('approvedSvIdentities[0] has no name');
  });
});

describe('the foundation\'s weight check', () => {
  it.each([
    ['agrees before the hand-over', FILE, [['Acme-1', 10_000], ['Other-1', 20_000]], []],
    ['an SV missing from the file', FILE, [['Acme-1', 10_000], ['Other-1', 20_000], ['Acme-2', 0]], ['Acme-2: on-ledger 0, not in the file']],
    ['a weight that differs', FILE, [['Acme-1', 0], ['Other-1', 20_000]], ['Acme-1: on-ledger 0, file 10000']],
    ['an entry with weight that is no SV', FILE, [['Other-1', 20_000]], ['Acme-1: file 10000, not an SV on-ledger']],
  ] as const)('%s', (_n, text, dso, problems) => {
    expect(weightCheck(text, new Map(dso))).toEqual(problems);
  });

  it('each step\'s file agrees with the network once its vote is effective', () => {
    const onboarded = applyConfigsChange(FILE, configsChange('onboarding', IDS));
    expect(weightCheck(onboarded, new Map([['Acme-1', 10_000], ['Other-1', 20_000], ['Acme-2', 0]]))).toEqual([]);
    const moved = applyConfigsChange(onboarded, configsChange('weightTransfer', IDS));
    expect(weightCheck(moved, new Map([['Acme-1', 0], ['Other-1', 20_000], ['Acme-2', 10_000]]))).toEqual([]);
    const gone = applyConfigsChange(moved, configsChange('offboarding', IDS));
    expect(weightCheck(gone, new Map([['Other-1', 20_000], ['Acme-2', 10_000]]))).toEqual([]);
  });
});

describe('announcements', () => {
  const facts = {
    network: 'MainNet',
    oldSv: { name: 'Acme-1', partyId: 'Acme-1::1220aa' },
    newSv: { name: 'Acme-2', partyId: 'Acme-2::1220bb', publicKey: 'MFkwNEW' },
    weightBps: 10_000,
    votes: [{ label: 'UpdateSvRewardWeight(Acme-2:=10000)', action: 'SRARC_UpdateSvRewardWeight(Acme-2::1220bb := 10000)' }],
    timing: 'Once requested, the votes stay open for 5 business days and take effect one day after they close.',
    configsFile: 'configs/MainNet/approved-sv-id-values.yaml',
  };
  it('the weight transfer names the action, the timing and the PR', () => {
    expect(announcement('weightTransfer', { ...facts, reasonUrl: 'https://github.com/org/configs/pull/7' })).toBe(
      [
        '[MainNet] SV KMS migration: Acme-1 (Acme-1::1220aa) proposes to move its reward weight of 10000 bps to Acme-2 (Acme-2::1220bb).',
        'Votes to be requested by Acme-1:',
        '  - UpdateSvRewardWeight(Acme-2:=10000): SRARC_UpdateSvRewardWeight(Acme-2::1220bb := 10000)',
        'Once requested, the votes stay open for 5 business days and take effect one day after they close.',
        'PR / reason: https://github.com/org/configs/pull/7',
      ].join('\n'),
    );
  });
  it('without a PR yet, says which file it goes to', () => {
    expect(announcement('offboarding', facts)).toContain('PR: to be opened against configs/MainNet/approved-sv-id-values.yaml');
  });
  it('onboarding gives the approvedSvIdentities entry', () => {
    expect(announcement('onboarding', facts)).toContain('  - name: Acme-2\n    publicKey: MFkwNEW\n    rewardWeightBps: 0');
  });
});
