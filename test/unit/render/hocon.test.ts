import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import {
  chartConfigAsParsed,
  chartKeyToHocon,
  hoconDocument,
  HoconRenderError,
  isChartConfigKey,
  isPrototypeMemberName,
  toChartConfigValue,
  type ConfigValue,
} from '../../../src/render/hocon.ts';
import { parseHocon } from '../../../src/render/hocon-parse.ts';

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
  const parsed = parseHocon(chartPrint(rendered));
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
    const parsed = (parseHocon(chartPrint(toChartConfigValue(settings, 'x') as Record<string, ConfigValue>))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
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
    expect(parseHocon(doc)).toEqual({
      canton: { participants: { participant: { crypto: { kms: { 'custom-tags': { CostCenter: '4711', 'a.b': 'dotted', 'Team Name': 'x y', 'k"=\n': 'v', include: 'i' } } } } } },
    });
  });

  it('round-trips any map of strings, numbers and booleans (property)', async () => {
    // `{ [seg]: … }` below would be fine with any key; fast-check's dictionary is kept away from prototype names.
    const safeKey = (s: string) => !isPrototypeMemberName(s);
    const leaf = fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom(...PROTOTYPE_NAMES), fc.boolean(), fc.integer());
    const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('a.constructor', 'x__proto__', 'toString2')).filter(safeKey);
    const tree = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 4 })), { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 3 }), tree, async (path, obj) => {
        const parsed = parseHocon(hoconDocument(path, obj));
        let expected: unknown = obj;
        for (const seg of [...path].reverse()) expected = { [seg]: expected };
        expect(parsed).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
