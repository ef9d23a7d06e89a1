import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
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
});
