/**
 * `sv-kms validate -f file.yaml [-f more.yaml ...]`: checks SvKmsMigration manifests without a cluster — the CRD's
 * schema and CEL rules (src/api/validate.ts) plus the Canton `extraConfig` catalogue (src/render/catalogue.ts) — and
 * the key Secrets in the same files (as the operator checks them before adopting them). One line per problem.
 */
import { readFile } from 'node:fs/promises';
import { loadAll, YAML11_SCHEMA, YAMLException } from 'js-yaml';
import { API_VERSION, GROUP, KIND } from '../api/schema.ts';
import { validateMigration, type Problem } from '../api/validate.ts';
import { checkKeySecret } from '../keys/adoption.ts';
import { isKeyKind, KEY_KIND_INFO, KEY_KINDS, type KeyKind } from '../keys/key-kinds.ts';
import { KEY_KIND_LABEL } from '../keys/secret-manifest.ts';
import { checkKmsExtraConfig } from '../render/catalogue.ts';
import { participantDbConflict } from '../render/db-conflict.ts';
import { parseValuesYaml, RenderProblemsError } from '../render/values.ts';
import type { ResolvedSpliceVersion } from '../render/versions.ts';
import { cliTargetVersion, SPLICE_VERSION_HELP, spliceVersionFlag } from './splice-version-option.ts';
import type { CliIo, Command } from './main.ts';
import { parseFlags, UsageError } from './parse-flags.ts';
import { EXIT } from './exit-codes.ts';
import { printable, problemLine } from './printable.ts';


const USAGE_TEXT = `Usage: sv-kms validate -f FILE [-f FILE ...] [--splice-version VERSION]

Checks ${KIND} manifests (${API_VERSION}) offline, as the API server would (schema and CEL rules, unknown fields
included) plus the Canton settings in spec.kms.extraConfig for the Splice version (spec.splice.version or
--splice-version; else the newest known), and, from Splice 0.6.8, that the new participant's base values (a
ConfigMap in the same files) do not name the old SV's participant database host (spec.oldSv.participantDatabaseHost).
Files may hold several YAML documents: SvKmsMigrations
are checked, key Secrets (${KEY_KINDS.map((k) => KEY_KIND_INFO[k].defaultSecretName).join(', ')}, or labelled
${KEY_KIND_LABEL}) are checked as the operator checks them before adopting them, other documents are skipped.

Prints one line per problem, "FILE: FIELD: MESSAGE", and a summary. Line breaks and other non-printable
characters in names and messages are escaped (\\n, \\u001b); a top-level field named "" is printed as "".
Exit codes: 0 all valid, 1 problems found (or nothing to check), 2 usage error or unreadable file.

Options:
${SPLICE_VERSION_HELP}
`;

const FLAGS = {
  filename: { names: ['-f', '--filename'], takesValue: true, repeatable: true },
  spliceVersion: { names: ['--splice-version'], takesValue: true },
  help: { names: ['--help', '-h'], takesValue: false },
} as const;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `Kind/name` of a document, for messages. */
function describe(doc: Obj): string {
  const metadata = isObj(doc.metadata) ? doc.metadata : {};
  const kind = typeof doc.kind === 'string' ? doc.kind : '(no kind)';
  return typeof metadata.name === 'string' ? `${kind}/${metadata.name}` : kind;
}

/** The key kind of a Secret document, when it is one of the SV key Secrets. */
function keySecretKind(doc: Obj): KeyKind | undefined {
  if (doc.kind !== 'Secret') return undefined;
  const metadata = isObj(doc.metadata) ? doc.metadata : {};
  const labels = isObj(metadata.labels) ? metadata.labels : {};
  const label = labels[KEY_KIND_LABEL];
  if (typeof label === 'string' && isKeyKind(label)) return label;
  return KEY_KINDS.find((k) => KEY_KIND_INFO[k].defaultSecretName === metadata.name);
}

/** A Secret's `.data` as the API server would store it: `data` plus base64-encoded `stringData` (which wins). */
function storedSecretData(doc: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(doc.data)) for (const [k, v] of Object.entries(doc.data)) out[k] = String(v);
  if (isObj(doc.stringData)) for (const [k, v] of Object.entries(doc.stringData)) out[k] = Buffer.from(String(v), 'utf8').toString('base64');
  return out;
}

/** What checks beyond one document need: the --splice-version flag and the ConfigMaps of all files. */
interface CheckContext {
  flag: ResolvedSpliceVersion | undefined;
  configMaps: Obj[];
}

/** The new participant's base values, when its ConfigMap is among the files (matched by name, and namespace if set). */
function participantBaseValues(doc: Obj, ctx: CheckContext, spec: { name: string; key: string }): Record<string, unknown> | undefined {
  const ns = isObj(doc.metadata) ? doc.metadata.namespace : undefined;
  const cm = ctx.configMaps.find((c) => {
    const meta = isObj(c.metadata) ? c.metadata : {};
    return meta.name === spec.name && (ns === undefined || meta.namespace === undefined || meta.namespace === ns);
  });
  const text = cm && isObj(cm.data) ? cm.data[spec.key] : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    return parseValuesYaml(text);
  } catch {
    return undefined; // the ConfigMap's own YAML problems are not this manifest's
  }
}

function checkMigration(doc: Obj, ctx: CheckContext): Problem[] {
  const { problems, migration } = validateMigration(doc);
  // The catalogue check needs a schema-valid, defaulted spec.
  if (!migration) return problems;
  let version: ResolvedSpliceVersion;
  try {
    version = cliTargetVersion(migration, ctx.flag);
  } catch (err) {
    if (err instanceof RenderProblemsError) return err.problems;
    throw err;
  }
  const found = checkKmsExtraConfig(migration.spec, version);
  const base = migration.spec.newSv.participant.baseValues;
  const oldHost = migration.spec.oldSv.participantDatabaseHost;
  if (base && oldHost) {
    const conflict = participantDbConflict({
      version,
      newParticipantValues: participantBaseValues(doc, ctx, base.configMapRef),
      oldParticipantDatabase: { host: oldHost },
      valuesPath: `ConfigMap ${base.configMapRef.name} ${base.configMapRef.key}`,
    });
    if (conflict) found.push({ path: 'spec.newSv.participant.baseValues', message: `${conflict.path}: ${conflict.message}` });
  }
  return found;
}

function checkSecret(doc: Obj, kind: KeyKind): Problem[] {
  const metadata = isObj(doc.metadata) ? doc.metadata : {};
  const ref = {
    ...(typeof metadata.name === 'string' ? { name: metadata.name } : {}),
    ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
  };
  const result = checkKeySecret(kind, storedSecretData(doc), ref);
  return result.ok ? [] : [{ path: 'data', message: `${result.reason}: ${result.message}` }];
}

interface Tally {
  migrations: number;
  secrets: number;
  invalidDocuments: number;
  problems: number;
  skipped: number;
}

/** The ConfigMaps in all files (unparseable files are reported when they are checked). */
function configMapsOf(texts: string[]): Obj[] {
  const found: Obj[] = [];
  for (const text of texts) {
    try {
      for (const doc of loadAll(text, { schema: YAML11_SCHEMA })) if (isObj(doc) && doc.kind === 'ConfigMap') found.push(doc);
    } catch {
      // reported by validateFile
    }
  }
  return found;
}

function validateFile(file: string, text: string, io: CliIo, tally: Tally, ctx: CheckContext): void {
  // A `null` path is the document as a whole; validation problems always name a field (possibly "").
  const report = (where: string, problems: readonly { path: string | null; message: string }[]) => {
    if (problems.length === 0) return;
    tally.invalidDocuments++;
    tally.problems += problems.length;
    for (const p of problems) io.stdout.write(problemLine(where, p.path, p.message));
  };
  let docs: unknown[];
  try {
    docs = loadAll(text, { schema: YAML11_SCHEMA, filename: file });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const at = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : 'YAML';
    tally.invalidDocuments++;
    tally.problems++;
    io.stdout.write(`${printable(`${file}: ${at}: invalid YAML: ${err.reason}`)}\n`);
    return;
  }
  const multi = docs.filter((d) => d !== null && d !== undefined).length > 1;
  for (const [i, doc] of docs.entries()) {
    if (doc === null || doc === undefined) continue;
    const label = (d: string) => (multi ? `${file} (document ${i + 1}, ${d})` : file);
    if (!isObj(doc)) {
      report(label('not a mapping'), [{ path: null, message: 'is not a Kubernetes object (a YAML mapping with apiVersion and kind)' }]);
      continue;
    }
    const keyKind = keySecretKind(doc);
    if (doc.kind === KIND || (typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith(`${GROUP}/`))) {
      tally.migrations++;
      report(label(describe(doc)), checkMigration(doc, ctx));
    } else if (keyKind) {
      tally.secrets++;
      report(label(describe(doc)), checkSecret(doc, keyKind));
    } else {
      tally.skipped++;
      io.stderr.write(`${printable(`note: ${file}${multi ? ` (document ${i + 1})` : ''}: skipped ${describe(doc)}: not an ${KIND}`)}\n`);
    }
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  let files: string[];
  let flag: ResolvedSpliceVersion | undefined;
  try {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (values.help) {
      io.stdout.write(USAGE_TEXT);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (give files with -f)`);
    files = values.filename ?? [];
    if (files.length === 0) throw new UsageError('no file given: use -f FILE (repeatable)');
    flag = spliceVersionFlag(values.spliceVersion?.[0]);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`sv-kms validate: ${err.message}\n\n${USAGE_TEXT}`);
    return EXIT.usage;
  }

  const texts: string[] = [];
  let unreadable = 0;
  for (const file of files) {
    try {
      texts.push(await readFile(file, 'utf8'));
    } catch (err) {
      unreadable++;
      io.stderr.write(`${printable(`sv-kms validate: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)}\n`);
    }
  }
  if (unreadable > 0) return EXIT.usage;

  const tally: Tally = { migrations: 0, secrets: 0, invalidDocuments: 0, problems: 0, skipped: 0 };
  const ctx: CheckContext = { flag, configMaps: configMapsOf(texts) };
  for (const [i, file] of files.entries()) validateFile(file, texts[i]!, io, tally, ctx);

  const checked = [plural(tally.migrations, KIND), ...(tally.secrets > 0 ? [plural(tally.secrets, 'key Secret')] : [])].join(' and ');
  const skipped = tally.skipped > 0 ? `; ${plural(tally.skipped, 'other document')} skipped` : '';
  if (tally.migrations + tally.secrets === 0 && tally.problems === 0) {
    io.stdout.write(`sv-kms validate: no ${KIND} found in ${plural(files.length, 'file')}${skipped}\n`);
    return EXIT.problems;
  }
  if (tally.problems === 0) {
    io.stdout.write(`sv-kms validate: ${checked} checked in ${plural(files.length, 'file')}: all valid${skipped}\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    `sv-kms validate: ${checked} checked in ${plural(files.length, 'file')}: ${plural(tally.problems, 'problem')} in ${plural(tally.invalidDocuments, 'document')}${skipped}\n`,
  );
  return EXIT.problems;
}

/** The `validate` command. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check SvKmsMigration manifests (and key Secrets) offline; one line per problem.',
  run,
};
