import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { UPSTREAM_DIR } from '../../test/env/binaries.ts';
import { checkIdentityKeyBytes, generateIdentityKey, identityKeyFingerprint, identityPublicKeyFromPrivate, P256_SPKI_BYTES } from './identity-key.ts';

const vector = JSON.parse(readFileSync(join(UPSTREAM_DIR, 'derived', 'sv-identity-key-test-vector.json'), 'utf8')) as {
  publicKey: string;
  privateKey: string;
};
const b64 = (s: string) => Buffer.from(s, 'base64');

describe('SV identity key (P-256)', () => {
  it('derives the upstream docs public key from the 67-byte PKCS#8 private key without embedded public key', () => {
    expect(b64(vector.privateKey).length).toBe(67);
    expect(identityPublicKeyFromPrivate(b64(vector.privateKey)).toString('base64')).toBe(vector.publicKey);
    expect(checkIdentityKeyBytes(b64(vector.publicKey), b64(vector.privateKey)).toString('base64')).toBe(vector.publicKey);
  });

  it('parses the upstream vector as P-256', () => {
    const key = createPublicKey({ key: b64(vector.publicKey), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('generates P-256 pairs: 91-byte SPKI DER, 138-byte PKCS#8 DER, public derived from private, signatures verify', async () => {
    const pair = await generateIdentityKey();
    const pub = createPublicKey({ key: b64(pair.public), format: 'der', type: 'spki' });
    const priv = createPrivateKey({ key: b64(pair.private), format: 'der', type: 'pkcs8' });
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(priv.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(b64(pair.public).length).toBe(P256_SPKI_BYTES);
    expect(b64(pair.private).length).toBe(138);
    expect(checkIdentityKeyBytes(b64(pair.public), b64(pair.private)).toString('base64')).toBe(pair.public);
    const signature = sign('sha256', Buffer.from('onboard me'), priv);
    expect(verify('sha256', Buffer.from('onboard me'), pub, signature)).toBe(true);
  });

  it('refuses a pair whose halves do not match', async () => {
    const other = await generateIdentityKey();
    expect(() => checkIdentityKeyBytes(b64(other.public), b64(vector.privateKey))).toThrow(expect.objectContaining({ reason: 'KeyMismatch' }));
  });

  it.each([
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }), /curve secp384r1/],
    ['Ed25519', () => generateKeyPairSync('ed25519'), /a key of type ed25519/],
  ] as const)('refuses a %s key as the wrong key type', (_name, make, found) => {
    const { publicKey, privateKey } = make();
    const pub = publicKey.export({ format: 'der', type: 'spki' });
    const priv = privateKey.export({ format: 'der', type: 'pkcs8' });
    const run = () => checkIdentityKeyBytes(pub, priv);
    expect(run).toThrow(expect.objectContaining({ reason: 'WrongKeyType' }));
    expect(run).toThrow(found);
  });

  it('refuses bytes that are no DER key', () => {
    expect(() => checkIdentityKeyBytes(b64(vector.publicKey), Buffer.alloc(32, 7))).toThrow(expect.objectContaining({ reason: 'InvalidKey' }));
  });

  it('refuses the right key in compressed-point encoding, which the sv-app cannot read', () => {
    const spki = b64(vector.publicKey);
    const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const y = Buffer.from(jwk.y!, 'base64url');
    const x = Buffer.from(jwk.x!, 'base64url');
    // SPKI of a compressed P-256 point: same algorithm identifier, BIT STRING of 34 bytes (0 unused bits + 33).
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      Buffer.from([y[y.length - 1]! & 1 ? 3 : 2]),
      x,
    ]);
    expect(() => checkIdentityKeyBytes(compressed, b64(vector.privateKey))).toThrow(expect.objectContaining({ reason: 'UnexpectedEncoding' }));
  });

  it('fingerprints the SPKI DER with SHA-256', async () => {
    expect(identityKeyFingerprint(b64(vector.publicKey))).toMatch(/^[0-9a-f]{64}$/);
    expect(identityKeyFingerprint(b64(vector.publicKey))).not.toBe(identityKeyFingerprint(b64((await generateIdentityKey()).public)));
  });
});
