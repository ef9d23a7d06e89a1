/**
 * A HOCON reader for exactly the subset the operator writes and reads back (the chart's `kms` block, the operator's
 * own `ADDITIONAL_CONFIG_*` documents): objects (braced or the implicit root), fields separated by newlines or commas,
 * `=`/`:` or a directly following `{`, keys as dotted paths of unquoted and quoted pieces (`a.b."c.d"`), quoted
 * strings (JSON escapes), unquoted words, numbers, `true`/`false`, `#` and `//` comments. Duplicate keys merge as in
 * HOCON (objects merge recursively, anything else: the later value wins).
 *
 * Everything else is refused with {@link HoconSyntaxError} naming the line and column and what to do: includes,
 * substitutions (`${…}`), `+=`, lists, `null`, triple-quoted strings, value concatenation (`a = b c`), unquoted text
 * with characters HOCON treats specially. There is no evaluator: nothing in the text is run, fetched or looked up.
 * Keys are stored as own properties whatever their name (`__proto__` included), so no input reaches a prototype.
 *
 * The semantics are checked against Lightbend Config (the parser Canton uses) in test/integration/hocon-lightbend.
 */
import type { ConfigObject, ConfigValue } from './hocon.ts';

/** A parsed HOCON value of the subset: the same shapes the renderers write. */
export type HoconValue = ConfigValue;
/** A parsed HOCON object. */
export type HoconObject = ConfigObject;

/** Text outside the supported subset, or not HOCON; the message names the line and column. */
export class HoconSyntaxError extends Error {
  override name = 'HoconSyntaxError';
}

/** Longest text the reader accepts (a participant's env var is a few KB). */
export const MAX_HOCON_TEXT = 1_000_000;
/** Deepest object nesting the reader accepts. */
export const MAX_HOCON_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const UNQUOTED_CHAR = /[A-Za-z0-9._-]/;
const SPACE = /[ \t\r\uFEFF]/;

function setOwn(obj: HoconObject, key: string, value: HoconValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function getOwn(obj: HoconObject, key: string): HoconValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function isObject(v: HoconValue | undefined): v is HoconObject {
  return typeof v === 'object';
}

/** HOCON duplicate-key rule: two objects merge (the later one's fields win), otherwise the later value replaces. */
function mergeInto(target: HoconObject, key: string, value: HoconValue): void {
  const existing = getOwn(target, key);
  if (isObject(existing) && isObject(value)) {
    for (const k of Object.keys(value)) mergeInto(existing, k, value[k]!);
  } else {
    setOwn(target, key, value);
  }
}

class Reader {
  private i = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  private fail(message: string, at = this.i): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new HoconSyntaxError(`HOCON line ${line}, column ${column}: ${message}`);
  }

  private peek(offset = 0): string | undefined {
    return this.text[this.i + offset];
  }

  private atComment(): boolean {
    return this.peek() === '#' || (this.peek() === '/' && this.peek(1) === '/');
  }

  /** Skips spaces and comments on the current line (not the newline). */
  private skipSpaces(): void {
    for (;;) {
      const c = this.peek();
      if (c !== undefined && SPACE.test(c)) this.i++;
      else if (this.atComment()) while (this.peek() !== undefined && this.peek() !== '\n') this.i++;
      else return;
    }
  }

  /** Skips spaces, comments and newlines; returns whether a newline was crossed. */
  private skipBlank(): boolean {
    let newline = false;
    for (;;) {
      this.skipSpaces();
      if (this.peek() !== '\n') return newline;
      newline = true;
      this.i++;
    }
  }

  private quoted(): string {
    const start = this.i;
    if (this.text.startsWith('"""', this.i)) this.fail('triple-quoted strings are not supported here; use a "quoted string" with escapes');
    this.i++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated quoted string', start);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const e = this.peek(1);
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && Object.hasOwn(simple, e)) {
          out += simple[e];
          this.i += 2;
        } else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else {
          this.fail(`invalid escape in a quoted string (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
        }
        continue;
      }
      if (c < ' ') this.fail('control character or line break inside a quoted string; escape it (\\n, \\u0001)');
      out += c;
      this.i++;
    }
  }

  private unquotedRun(): string {
    const start = this.i;
    while (this.peek() !== undefined && UNQUOTED_CHAR.test(this.peek()!)) this.i++;
    return this.text.slice(start, this.i);
  }

  private refuseSpecial(where: string): never {
    const c = this.peek();
    if (c === '$') this.fail('substitutions (${…}) are not supported here');
    if (c === '[') this.fail('lists are not supported here');
    if (c === '+' && this.peek(1) === '=') this.fail('+= is not supported here');
    if (c === undefined) this.fail(`unexpected end of text in ${where}`);
    this.fail(`unexpected ${JSON.stringify(c)} in ${where}; quote text that holds characters other than letters, digits, ., _ and -`);
  }

  /** A key: adjacent quoted and unquoted pieces; unquoted ones split into path elements on `.`. */
  private key(): string[] {
    const start = this.i;
    const elements: { text: string; quoted: boolean }[] = [{ text: '', quoted: false }];
    let pieces = 0;
    for (;;) {
      const c = this.peek();
      if (c === '"') {
        elements[elements.length - 1]!.text += this.quoted();
        elements[elements.length - 1]!.quoted = true;
      } else if (c !== undefined && UNQUOTED_CHAR.test(c)) {
        const parts = this.unquotedRun().split('.');
        elements[elements.length - 1]!.text += parts[0]!;
        for (const p of parts.slice(1)) elements.push({ text: p, quoted: false });
      } else {
        break;
      }
      pieces++;
    }
    if (pieces === 0) this.refuseSpecial('a key');
    if (elements.some((e) => e.text === '' && !e.quoted)) this.fail('a key has an empty path element (a leading, trailing or doubled "."); quote keys that contain dots', start);
    if (pieces === 1 && !elements[0]!.quoted && elements.length === 1 && elements[0]!.text === 'include') {
      this.fail('include is not supported here', start);
    }
    return elements.map((e) => e.text);
  }

  /** A scalar value: quoted string, number, boolean or unquoted word. */
  private scalar(): string | number | boolean {
    const c = this.peek();
    if (c === '"') return this.quoted();
    const start = this.i;
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.i;
      const m = NUMBER.exec(this.text);
      if (m) {
        this.i += m[0].length;
        const rest = this.unquotedRun();
        if (rest === '') {
          const n = Number(m[0]);
          if (/^-?[0-9]+$/.test(m[0]) && !Number.isSafeInteger(n)) this.fail(`the integer ${m[0]} is too large to read exactly; quote it`, start);
          if (!Number.isFinite(n)) this.fail(`the number ${m[0]} is out of range; quote it`, start);
          return n === 0 ? 0 : n; // -0 reads as 0, as in Lightbend Config
        }
        // A number followed by a word is a string in HOCON (`500ms`); anything else is ambiguous.
        if (/^[A-Za-z]/.test(rest)) return this.text.slice(start, this.i);
      }
      this.i = start;
      this.unquotedRun();
      this.fail(`"${this.text.slice(start, this.i)}" is neither a number nor a word; quote it`, start);
    }
    const word = this.unquotedRun();
    if (word === '') this.refuseSpecial('a value');
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') this.fail('null is not supported here', start);
    return word;
  }

  /** Fields up to `}` (when braced) or the end of the text. */
  private fields(braced: boolean, depth: number): HoconObject {
    if (depth > MAX_HOCON_DEPTH) this.fail(`objects nest more than ${MAX_HOCON_DEPTH} levels deep`);
    const obj: HoconObject = {};
    // `separated`: a newline or comma since the last field; `afterField`: a comma may come (one, on the field's line).
    let separated = true;
    let afterField = false;
    for (;;) {
      if (this.skipBlank()) {
        separated = true;
        afterField = false;
      }
      const c = this.peek();
      if (c === undefined) {
        if (braced) this.fail('unterminated object: missing }');
        return obj;
      }
      if (c === '}') {
        if (!braced) this.fail('unexpected }');
        this.i++;
        return obj;
      }
      if (c === ',') {
        if (!afterField) this.fail('unexpected , (one comma may follow a field, on its line)');
        this.i++;
        separated = true;
        afterField = false;
        continue;
      }
      if (!separated) this.fail('expected a newline, "," or "}" between fields');
      this.field(obj, depth);
      separated = false;
      afterField = true;
    }
  }

  private field(into: HoconObject, depth: number): void {
    const path = this.key();
    this.skipSpaces();
    let value: HoconValue;
    const c = this.peek();
    if (c === '{') {
      this.i++;
      value = this.fields(true, depth + 1);
    } else if (c === '=' || c === ':') {
      this.i++;
      this.skipSpaces();
      if (this.peek() === '{') {
        this.i++;
        value = this.fields(true, depth + 1);
      } else {
        value = this.scalar();
        this.skipSpaces();
        const next = this.peek();
        if (next !== undefined && next !== '\n' && next !== ',' && next !== '}') {
          this.fail('a value must end the field (value concatenation such as `a = b c` is not supported here; quote the whole value)');
        }
      }
    } else {
      this.refuseSpecial('a field (expected =, : or { after the key)');
    }
    for (let k = path.length - 1; k > 0; k--) {
      const wrapper: HoconObject = {};
      setOwn(wrapper, path[k]!, value);
      value = wrapper;
    }
    mergeInto(into, path[0]!, value);
  }

  document(): HoconObject {
    if (this.text.length > MAX_HOCON_TEXT) throw new HoconSyntaxError(`HOCON text is longer than ${MAX_HOCON_TEXT} characters`);
    this.skipBlank();
    if (this.peek() === '{') {
      this.i++;
      const obj = this.fields(true, 1);
      this.skipBlank();
      if (this.peek() !== undefined) this.fail('text after the closing } of the root object');
      return obj;
    }
    return this.fields(false, 1);
  }
}

/**
 * Parses HOCON text of the supported subset (see the module comment) into an object. Throws {@link HoconSyntaxError}
 * for anything else, naming the line, the column and what to do.
 */
export function parseHocon(text: string): HoconObject {
  return new Reader(text).document();
}
