/**
 * `sv-kms render`: renders the splice-participant and splice-sv-node values of an SvKmsMigration manifest offline,
 * exactly as the operator would write them into its ConfigMaps.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateMigration, type Problem } from '../api/validate.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { checkKmsExtraConfig } from '../render/catalogue.ts';
import { participantDbConflict } from '../render/db-conflict.ts';
import { renderParticipantValues } from '../render/participant.ts';
import { checkSvNodeRenderable, renderSvNodeValues } from '../render/sv-node.ts';
import type { ResolvedSpliceVersion } from '../render/versions.ts';
import { cliTargetVersion, describeVersion, SPLICE_VERSION_HELP, spliceVersionFlag } from './splice-version-option.ts';
import { parseValuesYaml, RenderProblemsError, ValuesYamlError, type RenderedValues } from '../render/values.ts';
import type { CliIo, Command } from './main.ts';
import { parseFlags, UsageError } from './parse-flags.ts';

import { EXIT } from './exit-codes.ts';
import { printable, problemText } from './printable.ts';

const HELP = `Usage: sv-kms render -f migration.yaml [options]

Renders the Helm values of the new SV from an SvKmsMigration manifest, as the operator writes them into its
ConfigMaps: participant-values.yaml (splice-participant) and sv-node-values.yaml (splice-sv-node).

Options:
  -f, --filename FILE             the SvKmsMigration manifest (required)
      --base-values FILE          your splice-participant values, merged underneath
      --sv-node-base-values FILE  your splice-sv-node values, merged underneath
      --out-dir DIR               write both files into DIR instead of printing them
${SPLICE_VERSION_HELP}
  -h, --help                      show this help

The manifest is validated first; each problem is printed as "file: field: message" and the exit code is 1.
Base values the operator's values replace, and warnings (e.g. secretOverrides in base values, a version newer
than the newest known one, the participant database conflict of Splice 0.6.8+), are reported on stderr.
Exit codes: 0 rendered, 1 problems in the manifest or values files, 2 usage error or unreadable file,
3 output could not be written.
`;

/** A file that could not be parsed or holds problems, reported as `file: message` lines (exit 1). */
class InputError extends Error {
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

/** A file that could not be read (exit 2, as `sv-kms validate`). */
class UnreadableFileError extends Error {}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UnreadableFileError(printable(`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`));
  }
}

function readYamlMap(file: string): Record<string, unknown> {
  try {
    return parseValuesYaml(readText(file));
  } catch (err) {
    if (err instanceof ValuesYamlError) throw new InputError([printable(`${file}: ${err.message}`)]);
    throw err;
  }
}

/** One escaped line per problem (the manifest is a map, so an empty path is a top-level field named ""). */
function problemLines(file: string, problems: Problem[]): string[] {
  return problems.map((p) => problemText(file, p.path, p.message));
}

function loadMigration(file: string, flag: ResolvedSpliceVersion | undefined): { migration: SvKmsMigration; version: ResolvedSpliceVersion } {
  const { problems, migration } = validateMigration(readYamlMap(file));
  if (!migration) throw new InputError(problemLines(file, problems));
  const version = cliTargetVersion(migration, flag);
  const renderProblems = [...checkKmsExtraConfig(migration.spec, version), ...checkSvNodeRenderable(migration)];
  if (renderProblems.length > 0) throw new InputError(problemLines(file, renderProblems));
  return { migration, version };
}

function header(chart: string, migration: SvKmsMigration, rendered: RenderedValues, version: ResolvedSpliceVersion): string {
  const lines = [
    `# ${chart} values rendered by sv-kms for SvKmsMigration ${migration.metadata.namespace}/${migration.metadata.name}`,
    `# for ${describeVersion(version)}`,
    `# sha256 of the values below: ${rendered.sha256}`,
    // Escaped: a base-values key with a line break must not end the comment and add lines to the values.
    ...rendered.conflicts.map((c) => `# replaced a different base value at ${printable(c)}`),
  ];
  return `${lines.join('\n')}\n`;
}

interface Options {
  file: string;
  baseValues?: string;
  svNodeBaseValues?: string;
  outDir?: string;
  spliceVersion?: string;
}

const FLAGS = {
  file: { names: ['-f', '--filename', '--file'], takesValue: true },
  baseValues: { names: ['--base-values'], takesValue: true },
  svNodeBaseValues: { names: ['--sv-node-base-values'], takesValue: true },
  outDir: { names: ['--out-dir'], takesValue: true },
  spliceVersion: { names: ['--splice-version'], takesValue: true },
  help: { names: ['-h', '--help'], takesValue: false },
} as const;

function parseOptions(args: string[]): Options | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const file = values.file?.[0];
  if (file === undefined) throw new UsageError('-f FILE is required');
  return {
    file,
    baseValues: values.baseValues?.[0],
    svNodeBaseValues: values.svNodeBaseValues?.[0],
    outDir: values.outDir?.[0],
    spliceVersion: values.spliceVersion?.[0],
  };
}

function render(args: string[], io: CliIo): number {
  let options: Options | 'help';
  let flagVersion: ResolvedSpliceVersion | undefined;
  try {
    options = parseOptions(args);
    if (options !== 'help') flagVersion = spliceVersionFlag(options.spliceVersion);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`sv-kms render: ${err.message}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (options === 'help') {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  let outputs: { fileName: string; text: string; rendered: RenderedValues; chart: string }[];
  try {
    const { migration, version } = loadMigration(options.file, flagVersion);
    const participantBase = options.baseValues === undefined ? undefined : readYamlMap(options.baseValues);
    const svNodeBase = options.svNodeBaseValues === undefined ? undefined : readYamlMap(options.svNodeBaseValues);
    const parts = [
      { fileName: 'participant-values.yaml', chart: 'splice-participant', rendered: renderParticipantValues(migration, participantBase, { version }) },
      { fileName: 'sv-node-values.yaml', chart: 'splice-sv-node', rendered: renderSvNodeValues(migration, svNodeBase, { version }) },
    ];
    const oldHost = migration.spec.oldSv.participantDatabaseHost;
    const conflict = participantDbConflict({ version, newParticipantValues: participantBase, oldParticipantDatabase: oldHost ? { host: oldHost } : undefined, valuesPath: '--base-values' });
    if (conflict) parts[0]!.rendered.warnings.push(`${conflict.path}: ${conflict.message}`);
    outputs = parts.map((p) => ({ ...p, text: `${header(p.chart, migration, p.rendered, version)}${p.rendered.yaml}` }));
  } catch (err) {
    if (err instanceof UnreadableFileError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof InputError) {
      io.stderr.write(`${err.lines.join('\n')}\n`);
      return EXIT.problems;
    }
    if (err instanceof RenderProblemsError) {
      io.stderr.write(`${problemLines(options.file, err.problems).join('\n')}\n`);
      return EXIT.problems;
    }
    throw err;
  }
  for (const o of outputs) {
    for (const c of o.rendered.conflicts) io.stderr.write(`sv-kms render: ${o.chart}: your base value at ${printable(c)} is replaced by the operator's\n`);
    for (const w of o.rendered.warnings) io.stderr.write(`sv-kms render: ${o.chart}: warning: ${printable(w)}\n`);
  }
  if (options.outDir === undefined) {
    io.stdout.write(outputs.map((o) => `---\n${o.text}`).join(''));
    return EXIT.ok;
  }
  try {
    mkdirSync(options.outDir, { recursive: true });
    for (const o of outputs) writeFileSync(join(options.outDir, o.fileName), o.text);
  } catch (err) {
    io.stderr.write(`${printable(`sv-kms render: cannot write to ${options.outDir}: ${(err as Error).message}`)}\n`);
    return EXIT.failure;
  }
  for (const o of outputs) io.stdout.write(`wrote ${join(options.outDir, o.fileName)} (sha256 ${o.rendered.sha256})\n`);
  return EXIT.ok;
}

/** The `render` subcommand. */
export const renderCommand: Command = {
  name: 'render',
  summary: 'Render the participant and sv-node Helm values of a migration manifest.',
  // Synchronous underneath; the executor turns a throw into a rejection, as an async function would.
  run: (args, io) => new Promise((resolve) => resolve(render(args, io))),
};
