/**
 * Reads the KMS credentials the spec names from the migration's own namespace (never another one). Every value read is
 * registered with the secret scrubber before anything else can see it.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { KmsCredentialsSpec, SvKmsMigration } from '../../api/types.ts';
import type { KmsCredentials, KmsProvider } from '../../kms/types.ts';
import type { MigrationDeps } from '../ports.ts';

export type CredentialsLookup = { ok: true; credentials: KmsCredentials | undefined } | { ok: false; reason: string; message: string };

type SecretRef = NonNullable<KmsCredentialsSpec['secretRef']>;

/** Per provider: which data keys of the Secret hold credentials, and how they become {@link KmsCredentials}. */
const CREDENTIAL_FORMS: Record<KmsProvider, { keys(ref: SecretRef): string[]; build(ref: SecretRef, value: (key: string) => string): KmsCredentials }> = {
  aws: {
    keys: (ref) => [ref.accessKeyIdKey, ref.secretAccessKeyKey, ...(ref.sessionTokenKey ? [ref.sessionTokenKey] : [])],
    build: (ref, value) => ({
      aws: { accessKeyId: value(ref.accessKeyIdKey), secretAccessKey: value(ref.secretAccessKeyKey), ...(ref.sessionTokenKey ? { sessionToken: value(ref.sessionTokenKey) } : {}) },
    }),
  },
  gcp: {
    keys: (ref) => [ref.googleCredentialsKey],
    build: (ref, value) => ({ gcp: { credentialsJson: value(ref.googleCredentialsKey) } }),
  },
};

/** The decoded value of `key` in a Secret's data, or undefined. */
export function secretValue(secret: V1Secret | undefined, key: string): string | undefined {
  const raw = secret?.data?.[key];
  return raw === undefined ? undefined : Buffer.from(raw, 'base64').toString('utf8');
}

export async function kmsCredentials(m: SvKmsMigration, deps: Pick<MigrationDeps, 'cluster' | 'registerSecret'>): Promise<CredentialsLookup> {
  const { credentials, provider } = m.spec.kms;
  const ref = credentials.secretRef;
  if (!ref) return { ok: true, credentials: undefined }; // workload identity: the operator's ambient credentials
  const ns = m.metadata.namespace;
  const secret = await deps.cluster.secret(ns, ref.name);
  if (!secret) {
    return {
      ok: false,
      reason: 'CredentialsSecretNotFound',
      message: `the KMS credentials Secret ${ns}/${ref.name} (spec.kms.credentials.secretRef.name) does not exist; create it in the migration's namespace`,
    };
  }
  const form = CREDENTIAL_FORMS[provider];
  const need = form.keys(ref);
  const missing = need.filter((k) => secretValue(secret, k) === undefined);
  if (missing.length > 0) {
    return {
      ok: false,
      reason: 'CredentialsKeyMissing',
      message: `the KMS credentials Secret ${ns}/${ref.name} has no data key ${missing.map((k) => `"${k}"`).join(', ')} (has: ${Object.keys(secret.data ?? {}).join(', ') || 'none'}); add it or change spec.kms.credentials.secretRef`,
    };
  }
  for (const k of need) deps.registerSecret(secretValue(secret, k)!);
  return { ok: true, credentials: form.build(ref, (k) => secretValue(secret, k)!) };
}
