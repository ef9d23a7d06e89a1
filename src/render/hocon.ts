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

/** HOCON text the parser would act on (include files or URLs, run transforms, substitute) or that could harm it. */
export class UnsafeHoconError extends Error {
  override name = 'UnsafeHoconError';
}

/**
 * Names that @pushcorn/hocon-parser (1.3.1) mishandles as keys: `__proto__` pollutes `Object.prototype` of the
 * process (its `Node.merge` follows `target.__proto__`), `constructor`/`prototype` are dropped, `toString` and friends
 * crash it. As values they are harmless.
 */
const PROTOTYPE_NAMES: readonly string[] = ['__proto__', ...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** Whether `name` is a member of `Object.prototype` (or `prototype`), which no parsed or rendered key may be. */
export function isPrototypeMemberName(name: string): boolean {
  return PROTOTYPE_NAMES.includes(name);
}

/**
 * Refuses HOCON text that @pushcorn/hocon-parser would act on, by a lexical scan: `include`/`require` (file and URL
 * reads), `|` (its transforms, which can evaluate JavaScript) and `$` (substitutions, which could assemble keys)
 * outside quoted strings and comments, and unterminated or malformed strings. Keys are checked on the parser's own
 * node tree by {@link parseHocon}; this scan alone does not make text safe to parse.
 */
export function assertInertHocon(text: string): void {
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
      const end = text.indexOf('"""', i + 3);
      if (end < 0) throw new UnsafeHoconError('HOCON text has an unterminated """ string');
      i = end + 3;
      while (text[i] === '"') i++; // extra quotes before the closing """ belong to the string
    } else if (c === '"') {
      endWord();
      const start = i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length || text[i] !== '"') throw new UnsafeHoconError('HOCON text has an unterminated string');
      i++;
      try {
        JSON.parse(text.slice(start, i));
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
      i++;
    }
  }
  endWord();
}

/*
 * How @pushcorn/hocon-parser 1.3.1 turns text into objects, and why the checks below make that safe.
 *
 * `Context` runs set-up tasks that tokenize the text and build a node tree (`Node.append`/`onAppend`: purely syntactic,
 * no I/O, no objects keyed by input), then `resolve()` walks the tree and builds the result. Only resolution is
 * dangerous, and only through KEYS:
 * - `FieldNode` resolves its `KeyNode` to path segments with `Node#resolveKey` (quoted tokens verbatim, unquoted ones
 *   split on dots, adjacent pieces joined, escapes already decoded by the tokenizer), then calls
 *   `utils.query(scope, path)`, `Node.assign(scope, path, value)` and (through `assign`) `Node.merge`. `merge` reads
 *   `target[key]` for any key, so a `__proto__` segment merges into `Object.prototype`; `query` treats a segment `*` as
 *   a wildcard and a segment starting with `{` (or `*{`) as a JavaScript expression that it compiles and RUNS.
 * - `Node.assign` descends into an ARRAY when the next segment is a number, so `a = [1]` then `a.4294967294 = 2` makes
 *   a sparse array of four billion slots that the parser's clone then walks (a hang). Lists are not needed for what
 *   the operator reads (the chart cannot render them), so there are none: no `ArrayNode`, hence no index descent.
 * - Values never become property names: with substitutions, includes and transforms refused (their nodes are not in
 *   the allowed set below), a value is only ever stored under a key path.
 * So: build the tree with the parser's own code, refuse any node kind other than objects, fields, keys and scalar
 * values (no `ArrayNode`, `SubstitutionNode`, `IncludeNode`, `TransformNode`, `SracNode` for `+=`), compute every key's segments
 * with the parser's own `resolveKey` on the same tokens it will use, and refuse segments that are prototype member
 * names or start with `*` or `{`. Then resolve THAT tree (not a re-parse), so what was checked is what runs. The result
 * is copied afterwards with every key checked again (defence in depth). Values such as `us-constructor-1` or
 * `https://kms.example.com/toString` are data and are accepted.
 */

interface HoconToken {
  type: symbol;
  value: unknown;
}
interface HoconNode {
  children: (HoconNode | HoconToken)[];
  transforms: unknown[];
  resolveKey(tokens: (HoconNode | HoconToken)[], scope: object): Promise<unknown[] | undefined>;
}
interface HoconContext {
  readonly $: { tasks: string[] };
  readonly node: HoconNode | null;
  resolve(): Promise<unknown>;
}
interface HoconParser {
  Context: new (opts: { text: string; strict: boolean; env: boolean }) => HoconContext;
  Node: abstract new (...args: never[]) => HoconNode;
  getClass(name: string): abstract new (...args: never[]) => HoconNode;
}

/** The parser's node classes allowed in a tree (objects, fields, keys, values), and the one whose tokens form a key. */
interface ParserParts {
  parser: HoconParser;
  allowed: readonly (abstract new (...args: never[]) => HoconNode)[];
  keyNode: abstract new (...args: never[]) => HoconNode;
}

/**
 * The parser version whose internals the reasoning above was checked against. Another version is refused rather than
 * trusted: the checks read its node tree, and a change there could silently open the holes they close.
 */
const CHECKED_PARSER_VERSION = '1.3.1';

let parts: ParserParts | undefined;
function parserParts(): ParserParts {
  // The parser is CommonJS; loading it lazily keeps it out of code paths that never parse.
  if (!parts) {
    const require = createRequire(import.meta.url);
    const { version } = require('@pushcorn/hocon-parser/package.json') as { version: string };
    if (version !== CHECKED_PARSER_VERSION) {
      throw new UnsafeHoconError(`@pushcorn/hocon-parser ${version} is installed, but parseHocon's safety checks were made for ${CHECKED_PARSER_VERSION}; review them before upgrading`);
    }
    const parser = require('@pushcorn/hocon-parser') as HoconParser;
    const keyNode = parser.getClass('nodes.KeyNode');
    const allowed = ['nodes.ObjectNode', 'nodes.FieldNode', 'nodes.ValueNode'].map((n) => parser.getClass(n));
    parts = { parser, keyNode, allowed: [...allowed, keyNode] };
  }
  return parts;
}

/** Whether a key segment would reach the parser's property access or path query unsafely (see the comment above). */
function unsafeKeySegment(segment: unknown): boolean {
  return typeof segment !== 'string' || isPrototypeMemberName(segment) || segment.startsWith('*') || segment.startsWith('{');
}

function describeKey(segment: unknown): string {
  return typeof segment === 'string' ? JSON.stringify(segment.length > 40 ? `${segment.slice(0, 40)}…` : segment) : 'a computed key';
}

/** Refuses a node tree holding anything but objects, fields, keys and scalar values, or an unsafe key segment. */
async function assertSafeTree(node: HoconNode, p: ParserParts): Promise<void> {
  if (!p.allowed.some((cls) => node.constructor === cls)) {
    throw new UnsafeHoconError(`HOCON text uses a parser feature (${node.constructor.name}) that is not allowed here`);
  }
  if (node.transforms.length > 0) throw new UnsafeHoconError('HOCON text uses transforms, which are not allowed here');
  if (node.constructor === p.keyNode) {
    if (node.children.some((c) => c instanceof p.parser.Node)) throw new UnsafeHoconError('HOCON text computes a key, which is not allowed here');
    const segments = await node.resolveKey(node.children, {});
    const bad = segments?.find(unsafeKeySegment);
    if (bad !== undefined) {
      throw new UnsafeHoconError(
        `HOCON text has the key ${describeKey(bad)}, which the HOCON parser cannot handle safely (prototype member names and keys starting with * or { are refused)`,
      );
    }
    return;
  }
  for (const child of node.children) if (child instanceof p.parser.Node) await assertSafeTree(child, p);
}

/** A copy of a parsed value with keys sorted; refuses keys that should never have come through (defence in depth). */
function checkedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(checkedCopy);
  if (!isPlainObject(value)) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) throw new UnsafeHoconError('the HOCON parser produced an object with an unexpected prototype');
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    if (unsafeKeySegment(k)) throw new UnsafeHoconError(`the HOCON parser produced the key ${describeKey(k)}`);
    out[k] = checkedCopy(value[k]);
  }
  return out;
}

/**
 * Parses HOCON text into a plain object (keys sorted). Strict mode (no value coercion beyond HOCON), environment
 * lookups off. Refuses, before anything is resolved: includes, substitutions, transforms, `+=`, lists
 * ({@link assertInertHocon} and the node-tree check), and keys that are `Object.prototype` member names or start with
 * `*` or `{` (the parser would pollute the prototype or run the key as JavaScript). Values may hold any text.
 */
export async function parseHocon(text: string): Promise<Record<string, unknown>> {
  assertInertHocon(text);
  const p = parserParts();
  const context = new p.parser.Context({ text, strict: true, env: false });
  // Run the context's set-up tasks (source, tokenizer, node tree) by hand, so the tree can be checked before
  // resolve() - which then finds no tasks left and resolves exactly the checked tree.
  const run = context as unknown as Record<string, () => unknown>;
  for (let task = context.$.tasks.shift(); task !== undefined; task = context.$.tasks.shift()) await run[task]!.call(context);
  if (!context.node) throw new HoconRenderError('HOCON text does not hold an object');
  await assertSafeTree(context.node, p);
  const result = checkedCopy(await context.resolve());
  if (!isPlainObject(result)) throw new HoconRenderError('HOCON text does not hold an object');
  return result;
}

