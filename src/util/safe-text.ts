/**
 * Turning values of unknown shape (caught errors, parts of them) into text without throwing. `String(x)` and template
 * literals throw for an object without a prototype, one whose `toString` is not a function, or a throwing getter or
 * `Symbol.toPrimitive`; code that classifies or reports an error must not fail on the error it reports.
 */

/** `String(value)`, or a description of the value's type when that throws. Never throws. */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return `[unprintable ${Object.prototype.toString.call(value).slice(8, -1)}]`;
    } catch {
      return `[unprintable ${typeof value}]`;
    }
  }
}

/** `value[key]` for an object or function, `undefined` for anything else or when reading it throws. Never throws. */
export function safeProperty(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
