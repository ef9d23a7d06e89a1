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
 * Reading HOCON back (from a deployed participant's env) is hocon-parse.ts.
 */
import { isPlainObject } from '../util/json.ts';

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

/**
 * Names of `Object.prototype` members (and `prototype`). JavaScript code that assigns such a key with `obj[key] = v`
 * changes the object's prototype (`__proto__`) or shadows a method, so the renderers refuse them as keys of
 * `spec.kms.extraConfig`; Canton has no such setting.
 */
const PROTOTYPE_NAMES: readonly string[] = ['__proto__', ...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** Whether `name` is a member of `Object.prototype` (or `prototype`), which no rendered `kms` key may be. */
export function isPrototypeMemberName(name: string): boolean {
  return PROTOTYPE_NAMES.includes(name);
}
