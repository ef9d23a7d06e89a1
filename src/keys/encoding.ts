/**
 * Byte encodings shared by the governance and identity keys: strict standard base64 (what the Splice apps decode with
 * Java's `Base64.getDecoder()`, which rejects whitespace, URL-safe characters and missing padding), fingerprints, and
 * the generation of a pair in DER.
 */
import { createHash, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

/**
 * A fresh key pair in DER (SPKI public key, PKCS#8 private key). It is made and encoded by an asynchronous crypto job
 * in libuv's thread pool, not on the event loop, so a reconcile generating a key does not hold up the others.
 */
export function generateDerKeyPair(kind: { type: 'ed25519' } | { type: 'ec'; namedCurve: string }): Promise<{ publicKey: Buffer; privateKey: Buffer }> {
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'der' } as const;
  return kind.type === 'ed25519' ? generate('ed25519', { publicKeyEncoding, privateKeyEncoding }) : generate('ec', { namedCurve: kind.namedCurve, publicKeyEncoding, privateKeyEncoding });
}

/** Why a text is not strict standard base64. `detail` describes the text's shape, never its content. */
export type Base64Failure =
  | { kind: 'Whitespace'; detail: string }
  | { kind: 'Pem'; detail: string }
  | { kind: 'NotBase64'; detail: string };

/** Result of {@link decodeStrictBase64}. */
export type Base64Decoding = { ok: true; bytes: Buffer } | ({ ok: false } & Base64Failure);

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard base64 with padding, refusing anything Node's lenient decoder would silently repair: surrounding or
 * embedded whitespace (a trailing newline from `echo`), PEM armour, the URL-safe alphabet, missing padding and
 * non-canonical trailing bits.
 */
export function decodeStrictBase64(text: string): Base64Decoding {
  if (text.length === 0) return { ok: false, kind: 'NotBase64', detail: 'is empty' };
  if (text.trimStart().startsWith('-----BEGIN')) {
    return { ok: false, kind: 'Pem', detail: 'is PEM text (-----BEGIN ...), not the base64 of the DER/raw key' };
  }
  // Raw key bytes (binary) first: they may contain whitespace bytes by chance.
  if (/[^\x20-\x7e\t\n\r]/.test(text)) return { ok: false, kind: 'NotBase64', detail: 'holds raw bytes, not base64 text' };
  if (/\s/.test(text)) {
    const where = /^\s/.test(text) || /\s$/.test(text) ? (/\n$/.test(text) ? 'ends with a newline' : 'starts or ends with whitespace') : 'contains whitespace or a line break';
    return { ok: false, kind: 'Whitespace', detail: where };
  }
  if (!STRICT_BASE64.test(text)) {
    let detail: string;
    if (/[-_]/.test(text) && /^[A-Za-z0-9_-]+=*$/.test(text)) detail = 'uses the URL-safe base64 alphabet (- and _); standard base64 (+ and /) is required';
    else if (/^[A-Za-z0-9+/]+$/.test(text)) detail = `has ${text.length} characters, not a multiple of 4: the = padding is missing`;
    else detail = 'contains characters outside the standard base64 alphabet';
    return { ok: false, kind: 'NotBase64', detail };
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    return { ok: false, kind: 'NotBase64', detail: 'is not canonical base64 (the bits after the last byte are not zero)' };
  }
  return { ok: true, bytes };
}

/** Standard base64 with padding, as the Splice apps expect. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** SHA-256 of `bytes`, lower-case hex: the key fingerprint shown in status and in `sv-kms keygen` output. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A key pair in the upstream JSON format (`scripts/generate-cometbft-governance-keys.sh`): base64 text of each half. */
export interface EncodedKeyPair {
  public: string;
  private: string;
}

/** Why key bytes are not a key of the expected kind. */
export type KeyFormatReason = 'WrongLength' | 'InvalidKey' | 'WrongKeyType' | 'UnexpectedEncoding' | 'KeyMismatch';

/** Thrown by the key modules when bytes are not a key of the expected kind. Its message never holds key material. */
export class KeyFormatError extends Error {
  readonly reason: KeyFormatReason;
  constructor(reason: KeyFormatReason, message: string) {
    super(message);
    this.name = 'KeyFormatError';
    this.reason = reason;
  }
}
