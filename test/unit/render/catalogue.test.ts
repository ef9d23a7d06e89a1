import { describe, it, expect } from '@jest/globals';
import { checkKmsExtraConfig, compareVersions, PROTOTYPE_KEY_MESSAGE, editDistance, findSetting, suggestKey } from '../../../src/render/catalogue.ts';
import { migrationFor, type RawManifest } from './fixtures.ts';

function problemsFor(provider: 'aws' | 'gcp', kms: (k: RawManifest) => void) {
  return checkKmsExtraConfig(migrationFor(provider, (m) => kms(m.spec.kms)).spec);
}

describe('checkKmsExtraConfig', () => {
  it('accepts the examples and known settings', () => {
    expect(problemsFor('aws', () => {})).toEqual([]);
    expect(problemsFor('gcp', (k) => (k.extraConfig = { sessionSigningKeys: { enabled: true, keyValidityDuration: '5m' } }))).toEqual([]);
  });

  it('reports a typo with a did-you-mean suggestion', () => {
    const problems = problemsFor('aws', (k) => (k.extraConfig = { sessionSigningKey: { enabled: true } }));
    expect(problems).toEqual([
      { path: 'spec.kms.extraConfig.sessionSigningKey', message: expect.stringContaining('did you mean `sessionSigningKeys`?') },
    ]);
    expect(problems[0]!.message).toContain('allowUnknownExtraConfigKeys');
    const typoOfFirstClass = problemsFor('aws', (k) => (k.extraConfig = { auditLoging: true }));
    expect(typoOfFirstClass).toEqual([{ path: 'spec.kms.extraConfig.auditLoging', message: expect.stringContaining('did you mean `auditLogging`?') }]);
  });

  it('checks nested keys and their types', () => {
    expect(problemsFor('aws', (k) => (k.extraConfig = { sessionSigningKeys: { enabeld: true, cutOffDuration: 'soon', enabled: 'yes' } }))).toEqual([
      { path: 'spec.kms.extraConfig.sessionSigningKeys.enabeld', message: expect.stringContaining('did you mean `enabled`?') },
      { path: 'spec.kms.extraConfig.sessionSigningKeys.cutOffDuration', message: expect.stringContaining('duration') },
      { path: 'spec.kms.extraConfig.sessionSigningKeys.enabled', message: 'must be true or false' },
    ]);
    expect(problemsFor('aws', (k) => (k.extraConfig = { sessionSigningKeys: true }))).toEqual([
      { path: 'spec.kms.extraConfig.sessionSigningKeys', message: 'must be a map' },
    ]);
  });

  it('refuses Object.prototype member names as keys at any depth, even with unknown keys allowed', () => {
    // JSON.parse keeps `__proto__` an own key, as the YAML and JSON readers of manifests do.
    const extra = JSON.parse('{"constructor": 1, "hasOwnProperty": true, "__proto__": {"x": 1}, "sessionSigningKeys": {"toString": "x"}, "deep": {"er": {"valueOf": "v"}}}') as Record<string, unknown>;
    for (const provider of ['aws', 'gcp'] as const) {
      const problems = problemsFor(provider, (k) => {
        k.extraConfig = extra;
        k.allowUnknownExtraConfigKeys = true;
      });
      expect(problems).toEqual([
        { path: 'spec.kms.extraConfig.constructor', message: PROTOTYPE_KEY_MESSAGE },
        { path: 'spec.kms.extraConfig.hasOwnProperty', message: PROTOTYPE_KEY_MESSAGE },
        { path: 'spec.kms.extraConfig.__proto__', message: PROTOTYPE_KEY_MESSAGE },
        { path: 'spec.kms.extraConfig.sessionSigningKeys.toString', message: PROTOTYPE_KEY_MESSAGE },
        { path: 'spec.kms.extraConfig.deep.er.valueOf', message: PROTOTYPE_KEY_MESSAGE },
      ]);
    }
    expect(PROTOTYPE_KEY_MESSAGE).toMatch(/cannot be rendered safely/);
  });

  it('suggests the camelCase key for a kebab-case one', () => {
    expect(problemsFor('gcp', (k) => (k.extraConfig = { 'session-signing-keys': { enabled: true } }))).toEqual([
      { path: 'spec.kms.extraConfig.session-signing-keys', message: expect.stringContaining('did you mean `sessionSigningKeys`?') },
    ]);
  });

  it('sends first-class settings to their spec field', () => {
    expect(problemsFor('aws', (k) => (k.extraConfig = { region: 'eu-west-1', endpointOverride: 'https://x', retries: {}, type: 'gcp' }))).toEqual([
      { path: 'spec.kms.extraConfig.region', message: 'has its own field: set spec.kms.aws.region instead' },
      { path: 'spec.kms.extraConfig.endpointOverride', message: 'has its own field: set spec.kms.aws.endpointOverride instead' },
      { path: 'spec.kms.extraConfig.retries', message: 'has its own field: set spec.kms.retries instead' },
      { path: 'spec.kms.extraConfig.type', message: 'has its own field: set spec.kms.provider instead' },
    ]);
    expect(problemsFor('gcp', (k) => (k.extraConfig = { auditLogging: true }))).toEqual([
      { path: 'spec.kms.extraConfig.auditLogging', message: 'has its own field: set spec.kms.gcp.auditLogging instead' },
    ]);
  });

  it('refuses a setting of the other provider even when unknown keys are allowed', () => {
    expect(
      problemsFor('gcp', (k) => {
        k.extraConfig = { multiRegionKey: true };
        k.allowUnknownExtraConfigKeys = true;
      }),
    ).toEqual([{ path: 'spec.kms.extraConfig.multiRegionKey', message: 'is not a Canton gcp KMS setting (only aws has it)' }]);
  });

  it('passes unknown keys when allowed, but still refuses what the chart cannot render', () => {
    expect(
      problemsFor('aws', (k) => {
        k.extraConfig = { futureSetting: { nested: 'x', count: 3 } };
        k.allowUnknownExtraConfigKeys = true;
      }),
    ).toEqual([]);
    expect(
      problemsFor('aws', (k) => {
        k.extraConfig = { someList: ['a'], nothing: null, 'bad key': 1, 'x\n = 1': 2 };
        k.allowUnknownExtraConfigKeys = true;
      }).map((p) => p.path),
    ).toEqual(['spec.kms.extraConfig.someList', 'spec.kms.extraConfig.nothing', 'spec.kms.extraConfig.bad key', 'spec.kms.extraConfig.x\n = 1']);
  });

  it('limits nesting, key count and string length', () => {
    const deep = { aa: { bb: { cc: { dd: { ee: 1 } } } } };
    expect(
      problemsFor('aws', (k) => {
        k.extraConfig = { deep };
        k.allowUnknownExtraConfigKeys = true;
      }),
    ).toEqual([{ path: 'spec.kms.extraConfig.deep.aa.bb.cc', message: expect.stringContaining('nested too deeply') }]);
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, Object.fromEntries(Array.from({ length: 5 }, (_, j) => [`sub${j}`, j]))]));
    expect(
      problemsFor('aws', (k) => {
        k.extraConfig = many;
        k.allowUnknownExtraConfigKeys = true;
      }),
    ).toEqual([{ path: 'spec.kms.extraConfig', message: 'has more than 64 keys in all' }]);
    expect(
      problemsFor('aws', (k) => {
        k.extraConfig = { long: 'x'.repeat(1025) };
        k.allowUnknownExtraConfigKeys = true;
      }),
    ).toEqual([{ path: 'spec.kms.extraConfig.long', message: 'is longer than 1024 characters' }]);
  });

  it('gates settings by spec.kms.cantonVersion', () => {
    // The AWS example has customTags, which need Canton 3.5.8.
    expect(problemsFor('aws', (k) => (k.cantonVersion = '3.5.7'))).toEqual([
      { path: 'spec.kms.aws.customTags', message: 'needs Canton 3.5.8 or later; spec.kms.cantonVersion is 3.5.7' },
    ]);
    expect(problemsFor('aws', (k) => (k.cantonVersion = '3.5.8'))).toEqual([]);
    expect(problemsFor('aws', (k) => (k.cantonVersion = '3.10.0'))).toEqual([]);
    const ssk = (version: string, keys: Record<string, unknown>) =>
      problemsFor('gcp', (k) => {
        k.cantonVersion = version;
        k.extraConfig = { sessionSigningKeys: keys };
      });
    expect(ssk('3.4.10', { enabled: true, toleranceShiftDuration: '3m' })).toEqual([]);
    expect(ssk('3.4.9', { enabled: true, toleranceShiftDuration: '3m' })).toEqual([
      { path: 'spec.kms.extraConfig.sessionSigningKeys.toleranceShiftDuration', message: 'needs Canton 3.4.10 or later; spec.kms.cantonVersion is 3.4.9' },
    ]);
    expect(ssk('3.4.11', { enabled: true })).toEqual([
      { path: 'spec.kms.extraConfig.sessionSigningKeys', message: expect.stringMatching(/Canton 3\.4\.11.*crypto\.session-signing-keys/) },
    ]);
  });
});

describe('catalogue helpers', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('3.5.10', '3.5.8')).toBeGreaterThan(0);
    expect(compareVersions('3.4.0', '3.4.0')).toBe(0);
    expect(compareVersions('3.4.9', '3.4.10')).toBeLessThan(0);
  });
  it('computes edit distances and suggestions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(suggestKey('auditLoging', ['auditLogging', 'region'])).toBe('auditLogging');
    expect(suggestKey('completelyDifferent', ['auditLogging', 'region'])).toBeUndefined();
  });
  it('finds nested settings', () => {
    expect(findSetting(['retries', 'failures', 'maxRetries'])?.type).toBe('integer');
    expect(findSetting(['retries', 'nope'])).toBeUndefined();
  });
});
