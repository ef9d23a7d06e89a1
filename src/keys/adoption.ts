/**
 * Checks an existing key Secret before the operator adopts it (DESIGN §5: an existing key Secret is never overwritten,
 * regenerated or deleted; it is adopted only when it is sound, otherwise the migration stalls with a clear reason).
 * Every message says what is wrong and how to fix it, and never contains key material.
 */
import { decodeStrictBase64, encodeBase64, KeyFormatError, type EncodedKeyPair, type KeyFormatReason } from './encoding.ts';
import { KEY_KIND_INFO, type KeyKind } from './key-kinds.ts';

export type { KeyKind } from './key-kinds.ts';

/** The data keys the splice-sv-node chart reads from both key Secrets. */
export const KEY_SECRET_DATA_KEYS = ['public', 'private'] as const;

/** Why a key Secret cannot be adopted. */
export type KeySecretReason =
  | 'SecretHasNoData'
  | 'UpstreamDocsKeyNames'
  | 'MissingKeys'
  | 'CorruptSecretData'
  | 'ValueHasWhitespace'
  | 'PemInsteadOfBase64'
  | 'NotBase64'
  | KeyFormatReason;

/** Result of {@link checkKeySecret}: the public key (base64, as stored) and its fingerprint, or why not. */
export type KeySecretCheck =
  | { ok: true; publicKey: string; fingerprint: string }
  | { ok: false; reason: KeySecretReason; message: string };

/** Where the Secret lives, for the fix-it commands in messages. */
export interface KeySecretRef {
  name?: string;
  namespace?: string;
}

/**
 * Checks the `.data` of a key Secret (values base64 as Kubernetes stores them; each decodes to the base64 text of a key
 * half). Whitespace around a value (typical of `echo` without `-n`) is refused, not repaired: the sv-app's decoder
 * would fail on it at start-up, so the Secret must be fixed where it is defined.
 */
export function checkKeySecret(kind: KeyKind, data: Record<string, string> | undefined, ref: KeySecretRef = {}): KeySecretCheck {
  const info = KEY_KIND_INFO[kind];
  const name = ref.name ?? info.defaultSecretName;
  const ns = ref.namespace ?? '<namespace>';
  const subject = `The ${info.title} Secret ${ref.namespace ? `${ref.namespace}/` : ''}${name}`;
  const fail = (reason: KeySecretReason, message: string): KeySecretCheck => ({ ok: false, reason, message: `${subject} ${message}` });
  const replaceAdvice = replacementAdvice(kind, name, ns);

  const present = Object.keys(data ?? {});
  if (present.length === 0) return fail('SecretHasNoData', `has no data; it needs the keys \`public\` and \`private\`. ${replaceAdvice}`);

  const missing = KEY_SECRET_DATA_KEYS.filter((k) => data?.[k] === undefined);
  if (missing.length > 0) {
    const docsNames = { public: 'publicKey', private: 'privateKey' } as const;
    const movable = missing.filter((k) => data?.[docsNames[k]] !== undefined);
    if (movable.length === missing.length) {
      const ops = movable.map((k) => `{"op":"move","from":"/data/${docsNames[k]}","path":"/data/${k}"}`).join(',');
      return fail(
        'UpstreamDocsKeyNames',
        `has the data keys ${movable.map((k) => `\`${docsNames[k]}\``).join(' and ')} (as the Splice docs' kubectl command creates them), ` +
          `but the splice-sv-node chart reads \`public\` and \`private\`. Rename them in place, without printing the key: ` +
          `kubectl -n ${ns} patch secret ${name} --type=json -p '[${ops}]'`,
      );
    }
    return fail(
      'MissingKeys',
      `lacks the data key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `\`${k}\``).join(' and ')} (it has: ${present.map((k) => `\`${k}\``).join(', ')}); ` +
        `the splice-sv-node chart reads \`public\` and \`private\`. ${replaceAdvice}`,
    );
  }

  const decoded: Partial<Record<(typeof KEY_SECRET_DATA_KEYS)[number], Buffer>> = {};
  for (const key of KEY_SECRET_DATA_KEYS) {
    const stored = decodeStrictBase64(data?.[key] ?? '');
    if (!stored.ok) return fail('CorruptSecretData', `has a \`${key}\` value that is not valid Secret data (Kubernetes stores .data base64-encoded). ${replaceAdvice}`);
    const text = stored.bytes.toString('latin1');
    const inner = decodeStrictBase64(text);
    if (inner.ok) {
      decoded[key] = inner.bytes;
      continue;
    }
    switch (inner.kind) {
      case 'Whitespace':
        return fail(
          'ValueHasWhitespace',
          `has a \`${key}\` value that ${inner.detail} (typical of \`echo\` without -n or an editor); the sv-app cannot decode it. ` +
            `Strip it in place, without printing the key: kubectl -n ${ns} get secret ${name} -o json | ` +
            `jq '.data["${key}"] |= (@base64d | gsub("\\\\s"; "") | @base64)' | kubectl apply -f -`,
        );
      case 'Pem':
        return fail('PemInsteadOfBase64', `has a \`${key}\` value that ${inner.detail}. ${formatAdvice(kind)} ${replaceAdvice}`);
      case 'NotBase64': {
        const rawHint = inner.detail.startsWith('holds raw bytes')
          ? ' The key bytes were probably put under `data:` directly; the chart expects the base64 text itself as the value (put it under `stringData:`, or base64-encode it once more under `data:`).'
          : '';
        return fail('NotBase64', `has a \`${key}\` value that ${inner.detail}.${rawHint} ${formatAdvice(kind)} ${replaceAdvice}`);
      }
    }
  }

  let publicKey: Buffer;
  try {
    publicKey = info.checkBytes(decoded.public!, decoded.private!);
  } catch (err) {
    if (!(err instanceof KeyFormatError)) throw err;
    return fail(err.reason, `is not a sound key pair: ${err.message}. ${formatAdvice(kind)} ${replaceAdvice}`);
  }
  return { ok: true, publicKey: encodeBase64(publicKey), fingerprint: info.fingerprint(publicKey) };
}

function formatAdvice(kind: KeyKind): string {
  return kind === 'governance'
    ? 'Expected: `public` = standard base64 of the raw 32-byte Ed25519 public key, `private` = standard base64 of the raw 32-byte seed.'
    : 'Expected: `public` = standard base64 of the P-256 SPKI DER public key, `private` = standard base64 of the PKCS#8 DER private key.';
}

function replacementAdvice(kind: KeyKind, name: string, ns: string): string {
  const reapproval = kind === 'identity' ? ' A new identity key must be approved again by the other SVs (approvedSvIdentities).' : '';
  return (
    `Fix the Secret from your key backup, or, if this key was never used, delete it and let the operator generate one ` +
    `(or create one with \`sv-kms keygen ${kind} --format secret-yaml --name ${name} --namespace ${ns} | kubectl apply -f -\`).${reapproval}`
  );
}

/**
 * The `.data` of a key Secret holding `pair` (each value base64-encoded once more, as Kubernetes stores `.data`). `data`
 * rather than `stringData` because it is what the API server returns, so `checkKeySecret(kind, keySecretData(pair))`
 * checks exactly what will be stored, and it matches how upstream's Pulumi code writes these Secrets.
 */
export function keySecretData(pair: EncodedKeyPair): Record<(typeof KEY_SECRET_DATA_KEYS)[number], string> {
  return { public: Buffer.from(pair.public, 'utf8').toString('base64'), private: Buffer.from(pair.private, 'utf8').toString('base64') };
}
