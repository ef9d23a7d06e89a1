import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UPSTREAM_DIR } from '../../test/env/binaries.ts';
import { checkKeySecret, keySecretData, type KeySecretCheck } from './adoption.ts';
import { generateGovernanceKey, governanceKeyFingerprint } from './governance-key.ts';
import { generateIdentityKey, identityKeyFingerprint } from './identity-key.ts';
import type { EncodedKeyPair } from './encoding.ts';

const derived = join(UPSTREAM_DIR, 'derived');
const governanceVectors = (
  JSON.parse(readFileSync(join(derived, 'cometbft-governance-key-test-vectors.json'), 'utf8')) as { vectors: EncodedKeyPair[] }
).vectors;
const identityVector = JSON.parse(readFileSync(join(derived, 'sv-identity-key-test-vector.json'), 'utf8')) as { publicKey: string; privateKey: string };
const identityPair: EncodedKeyPair = { public: identityVector.publicKey, private: identityVector.privateKey };

/** Secret `.data` as Kubernetes stores it: each value base64 of the given text. */
const stored = (values: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'latin1').toString('base64')]));

/** Every encoding of key material a message must not contain: the texts, their stored form, and hex of the bytes. */
function secretsOf(...pairs: EncodedKeyPair[]): string[] {
  return pairs.flatMap((p) =>
    [p.public, p.private].flatMap((text) => {
      const bytes = Buffer.from(text, 'base64');
      return [text, Buffer.from(text).toString('base64'), bytes.toString('hex'), bytes.subarray(-32).toString('base64url')];
    }),
  );
}

function expectRefused(result: KeySecretCheck, reason: string, mentions: RegExp[], pairs: EncodedKeyPair[]): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.reason).toBe(reason);
  for (const m of mentions) expect(result.message).toMatch(m);
  for (const secret of secretsOf(...pairs)) {
    expect(result.message).not.toContain(secret);
    // no 16-character run of any of them either (partial leaks)
    for (let i = 0; i + 16 <= secret.length; i += 8) expect(result.message).not.toContain(secret.slice(i, i + 16));
  }
}

describe('checkKeySecret: adoption of an existing key Secret', () => {
  it.each(governanceVectors.map((v) => [v.public, v] as const))('adopts the upstream governance pair %s unchanged', (_pub, v) => {
    const data = keySecretData(v);
    const before = structuredClone(data);
    const result = checkKeySecret('governance', data);
    expect(result).toEqual({ ok: true, publicKey: v.public, fingerprint: governanceKeyFingerprint(Buffer.from(v.public, 'base64')) });
    expect(data).toEqual(before);
  });

  it('adopts the upstream identity pair (67-byte PKCS#8) and a generated one (138-byte PKCS#8)', async () => {
    for (const pair of [identityPair, await generateIdentityKey()]) {
      const result = checkKeySecret('identity', keySecretData(pair));
      expect(result).toEqual({ ok: true, publicKey: pair.public, fingerprint: identityKeyFingerprint(Buffer.from(pair.public, 'base64')) });
    }
  });

  it('adopts generated governance pairs; keySecretData is the base64 .data form of the upstream texts', async () => {
    const pair = await generateGovernanceKey();
    const data = keySecretData(pair);
    expect(Buffer.from(data.public, 'base64').toString()).toBe(pair.public);
    expect(Buffer.from(data.private, 'base64').toString()).toBe(pair.private);
    expect(checkKeySecret('governance', data).ok).toBe(true);
  });

  it('ignores extra data keys next to public/private', () => {
    const v = governanceVectors[0]!;
    expect(checkKeySecret('governance', { ...keySecretData(v), note: stored({ note: 'made by hand' }).note! }).ok).toBe(true);
  });

  const gov = governanceVectors[0]!;
  const gov2 = governanceVectors[1]!;

  it('refuses the publicKey/privateKey names of the upstream docs, with a patch command that renames them without printing them', () => {
    const result = checkKeySecret('governance', stored({ publicKey: gov.public, privateKey: gov.private }), { name: 'gov-key', namespace: 'sv-kms' });
    expectRefused(
      result,
      'UpstreamDocsKeyNames',
      [/`publicKey` and `privateKey`/, /reads `public` and `private`/, /kubectl -n sv-kms patch secret gov-key --type=json/, /"op":"move","from":"\/data\/publicKey","path":"\/data\/public"/, /sv-kms\/gov-key/],
      [gov],
    );
  });

  it('says which key is missing', () => {
    expectRefused(checkKeySecret('governance', stored({ public: gov.public })), 'MissingKeys', [/lacks the data key `private`/, /it has: `public`/], [gov]);
    expectRefused(checkKeySecret('identity', stored({ pub: identityPair.public })), 'MissingKeys', [/`public` and `private`/, /sv-kms keygen identity/, /approved again/], [identityPair]);
  });

  it('refuses a Secret without data', () => {
    expectRefused(checkKeySecret('governance', undefined), 'SecretHasNoData', [/has no data/], []);
    expectRefused(checkKeySecret('identity', {}), 'SecretHasNoData', [/splice-app-sv-key/], []);
  });

  it('refuses a mismatched pair', async () => {
    expectRefused(
      checkKeySecret('governance', keySecretData({ public: gov2.public, private: gov.private })),
      'KeyMismatch',
      [/`public` is not the public key of the seed in `private`/, /sv-kms keygen governance/],
      [gov, gov2],
    );
    const other = await generateIdentityKey();
    expectRefused(checkKeySecret('identity', keySecretData({ public: other.public, private: identityPair.private })), 'KeyMismatch', [/different key pairs/], [other, identityPair]);
  });

  it.each([
    ['URL-safe alphabet', (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/^./, '-'), /URL-safe/],
    ['missing padding', (s: string) => s.replace(/=+$/, ''), /padding is missing/],
    ['foreign characters', (s: string) => `${s.slice(0, 10)}*${s.slice(11)}`, /outside the standard base64 alphabet/],
  ] as const)('refuses bad base64 (%s) and names the key', (_what, spoil, hint) => {
    expectRefused(checkKeySecret('governance', stored({ public: gov.public, private: spoil(gov.private) })), 'NotBase64', [/`private`/, hint], [gov]);
  });

  it('recognises raw key bytes stored under data: without the base64 text', () => {
    const data = { public: gov.public, private: gov.private }; // the key's base64 put directly into .data
    expectRefused(checkKeySecret('governance', data), 'NotBase64', [/raw bytes/, /stringData/], [gov]);
  });

  it.each([
    ['a trailing newline (echo)', (s: string) => `${s}\n`, /ends with a newline/],
    ['a leading space', (s: string) => ` ${s}`, /whitespace/],
    ['a line break inside (base64 -w 76)', (s: string) => `${s.slice(0, 20)}\n${s.slice(20)}`, /line break/],
  ] as const)('refuses a value with %s and shows a fix that does not print the key', (_what, spoil, detail) => {
    expectRefused(
      checkKeySecret('governance', stored({ public: spoil(gov.public), private: gov.private }), { namespace: 'sv' }),
      'ValueHasWhitespace',
      [/`public`/, detail, /kubectl -n sv get secret splice-app-sv-cometbft-governance-key -o json \| jq .* \| kubectl apply -f -/],
      [gov],
    );
  });

  it('refuses PEM text', () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${identityPair.public}\n-----END PUBLIC KEY-----\n`;
    expectRefused(checkKeySecret('identity', stored({ public: pem, private: identityPair.private })), 'PemInsteadOfBase64', [/PEM/, /SPKI DER/], [identityPair]);
  });

  it('refuses a wrong length and says what the bytes look like', () => {
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(gov.public, 'base64')]).toString('base64');
    expectRefused(
      checkKeySecret('governance', stored({ public: spki, private: gov.private })),
      'WrongLength',
      [/`public` decodes to 44 bytes/, /raw 32-byte/, /last 32 bytes/],
      [gov],
    );
    const twice = Buffer.from(gov.private).toString('base64');
    expectRefused(checkKeySecret('governance', stored({ public: gov.public, private: twice })), 'WrongLength', [/base64-encoded twice/], [gov]);
  });

  it('refuses an identity key on the wrong curve and one that is not DER', async () => {
    const gen = await generateGovernanceKey();
    expectRefused(checkKeySecret('identity', stored({ public: identityPair.public, private: gen.private })), 'InvalidKey', [/PKCS#8/], [identityPair, gen]);
  });

  it('refuses corrupt Secret data (not base64 at the Kubernetes level)', () => {
    expectRefused(checkKeySecret('governance', { public: 'not base64!', private: keySecretData(gov).private }), 'CorruptSecretData', [/`public`/], [gov]);
  });
});
