import { describe, it, expect } from '@jest/globals';
import { checkSvNodeRenderable, renderSvNodeValues } from '../../../src/render/sv-node.ts';
import { RenderProblemsError } from '../../../src/render/values.ts';
import { migrationFor } from './fixtures.ts';

describe('renderSvNodeValues', () => {
  it('sets the external governance key and join-with-key onboarding under the new SV name', () => {
    const { values, conflicts } = renderSvNodeValues(migrationFor('aws'));
    expect(values).toEqual({
      cometBFT: { externalGovernanceKey: true },
      joinWithKeyOnboarding: { sponsorApiUrl: 'https://sv.sv-1.global.canton.network.example.com' },
      onboardingName: 'Acme-2',
      nodeIdentifier: 'Acme-2',
    });
    expect(conflicts).toEqual([]);
  });

  it('uses spec.newSv.svNode.nodeIdentifier and merges base values, reporting overrides', () => {
    const m = migrationFor('gcp', (r) => (r.spec.newSv.svNode.nodeIdentifier = 'acme-node-2'));
    const base = { cometBFT: { enabled: true, externalGovernanceKey: false }, onboardingName: 'Acme-1', scan: { publicUrl: 'https://scan' } };
    const { values, conflicts } = renderSvNodeValues(m, base);
    expect(values).toMatchObject({ cometBFT: { enabled: true, externalGovernanceKey: true }, onboardingName: 'Acme-2', nodeIdentifier: 'acme-node-2', scan: { publicUrl: 'https://scan' } });
    expect(conflicts).toEqual(['cometBFT.externalGovernanceKey', 'onboardingName']);
  });

  it('refuses key Secret names the chart cannot read', () => {
    const m = migrationFor('aws', (r) => {
      r.spec.newSv.governanceKey = { secretName: 'my-governance-key' };
      r.spec.newSv.identityKey = { secretName: 'my-identity-key' };
    });
    const problems = checkSvNodeRenderable(m);
    expect(problems.map((p) => p.path)).toEqual(['spec.newSv.governanceKey.secretName', 'spec.newSv.identityKey.secretName']);
    expect(problems[0]!.message).toContain('splice-app-sv-cometbft-governance-key');
    expect(problems[1]!.message).toContain('splice-app-sv-key');
    expect(() => renderSvNodeValues(m)).toThrow(RenderProblemsError);
  });
});

describe('checkSvNodeRenderable', () => {
  it('refuses SV names the chart would print as a non-string', () => {
    for (const name of ['1234', 'true', '1.5', '0x1F']) {
      expect(checkSvNodeRenderable(migrationFor('aws', (r) => (r.spec.newSv.name = name))).map((p) => p.path)).toEqual(['spec.newSv.name']);
    }
    expect(checkSvNodeRenderable(migrationFor('aws', (r) => (r.spec.newSv.name = 'Acme-2')))).toEqual([]);
  });
});
