/**
 * `sv-kms configs-snippet MIGRATION [--step STEP] [--apply-to FILE]`: the change to the foundation's configs repository
 * (`configs/<network>/approved-sv-id-values.yaml`) that goes with a step of the hand-over, computed by the same code the
 * operator publishes in status.governance.configsChange — printed as the entries to paste, or applied to a copy of the
 * file (`--apply-to`, the whole edited file on stdout). Reads the migration from the cluster; writes nothing there.
 */
import { readFileSync } from 'node:fs';
import type { SvKmsMigration } from '../api/types.ts';
import { applyConfigsChange, configsChange, migrationIdentities, renderSnippet, type ConfigsStep, type HandoverIdentities } from '../governance/approved-identities.ts';
import type { CliIo, Command } from './main.ts';
import { EXIT } from './exit-codes.ts';
import { CLUSTER_FLAGS, clusterOptions, migrationName, runClusterCommand, type ClusterOptions } from './cluster-command.ts';
import { parseFlags, UsageError } from './parse-flags.ts';
import { printable } from './printable.ts';

const STEPS: readonly ConfigsStep[] = ['onboarding', 'weightTransfer', 'offboarding'];
const PREFIX = 'sv-kms configs-snippet';

const HELP = `Usage: sv-kms configs-snippet MIGRATION [options]

Prints the change to the foundation's configs repository (configs/<network>/approved-sv-id-values.yaml) that goes with
a step of the hand-over: the new SV at weight 0 (onboarding), the weight and the old SV's extra beneficiaries moved to
the new SV (weightTransfer), the old SV removed (offboarding). Open one PR per network and link it as the vote's
spec.workflow.<gate>.reasonUrl.

Options:
      --step STEP        ${STEPS.join(', ')} (default: the migration's current step, as in status.governance)
      --apply-to FILE    print FILE (your checkout's approved-sv-id-values.yaml) with the change applied
  -n, --namespace NS     namespace of the SvKmsMigration (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig to use instead of KUBECONFIG / ~/.kube/config
  -h, --help             show this help

Exit codes: 0 printed, 1 not found or not known yet (e.g. no identity key yet), 2 usage error, 3 kubeconfig, cluster or file failure.
`;

const FLAGS = { step: { names: ['--step'], takesValue: true }, applyTo: { names: ['--apply-to'], takesValue: true }, ...CLUSTER_FLAGS } as const;

interface Invocation extends ClusterOptions {
  migration: string;
  step?: ConfigsStep;
  applyTo?: string;
}

function parseInvocation(args: string[]): Invocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (values.help) return 'help';
  const [name, extra] = positionals;
  const migration = migrationName(name);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const step = values.step?.[0];
  if (step !== undefined && !(STEPS as readonly string[]).includes(step)) throw new UsageError(`--step "${step}": give one of ${STEPS.join(', ')}`);
  return { migration, ...(step ? { step: step as ConfigsStep } : {}), ...(values.applyTo?.[0] ? { applyTo: values.applyTo[0] } : {}), ...clusterOptions(values) };
}

/** The identities the change needs, from the migration's spec and status; a reason when they are not known yet. */
export function identitiesOf(m: SvKmsMigration): HandoverIdentities | string {
  if (!m.status?.identityKey?.publicKey) return 'the new SV\'s identity key is not known yet (status.identityKey): wait until the operator has prepared the migration';
  return migrationIdentities(m, m.status);
}

/** The step to print: the one asked for, else the migration's current one. */
function stepOf(m: SvKmsMigration, asked: ConfigsStep | undefined): ConfigsStep {
  const current = m.status?.governance?.configsChange?.step;
  return asked ?? ((STEPS as readonly string[]).includes(current ?? '') ? (current as ConfigsStep) : 'onboarding');
}

export const configsSnippetCommand: Command = {
  name: 'configs-snippet',
  summary: 'Print the configs-repo change (approved-sv-id-values.yaml) for a step of a migration, or apply it to a file.',
  run: (args: string[], io: CliIo) =>
    runClusterCommand({ prefix: PREFIX, help: HELP, parse: parseInvocation }, args, io, async (inv, { client, namespace }) => {
      let file: string | undefined;
      if (inv.applyTo) {
        try {
          file = readFileSync(inv.applyTo, 'utf8');
        } catch (err) {
          io.stderr.write(`${PREFIX}: cannot read ${printable(inv.applyTo)}: ${printable((err as Error).message)}\n`);
          return EXIT.failure;
        }
      }
      const { SVKMS_MIGRATIONS } = await import('../operator/resources.ts');
      const m = await client.get<SvKmsMigration>(SVKMS_MIGRATIONS, namespace, inv.migration);
      if (!m) {
        io.stderr.write(`${PREFIX}: SvKmsMigration ${namespace}/${printable(inv.migration)} not found (check the name and -n/--namespace)\n`);
        return EXIT.problems;
      }
      const ids = identitiesOf(m);
      if (typeof ids === 'string') {
        io.stderr.write(`${PREFIX}: ${printable(ids)}\n`);
        return EXIT.problems;
      }
      const change = configsChange(stepOf(m, inv.step), ids);
      if (file === undefined) {
        io.stdout.write(renderSnippet(change));
        return EXIT.ok;
      }
      try {
        io.stdout.write(applyConfigsChange(file, change));
      } catch (err) {
        io.stderr.write(`${PREFIX}: ${printable(inv.applyTo!)}: ${printable((err as Error).message)}\n`);
        return EXIT.problems;
      }
      return EXIT.ok;
    }),
};
