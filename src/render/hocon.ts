/**
 * HOCON safety for what the operator hands to Canton.
 *
 * Two routes lead into the participant's HOCON:
 * - the chart's `kms` values, which `splice-util-lib.render-nested-config` prints as `kebab-key = {{ $value }}`:
 *   keys kebab-cased by sprig, values printed raw and unquoted. {@link toChartConfigValue} pre-quotes every string so
 *   the printed text is a HOCON quoted string, and {@link chartKeyToHocon} mirrors sprig's `kebabcase` for the keys
 *   it admits ({@link isChartConfigKey});
 * - extra `ADDITIONAL_CONFIG_*` env vars whose whole text the operator writes ({@link hoconDocument}), with every key
 *   quoted verbatim.
 *
 * {@link parseHocon} parses HOCON text from the cluster for comparison, refusing the parser's active features.
 */
import { createRequire } from 'node:module';

/** A JSON-like value accepted by the renderers: no lists, no nulls (the chart cannot render them). */
export type ConfigValue = string | number | boolean | ConfigObject;
/** A map of {@link ConfigValue}s. */
export interface ConfigObject {
  [key: string]: ConfigValue;
}

/** A value that cannot be rendered safely; the message names the dotted path. */
export class HoconRenderError extends Error {
  override name = 'HoconRenderError';
}

/**
 * Helm reads numbers in values files as float64 and prints integers from 1e6 up as `1e+06`; integers below stay exact.
 * Numbers at or above this bound (or fractional ones) are therefore passed as quoted strings, which Canton's config
 * readers (pureconfig) convert back to numbers.
 */
export const MAX_BARE_NUMBER = 1_000_000;

/**
 * camelCase keys whose sprig `kebabcase` is plain "insert `-` before each capital, lower-case it": lower-case words,
 * each optionally followed by digits (`key2Name` → `key2-name`). Sprig treats other shapes in surprising ways
 * (`a2b` → `a-2b`, `aBC` → `a-bc`), so they are not admitted. Verified against helm in test/integration/render-helm.
 */
const CHART_KEY = /^[a-z]+[0-9]*(?:[A-Z][a-z]+[0-9]*)*$/;

/** Whether `key` may be used in the chart's `kms` map (see {@link CHART_KEY}); such keys cannot inject HOCON. */
export function isChartConfigKey(key: string): boolean {
  return key.length <= 64 && CHART_KEY.test(key);
}

/** The HOCON key the chart writes for a camelCase `kms` values key (sprig `kebabcase`, for {@link isChartConfigKey} keys). */
export function chartKeyToHocon(key: string): string {
  if (!isChartConfigKey(key)) throw new HoconRenderError(`"${key}" is not a camelCase key the chart can render safely`);
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A HOCON quoted string (JSON string syntax is HOCON quoted-string syntax); safe for any input. */
export function hoconString(value: string): string {
  return JSON.stringify(value);
}

function checkNumber(value: number, path: string): void {
  if (!Number.isFinite(value)) throw new HoconRenderError(`${path}: ${value} is not a finite number`);
}

/**
 * Converts one value of the chart's `kms` map into what the values file must hold so that the chart's unquoted
 * printing yields the intended HOCON: strings → `"…"` (JSON-escaped, inside the YAML string), booleans bare, small
 * integers bare, other numbers as quoted strings, maps recursively (keys checked). `path` names the value in errors.
 */
export function toChartConfigValue(value: unknown, path: string): ConfigValue {
  if (typeof value === 'string') return hoconString(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    checkNumber(value, path);
    return Number.isSafeInteger(value) && Math.abs(value) < MAX_BARE_NUMBER ? value : hoconString(String(value));
  }
  if (isPlainObject(value)) {
    const out: ConfigObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (!isChartConfigKey(k)) {
        throw new HoconRenderError(`${path}.${k}: keys must be camelCase letters and digits (e.g. auditLogging)`);
      }
      if (v === undefined) continue;
      out[k] = toChartConfigValue(v, `${path}.${k}`);
    }
    return out;
  }
  throw new HoconRenderError(`${path}: ${Array.isArray(value) ? 'lists' : value === null ? 'null' : typeof value} cannot be rendered by the chart`);
}

/**
 * What HOCON yields for a value rendered through the chart (the inverse view of {@link toChartConfigValue}): keys
 * kebab-cased, strings as strings, small integers as numbers, other numbers as their decimal string.
 */
export function chartConfigAsParsed(value: unknown, path: string): ConfigValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    checkNumber(value, path);
    return Number.isSafeInteger(value) && Math.abs(value) < MAX_BARE_NUMBER ? value : String(value);
  }
  if (isPlainObject(value)) {
    const out: ConfigObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[chartKeyToHocon(k)] = chartConfigAsParsed(v, `${path}.${k}`);
    }
    return out;
  }
  throw new HoconRenderError(`${path}: ${Array.isArray(value) ? 'lists' : value === null ? 'null' : typeof value} cannot be rendered by the chart`);
}

function hoconValue(value: ConfigValue, indent: string, path: string): string {
  if (typeof value === 'string') return hoconString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    checkNumber(value, path);
    // Written by us, not by Helm: any safe integer is exact; other numbers stay strings to avoid float surprises.
    return Number.isSafeInteger(value) ? String(value) : hoconString(String(value));
  }
  const inner = `${indent}  `;
  const lines = Object.entries(value)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${inner}${hoconString(k)} = ${hoconValue(v, inner, `${path}.${k}`)}`);
  return lines.length === 0 ? '{}' : `{\n${lines.join('\n')}\n${indent}}`;
}

/**
 * A HOCON document setting `path` (each segment a verbatim key, quoted, so `.` or `=` in a segment stay literal) to
 * `value`. Every key below is quoted verbatim too. Used for the operator's own `ADDITIONAL_CONFIG_*` env vars.
 */
export function hoconDocument(path: readonly string[], value: ConfigObject): string {
  if (path.length === 0) throw new HoconRenderError('a HOCON document needs a path');
  return `${path.map(hoconString).join('.')} ${hoconValue(value, '', path.join('.'))}\n`;
}

/** HOCON text the parser would act on (include files or URLs, run transforms, substitute) or that could harm it. */
export class UnsafeHoconError extends Error {
  override name = 'UnsafeHoconError';
}

/**
 * Names that @pushcorn/hocon-parser (1.3.1) mishandles as keys: `__proto__` pollutes `Object.prototype` of the
 * process, `constructor`/`prototype` are dropped, `toString` and friends crash it.
 */
const PROTOTYPE_NAMES = ['__proto__', ...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/**
 * Refuses HOCON text that @pushcorn/hocon-parser would act on or be harmed by: `include`/`require` (file and URL
 * reads), `|` (its transforms, which can evaluate JavaScript) and `$` (substitutions, which could assemble keys)
 * outside quoted strings and comments, and prototype member names anywhere in the literal text (quoted strings
 * decoded, so `\u` escapes and string concatenation cannot assemble `__proto__`). Text from the cluster is parsed
 * only after this check. What the operator renders never trips it, except a custom tag named like a prototype member.
 */
export function assertInertHocon(text: string): void {
  let literal = ''; // all literal text, strings decoded: every key the parser can form is a substring of it
  let word = '';
  const endWord = (): void => {
    if (word === 'include' || word === 'require') throw new UnsafeHoconError(`HOCON text uses "${word}", which is not allowed here`);
    word = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (text.startsWith('"""', i)) {
      endWord();
      let end = text.indexOf('"""', i + 3);
      if (end < 0) throw new UnsafeHoconError('HOCON text has an unterminated """ string');
      while (text[end + 3] === '"') end++; // extra quotes before the closing """ belong to the string
      literal += text.slice(i + 3, end);
      i = end + 3;
    } else if (c === '"') {
      endWord();
      const start = i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length || text[i] !== '"') throw new UnsafeHoconError('HOCON text has an unterminated string');
      i++;
      try {
        literal += JSON.parse(text.slice(start, i)) as string;
      } catch {
        throw new UnsafeHoconError('HOCON text has a string with an invalid escape or control character');
      }
    } else if (c === '#' || text.startsWith('//', i)) {
      endWord();
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '|' || c === '$') {
      throw new UnsafeHoconError(`HOCON text uses "${c}" outside a string, which is not allowed here`);
    } else {
      if (/[\s{}[\]:=,+?()]/.test(c)) endWord();
      else word += c;
      literal += c;
      i++;
    }
  }
  endWord();
  const bad = PROTOTYPE_NAMES.find((n) => literal.includes(n));
  if (bad) throw new UnsafeHoconError(`HOCON text contains "${bad}", which the HOCON parser cannot handle safely`);
}

interface HoconParser {
  parse(opts: { text: string; strict: boolean; env: boolean }): Promise<unknown>;
}

let hoconParser: HoconParser | undefined;
function parser(): HoconParser {
  // The parser is CommonJS; loading it lazily keeps it out of code paths that never parse.
  hoconParser ??= createRequire(import.meta.url)('@pushcorn/hocon-parser') as HoconParser;
  return hoconParser;
}

/**
 * Parses HOCON text into a plain object after {@link assertInertHocon}. Strict mode (no value coercion beyond HOCON),
 * environment lookups off: an optional substitution `${?X}` of an undefined name leaves its field out, and the
 * operator's own environment never leaks into the result.
 */
export async function parseHocon(text: string): Promise<Record<string, unknown>> {
  assertInertHocon(text);
  const result = await parser().parse({ text, strict: true, env: false });
  if (!isPlainObject(result)) throw new HoconRenderError('HOCON text does not hold an object');
  return result;
}

/** Whether `v` is a non-null, non-array object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
