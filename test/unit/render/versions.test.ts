import { describe, it, expect } from '@jest/globals';
import {
  compareVersions,
  NEWEST_KNOWN_SPLICE,
  parseVersion,
  resolveSpliceVersion,
  sessionSigningKeysPath,
  SpliceVersionError,
  withCantonVersion,
} from '../../../src/render/versions.ts';

describe('parseVersion / compareVersions', () => {
  it('reads releases, a leading v and snapshot strings, snapshots ordering before their release', () => {
    expect(parseVersion('0.7.4').version).toBe('0.7.4');
    expect(parseVersion('v0.6.12').version).toBe('0.6.12');
    expect(parseVersion('3.5.14-snapshot.20260801.123.0.vabc').prerelease).toEqual(['snapshot', 20260801, 123, 0, 'vabc']);
    expect(compareVersions('3.5.8-snapshot.20260601.1.0.v1', '3.5.8')).toBeLessThan(0);
    expect(compareVersions('3.5.10', '3.5.8')).toBeGreaterThan(0);
    expect(compareVersions('0.6.12', '0.6.12')).toBe(0);
  });

  it('names the field and what is expected for a malformed version', () => {
    for (const bad of ['0.7', 'latest', '', '0.7.4.1', '0..4']) {
      expect(() => resolveSpliceVersion(bad, 'spec.splice.version')).toThrow(SpliceVersionError);
      expect(() => resolveSpliceVersion(bad, 'spec.splice.version')).toThrow(/^spec\.splice\.version: .* expected MAJOR\.MINOR\.PATCH such as 0\.7\.4/);
    }
    expect(() => resolveSpliceVersion('0.3.9')).toThrow(/older than 0\.4\.0/);
  });
});

describe('resolveSpliceVersion', () => {
  it.each([
    ['0.4.15', 'legacy', '3.3.0', false],
    ['0.5.0', 'legacy', '3.4.6', false],
    ['0.5.13', 'legacy', '3.4.11', false],
    ['0.6.1', 'supported', '3.5.1', false],
    ['0.6.11', 'supported', '3.5.8-snapshot', false],
    ['0.6.12', 'supported', '3.5.8', true],
    ['0.7.0', 'primary', '3.5.12', true],
    ['0.7.4', 'primary', '3.5.14', true],
    ['0.7.4-snapshot.20260801.1.0.vabc', 'primary', '3.5.12', false],
  ])('%s is %s and ships Canton %s', (version, support, canton, exact) => {
    const v = resolveSpliceVersion(version);
    expect({ support: v.support, canton: v.canton, cantonExact: v.cantonExact }).toEqual({ support, canton, cantonExact: exact });
  });

  it('renders a newer version as the newest known one and says so', () => {
    for (const newer of ['0.7.5', '0.8.0', '1.0.0', '0.7.5-snapshot.20260901.4.0.vabc']) {
      const v = resolveSpliceVersion(newer);
      expect(v).toMatchObject({ support: 'newer-than-known', effectiveVersion: NEWEST_KNOWN_SPLICE, canton: '3.5.14', cantonExact: false });
      expect(v.features).toEqual(resolveSpliceVersion(NEWEST_KNOWN_SPLICE).features);
    }
  });

  it('refuses a Canton version given for a Splice one, wherever it comes from, and says which field to use', () => {
    for (const canton of ['3.5.14', 'v3.4.12', '3.5.8-snapshot.20260701.0']) {
      expect(() => resolveSpliceVersion(canton)).toThrow(SpliceVersionError);
      expect(() => resolveSpliceVersion(canton)).toThrow(/^spec\.splice\.version: .* is a Canton version, not a Splice one: .* in spec\.kms\.cantonVersion$/);
    }
    expect(() => resolveSpliceVersion('3.5.14', "the Scans' version")).toThrow(/^the Scans' version: 3\.5\.14 is a Canton version/);
    // Splice's own 1.x or 2.x, should there be one, is only newer than known.
    expect(resolveSpliceVersion('2.0.0').support).toBe('newer-than-known');
  });

  it('has the feature table of research/splice-versions.md', () => {
    const f = (v: string) => resolveSpliceVersion(v).features;
    expect([f('0.6.0').synchronizersLayout, f('0.6.1').synchronizersLayout]).toEqual([false, true]);
    expect([f('0.6.0').copyVotesFrom, f('0.6.1').copyVotesFrom]).toEqual([false, true]);
    expect([f('0.7.1').sessionSigningKeysByDefault, f('0.7.2').sessionSigningKeysByDefault]).toEqual([false, true]);
    expect([f('0.5.13').encryptionKeyCacheDefault, f('0.5.14').encryptionKeyCacheDefault]).toEqual([{ ttl: '10s', size: 10000 }, { ttl: '1h', size: 100000 }]);
    expect([f('0.6.11').awsCustomTags, f('0.6.12').awsCustomTags]).toEqual([false, true]);
    expect(['0.6.3', '0.6.4', '0.6.9', '0.6.10'].map((v) => f(v).voteResultsOrdering)).toEqual(['null-first', 'newest-first', 'newest-first', 'paged']);
    expect([f('0.6.7').participantDbConflictCheck, f('0.6.8').participantDbConflictCheck]).toEqual([false, true]);
    expect([f('0.6.9').secretOverrides, f('0.6.10').secretOverrides]).toEqual([false, true]);
    expect([f('0.4.15').tokenStandardTransfers, f('0.7.4').transferPreapprovals]).toEqual([true, true]);
    // A snapshot of 0.6.12 is not yet 0.6.12.
    expect(f('0.6.12-snapshot.20260713.1.0.v0cb7c4f').awsCustomTags).toBe(false);
  });

  it('puts session signing keys where the Canton version reads them', () => {
    expect(sessionSigningKeysPath('3.3.0')).toEqual(['canton', 'parameters', 'session-signing-keys']);
    expect(sessionSigningKeysPath('3.4.10')).toEqual(['canton', 'participants', 'participant', 'crypto', 'kms', 'session-signing-keys']);
    expect(sessionSigningKeysPath('3.4.11')).toEqual(['canton', 'participants', 'participant', 'crypto', 'session-signing-keys']);
    expect(resolveSpliceVersion('0.7.4').features.sessionSigningKeysPath).toEqual(sessionSigningKeysPath('3.5.14'));
  });

  it('follows spec.kms.cantonVersion for the Canton-dependent features', () => {
    const v = withCantonVersion(resolveSpliceVersion('0.6.11'), '3.5.8');
    expect(v).toMatchObject({ canton: '3.5.8', features: { awsCustomTags: true, synchronizersLayout: true } });
    expect(withCantonVersion(resolveSpliceVersion('0.7.4'), '3.4.9').features.sessionSigningKeysPath).toContain('kms');
  });
});
