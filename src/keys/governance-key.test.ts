import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import { UPSTREAM_DIR } from '../../test/env/binaries.ts';
import {
  checkGovernanceKeyBytes,
  generateGovernanceKey,
  governanceKeyFingerprint,
  governancePrivateKeyObject,
  governancePublicKeyFromSeed,
  governancePublicKeyObject,
} from './governance-key.ts';
import { KeyFormatError } from './encoding.ts';

interface Vector {
  name: string;
  public: string;
  private: string;
}
const vectors = (
  JSON.parse(readFileSync(join(UPSTREAM_DIR, 'derived', 'cometbft-governance-key-test-vectors.json'), 'utf8')) as { vectors: Vector[] }
).vectors;

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('governance key (Ed25519)', () => {
  it('has the upstream test vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(3);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('derives the upstream public key from the seed: %s', (_name, v) => {
    expect(governancePublicKeyFromSeed(b64(v.private)).toString('base64')).toBe(v.public);
    expect(checkGovernanceKeyBytes(b64(v.public), b64(v.private)).toString('base64')).toBe(v.public);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('signs with the seed and verifies with the public key: %s', (_name, v) => {
    const message = Buffer.from('vote request 42');
    const signature = sign(null, message, governancePrivateKeyObject(b64(v.private)));
    expect(verify(null, message, governancePublicKeyObject(b64(v.public)), signature)).toBe(true);
    expect(verify(null, Buffer.from('vote request 43'), governancePublicKeyObject(b64(v.public)), signature)).toBe(false);
  });

  it('rejects a public key of another pair as a mismatch', () => {
    const [a, b] = vectors;
    expect(() => checkGovernanceKeyBytes(b64(b!.public), b64(a!.private))).toThrow(expect.objectContaining({ reason: 'KeyMismatch' }));
  });

  it('generates pairs in the upstream encoding: 44-character base64 of 32 bytes each, public derived from seed', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const pair = await generateGovernanceKey();
      expect(pair.public).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(pair.private).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(governancePublicKeyFromSeed(b64(pair.private)).toString('base64')).toBe(pair.public);
      // Node's own view of the key agrees with the raw encoding.
      const jwk = createPublicKey(governancePrivateKeyObject(b64(pair.private))).export({ format: 'jwk' });
      expect(Buffer.from(jwk.x!, 'base64url').toString('base64')).toBe(pair.public);
      seen.add(pair.private);
    }
    expect(seen.size).toBe(10);
  });

  it('fingerprints the raw public key with SHA-256', () => {
    const v = vectors[0]!;
    // sha256 of the raw key, computed independently of the module.
    const expected = createHashHex(b64(v.public));
    expect(governanceKeyFingerprint(b64(v.public))).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['SPKI DER public key', 'public', 44, /SPKI DER.*last 32 bytes/],
    ['PKCS#8 DER private key', 'private', 48, /PKCS#8 DER.*last 32 bytes/],
    ['64-byte Go/libsodium private key', 'private', 64, /first 32 bytes/],
  ] as const)('explains a wrong length: %s', (_what, half, length, hint) => {
    const v = vectors[0]!;
    const seed = b64(v.private);
    const pub = b64(v.public);
    const bytes =
      length === 44
        ? Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub])
        : length === 48
          ? Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
          : Buffer.concat([seed, pub]);
    const run = () => (half === 'public' ? checkGovernanceKeyBytes(bytes, seed) : checkGovernanceKeyBytes(pub, bytes));
    expect(run).toThrow(KeyFormatError);
    expect(run).toThrow(hint);
    expect(run).toThrow(new RegExp(`\`${half}\` decodes to ${length} bytes`));
  });
});

function createHashHex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
