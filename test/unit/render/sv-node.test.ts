import { describe, it, expect } from '@jest/globals';
import { checkSvNodeRenderable, COPY_VOTES_FROM_ENV_VAR, renderSvNodeValues } from '../../../src/render/sv-node.ts';
import { RenderProblemsError } from '../../../src/render/values.ts';
import { resolveSpliceVersion } from '../../../src/render/versions.ts';
import { migrationFor } from './fixtures.ts';

const copyVotes = { name: COPY_VOTES_FROM_ENV_VAR, value: 'canton.sv-apps.sv.copy-votes-from = "Acme-1"' };

describe('renderSvNodeValues', () => {
  it('sets the external governance key and join-with-key onboarding under the new SV name', () => {
    const { values, conflicts } = renderSvNodeValues(migrationFor('aws'));
    expect(values).toEqual({
      additionalEnvVars: [copyVotes],
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

describe('renderSvNodeValues: versions and layouts', () => {
  const synchronizer = (n: number, cometBFT?: Record<string, unknown>) => ({
    sequencerPublicUrl: `https://sequencer-${n}.example.com`,
    sequencerAddress: `sequencer-${n}`,
    mediatorAddress: `mediator-${n}`,
    ...(cometBFT ? { cometBFT } : {}),
  });

  it('puts the governance key into every synchronizer of the synchronizers layout, not top-level', () => {
    const base = {
      synchronizers: {
        skipInitialization: false,
        current: synchronizer(1, { enabled: true, connectionUri: 'http://cometbft-1:26657' }),
        successor: synchronizer(2, { enabled: true, connectionUri: 'http://cometbft-2:26657', externalGovernanceKey: false }),
        legacy: synchronizer(0),
        additionalLegacy: [synchronizer(3, { enabled: false }), synchronizer(4)],
      },
    };
    const { values, conflicts, warnings } = renderSvNodeValues(migrationFor('aws'), base, { version: resolveSpliceVersion('0.6.12') });
    const sync = values.synchronizers as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(values.cometBFT).toBeUndefined();
    expect(sync.current.cometBFT).toEqual({ enabled: true, connectionUri: 'http://cometbft-1:26657', externalGovernanceKey: true });
    expect(sync.successor.cometBFT.externalGovernanceKey).toBe(true);
    expect(sync.additionalLegacy[0].cometBFT).toEqual({ enabled: false, externalGovernanceKey: true });
    expect(sync.legacy.cometBFT).toBeUndefined();
    expect(sync.skipInitialization).toBe(false);
    expect(conflicts).toEqual(['synchronizers.successor.cometBFT.externalGovernanceKey']);
    expect(warnings).toEqual([expect.stringMatching(/^synchronizers\.legacy has no cometBFT section/), expect.stringMatching(/^synchronizers\.additionalLegacy\[1\] has no cometBFT/)]);
    // The base values are not modified.
    expect(base.synchronizers.current.cometBFT).toEqual({ enabled: true, connectionUri: 'http://cometbft-1:26657' });
  });

  it('refuses the synchronizers layout for a version whose chart does not know it', () => {
    const base = { synchronizers: { current: synchronizer(1, { enabled: true }) } };
    expect(() => renderSvNodeValues(migrationFor('aws'), base, { version: resolveSpliceVersion('0.5.18') })).toThrow(/synchronizers layout.*0\.5\.18/);
  });

  it('keeps top-level cometBFT for domain-style values on every version', () => {
    const base = { domain: { sequencerPublicUrl: 'https://s', sequencerAddress: 's', mediatorAddress: 'm' } };
    for (const v of ['0.4.15', '0.6.12', '0.7.4']) {
      expect(renderSvNodeValues(migrationFor('aws'), base, { version: resolveSpliceVersion(v) }).values.cometBFT).toEqual({ externalGovernanceKey: true });
    }
  });

  it('copies votes from the old SV on 0.6.1+, unless turned off or the old SV is offboarded', () => {
    const env = (m = migrationFor('aws'), version = '0.7.4', oldSvOffboarded = false) =>
      renderSvNodeValues(m, { additionalEnvVars: [{ name: 'OTHER', value: 'x' }] }, { version: resolveSpliceVersion(version), oldSvOffboarded }).values.additionalEnvVars;
    expect(env()).toEqual([{ name: 'OTHER', value: 'x' }, copyVotes]);
    expect(env(undefined, '0.6.1')).toEqual([{ name: 'OTHER', value: 'x' }, copyVotes]);
    expect(env(undefined, '0.6.0')).toEqual([{ name: 'OTHER', value: 'x' }]);
    expect(env(undefined, '0.7.4', true)).toEqual([{ name: 'OTHER', value: 'x' }]);
    expect(env(migrationFor('aws', (r) => (r.spec.newSv.svNode.copyVotesFromOldSv = false)))).toEqual([{ name: 'OTHER', value: 'x' }]);
    // HOCON-quoted: a name with quotes or backslashes stays one string.
    const m = migrationFor('aws', (r) => (r.spec.oldSv.name = 'Acme.1_old'));
    expect(env(m)).toContainEqual({ name: COPY_VOTES_FROM_ENV_VAR, value: 'canton.sv-apps.sv.copy-votes-from = "Acme.1_old"' });
    const explicit = renderSvNodeValues(migrationFor('aws', (r) => (r.spec.newSv.svNode.copyVotesFromOldSv = true)), undefined, { version: resolveSpliceVersion('0.5.0') });
    expect(explicit.warnings).toEqual([expect.stringContaining('legacy version'), expect.stringContaining('copy-votes-from needs Splice 0.6.1')]);
  });

  it('warns about secretOverrides that make the chart ignore the key Secrets (0.6.10+)', () => {
    const base = { cometBFT: { secretOverrides: { governancePrivateKey: 'vault:secret/gov#private' } }, secretOverrides: { svPublicKey: 'vault:x', svPrivateKey: '' } };
    const warnings = (v: string) => renderSvNodeValues(migrationFor('aws'), base, { version: resolveSpliceVersion(v) }).warnings;
    expect(warnings('0.6.10')).toEqual([expect.stringContaining('cometBFT.secretOverrides.governancePrivateKey'), expect.stringContaining('secretOverrides.svPublicKey')]);
    expect(warnings('0.6.9')).toEqual([]);
  });

  it('says when a version newer than the newest known one is rendered as that one', () => {
    const { warnings } = renderSvNodeValues(migrationFor('aws', (r) => (r.spec.splice = { version: '0.8.0' })));
    expect(warnings).toEqual([expect.stringContaining('Splice 0.8.0 is newer than the newest version the operator knows (0.7.4)')]);
  });
});
