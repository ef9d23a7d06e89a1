/**
 * The `sv-kms` command line: dispatches to one module per subcommand. Every command returns its exit code; none
 * calls process.exit, so tests run them in-process.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { keygenCommand } from './keygen-command.ts';
import { renderCommand } from './render-command.ts';
import { validateCommand } from './validate-command.ts';
import { runCommand } from './run-command.ts';
import { approveCommand, pauseCommand, resumeCommand } from './spec-change-command.ts';
import { configsSnippetCommand } from './configs-snippet-command.ts';
import { statusCommand } from './status-command.ts';
import { planCommand } from './plan-command.ts';

export interface CliIo {
  stdout: Pick<Writable, 'write'>;
  stderr: Pick<Writable, 'write'>;
}

import { EXIT } from './exit-codes.ts';

export { EXIT };

export interface Command {
  name: string;
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const commands: Command[] = [
  runCommand,
  { name: 'version', summary: 'Print the version of sv-kms.', run: (_args, io) => new Promise((resolve) => resolve((io.stdout.write(`sv-kms ${version()}\n`), EXIT.ok))) },
  validateCommand,
  keygenCommand,
  renderCommand,
  approveCommand,
  pauseCommand,
  resumeCommand,
  configsSnippetCommand,
  statusCommand,
  planCommand,
];

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: sv-kms <command> [options]',
    '',
    'Moves a Splice Super Validator onto a participant whose keys live in AWS KMS or Google Cloud KMS.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `sv-kms <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') return main(['version'], io);
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`sv-kms: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  return command.run(rest, io);
}
