/**
 * Values for the splice-participant chart of the new SV: the `kms` map (pre-quoted for the chart's unquoted HOCON
 * printing), credential wiring that references Secrets (never inlines them), and the operator's own
 * `ADDITIONAL_CONFIG_*` env vars for settings the `kms` map cannot carry (session key cache, AWS custom tags).
 * Also what the controller needs to check a deployed participant against the migration.
 */
import type { SvKmsMigration } from '../api/types.ts';
import { checkKmsExtraConfig, PROTOTYPE_KEY_MESSAGE } from './catalogue.ts';
import { chartConfigAsParsed, hoconDocument, isPrototypeMemberName, parseHocon, toChartConfigValue, type ConfigObject } from './hocon.ts';
import { isPlainObject } from '../util/json.ts';
import { mergeValues, renderedValues, RenderProblemsError, type RenderedValues } from './values.ts';

/** The env var the chart fills from `.Values.kms`. */
export const KMS_ENV_VAR = 'ADDITIONAL_CONFIG_SPLICE_PARTICIPANT_CRYPTO_PROVIDER_KMS';
/** The operator's env var for the session encryption key cache. */
export const SESSION_KEY_CACHE_ENV_VAR = 'ADDITIONAL_CONFIG_SVKMS_SESSION_ENCRYPTION_KEY_CACHE';
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

function assertRenderable(migration: SvKmsMigration): void {
  const problems = checkKmsExtraConfig(migration.spec);
  if (problems.length > 0) throw new RenderProblemsError(problems);
}

function customTags(migration: SvKmsMigration): Record<string, string> | undefined {
  const { kms } = migration.spec;
  if (kms.provider !== 'aws' || !kms.aws?.customTags) return undefined;
  const tags = Object.fromEntries(Object.entries(kms.aws.customTags).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return Object.keys(tags).length > 0 ? tags : undefined;
}

/** HOCON of the session encryption key cache (`parameters.caching.session-encryption-key-cache`). */
export function sessionKeyCacheHocon(migration: SvKmsMigration): string {
  const { encryptionKeyCacheTtl, encryptionKeyCacheSize } = migration.spec.kms.sessionKeys;
  const cache: ConfigObject = { 'maximum-size': encryptionKeyCacheSize, 'expire-after-timeout': encryptionKeyCacheTtl };
  return hoconDocument([...PARTICIPANT_PATH, 'parameters', 'caching', 'session-encryption-key-cache'], {
    'sender-cache': cache,
    'receiver-cache': { ...cache },
  });
}

/** HOCON of the AWS custom tags (`crypto.kms.custom-tags`, keys verbatim), or undefined when there are none. */
export function customTagsHocon(migration: SvKmsMigration): string | undefined {
  const tags = customTags(migration);
  return tags && hoconDocument([...PARTICIPANT_PATH, 'crypto', 'kms', 'custom-tags'], tags);
}

/**
 * Env vars with a literal value that the operator sets on the participant, by name (exactly as the Deployment
 * carries them): the session key cache, custom tags (when any), the GCP credentials path (with a credentials Secret).
 */
export function expectedLiteralEnv(migration: SvKmsMigration): Record<string, string> {
  const env: Record<string, string> = { [SESSION_KEY_CACHE_ENV_VAR]: sessionKeyCacheHocon(migration) };
  const tags = customTagsHocon(migration);
  if (tags) env[CUSTOM_TAGS_ENV_VAR] = tags;
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

/** The operator's own participant values, before merging with base values. */
export function participantOperatorValues(migration: SvKmsMigration): Record<string, unknown> {
  assertRenderable(migration);
  const creds = credentialValues(migration);
  const env: EnvVar[] = [...creds.env, { name: SESSION_KEY_CACHE_ENV_VAR, value: sessionKeyCacheHocon(migration) }];
  const tags = customTagsHocon(migration);
  if (tags) env.push({ name: CUSTOM_TAGS_ENV_VAR, value: tags });
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
 * Renders the splice-participant values for the migration, merged over `baseValues` (the user's values): maps deep-
 * merged, the operator's keys win, `kms` is the operator's alone, `additionalEnvVars`/`extraVolumes`/
 * `extraVolumeMounts` merged by `name`. Throws {@link RenderProblemsError} when the KMS settings cannot be rendered.
 */
export function renderParticipantValues(migration: SvKmsMigration, baseValues?: Record<string, unknown>): RenderedValues {
  const { values, conflicts } = mergeValues(baseValues, participantOperatorValues(migration), {
    owned: ['kms'],
    listsByName: ['additionalEnvVars', 'extraVolumes', 'extraVolumeMounts'],
  });
  // Old Helm (Go < 1.18 templates) fails on absent lists; the chart needs them present even when empty.
  values.extraVolumes ??= [];
  values.extraVolumeMounts ??= [];
  return renderedValues(values, conflicts);
}

/**
 * The Canton `crypto.kms` object the chart's {@link KMS_ENV_VAR} yields for this migration, as HOCON parses it
 * (kebab-case keys; numbers of 1e6 and more as strings). Custom tags are not in it: they come through
 * {@link CUSTOM_TAGS_ENV_VAR}.
 */
export function expectedKmsConfig(migration: SvKmsMigration): Record<string, unknown> {
  assertRenderable(migration);
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
 * Parses the text of {@link KMS_ENV_VAR} from a deployed participant. Environment substitutions (`${?X}`) are not
 * resolved: a field set only through one is absent. Throws when the text is not HOCON, uses includes or the parser's
 * transforms, or holds no `crypto.kms` object.
 */
export async function parseKmsEnv(hoconText: string): Promise<KmsEnvConfig> {
  const parsed = await parseHocon(hoconText);
  let crypto: unknown = parsed;
  for (const seg of [...PARTICIPANT_PATH, 'crypto']) crypto = isPlainObject(crypto) ? crypto[seg] : undefined;
  if (!isPlainObject(crypto) || !isPlainObject(crypto.kms)) throw new Error(`${KMS_ENV_VAR} does not set canton.participants.participant.crypto.kms`);
  return { provider: crypto.provider, kms: crypto.kms };
}
