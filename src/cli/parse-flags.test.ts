import { describe, expect, it } from '@jest/globals';
import { parseFlags, UsageError } from './parse-flags.ts';

const SPECS = {
  file: { names: ['-f', '--filename', '--file'], takesValue: true, repeatable: true },
  out: { names: ['--out-dir'], takesValue: true },
  namespace: { names: ['-n', '--namespace'], takesValue: true },
  quiet: { names: ['-q'], takesValue: false },
  help: { names: ['-h', '--help'], takesValue: false },
} as const;

const parse = (...args: string[]) => parseFlags(args, SPECS);

describe('parseFlags (node:util parseArgs underneath)', () => {
  it('reads every spelling of a flag into its key, in order', () => {
    expect(parse('-f', 'a.yaml', '--filename=b.yaml', '--file', 'c.yaml', '-fd.yaml', '-f=e.yaml').values.file).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml', 'e.yaml']);
  });

  it('gives switches the value "true", including a short-only switch', () => {
    expect(parse('--help', '-q').values).toEqual({ help: ['true'], quiet: ['true'] });
  });

  it('keeps positionals, "-" as a positional, and everything after "--"', () => {
    expect(parse('approve', '-', '-n', 'ns', '--', '--not-a-flag', 'x')).toEqual({ values: { namespace: ['ns'] }, positionals: ['approve', '-', '--not-a-flag', 'x'] });
  });

  it('accepts "-" as a value', () => {
    expect(parse('--out-dir', '-').values.out).toEqual(['-']);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--bogus=1'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['-f'], 'option -f needs a value'],
    [['--out-dir', '--help'], 'option --out-dir needs a value'],
    [['--help=yes'], 'option --help takes no value'],
    [['--out-dir', 'a', '--out-dir', 'b'], 'option --out-dir given more than once'],
    [['-n', 'a', '--namespace=b'], 'option --namespace given more than once'],
  ])('refuses %j with "%s"', (args, message) => {
    expect(() => parse(...args)).toThrow(new UsageError(message));
  });
});
