/**
 * Command-line flags of the sv-kms subcommands, parsed by `node:util` `parseArgs` (its tokens): `--flag value`,
 * `--flag=value`, `-f value`, `-fvalue`, boolean switches, repeatable flags, positionals and `--`. What parseArgs
 * leaves to its caller is checked here, with sv-kms's own messages: unknown options, missing values (a value may not
 * look like an option, except `-`), values given to switches, and non-repeatable flags given twice. Errors are
 * {@link UsageError}s, which commands turn into exit code 2.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** A wrong command line; its message is shown with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One flag: its spellings (`['-f', '--filename']`), whether it takes a value, and whether it may repeat. */
export interface FlagSpec {
  names: readonly string[];
  takesValue: boolean;
  repeatable?: boolean;
}

/** Parsed command line: the values of each flag by its key in the spec (switches get `'true'`), and positionals. */
export interface ParsedFlags<K extends string> {
  values: Partial<Record<K, string[]>>;
  positionals: string[];
}

/**
 * The parseArgs options for `specs` (every spelling a `multiple` option, so repeats are seen and judged here) and
 * the spec key of each spelling as the user types it.
 */
function parseArgsOptions<K extends string>(specs: Record<K, FlagSpec>): { options: ParseArgsOptionsConfig; keyOf: Map<string, K> } {
  const options: ParseArgsOptionsConfig = {};
  const keyOf = new Map<string, K>();
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    const type = spec.takesValue ? 'string' : 'boolean';
    const longs = spec.names.filter((n) => n.startsWith('--')).map((n) => n.slice(2));
    const shorts = spec.names.filter((n) => !n.startsWith('--')).map((n) => n.slice(1));
    for (const long of longs) options[long] = { type, multiple: true };
    // parseArgs knows a short name only as the alias of a long option; a flag without a long name gets a hidden one.
    shorts.forEach((short, i) => {
      const holder = longs[i] ?? `\0${short}`;
      options[holder] = { ...(options[holder] ?? { type, multiple: true }), short };
    });
    for (const name of spec.names) keyOf.set(name, key);
  }
  return { options, keyOf };
}

/** Parses `args` against `specs`; unknown flags, missing values and repeated non-repeatable flags are usage errors. */
export function parseFlags<K extends string>(args: readonly string[], specs: Record<K, FlagSpec>): ParsedFlags<K> {
  const { options, keyOf } = parseArgsOptions(specs);
  // strict: false so that parseArgs hands over unknown options and odd values as tokens for the checks below.
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values: Partial<Record<K, string[]>> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const name = token.rawName;
    const key = keyOf.get(name);
    if (key === undefined) throw new UsageError(`unknown option ${name}`);
    const spec = specs[key];
    let value: string;
    if (!spec.takesValue) {
      if (token.inlineValue) throw new UsageError(`option ${name} takes no value`);
      value = 'true';
    } else {
      // parseArgs reads `-f=x` as `-f` with the value `=x`; the old spelling `-f=x` meant `x`.
      const given = token.inlineValue && !name.startsWith('--') && token.value?.startsWith('=') ? token.value.slice(1) : token.value;
      // `--out-dir --help` is a forgotten value, not a directory named "--help".
      if (given === undefined || (!token.inlineValue && given.startsWith('-') && given !== '-')) throw new UsageError(`option ${name} needs a value`);
      value = given;
    }
    const list = (values[key] ??= []);
    if (list.length > 0 && !spec.repeatable) throw new UsageError(`option ${name} given more than once`);
    list.push(value);
  }
  return { values, positionals };
}
