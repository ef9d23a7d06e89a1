import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CUSTOM_TAGS_ENV_VAR,
  expectedKmsConfig,
  expectedLiteralEnv,
  GOOGLE_CREDENTIALS_PATH,
  parseKmsEnv,
  renderParticipantValues,
  SESSION_KEY_CACHE_ENV_VAR,
  SESSION_SIGNING_KEYS_ENV_VAR,
} from '../../../src/render/participant.ts';
import { HoconSyntaxError, parseHocon } from '../../../src/render/hocon-parse.ts';
import { parseValuesYaml, RenderProblemsError } from '../../../src/render/values.ts';
import { PROTOTYPE_KEY_MESSAGE } from '../../../src/render/catalogue.ts';
import { UPSTREAM_DIR } from '../../env/binaries.ts';
import { resolveSpliceVersion } from '../../../src/render/versions.ts';
import { migrationFor, type RawManifest } from './fixtures.ts';

type Env = { name: string; value?: string; valueFrom?: unknown };
const envOf = (values: Record<string, unknown>): Env[] => values.additionalEnvVars as Env[];
const envNamed = (values: Record<string, unknown>, name: string): Env | undefined => envOf(values).find((e) => e.name === name);

describe('renderParticipantValues: credentials', () => {
  it('wires AWS static keys from the Secret, with a session token when configured, never inlined', () => {
    const m = migrationFor('aws', (r) => (r.spec.kms.credentials.secretRef = { name: 'aws-creds', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret', sessionTokenKey: 'token' }));
    const { values } = renderParticipantValues(m);
    expect(envOf(values).filter((e) => e.name.startsWith('AWS_'))).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'aws-creds', key: 'id', optional: false } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'aws-creds', key: 'secret', optional: false } } },
      { name: 'AWS_SESSION_TOKEN', valueFrom: { secretKeyRef: { name: 'aws-creds', key: 'token', optional: false } } },
    ]);
    expect(values.extraVolumes).toEqual([]);
    expect(values.extraVolumeMounts).toEqual([]);
    expect(values.serviceAccountName).toBeUndefined();
  });

  it('uses the default Secret keys and no session token by default', () => {
    const { values } = renderParticipantValues(migrationFor('aws'));
    expect(envNamed(values, 'AWS_ACCESS_KEY_ID')?.valueFrom).toEqual({ secretKeyRef: { name: 'aws-kms-credentials', key: 'accessKeyId', optional: false } });
    expect(envNamed(values, 'AWS_SECRET_ACCESS_KEY')?.valueFrom).toEqual({ secretKeyRef: { name: 'aws-kms-credentials', key: 'secretAccessKey', optional: false } });
    expect(envNamed(values, 'AWS_SESSION_TOKEN')).toBeUndefined();
  });

  it('mounts the GCP credentials file from the Secret and points GOOGLE_APPLICATION_CREDENTIALS at it', () => {
    const m = migrationFor('gcp', (r) => (r.spec.kms.credentials = { secretRef: { name: 'gcp-creds' } }));
    const { values } = renderParticipantValues(m);
    expect(envNamed(values, 'GOOGLE_APPLICATION_CREDENTIALS')).toEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: GOOGLE_CREDENTIALS_PATH });
    expect(values.extraVolumes).toEqual([{ name: 'svkms-gcp-credentials', secret: { secretName: 'gcp-creds' } }]);
    expect(values.extraVolumeMounts).toEqual([{ name: 'svkms-gcp-credentials', mountPath: GOOGLE_CREDENTIALS_PATH, subPath: 'googleCredentials', readOnly: true }]);
    expect(values.serviceAccountName).toBeUndefined();
  });

  it('sets only serviceAccountName for workload identity', () => {
    const { values } = renderParticipantValues(migrationFor('gcp'));
    expect(values.serviceAccountName).toBe('participant-kms');
    // Newest known version (0.7.4): session signing keys on; the cache at the version's default is not rendered.
    expect(envOf(values).map((e) => e.name)).toEqual([SESSION_SIGNING_KEYS_ENV_VAR]);
    expect(values.extraVolumes).toEqual([]);
    expect(values.extraVolumeMounts).toEqual([]);
  });
});

describe('renderParticipantValues: kms and extra config', () => {
  // Splice 0.5.0 ships Canton 3.4.6, where session signing keys are a crypto.kms setting.
  const aws = () =>
    migrationFor('aws', (r) => {
      r.spec.splice = { version: '0.5.0' };
      delete r.spec.kms.aws.customTags;
      r.spec.kms.aws.endpointOverride = 'https://kms.us-east-1.example.com:443/path';
      r.spec.kms.retries = { failures: { maxRetries: 1000000 }, createKeyCheck: { initialDelay: '200ms' } };
      r.spec.kms.extraConfig = { sessionSigningKeys: { enabled: true, keyValidityDuration: '5m' } };
    });

  it('pre-quotes every string, keeps booleans and small numbers bare', () => {
    const { values } = renderParticipantValues(aws());
    expect(values.kms).toEqual({
      type: '"aws"',
      region: '"us-east-1"',
      multiRegionKey: true,
      auditLogging: true,
      disableSslVerification: false,
      endpointOverride: '"https://kms.us-east-1.example.com:443/path"',
      retries: {
        failures: { initialDelay: '"500ms"', maxDelay: '"10s"', maxRetries: '"1000000"' },
        createKeyCheck: { initialDelay: '"200ms"', maxDelay: '"10s"', maxRetries: 20 },
      },
      sessionSigningKeys: { enabled: true, keyValidityDuration: '"5m"' },
    });
  });

  it('predicts the parsed Canton crypto.kms object', () => {
    expect(expectedKmsConfig(aws())).toEqual({
      type: 'aws',
      region: 'us-east-1',
      'multi-region-key': true,
      'audit-logging': true,
      'disable-ssl-verification': false,
      'endpoint-override': 'https://kms.us-east-1.example.com:443/path',
      retries: {
        failures: { 'initial-delay': '500ms', 'max-delay': '10s', 'max-retries': '1000000' },
        'create-key-check': { 'initial-delay': '200ms', 'max-delay': '10s', 'max-retries': 20 },
      },
      'session-signing-keys': { enabled: true, 'key-validity-duration': '5m' },
    });
  });

  it('puts custom tags with verbatim keys into their own env var', () => {
    const m = migrationFor('aws', (r) => (r.spec.kms.aws.customTags = { CostCenter: '4711', 'team.name': 'sv platform', 'a=b': 'c:d/e' }));
    const { values } = renderParticipantValues(m);
    expect((values.kms as Record<string, unknown>).customTags).toBeUndefined();
    const text = envNamed(values, CUSTOM_TAGS_ENV_VAR)?.value;
    expect(text).toBe(expectedLiteralEnv(m)[CUSTOM_TAGS_ENV_VAR]);
    expect(parseHocon(text!)).toEqual({
      canton: { participants: { participant: { crypto: { kms: { 'custom-tags': { CostCenter: '4711', 'team.name': 'sv platform', 'a=b': 'c:d/e' } } } } } },
    });
  });

  it('sets the session encryption key cache through its env var when it differs from the version default', () => {
    const m = migrationFor('gcp', (r) => (r.spec.kms.sessionKeys = { encryptionKeyCacheTtl: '30m', encryptionKeyCacheSize: 2000000 }));
    const text = envNamed(renderParticipantValues(m).values, SESSION_KEY_CACHE_ENV_VAR)?.value;
    const cache = { 'maximum-size': 2000000, 'expire-after-timeout': '30m' };
    expect(parseHocon(text!)).toEqual({
      canton: { participants: { participant: { parameters: { caching: { 'session-encryption-key-cache': { 'sender-cache': cache, 'receiver-cache': cache } } } } } },
    });
    // The version's own default (1h / 100000 from 0.5.14, however spelled) is left to Canton.
    for (const sessionKeys of [{}, { encryptionKeyCacheTtl: '60m' }, { encryptionKeyCacheTtl: '1h', encryptionKeyCacheSize: 100000 }]) {
      expect(expectedLiteralEnv(migrationFor('gcp', (r) => (r.spec.kms.sessionKeys = sessionKeys)))[SESSION_KEY_CACHE_ENV_VAR]).toBeUndefined();
    }
  });

  it('refuses extra config the catalogue rejects', () => {
    const m = migrationFor('aws', (r) => (r.spec.kms.extraConfig = { regoin: 'x' }));
    expect(() => renderParticipantValues(m)).toThrow(RenderProblemsError);
    try {
      renderParticipantValues(m);
    } catch (err) {
      expect((err as RenderProblemsError).problems).toEqual([{ path: 'spec.kms.extraConfig.regoin', message: expect.stringContaining('did you mean `region`?') }]);
    }
  });

  it('refuses extraConfig keys named like Object.prototype members as such, not as duplicates of first-class settings', () => {
    for (const key of ['hasOwnProperty', 'constructor', '__proto__', 'toString']) {
      const m = migrationFor('aws', (r) => {
        r.spec.kms.extraConfig = JSON.parse(`{${JSON.stringify(key)}: "x"}`) as Record<string, unknown>;
        r.spec.kms.allowUnknownExtraConfigKeys = true;
      });
      expect(() => renderParticipantValues(m)).toThrow(RenderProblemsError);
      expect(() => expectedKmsConfig(m)).toThrow(RenderProblemsError);
      try {
        renderParticipantValues(m);
      } catch (err) {
        expect((err as RenderProblemsError).problems).toEqual([{ path: `spec.kms.extraConfig.${key}`, message: PROTOTYPE_KEY_MESSAGE }]);
      }
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('renders a camelCase unknown extraConfig key that only contains a prototype member name', () => {
    const m = migrationFor('aws', (r) => {
      r.spec.kms.extraConfig = { toStringMode: 'x', hasOwnPropertyCheck: true };
      r.spec.kms.allowUnknownExtraConfigKeys = true;
    });
    expect(renderParticipantValues(m).values.kms).toMatchObject({ toStringMode: '"x"', hasOwnPropertyCheck: true });
    expect(expectedKmsConfig(m)).toMatchObject({ 'to-string-mode': 'x', 'has-own-property-check': true });
  });

  it('never puts a secret value into the values', () => {
    const { yaml } = renderParticipantValues(migrationFor('aws', (r) => (r.spec.kms.credentials.secretRef.sessionTokenKey = 'token')));
    expect(yaml).not.toMatch(/value: .*(AKIA|secret)/i);
    for (const e of envOf(parseValuesYaml(yaml))) if (e.name.startsWith('AWS_')) expect(e.value).toBeUndefined();
  });
});

describe('renderParticipantValues: base values', () => {
  it('merges the upstream example underneath and reports what it overrides', () => {
    const base = parseValuesYaml(readFileSync(join(UPSTREAM_DIR, 'apps/app/src/pack/examples/sv-helm/kms-participant-aws-values.yaml'), 'utf8'));
    const participantValues = parseValuesYaml(readFileSync(join(UPSTREAM_DIR, 'apps/app/src/pack/examples/sv-helm/participant-values.yaml'), 'utf8'));
    const m = migrationFor('aws');
    const rendered = renderParticipantValues(m, { ...participantValues, ...base });
    expect(rendered.conflicts).toEqual([
      'additionalEnvVars[name=AWS_ACCESS_KEY_ID]',
      'additionalEnvVars[name=AWS_SECRET_ACCESS_KEY]',
      'kms.region',
      'kms.type',
    ]);
    expect(rendered.values.persistence).toEqual(participantValues.persistence);
    expect(envOf(rendered.values).map((e) => e.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', SESSION_SIGNING_KEYS_ENV_VAR, CUSTOM_TAGS_ENV_VAR]);
    expect(renderParticipantValues(m, { ...participantValues, ...base }).sha256).toBe(rendered.sha256);
  });

  it('keeps base lists and volumes the operator does not touch', () => {
    const base = { extraVolumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }], additionalEnvVars: [{ name: 'JAVA_OPTS', value: '-Xmx1g' }] };
    const { values, conflicts } = renderParticipantValues(migrationFor('aws'), base);
    expect(values.extraVolumes).toEqual(base.extraVolumes);
    expect(envOf(values)[0]).toEqual({ name: 'JAVA_OPTS', value: '-Xmx1g' });
    expect(conflicts).toEqual([]);
  });
});

describe('parseKmsEnv', () => {
  it('reads the upstream helm output', () => {
    const aws = parseKmsEnv(readFileSync(join(UPSTREAM_DIR, 'derived/expected-kms-hocon-aws-example.conf'), 'utf8'));
    expect(aws).toEqual({ provider: 'kms', kms: { type: 'aws', region: 'REGION' } });
    const gcp = parseKmsEnv(readFileSync(join(UPSTREAM_DIR, 'derived/expected-kms-hocon-gcp-example.conf'), 'utf8'));
    expect(gcp.kms).toEqual({ type: 'gcp', 'location-id': 'LOCATION_ID', 'project-id': 'PROJECT_ID', 'key-ring-id': 'KEY_RING_ID' });
  });

  it('reads prototype member names in values (a region or endpoint the spec allows), which used to make it throw', () => {
    const aws = migrationFor('aws', (r) => {
      r.spec.kms.aws.region = 'us-constructor-1';
      r.spec.kms.aws.endpointOverride = 'https://kms.example.com/toString';
    });
    const text = `canton.participants.participant.crypto {\n  provider = kms\n  kms = {\n    endpoint-override = "https://kms.example.com/toString"\n    region = "us-constructor-1"\n    type = "aws"\n  }\n}\n`;
    const parsed = parseKmsEnv(text);
    expect(parsed.kms).toEqual({ type: 'aws', region: 'us-constructor-1', 'endpoint-override': 'https://kms.example.com/toString' });
    expect(expectedKmsConfig(aws)).toMatchObject(parsed.kms);
    const gcp = parseKmsEnv('canton.participants.participant.crypto {\n  provider = kms\n  kms = {\n    project-id = "constructor"\n    type = "gcp"\n  }\n}\n');
    expect(gcp.kms).toEqual({ type: 'gcp', 'project-id': 'constructor' });
  });

  it('refuses text without crypto.kms and text that would make a HOCON parser read files', () => {
    expect(() => parseKmsEnv('a = 1')).toThrow(/crypto\.kms/);
    expect(() => parseKmsEnv('canton.participants.participant.crypto { include file("/etc/passwd") }')).toThrow(HoconSyntaxError);
  });
});

describe('renderParticipantValues: the target version', () => {
  const signingText = (m: ReturnType<typeof migrationFor>, version?: string) =>
    envNamed(renderParticipantValues(m, undefined, version ? { version: resolveSpliceVersion(version) } : {}).values, SESSION_SIGNING_KEYS_ENV_VAR)?.value;
  const gcp = (patch: (r: RawManifest) => void = () => {}) => migrationFor('gcp', patch);

  it('turns session signing keys on by default from 0.7.2, at the path the Canton version reads', () => {
    expect(parseHocon(signingText(gcp())!)).toEqual({ canton: { participants: { participant: { crypto: { 'session-signing-keys': { enabled: true } } } } } });
    expect(signingText(gcp(), '0.7.1')).toBeUndefined();
    const on = gcp((r) => (r.spec.kms.sessionKeys = { signing: { enabled: true } }));
    expect(parseHocon(signingText(on, '0.5.0')!)).toEqual({ canton: { participants: { participant: { crypto: { kms: { 'session-signing-keys': { enabled: true } } } } } } });
    expect(parseHocon(signingText(on, '0.4.15')!)).toEqual({ canton: { parameters: { 'session-signing-keys': { enabled: true } } } });
    expect(parseHocon(signingText(gcp((r) => (r.spec.kms.sessionKeys = { signing: { enabled: false } })))!)).toEqual({
      canton: { participants: { participant: { crypto: { 'session-signing-keys': { enabled: false } } } } },
    });
    // spec.kms.cantonVersion moves it with the participant image.
    const pinned = gcp((r) => (r.spec.kms.cantonVersion = '3.4.10'));
    expect(signingText(pinned)).toContain('"kms"."session-signing-keys"');
  });

  it('renders the encryption cache against the version\'s own default', () => {
    const oneHour = gcp((r) => (r.spec.kms.sessionKeys = { encryptionKeyCacheTtl: '1h' }));
    expect(expectedLiteralEnv(oneHour, { version: resolveSpliceVersion('0.5.14') })[SESSION_KEY_CACHE_ENV_VAR]).toBeUndefined();
    const legacy = expectedLiteralEnv(oneHour, { version: resolveSpliceVersion('0.5.13') })[SESSION_KEY_CACHE_ENV_VAR];
    const cache = { 'maximum-size': 10000, 'expire-after-timeout': '1h' };
    expect(parseHocon(legacy!)).toEqual({ canton: { participants: { participant: { parameters: { caching: { 'session-encryption-key-cache': { 'sender-cache': cache, 'receiver-cache': cache } } } } } } });
    expect(expectedLiteralEnv(gcp(), { version: resolveSpliceVersion('0.4.15') })[SESSION_KEY_CACHE_ENV_VAR]).toBeUndefined();
  });

  it('names spec.splice.version when it cannot be used, and warns about a version newer than known', () => {
    try {
      renderParticipantValues(gcp((r) => (r.spec.splice = { version: '0.3.9' })));
      throw new Error('rendered');
    } catch (err) {
      expect((err as RenderProblemsError).problems).toEqual([{ path: 'spec.splice.version', message: expect.stringContaining('older than 0.4.0') }]);
    }
    expect(renderParticipantValues(gcp((r) => (r.spec.splice = { version: '0.7.9' }))).warnings).toEqual([expect.stringContaining('rendered with the rules of 0.7.4')]);
  });
});
