/**
 * The CometBFT governance key of an SV: Ed25519, stored as the standard base64 of the raw 32-byte public key and of the
 * raw 32-byte private seed (what `scripts/generate-cometbft-governance-keys.sh` prints as `public` / `private`, and
 * what the sv-app's `CometBftGovernanceKey(publicKey, privateKey)` decodes). Node's crypto only, no openssl.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { encodeBase64, generateDerKeyPair, KeyFormatError, sha256Hex, type EncodedKeyPair } from './encoding.ts';

/** Length of the raw Ed25519 public key and of the private seed. */
export const ED25519_KEY_BYTES = 32;

// DER framing of an Ed25519 key (RFC 8410): PKCS#8 is this prefix + the 32-byte seed, SPKI this prefix + the public key.
// This is why upstream's `openssl pkey -outform DER | tail -c 32` yields the raw key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function requireLength(bytes: Uint8Array, what: string): void {
  if (bytes.length !== ED25519_KEY_BYTES) {
    throw new KeyFormatError('WrongLength', `${what} is ${bytes.length} bytes; an Ed25519 ${what} is ${ED25519_KEY_BYTES} bytes`);
  }
}

/** The private key object of a 32-byte seed (for signing). */
export function governancePrivateKeyObject(seed: Uint8Array): KeyObject {
  requireLength(seed, 'private seed');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The public key object of a raw 32-byte public key (for verifying). */
export function governancePublicKeyObject(publicKey: Uint8Array): KeyObject {
  requireLength(publicKey, 'public key');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

/** Derives the raw 32-byte public key from the 32-byte private seed. */
export function governancePublicKeyFromSeed(seed: Uint8Array): Buffer {
  return rawPublicKey(createPublicKey(governancePrivateKeyObject(seed)));
}

/** Generates a fresh governance key pair in the upstream encoding (off the event loop: {@link generateDerKeyPair}). */
export async function generateGovernanceKey(): Promise<EncodedKeyPair> {
  const { publicKey, privateKey } = await generateDerKeyPair({ type: 'ed25519' });
  return { public: encodeBase64(publicKey.subarray(SPKI_PREFIX.length)), private: encodeBase64(privateKey.subarray(PKCS8_PREFIX.length)) };
}

/**
 * Fingerprint of a governance public key: SHA-256 of the raw 32-byte key, hex. Splice defines no fingerprint for this
 * key (it is referenced by its base64 public key), so this is the operator's own, as documented in the CRD status.
 */
export function governanceKeyFingerprint(publicKey: Uint8Array): string {
  requireLength(publicKey, 'public key');
  return sha256Hex(publicKey);
}

/**
 * Checks decoded key bytes: both 32 bytes, and the public key derives from the seed. Returns the public key; throws
 * {@link KeyFormatError} (reasons `WrongLength`, `KeyMismatch`) with a message naming the data key (`public`/`private`).
 */
export function checkGovernanceKeyBytes(publicKey: Buffer, seed: Buffer): Buffer {
  for (const [name, bytes] of [['public', publicKey], ['private', seed]] as const) {
    if (bytes.length !== ED25519_KEY_BYTES) {
      throw new KeyFormatError('WrongLength', `\`${name}\` decodes to ${bytes.length} bytes, but must be the raw ${ED25519_KEY_BYTES}-byte Ed25519 ${name === 'public' ? 'public key' : 'seed'}${lengthHint(bytes)}`);
    }
  }
  if (!governancePublicKeyFromSeed(seed).equals(publicKey)) {
    throw new KeyFormatError('KeyMismatch', '`public` is not the public key of the seed in `private`: the two halves come from different key pairs');
  }
  return publicKey;
}

/** Explains the usual wrong lengths (DER instead of raw, Go/libsodium 64-byte private keys, double encoding). */
function lengthHint(bytes: Buffer): string {
  if (bytes.length === 44 && bytes.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    return ' (it is the 44-byte SPKI DER public key: the raw key is its last 32 bytes, as `openssl pkey -pubout -outform DER | tail -c 32` gives)';
  }
  if (bytes.length === 48 && bytes.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX)) {
    return ' (it is the 48-byte PKCS#8 DER private key: the seed is its last 32 bytes, as `openssl pkey -outform DER | tail -c 32` gives)';
  }
  if (bytes.length === 64) return ' (a 64-byte Ed25519 private key as Go and libsodium write it is the seed followed by the public key: use its first 32 bytes)';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(bytes.toString('latin1'))) return ' (it looks base64-encoded twice)';
  return '';
}
