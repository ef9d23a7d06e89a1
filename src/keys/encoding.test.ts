import { describe, it, expect } from '@jest/globals';
import { decodeStrictBase64 } from './encoding.ts';

describe('decodeStrictBase64', () => {
  it('decodes canonical standard base64', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0x01, 0x02]);
    const r = decodeStrictBase64(bytes.toString('base64'));
    expect(r.ok && r.bytes.equals(bytes)).toBe(true);
  });

  it.each([
    ['', 'NotBase64', /empty/],
    ['+/8BAg==\n', 'Whitespace', /ends with a newline/],
    ['+/8B\nAg==', 'Whitespace', /line break/],
    ['-_8BAg==', 'NotBase64', /URL-safe/],
    ['+/8BAg', 'NotBase64', /padding is missing/],
    ['+/8BAh==', 'NotBase64', /not canonical/], // Node would silently decode this to the same bytes as +/8BAg==
    ['+/8B*g==', 'NotBase64', /outside the standard base64 alphabet/],
    ['\u00fb\u00ff\u0001\u0002', 'NotBase64', /raw bytes/],
    ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'Pem', /PEM/],
  ])('refuses %j as %s', (text, kind, detail) => {
    const r = decodeStrictBase64(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe(kind);
    expect(r.detail).toMatch(detail);
  });
});
