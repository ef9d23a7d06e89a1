import { describe, it, expect, afterEach } from '@jest/globals';
import fc from 'fast-check';
import {
  assertInertHocon,
  chartConfigAsParsed,
  chartKeyToHocon,
  hoconDocument,
  HoconRenderError,
  isChartConfigKey,
  isPrototypeMemberName,
  parseHocon,
  toChartConfigValue,
  UnsafeHoconError,
  type ConfigValue,
} from '../../../src/render/hocon.ts';

/**
 * The chart's `splice-util-lib.render-nested-config` as text: `kebab-key = <value printed raw>`, maps recursed, keys
 * in Go's sorted order, wrapped the way participant.yaml wraps it. The real chart is exercised in
 * test/integration/render-helm.test.ts; this mirror lets property tests run thousands of cases.
 */
function chartPrint(kms: Record<string, ConfigValue>): string {
  const render = (obj: Record<string, ConfigValue>, indent: string): string =>
    Object.keys(obj)
      .sort()
      .map((k) => {
        const v = obj[k]!;
        return typeof v === 'object' ? `${indent}${chartKeyToHocon(k)} = {\n${render(v, `${indent}  `)}\n${indent}}` : `${indent}${chartKeyToHocon(k)} = ${String(v)}`;
      })
      .join('\n');
  return `canton.participants.participant.crypto {\n  provider = kms\n  kms = {\n${render(kms, '    ')}\n  }\n}        \n`;
}

async function roundTripThroughChart(value: unknown): Promise<unknown> {
  const rendered = toChartConfigValue({ endpointOverride: value }, 'spec.kms') as Record<string, ConfigValue>;
  const parsed = await parseHocon(chartPrint(rendered));
  return parsed;
}

const HOSTILE = [
  'https://kms.example:443',
  'a"b',
  'line1\nline2',
  'x\r\ny',
  '${FOO}',
  '${?FOO}',
  'include "/etc/passwd"',
  'back\\slash',
  '\\"',
  '}\nevil = 1\n{',
  '"\nprovider = mock\n"',
  '// not a comment',
  '# not a comment',
  'a | eval { expr = "1" }',
  '',
  ' padded ',
  '\u0000\u0001\u001f',
  '\u2028\u2029',
  '0123',
  '1e+06',
  'true',
  'null',
  '"""triple"""',
  'ünïcødé ✓ 🎉',
  '\ud800',
];

const PROTOTYPE_NAMES = ['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)];
const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

describe('toChartConfigValue + the chart printing', () => {
  it.each(HOSTILE)('keeps the hostile string %j intact and adds no keys', async (s) => {
    const parsed = await roundTripThroughChart(s);
    expect(parsed).toEqual({ canton: { participants: { participant: { crypto: { provider: 'kms', kms: { 'endpoint-override': s } } } } } });
  });

  it('round-trips any string to exactly itself (property)', async () => {
    await fc.assert(
      // Prototype member names, `*` and `{` are fine in values (only keys are refused), so they are mixed in.
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.array(fc.constantFrom(...PROTOTYPE_NAMES, '*', '{x}', '"', 'a'), { maxLength: 4 }).map((a) => a.join(''))), async (s) => {
        const parsed = (await roundTripThroughChart(s)) as { canton: { participants: { participant: { crypto: { kms: unknown } } } } };
        expect(Object.keys(parsed)).toEqual(['canton']);
        expect(parsed.canton.participants.participant.crypto).toEqual({ provider: 'kms', kms: { 'endpoint-override': s } });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps booleans bare and numbers below 1e6 bare, larger ones as quoted strings', () => {
    expect(toChartConfigValue({ a: true, b: 20, c: 999_999, d: 1_000_000, e: 2147483647, f: -5, g: 0.5 }, 'x')).toEqual({
      a: true,
      b: 20,
      c: 999_999,
      d: '"1000000"',
      e: '"2147483647"',
      f: -5,
      g: '"0.5"',
    });
  });

  it('parses numbers and durations the way chartConfigAsParsed predicts', async () => {
    const settings = { retries: { failures: { initialDelay: '500ms', maxDelay: '10s', maxRetries: 2147483647 }, createKeyCheck: { maxRetries: 20 } }, auditLogging: true };
    const parsed = (await parseHocon(chartPrint(toChartConfigValue(settings, 'x') as Record<string, ConfigValue>))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(parsed.canton.participants.participant.crypto.kms).toEqual(chartConfigAsParsed(settings, 'x'));
    expect(parsed.canton.participants.participant.crypto.kms.retries.failures).toEqual({ 'initial-delay': '500ms', 'max-delay': '10s', 'max-retries': '2147483647' });
  });

  it('refuses lists, null, non-finite numbers and keys the chart would mangle or that could inject', () => {
    expect(() => toChartConfigValue({ a: ['x'] }, 'spec.kms')).toThrow(/spec\.kms\.a: lists/);
    expect(() => toChartConfigValue({ a: null }, 'spec.kms')).toThrow(HoconRenderError);
    expect(() => toChartConfigValue({ a: Infinity }, 'spec.kms')).toThrow(/finite/);
    for (const key of ['a b', 'a=b', 'x\ny', 'a.b', '"q"', 'aBC', 'a2b', 'Upper', 'already-kebab', '']) {
      expect(() => toChartConfigValue({ [key]: 'v' }, 'spec.kms')).toThrow(HoconRenderError);
    }
  });
});

describe('chartKeyToHocon', () => {
  it('kebab-cases like sprig for the admitted keys', () => {
    expect(chartKeyToHocon('multiRegionKey')).toBe('multi-region-key');
    expect(chartKeyToHocon('key2Name')).toBe('key2-name');
    expect(chartKeyToHocon('ed25519Key')).toBe('ed25519-key');
    expect(chartKeyToHocon('maxRetries2')).toBe('max-retries2');
    expect(chartKeyToHocon('region')).toBe('region');
  });
  it('admits only plain camelCase', () => {
    expect(isChartConfigKey('createKeyCheck')).toBe(true);
    expect(isChartConfigKey('HTTPProxy')).toBe(false);
    expect(isChartConfigKey('a2b')).toBe(false);
    expect(isChartConfigKey('x'.repeat(65))).toBe(false);
  });
});

describe('hoconDocument', () => {
  it('writes verbatim keys, so dots, spaces and quotes in keys stay literal', async () => {
    const doc = hoconDocument(['canton', 'participants', 'participant', 'crypto', 'kms', 'custom-tags'], {
      CostCenter: '4711',
      'a.b': 'dotted',
      'Team Name': 'x y',
      'k"=\n': 'v',
      'include': 'i',
    });
    expect(await parseHocon(doc)).toEqual({
      canton: { participants: { participant: { crypto: { kms: { 'custom-tags': { CostCenter: '4711', 'a.b': 'dotted', 'Team Name': 'x y', 'k"=\n': 'v', include: 'i' } } } } } },
    });
  });

  it('round-trips any map of strings, numbers and booleans (property)', async () => {
    // parseHocon refuses keys that are prototype member names or start with * or { (tested below); values may be anything.
    const safeKey = (s: string) => !isPrototypeMemberName(s) && !/^[*{]/.test(s);
    const leaf = fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom(...PROTOTYPE_NAMES), fc.boolean(), fc.integer());
    const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('a.constructor', 'x__proto__', 'toString2')).filter(safeKey);
    const tree = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 4 })), { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 3 }), tree, async (path, obj) => {
        const parsed = await parseHocon(hoconDocument(path, obj));
        let expected: unknown = obj;
        for (const seg of [...path].reverse()) expected = { [seg]: expected };
        expect(parsed).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseHocon', () => {
  afterEach(() => {
    delete process.env.SVKMS_TEST_SECRET;
  });

  it('refuses include, require and transforms outside strings and comments', async () => {
    for (const text of ['a { include "/etc/hostname" }', 'include file("/etc/hostname")', 'require "x.conf"', 'a = [3, 1] | sort', 'a = 1 | eval { expr = "process.exit(1)" }']) {
      expect(() => assertInertHocon(text)).toThrow(UnsafeHoconError);
      await expect(parseHocon(text)).rejects.toThrow(UnsafeHoconError);
    }
  });

  it('refuses substitutions and prototype member names as keys however they are spelled, and leaves Object.prototype alone', async () => {
    const attempts = [
      '"__proto__" { polluted = 1 }',
      '{ "__proto__": { "polluted": 1 } }',
      'a { "__pro""to__" { polluted = 1 } }',
      'a { "__pro"to__ { polluted = 1 } }',
      'a { "\\u005f_proto__" = { polluted = 1 } }',
      'a { "\\u005F\\u005Fproto\\u005f\\u005f" { polluted = 1 } }',
      'a { __proto__ = { polluted = 1 } }',
      'a.__proto__.polluted = 1',
      'a."__proto__".polluted = 1',
      'a { b = 1 }\na."__proto__" { polluted = 1 }',
      'a = [{ __proto__ = { polluted = 1 } }]',
      'a = { x = 1 } { __proto__ { polluted = 1 } }',
      'a { x { y { "__proto__" { polluted = 1 } } } }',
      '  __proto__   { polluted = 1 }',
      'p = "__pro"\nq = "to__"\n${p}${q} { polluted = 1 }',
      'a { "toString" = 1 }',
      '"toString" = 1',
      'a { constructor = 1 }',
      'a.prototype.polluted = 1',
      'a { hasOwnProperty = 1 }',
      'a { valueOf { b = 1 } }',
      'a { "__defineGetter__" = 1 }',
    ];
    for (const text of attempts) await expect(parseHocon(text)).rejects.toThrow(UnsafeHoconError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
  });

  it('refuses keys the parser would run as JavaScript (starting with { or *), without running them', async () => {
    const g = globalThis as Record<string, unknown>;
    for (const text of ['"{globalThis.svkmsHoconRan = 1}" = 1', 'a { "{globalThis.svkmsHoconRan = 1}" { b = 1 } }', 'a."*{globalThis.svkmsHoconRan = 1}" = 1', '"*" = 1', 'a { "*" { b = 1 } }']) {
      await expect(parseHocon(text)).rejects.toThrow(UnsafeHoconError);
    }
    expect(g.svkmsHoconRan).toBeUndefined();
  });

  it('refuses += (the parser resolves it as a substitution) and lists (key paths could index into them)', async () => {
    await expect(parseHocon('a = 1\na += 2')).rejects.toThrow(UnsafeHoconError);
    await expect(parseHocon('a = [1, 2]')).rejects.toThrow(/ArrayNode/);
    await expect(parseHocon('[1]')).rejects.toThrow(UnsafeHoconError);
    // Without the check this would grow a sparse array of 2^32 - 1 slots and hang in the parser's clone.
    await expect(parseHocon('a = [1]\na.4294967294 = 2')).rejects.toThrow(UnsafeHoconError);
    // A numeric key on an object is just a key.
    expect(await parseHocon('a { 4294967294 = 2 }')).toEqual({ a: { '4294967294': 2 } });
  });

  it('reads prototype member names, * and { in values, and in keys only as part of a longer key', async () => {
    const text = [
      'region = "us-constructor-1"',
      'endpoint-override = "https://kms.example.com/toString"',
      'project-id = constructor',
      'a = "__proto__"',
      'b = toString "hasOwnProperty" valueOf',
      'c { d = "valueOf" }',
      'd = "{globalThis.svkmsHoconRan = 1}"',
      'e = "*"',
      '"a.__proto__" = 1',
      'x__proto__ = 2',
      '"constructor "= 3',
    ].join('\n');
    expect(await parseHocon(text)).toEqual({
      region: 'us-constructor-1',
      'endpoint-override': 'https://kms.example.com/toString',
      'project-id': 'constructor',
      a: '__proto__',
      b: 'toString hasOwnProperty valueOf',
      c: { d: 'valueOf' },
      d: '{globalThis.svkmsHoconRan = 1}',
      e: '*',
      'a.__proto__': 1,
      x__proto__: 2,
      'constructor ': 3,
    });
    expect((globalThis as Record<string, unknown>).svkmsHoconRan).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never pollutes Object.prototype or runs keys, whatever the text (property)', async () => {
    const piece = fc.oneof(
      fc.constantFrom(...PROTOTYPE_NAMES, ...PROTOTYPE_NAMES.map((n) => JSON.stringify(n)), '"__pro"', '"to__"', '"\\u005f_proto__"', '"{globalThis.svkmsHoconRan=1}"', '"*"'),
      fc.constantFrom('{', '}', '[', ']', '=', ':', ',', '.', ' ', '\n', '"', 'a', 'polluted', '1', '"x"', '+=', '#'),
      fc.string({ maxLength: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 24 }).map((a) => a.join('')), async (text) => {
        let parsed: Record<string, unknown> | undefined;
        try {
          parsed = await parseHocon(text);
        } catch {
          // refused or malformed: fine, as long as nothing leaked (checked below)
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
        expect((globalThis as Record<string, unknown>).svkmsHoconRan).toBeUndefined();
        const keys = (v: unknown): string[] =>
          Array.isArray(v) ? v.flatMap(keys) : typeof v === 'object' && v !== null ? Object.keys(v).flatMap((k) => [k, ...keys((v as Record<string, unknown>)[k])]) : [];
        for (const k of keys(parsed)) expect(isPrototypeMemberName(k) || /^[*{]/.test(k)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('allows those words inside strings and comments', async () => {
    expect(await parseHocon('a = "include \\"x\\" | y" # include "z"\n// require b\nb = """include | """')).toEqual({ a: 'include "x" | y', b: 'include | ' });
  });

  it('refuses ${?X} rather than reading the process environment', async () => {
    process.env.SVKMS_TEST_SECRET = 'leaked';
    await expect(parseHocon('a = ${?SVKMS_TEST_SECRET}\nb = 1')).rejects.toThrow(UnsafeHoconError);
    expect(await parseHocon('a = "${?SVKMS_TEST_SECRET}"\nb = 1')).toEqual({ a: '${?SVKMS_TEST_SECRET}', b: 1 });
  });

  it('rejects malformed text', async () => {
    await expect(parseHocon('a = https://x:443')).rejects.toThrow();
    expect(() => assertInertHocon('a = "unterminated')).toThrow(UnsafeHoconError);
  });
});
