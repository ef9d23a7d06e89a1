/**
 * `sv-kms approve <migration> <gate>`, `sv-kms pause <migration>`, `sv-kms resume <migration>`: set one spec field of
 * an SvKmsMigration in the cluster, for teams without GitOps. Each is a JSON merge patch of just that field carrying
 * the resourceVersion it was decided on (the API server refuses it with 409 if the object changed meanwhile; then the
 * object is read and judged again). An object a GitOps tool owns is refused (exit 1) with the Git change to make
 * instead: a change made here would be undone by the next sync.
 */
import { dump } from 'js-yaml';
import type { KubeClient, KubeObject } from '../controller/kube-client.ts';
import type { CliIo, Command } from './main.ts';
import { EXIT } from './exit-codes.ts';
import { gitOpsManager, type ManagedMetadata } from './gitops-manager.ts';
import { CLUSTER_FLAGS, clusterOptions, migrationName, runClusterCommand, type ClusterOptions } from './cluster-command.ts';
import { parseFlags, UsageError } from './parse-flags.ts';
import { printable } from './printable.ts';

/** The approval gates of spec.workflow, in hand-over order. */
export const GATES = ['weightTransfer', 'assetTransfer', 'offboarding', 'retirement'] as const;
export type Gate = (typeof GATES)[number];

/** One spec field to set: its path under the object and the value. */
export interface SpecChange {
  path: readonly string[];
  value: boolean;
  /** What the change does, for the success line (`approved weightTransfer`). */
  done: string;
  /** A field set together with it (the vote's reason URL). */
  also?: { path: readonly string[]; value: string };
}

/** The spec change each command makes. */
export const specChanges = {
  approve: (gate: Gate, reasonUrl?: string): SpecChange => ({
    path: ['spec', 'workflow', gate, 'approved'],
    value: true,
    done: `approved ${gate}`,
    ...(reasonUrl ? { also: { path: ['spec', 'workflow', gate, 'reasonUrl'], value: reasonUrl } } : {}),
  }),
  pause: (): SpecChange => ({ path: ['spec', 'paused'], value: true, done: 'paused' }),
  resume: (): SpecChange => ({ path: ['spec', 'paused'], value: false, done: 'resumed' }),
};

/** `{a: {b: value}}` for the path `['a', 'b']`. */
function nested(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key, i) => (i === path.length - 1 ? { [key]: value } : { [key]: inner }), {});
}

/** `a` and `b` merged, objects key by key (b wins). */
function merged(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = typeof cur === 'object' && cur !== null && typeof v === 'object' && v !== null ? merged(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** The fields a change sets, as one nested object. */
function fields(change: SpecChange): Record<string, unknown> {
  const main = nested(change.path, change.value);
  return change.also ? merged(main, nested(change.also.path, change.also.value)) : main;
}

/** The value at `path` in `obj`, or undefined. */
function valueAt(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The merge patch of a change decided on the object at `resourceVersion`. */
export function mergePatch(change: SpecChange, resourceVersion: string): Record<string, unknown> {
  return { ...fields(change), metadata: { resourceVersion } };
}

/** The YAML to put into the manifest in Git instead (the field with its parents). */
export function gitChangeYaml(change: SpecChange): string {
  return dump(fields(change), { indent: 2 });
}

const COMMON_OPTIONS = `Options:
  -n, --namespace NS     namespace of the SvKmsMigration (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig to use instead of KUBECONFIG / ~/.kube/config
  -h, --help             show this help

An SvKmsMigration managed by Flux or Argo CD is not changed (exit 1): the command prints the field to set in Git.
Exit codes: 0 changed (or already so), 1 not found or managed by GitOps, 2 usage error, 3 kubeconfig or cluster failure.
`;

const HELP = {
  approve: `Usage: sv-kms approve MIGRATION GATE [options]

Opens an approval gate: sets spec.workflow.GATE.approved to true. GATE is one of ${GATES.join(', ')}.
Tell the other SV operators first (docs/user-guide.md says what each gate needs from them; status.governance has the
announcement and the configs-repo change). On MainNet and TestNet a vote gate (weightTransfer, offboarding) opens only
with its reason URL: give it with --reason-url (the configs-repo PR the other SV operators review).

      --reason-url URL   also set spec.workflow.GATE.reasonUrl (weightTransfer and offboarding only)

${COMMON_OPTIONS}`,
  pause: `Usage: sv-kms pause MIGRATION [options]

Sets spec.paused to true: the operator makes no further side effects (status is still observed) until resumed.

${COMMON_OPTIONS}`,
  resume: `Usage: sv-kms resume MIGRATION [options]

Sets spec.paused to false: the operator goes on from where the migration stands.

${COMMON_OPTIONS}`,
} as const;

const FLAGS = { reasonUrl: { names: ['--reason-url'], takesValue: true }, ...CLUSTER_FLAGS } as const;

type CommandName = keyof typeof HELP;

interface Invocation extends ClusterOptions {
  migration: string;
  change: SpecChange;
}

function parseInvocation(command: CommandName, args: string[]): Invocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (values.help) return 'help';
  const want = command === 'approve' ? 2 : 1;
  const [migration, gate, ...extra] = positionals;
  migrationName(migration);
  if (positionals.length > want) throw new UsageError(`unexpected argument "${command === 'approve' ? extra[0] : gate}"`);
  let change: SpecChange;
  if (command === 'approve') {
    if (gate === undefined) throw new UsageError(`which gate? give one of ${GATES.join(', ')}`);
    if (!(GATES as readonly string[]).includes(gate)) throw new UsageError(`unknown gate "${gate}": give one of ${GATES.join(', ')}`);
    const reasonUrl = values.reasonUrl?.[0];
    if (reasonUrl !== undefined && gate !== 'weightTransfer' && gate !== 'offboarding') throw new UsageError(`--reason-url goes with the vote gates (weightTransfer, offboarding), not ${gate}`);
    if (reasonUrl !== undefined && !/^https?:\/\/\S+$/.test(reasonUrl)) throw new UsageError(`--reason-url "${reasonUrl}" is not an http(s) URL`);
    change = specChanges.approve(gate as Gate, reasonUrl);
  } else {
    if (values.reasonUrl) throw new UsageError(`--reason-url goes with approve, not ${command}`);
    change = specChanges[command]();
  }
  return { migration: migration!, change, ...clusterOptions(values) };
}

type Migration = KubeObject & { metadata: ManagedMetadata & { resourceVersion?: string } };

/** Attempts when the object changes between the read and the patch. */
const MAX_ATTEMPTS = 3;

/** Reads, judges and patches; returns the exit code. */
async function apply(client: KubeClient, namespace: string, inv: Invocation, io: CliIo, prefix: string): Promise<number> {
  const { SVKMS_MIGRATIONS } = await import('../operator/resources.ts');
  const { isConflict } = await import('../controller/kube-client.ts');
  const where = `SvKmsMigration ${namespace}/${inv.migration}`;
  const field = inv.change.path.join('.');
  for (let attempt = 1; ; attempt++) {
    const obj = await client.get<Migration>(SVKMS_MIGRATIONS, namespace, inv.migration);
    if (!obj) {
      io.stderr.write(printable(`${prefix}: ${where} not found (check the name and -n/--namespace)`) + '\n');
      return EXIT.problems;
    }
    if (valueAt(obj, inv.change.path) === inv.change.value && (!inv.change.also || valueAt(obj, inv.change.also.path) === inv.change.also.value)) {
      io.stdout.write(printable(`${where}: ${field} is already ${String(inv.change.value)}; nothing changed`) + '\n');
      return EXIT.ok;
    }
    const manager = gitOpsManager(obj.metadata);
    if (manager) {
      io.stderr.write(
        printable(`${prefix}: ${where} is managed by ${manager.tool} (${manager.owner}, ${manager.evidence}); a change made here would be undone by the next sync.`) +
          `\nMake the change in Git instead: in the SvKmsMigration manifest of ${printable(inv.migration)}, set\n\n` +
          gitChangeYaml(inv.change)
            .split('\n')
            .filter(Boolean)
            .map((l) => `  ${l}\n`)
            .join('') +
          `\nthen let ${manager.tool} sync it.\n`,
      );
      return EXIT.problems;
    }
    try {
      await client.patch(SVKMS_MIGRATIONS, namespace, inv.migration, mergePatch(inv.change, obj.metadata.resourceVersion ?? ''), 'merge');
    } catch (err) {
      if (isConflict(err) && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
    io.stdout.write(printable(`${where}: ${inv.change.done} (${field}: ${String(inv.change.value)})`) + '\n');
    return EXIT.ok;
  }
}

function specChangeCommand(command: CommandName, summary: string): Command {
  const prefix = `sv-kms ${command}`;
  return {
    name: command,
    summary,
    run: (args: string[], io: CliIo) =>
      runClusterCommand({ prefix, help: HELP[command], parse: (a) => parseInvocation(command, a) }, args, io, (inv, { client, namespace }) => apply(client, namespace, inv, io, prefix)),
  };
}

/** `sv-kms approve`. */
export const approveCommand = specChangeCommand('approve', 'Open an approval gate of a migration in the cluster (without GitOps).');
/** `sv-kms pause`. */
export const pauseCommand = specChangeCommand('pause', 'Pause a migration in the cluster: no side effects until resumed.');
/** `sv-kms resume`. */
export const resumeCommand = specChangeCommand('resume', 'Resume a paused migration in the cluster.');
