import { describe, it, expect, afterEach } from '@jest/globals';
import fc from 'fast-check';
import { HoconSyntaxError, MAX_HOCON_DEPTH, parseHocon } from '../../../src/render/hocon-parse.ts';

const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
const PROTOTYPE_NAMES = ['__proto__', 'prototype', ...OBJECT_PROTOTYPE_NAMES];

describe('parseHocon: the subset', () => {
  it('reads what the participant chart writes (the upstream AWS example render)', () => {
    const text = 'canton.participants.participant.crypto {\n  provider = kms\n  kms = {\n    region = "us-east-1"\n    type = "aws"\n    multi-region-key = false\n  }\n}\n';
    expect(parseHocon(text)).toEqual({ canton: { participants: { participant: { crypto: { provider: 'kms', kms: { region: 'us-east-1', type: 'aws', 'multi-region-key': false } } } } } });
  });

  it('reads separators, comments, numbers, words, quoted key paths and merges duplicates as HOCON does', () => {
    const text = [
      '# a comment',
      'a.b = 1 // another',
      'a { c: "x", d = true, }',
      '"a"."e.f" = -2.5',
      'g = 500ms',
      'h = some-word_1.2',
      'a.b { z = 1 }',
      'i = 1',
      'i = 2',
      '{ }',
    ].slice(0, 9).join('\n');
    expect(parseHocon(text)).toEqual({ a: { b: { z: 1 }, c: 'x', d: true, 'e.f': -2.5 }, g: '500ms', h: 'some-word_1.2', i: 2 });
    expect(parseHocon('{ a = 1, b { c = "d" } }')).toEqual({ a: 1, b: { c: 'd' } });
    expect(parseHocon('')).toEqual({});
    expect(parseHocon('a = 1e3\nb = 0\nc = 2147483647')).toEqual({ a: 1000, b: 0, c: 2147483647 });
    expect(parseHocon('a = "\\u00e9\\n\\t\\"\\\\\\/"')).toEqual({ a: 'é\n\t"\\/' });
    expect(parseHocon('a."" = 1')).toEqual({ a: { '': 1 } });
  });

  it('refuses everything outside the subset, naming line, column and what to do', () => {
    const refused: [string, RegExp][] = [
      ['include "x.conf"', /include is not supported/],
      ['a { include file("/etc/passwd") }', /include is not supported/],
      ['a = ${HOME}', /substitutions/],
      ['a = ${?HOME}', /substitutions/],
      ['a = 1\na += 2', /\+= is not supported/],
      ['a = [1, 2]', /lists are not supported/],
      ['a = null', /null is not supported/],
      ['a = """x"""', /triple-quoted/],
      ['a = b c', /value concatenation/],
      ['a = https://x:443', /value concatenation|unexpected/],
      ['a = 0123', /neither a number nor a word/],
      ['a = 1.2.3', /neither a number nor a word/],
      ['a = 9007199254740993', /too large/],
      ['a = "unterminated', /unterminated quoted string/],
      ['a = "line\nbreak"', /control character or line break/],
      ['a = "\\x"', /invalid escape/],
      ['a..b = 1', /empty path element/],
      ['.a = 1', /empty path element/],
      ['a = 1 b = 2', /value concatenation/],
      ['a { b = 1', /missing }/],
      ['}', /unexpected }/],
      ['a = 1,,b = 2', /unexpected ,/],
      ['a b = 1', /expected =, : or {/],
      ['a =\n1', /unexpected/],
      ['{ a = 1 } b = 2', /after the closing }/],
    ];
    for (const [text, message] of refused) {
      expect(() => parseHocon(text)).toThrow(HoconSyntaxError);
      expect(() => parseHocon(text)).toThrow(message);
    }
    expect(() => parseHocon('a = 1\nb = ${X}')).toThrow(/^HOCON line 2, column 5: /);
  });

  it('bounds nesting', () => {
    const deep = (n: number) => `${'a {'.repeat(n)}${'}'.repeat(n)}`;
    expect(() => parseHocon(deep(MAX_HOCON_DEPTH - 1))).not.toThrow();
    expect(() => parseHocon(deep(MAX_HOCON_DEPTH + 1))).toThrow(/nest more than/);
  });
});

describe('parseHocon: hostile input', () => {
  afterEach(() => {
    delete process.env.SVKMS_TEST_SECRET;
  });

  it('stores prototype member names as plain own keys and never touches a prototype', () => {
    for (const name of PROTOTYPE_NAMES) {
      const parsed = parseHocon(`a { "${name}" { polluted = 1 } }\n"${name}" = 2`);
      expect(Object.getOwnPropertyDescriptor(parsed, name)?.value).toBe(2);
      expect(Object.getOwnPropertyDescriptor(parsed.a, name)?.value).toEqual({ polluted: 1 });
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    }
    expect(parseHocon('a.__proto__.polluted = 1\na.__proto__.x = 2').a).toEqual(Object.defineProperty({}, '__proto__', { value: { polluted: 1, x: 2 }, enumerable: true }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
  });

  it('never reads the environment', () => {
    process.env.SVKMS_TEST_SECRET = 'leaked';
    expect(() => parseHocon('a = ${?SVKMS_TEST_SECRET}')).toThrow(HoconSyntaxError);
    expect(parseHocon('a = "${?SVKMS_TEST_SECRET}"')).toEqual({ a: '${?SVKMS_TEST_SECRET}' });
  });

  it('either parses or throws HoconSyntaxError, and leaves Object.prototype alone, whatever the text (property)', () => {
    const piece = fc.oneof(
      fc.constantFrom(...PROTOTYPE_NAMES, ...PROTOTYPE_NAMES.map((n) => JSON.stringify(n)), '"\\u005f_proto__"', '${x}', 'include'),
      fc.constantFrom('{', '}', '[', ']', '=', ':', ',', '.', ' ', '\n', '"', 'a', 'polluted', '1', '"x"', '+=', '#', '//', '"""'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }).map((a) => a.join('')), (text) => {
        try {
          parseHocon(text);
        } catch (err) {
          expect(err).toBeInstanceOf(HoconSyntaxError);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
      }),
      { numRuns: 2000 },
    );
  });
});
