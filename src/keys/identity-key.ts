/**
 * The SV identity key used for join-with-key onboarding (secret `splice-app-sv-key`): ECDSA P-256, stored as the
 * standard base64 of the SPKI DER public key (91 bytes) and of the PKCS#8 DER private key. The PKCS#8 form may be the
 * 67-byte one without the embedded public key (the Splice docs example) or the 138-byte one Node and openssl 3 write.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { encodeBase64, generateDerKeyPair, KeyFormatError, sha256Hex, type EncodedKeyPair } from './encoding.ts';

/** Node's and OpenSSL's name of P-256. */
export const P256_CURVE = 'prime256v1';
/** Length of a P-256 SPKI DER public key with an uncompressed point, as `openssl ec -pubout -outform DER` writes it. */
export const P256_SPKI_BYTES = 91;

function requireP256(key: KeyObject, name: 'public' | 'private'): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== P256_CURVE) {
    const found = key.asymmetricKeyType === 'ec' ? `an EC key on curve ${curve ?? 'unknown'}` : `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
    throw new KeyFormatError('WrongKeyType', `\`${name}\` is ${found}; the SV identity key must be ECDSA P-256 (prime256v1)`);
  }
}

/** Parses a PKCS#8 DER private key and checks it is P-256. Throws {@link KeyFormatError} (`InvalidKey`, `WrongKeyType`). */
export function identityPrivateKeyObject(pkcs8Der: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(pkcs8Der), format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeyFormatError('InvalidKey', '`private` is not a PKCS#8 DER private key (as `openssl pkcs8 -topk8 -nocrypt -outform DER` writes it)');
  }
  requireP256(key, 'private');
  return key;
}

/** Parses an SPKI DER public key and checks it is P-256. Throws {@link KeyFormatError} (`InvalidKey`, `WrongKeyType`). */
export function identityPublicKeyObject(spkiDer: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch {
    throw new KeyFormatError('InvalidKey', '`public` is not an SPKI DER public key (as `openssl ec -pubout -outform DER` writes it)');
  }
  requireP256(key, 'public');
  return key;
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

/** Derives the SPKI DER public key from a PKCS#8 DER private key (either PKCS#8 form). */
export function identityPublicKeyFromPrivate(pkcs8Der: Uint8Array): Buffer {
  return spki(createPublicKey(identityPrivateKeyObject(pkcs8Der)));
}

/** Generates a fresh SV identity key pair in the upstream encoding (off the event loop: {@link generateDerKeyPair}). */
export async function generateIdentityKey(): Promise<EncodedKeyPair> {
  const { publicKey, privateKey } = await generateDerKeyPair({ type: 'ec', namedCurve: P256_CURVE });
  return { public: encodeBase64(publicKey), private: encodeBase64(privateKey) };
}

/** Fingerprint of an identity public key: SHA-256 of its SPKI DER, hex. */
export function identityKeyFingerprint(spkiDer: Uint8Array): string {
  return sha256Hex(spkiDer);
}

/**
 * Checks decoded key bytes: both parse as P-256, the public key is the 91-byte uncompressed SPKI DER the sv-app
 * expects, and it derives from the private key. Returns the public key; throws {@link KeyFormatError} (reasons
 * `InvalidKey`, `WrongKeyType`, `UnexpectedEncoding`, `KeyMismatch`).
 */
export function checkIdentityKeyBytes(spkiDer: Buffer, pkcs8Der: Buffer): Buffer {
  const derived = createPublicKey(identityPrivateKeyObject(pkcs8Der));
  const given = identityPublicKeyObject(spkiDer);
  // Compare the points, not the bytes: a point may be encoded compressed or uncompressed.
  const point = (key: KeyObject) => {
    const { x, y } = key.export({ format: 'jwk' });
    return `${x}.${y}`;
  };
  if (point(given) !== point(derived)) {
    throw new KeyFormatError('KeyMismatch', '`public` is not the public key of `private`: the two halves come from different key pairs');
  }
  if (!spki(derived).equals(spkiDer)) {
    throw new KeyFormatError(
      'UnexpectedEncoding',
      `\`public\` is the right P-256 key but encoded in ${spkiDer.length} bytes; the sv-app expects the ${P256_SPKI_BYTES}-byte SPKI DER with an uncompressed point (\`openssl ec -pubout -outform DER\`)`,
    );
  }
  return spkiDer;
}
