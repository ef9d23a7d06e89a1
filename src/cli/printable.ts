/**
 * Text from manifests and values files (field names, kinds, names, parser messages) printed by the CLI: escaped so that
 * one problem is always one line and input cannot fake output lines or hide text with terminal controls.
 */

/**
 * Characters escaped by {@link printable}: the backslash (so escapes are unambiguous), control characters (C0, DEL, C1
 * including NEL), format characters (bidi overrides and isolates, zero-width characters, BOM), lone surrogates,
 * private-use and unassigned code points, and the Unicode line and paragraph separators.
 */
const NON_PRINTABLE = /[\\\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * `text` with every non-printable character escaped JSON-style (`\n`, `\t`, `\\`, `\u001b`; `\u{…}` above U+FFFF).
 * The result holds no line break of any kind.
 */
export function printable(text: string): string {
  return text.replace(NON_PRINTABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A problem's field path for printing: `null` (the document as a whole) as `(document)`, an empty path (a field
 * whose name is the empty string, at the top level) as `""`, others as they are. Not yet escaped.
 */
export function problemPath(path: string | null): string {
  return path === null ? '(document)' : path === '' ? '""' : path;
}

/** `WHERE: FIELD: MESSAGE` escaped with {@link printable}: one line, without the newline. */
export function problemText(where: string, path: string | null, message: string): string {
  return printable(`${where}: ${problemPath(path)}: ${message}`);
}

/** {@link problemText} with its newline, ready to write. */
export function problemLine(where: string, path: string | null, message: string): string {
  return `${problemText(where, path, message)}\n`;
}
