/**
 * A small command-line flag parser for the sv-kms subcommands: `--flag value`, `--flag=value`, `-f value`, boolean
 * switches, repeatable flags and positionals. Errors are {@link UsageError}s, which commands turn into exit code 2.
 */

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

/** Parses `args` against `specs`; unknown flags, missing values and repeated non-repeatable flags are usage errors. */
export function parseFlags<K extends string>(args: readonly string[], specs: Record<K, FlagSpec>): ParsedFlags<K> {
  const byName = new Map<string, K>();
  for (const key of Object.keys(specs) as K[]) for (const name of specs[key].names) byName.set(name, key);
  const values: Partial<Record<K, string[]>> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = byName.get(name);
    if (key === undefined) throw new UsageError(`unknown option ${name}`);
    const spec = specs[key];
    let value: string;
    if (!spec.takesValue) {
      if (eq > 0) throw new UsageError(`option ${name} takes no value`);
      value = 'true';
    } else if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`option ${name} needs a value`);
      value = next;
      i++;
    }
    const list = (values[key] ??= []);
    if (list.length > 0 && !spec.repeatable) throw new UsageError(`option ${name} given more than once`);
    list.push(value);
  }
  return { values, positionals };
}
