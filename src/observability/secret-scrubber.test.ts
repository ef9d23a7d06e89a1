import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { REDACTED, SecretScrubber } from './secret-scrubber.ts';

describe('SecretScrubber', () => {
  it('removes a registered secret in raw, base64, base64url and hex form', () => {
    const s = new SecretScrubber();
    const secret = 'client-secret-value-1234';
    s.register(secret);
    const b64 = Buffer.from(secret).toString('base64');
    const hex = Buffer.from(secret).toString('hex');
    const out = s.scrub(`a ${secret} b ${b64} c ${hex} d`);
    expect(out).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED} d`);
  });

  it('treats a base64 value (as in Secret data) as bytes too', () => {
    const s = new SecretScrubber();
    const seed = randomBytes(32);
    s.register(seed.toString('base64'));
    expect(s.scrub(`seed=${seed.toString('hex')}`)).toBe(`seed=${REDACTED}`);
  });

  it('registers a secret once, however often it is read', () => {
    const s = new SecretScrubber();
    s.register('client-secret-value-1234');
    const size = s.size;
    for (let i = 0; i < 3; i++) s.register('client-secret-value-1234');
    expect(s.size).toBe(size);
    expect(s.scrub('x client-secret-value-1234')).toBe(`x ${REDACTED}`);
  });

  it('leaves other text alone and ignores values too short to matter', () => {
    const s = new SecretScrubber();
    s.register('abc');
    expect(s.scrub('abc abcdefgh')).toBe('abc abcdefgh');
    expect(s.size).toBe(0); // 'abc', its base64 (4) and hex (6) forms are all under the 8-character minimum
  });

  it('escapes regular expression characters in secrets', () => {
    const s = new SecretScrubber();
    s.register('p@ss.w*rd+(1)$');
    expect(s.scrub('x p@ss.w*rd+(1)$ y pXss')).toBe(`x ${REDACTED} y pXss`);
  });

  it('replaces a needle that extends another whole, and the union of needles that overlap', () => {
    const s = new SecretScrubber();
    s.register('secret-one-1234');
    s.register('secret-one-1234-and-more');
    expect(s.scrub('a secret-one-1234-and-more b secret-one-1234 c')).toBe(`a ${REDACTED} b ${REDACTED} c`);
    s.register('1234-and-more-overlapping-tail');
    // The registered values overlap in the text: no character of either is left.
    expect(s.scrub('x secret-one-1234-and-more-overlapping-tail y')).toBe(`x ${REDACTED} y`);
  });

  it('finds secrets at the edges of the text and side by side', () => {
    const s = new SecretScrubber();
    s.register('first-secret-value');
    s.register('second-secret-value');
    expect(s.scrub('first-secret-value')).toBe(REDACTED);
    expect(s.scrub('first-secret-valuesecond-secret-value')).toBe(`${REDACTED}${REDACTED}`);
    expect(s.scrub('second-secret-value, then first-secret-value')).toBe(`${REDACTED}, then ${REDACTED}`);
  });

  it('keeps keys of one type apart, though they begin alike (a PKCS#8 header), and finds each in every form', () => {
    const s = new SecretScrubber();
    const keys = Array.from({ length: 300 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const ders = keys.map((k) => k.export({ format: 'der', type: 'pkcs8' }));
    const pems = keys.map((k) => k.export({ format: 'pem', type: 'pkcs8' }) as string);
    // As Kubernetes Secret data: the base64 of the PEM text, and the base64 of the DER bytes.
    for (const pem of pems) s.register(Buffer.from(pem).toString('base64'));
    for (const der of ders) s.register(der.toString('base64'));
    // Every key's forms begin with the same 48 base64 (72 hex) characters; their anchors do not.
    expect(ders.every((d) => d.subarray(0, 36).equals(ders[0]!.subarray(0, 36)))).toBe(true);
    expect(s.largestAnchorList).toBeLessThanOrEqual(2);
    for (const i of [0, 150, 299]) {
      for (const form of [ders[i]!.toString('base64'), ders[i]!.toString('hex'), pems[i]!, Buffer.from(pems[i]!).toString('base64')]) {
        // (base64 padding is no part of a secret, and may stay)
        expect(s.scrub(`key: ${form} end`)).toMatch(/^key: \[REDACTED\]=* end$/);
      }
    }
    // Another key of the same type is not a registered secret, and its text stays.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(s.scrub(other)).toBe(other);
  });

  it('finds every registered secret wherever it sits in a text (the rolling window hash at every position)', () => {
    const s = new SecretScrubber();
    const secrets = Array.from({ length: 50 }, () => randomBytes(12 + (randomBytes(1)[0]! % 40)).toString('hex'));
    for (const secret of secrets) s.register(secret);
    for (let round = 0; round < 200; round++) {
      const secret = secrets[round % secrets.length]!;
      const before = 'é—'.repeat(round % 7) + ' '.repeat(round % 13) + 'text ';
      expect(s.scrub(`${before}${secret} after`)).toBe(`${before}${REDACTED} after`);
    }
  });
});
