/**
 * Values for the splice-participant chart of the new SV, for the target Splice version (see target-version.ts): the
 * `kms` map (pre-quoted for the chart's unquoted HOCON printing), credential wiring that references Secrets (never
 * inlines them), and the operator's own `ADDITIONAL_CONFIG_*` env vars for settings the `kms` map cannot carry
 * (session signing keys at the version's path, the session encryption key cache when it differs from the version's
 * default, AWS custom tags where the Canton version has them). Also what the controller needs to check a deployed
 * participant against the migration.
 */
import type { SvKmsMigration } from '../api/types.ts';
import { checkKmsExtraConfig, PROTOTYPE_KEY_MESSAGE } from './catalogue.ts';
import { chartConfigAsParsed, hoconDocument, isPrototypeMemberName, toChartConfigValue, type ConfigObject } from './hocon.ts';
import { parseHocon } from './hocon-parse.ts';
import { isPlainObject } from '../util/json.ts';
import { durationMs } from '../util/duration.ts';
import { targetVersion, type VersionOptions } from './target-version.ts';
import { versionNote, type ResolvedSpliceVersion } from './versions.ts';
import { mergeValues, renderedValues, RenderProblemsError, type RenderedValues } from './values.ts';

/** The env var the chart fills from `.Values.kms`. */
export const KMS_ENV_VAR = 'ADDITIONAL_CONFIG_SPLICE_PARTICIPANT_CRYPTO_PROVIDER_KMS';
/** The operator's env var for the session encryption key cache. */
export const SESSION_KEY_CACHE_ENV_VAR = 'ADDITIONAL_CONFIG_SVKMS_SESSION_ENCRYPTION_KEY_CACHE';
/**
 * The env var for session signing keys: the name upstream's 0.7.2 example values use, so an entry copied from them
 * into base values is replaced (and reported) rather than doubled.
 */
export const SESSION_SIGNING_KEYS_ENV_VAR = 'ADDITIONAL_CONFIG_SESSION_SIGNING_KEYS';
/** The operator's env var for AWS custom tags (verbatim keys; under `kms` the chart would kebab-case them). */
export const CUSTOM_TAGS_ENV_VAR = 'ADDITIONAL_CONFIG_SVKMS_KMS_CUSTOM_TAGS';
/** AWS static credentials, from the credentials Secret. */
export const AWS_CREDENTIAL_ENV_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
/** Points Google's client libraries at the mounted credentials file. */
export const GOOGLE_CREDENTIALS_ENV_VAR = 'GOOGLE_APPLICATION_CREDENTIALS';
/** Where the GCP credentials file is mounted (the path of the upstream example). */
export const GOOGLE_CREDENTIALS_PATH = '/app/gcp-credentials.json';
/** Name of the volume holding the GCP credentials Secret. */
export const GOOGLE_CREDENTIALS_VOLUME = 'svkms-gcp-credentials';

/** Canton's name of the participant node in the Splice image config. */
const PARTICIPANT_PATH = ['canton', 'participants', 'participant'] as const;

/** One entry of the chart's `additionalEnvVars`. */
export type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional: false } } };

function secretEnv(name: string, secret: string, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key, optional: false } } };
}

/** The `kms` map as the operator means it (raw strings), before chart quoting. camelCase keys. */
function kmsSettings(migration: SvKmsMigration): Record<string, unknown> {
  const { kms } = migration.spec;
  const settings: Record<string, unknown> = { type: kms.provider };
  if (kms.provider === 'aws' && kms.aws) {
    const { region, multiRegionKey, auditLogging, disableSslVerification, endpointOverride } = kms.aws;
    Object.assign(settings, { region, multiRegionKey, auditLogging, disableSslVerification });
    if (endpointOverride !== undefined) settings.endpointOverride = endpointOverride;
  } else if (kms.provider === 'gcp' && kms.gcp) {
    const { projectId, locationId, keyRingId, auditLogging, endpointOverride } = kms.gcp;
    Object.assign(settings, { projectId, locationId, keyRingId, auditLogging });
    if (endpointOverride !== undefined) settings.endpointOverride = endpointOverride;
  } else {
    throw new RenderProblemsError([{ path: `spec.kms.${kms.provider}`, message: `is required when spec.kms.provider is ${kms.provider}` }]);
  }
  if (kms.retries) settings.retries = kms.retries;
  for (const [k, v] of Object.entries(kms.extraConfig ?? {})) {
    // checkKmsExtraConfig refuses both; never let extraConfig replace a setting the operator derives from the spec, or
    // (through `__proto__`) the map's prototype. Own keys only: `in` would match inherited names such as `constructor`.
    if (isPrototypeMemberName(k)) throw new RenderProblemsError([{ path: `spec.kms.extraConfig.${k}`, message: PROTOTYPE_KEY_MESSAGE }]);
    if (Object.hasOwn(settings, k)) throw new RenderProblemsError([{ path: `spec.kms.extraConfig.${k}`, message: 'duplicates a first-class setting' }]);
    settings[k] = v;
  }
  return settings;
}

function assertRenderable(migration: SvKmsMigration, version: ResolvedSpliceVersion): void {
  const problems = checkKmsExtraConfig(migration.spec, version);
  if (problems.length > 0) throw new RenderProblemsError(problems);
}

function customTags(migration: SvKmsMigration): Record<string, string> | undefined {
  const { kms } = migration.spec;
  if (kms.provider !== 'aws' || !kms.aws?.customTags) return undefined;
  const tags = Object.fromEntries(Object.entries(kms.aws.customTags).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return Object.keys(tags).length > 0 ? tags : undefined;
}

/**
 * HOCON of the session encryption key cache (`parameters.caching.session-encryption-key-cache`), or undefined when
 * the spec's settings equal the target version's own default (10 s / 10000 before Splice 0.5.14, 1 h / 100000 after):
 * then Canton needs no setting.
 */
export function sessionKeyCacheHocon(migration: SvKmsMigration, options: VersionOptions = {}): string | undefined {
  const defaults = targetVersion(migration, options).features.encryptionKeyCacheDefault;
  const { encryptionKeyCacheTtl: ttl = defaults.ttl, encryptionKeyCacheSize: size = defaults.size } = migration.spec.kms.sessionKeys;
  if (durationMs(ttl) === durationMs(defaults.ttl) && size === defaults.size) return undefined;
  const cache: ConfigObject = { 'maximum-size': size, 'expire-after-timeout': ttl };
  return hoconDocument([...PARTICIPANT_PATH, 'parameters', 'caching', 'session-encryption-key-cache'], {
    'sender-cache': cache,
    'receiver-cache': { ...cache },
  });
}

/** Whether the participant uses session signing keys: spec.kms.sessionKeys.signing.enabled, else the version's default. */
export function sessionSigningKeysEnabled(migration: SvKmsMigration, options: VersionOptions = {}): boolean {
  return migration.spec.kms.sessionKeys.signing?.enabled ?? targetVersion(migration, options).features.sessionSigningKeysByDefault;
}

/**
 * HOCON of the session signing keys setting at the path the target Canton version reads (`canton.parameters…` on 3.3,
 * `…crypto.kms.session-signing-keys` on 3.4.0–3.4.10, `…crypto.session-signing-keys` from 3.4.11), or undefined when
 * nothing needs saying: off by default and not set in the spec, or set through spec.kms.extraConfig.
 */
export function sessionSigningKeysHocon(migration: SvKmsMigration, options: VersionOptions = {}): string | undefined {
  const { kms } = migration.spec;
  if (isPlainObject(kms.extraConfig) && Object.hasOwn(kms.extraConfig, 'sessionSigningKeys')) return undefined;
  const version = targetVersion(migration, options);
  const explicit = kms.sessionKeys.signing?.enabled;
  if (explicit === undefined && !version.features.sessionSigningKeysByDefault) return undefined;
  return hoconDocument(version.features.sessionSigningKeysPath, { enabled: explicit ?? true });
}

/**
 * HOCON of the AWS custom tags (`crypto.kms.custom-tags`, keys verbatim), or undefined when there are none. Whether the
 * target Canton version has the setting is checked by {@link checkKmsExtraConfig} (through the renderers).
 */
export function customTagsHocon(migration: SvKmsMigration): string | undefined {
  const tags = customTags(migration);
  return tags && hoconDocument([...PARTICIPANT_PATH, 'crypto', 'kms', 'custom-tags'], tags);
}

/** The operator's `ADDITIONAL_CONFIG_*` documents for the target version, by env var name (only those it renders). */
function configEnv(migration: SvKmsMigration, options: VersionOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const signing = sessionSigningKeysHocon(migration, options);
  if (signing) env[SESSION_SIGNING_KEYS_ENV_VAR] = signing;
  const cache = sessionKeyCacheHocon(migration, options);
  if (cache) env[SESSION_KEY_CACHE_ENV_VAR] = cache;
  const tags = customTagsHocon(migration);
  if (tags) env[CUSTOM_TAGS_ENV_VAR] = tags;
  return env;
}

/**
 * Env vars with a literal value that the operator sets on the participant, by name (exactly as the Deployment
 * carries them), for the target version: session signing keys and the session key cache (when rendered), custom
 * tags (when any), the GCP credentials path (with a credentials Secret).
 */
export function expectedLiteralEnv(migration: SvKmsMigration, options: VersionOptions = {}): Record<string, string> {
  assertRenderable(migration, targetVersion(migration, options));
  const env = configEnv(migration, options);
  const { kms } = migration.spec;
  if (kms.provider === 'gcp' && kms.credentials.secretRef) env[GOOGLE_CREDENTIALS_ENV_VAR] = GOOGLE_CREDENTIALS_PATH;
  return env;
}

/** Credential wiring: env vars from the Secret, the GCP credentials volume, or the workload-identity ServiceAccount. */
function credentialValues(migration: SvKmsMigration): { env: EnvVar[]; volumes: unknown[]; mounts: unknown[]; serviceAccountName?: string } {
  const { kms } = migration.spec;
  const { secretRef, serviceAccountName } = kms.credentials;
  if (serviceAccountName !== undefined) return { env: [], volumes: [], mounts: [], serviceAccountName };
  if (!secretRef) {
    throw new RenderProblemsError([
      { path: 'spec.kms.credentials', message: 'set exactly one of spec.kms.credentials.secretRef or spec.kms.credentials.serviceAccountName' },
    ]);
  }
  if (kms.provider === 'aws') {
    const env = [
      secretEnv('AWS_ACCESS_KEY_ID', secretRef.name, secretRef.accessKeyIdKey),
      secretEnv('AWS_SECRET_ACCESS_KEY', secretRef.name, secretRef.secretAccessKeyKey),
    ];
    if (secretRef.sessionTokenKey) env.push(secretEnv('AWS_SESSION_TOKEN', secretRef.name, secretRef.sessionTokenKey));
    return { env, volumes: [], mounts: [] };
  }
  return {
    env: [{ name: GOOGLE_CREDENTIALS_ENV_VAR, value: GOOGLE_CREDENTIALS_PATH }],
    volumes: [{ name: GOOGLE_CREDENTIALS_VOLUME, secret: { secretName: secretRef.name } }],
    mounts: [{ name: GOOGLE_CREDENTIALS_VOLUME, mountPath: GOOGLE_CREDENTIALS_PATH, subPath: secretRef.googleCredentialsKey, readOnly: true }],
  };
}

/** The operator's own participant values for the target version, before merging with base values. */
export function participantOperatorValues(migration: SvKmsMigration, options: VersionOptions = {}): Record<string, unknown> {
  assertRenderable(migration, targetVersion(migration, options));
  const creds = credentialValues(migration);
  const env: EnvVar[] = [...creds.env, ...Object.entries(configEnv(migration, options)).map(([name, value]) => ({ name, value }))];
  const values: Record<string, unknown> = {
    kms: toChartConfigValue(kmsSettings(migration), 'spec.kms'),
    additionalEnvVars: env,
    extraVolumes: creds.volumes,
    extraVolumeMounts: creds.mounts,
  };
  if (creds.serviceAccountName !== undefined) values.serviceAccountName = creds.serviceAccountName;
  return values;
}

/**
 * Renders the splice-participant values for the migration and the target version (`options.version`, else
 * spec.splice.version, else the newest known version), merged over `baseValues` (the user's values): maps deep-
 * merged, the operator's keys win, `kms` is the operator's alone, `additionalEnvVars`/`extraVolumes`/
 * `extraVolumeMounts` merged by `name`. Throws {@link RenderProblemsError} when the KMS settings cannot be rendered
 * for that version (e.g. AWS custom tags before Canton 3.5.8). A version newer than the newest known one is
 * rendered as that one, with a warning.
 */
export function renderParticipantValues(migration: SvKmsMigration, baseValues?: Record<string, unknown>, options: VersionOptions = {}): RenderedValues {
  const version = targetVersion(migration, options);
  const { values, conflicts } = mergeValues(baseValues, participantOperatorValues(migration, { version }), {
    owned: ['kms'],
    listsByName: ['additionalEnvVars', 'extraVolumes', 'extraVolumeMounts'],
  });
  // Old Helm (Go < 1.18 templates) fails on absent lists; the chart needs them present even when empty.
  values.extraVolumes ??= [];
  values.extraVolumeMounts ??= [];
  const note = versionNote(version);
  return renderedValues(values, conflicts, note ? [note] : []);
}

/**
 * The Canton `crypto.kms` object the chart's {@link KMS_ENV_VAR} yields for this migration, as HOCON parses it
 * (kebab-case keys; numbers of 1e6 and more as strings). Custom tags are not in it: they come through
 * {@link CUSTOM_TAGS_ENV_VAR}.
 */
export function expectedKmsConfig(migration: SvKmsMigration, options: VersionOptions = {}): Record<string, unknown> {
  assertRenderable(migration, targetVersion(migration, options));
  return chartConfigAsParsed(kmsSettings(migration), 'spec.kms') as Record<string, unknown>;
}

/** What {@link parseKmsEnv} finds in the env var. */
export interface KmsEnvConfig {
  /** `canton.participants.participant.crypto.provider` (the chart sets `kms`). */
  provider: unknown;
  /** `canton.participants.participant.crypto.kms`. */
  kms: Record<string, unknown>;
}

/**
 * Parses the text of {@link KMS_ENV_VAR} from a deployed participant with the operator's HOCON reader (hocon-parse.ts:
 * no includes, substitutions or lists). Throws when the text is outside that subset or holds no `crypto.kms` object.
 */
export function parseKmsEnv(hoconText: string): KmsEnvConfig {
  const parsed = parseHocon(hoconText);
  let crypto: unknown = parsed;
  for (const seg of [...PARTICIPANT_PATH, 'crypto']) crypto = isPlainObject(crypto) ? crypto[seg] : undefined;
  if (!isPlainObject(crypto) || !isPlainObject(crypto.kms)) throw new Error(`${KMS_ENV_VAR} does not set canton.participants.participant.crypto.kms`);
  return { provider: crypto.provider, kms: crypto.kms };
}
