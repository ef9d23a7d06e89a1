/**
 * `sv-kms status MIGRATION [-o json]` (also `kubectl sv-kms status`): the migration as a tree — phases and conditions,
 * keys, rendered values and whether the participant runs them, votes, transfers, side effects, the next action and who
 * must take it, what to tell the other SV operators. Reads only (the migration and the participant Deployment): a
 * kubeconfig with read-only RBAC is enough; what it may not read is shown as unknown.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { SvKmsMigration } from '../api/types.ts';
import type { KubeObject } from '../controller/kube-client.ts';
import { participantEnvMismatches } from '../migration/steps/deployment.ts';
import { resolveSpliceVersion } from '../render/versions.ts';
import type { CliIo, Command } from './main.ts';
import { EXIT } from './exit-codes.ts';
import { CLUSTER_FLAGS, clusterOptions, migrationName, runClusterCommand, type ClusterOptions } from './cluster-command.ts';
import { renderTree, statusView, type Applied } from './migration-tree.ts';
import { parseFlags, UsageError } from './parse-flags.ts';
import { printable } from './printable.ts';

const PREFIX = 'sv-kms status';

const HELP = `Usage: sv-kms status MIGRATION [options]

Shows a migration as a tree: the phases with their conditions, the keys (public parts and fingerprints only), the
rendered values and whether the participant runs them, each vote (deadline, tally, who has not voted), the transfers,
the side effects made, the next action and who must take it, and what to tell the other SV operators. Reads only.

Options:
  -o, --output FORMAT    tree (default) or json
  -n, --namespace NS     namespace of the SvKmsMigration (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig to use instead of KUBECONFIG / ~/.kube/config
  -h, --help             show this help

Exit codes: 0 shown, 1 not found, 2 usage error, 3 kubeconfig or cluster failure.
`;

const FLAGS = { output: { names: ['-o', '--output'], takesValue: true }, ...CLUSTER_FLAGS } as const;

interface Invocation extends ClusterOptions {
  migration: string;
  json: boolean;
}

function parseInvocation(args: string[]): Invocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (values.help) return 'help';
  const [name, extra] = positionals;
  const migration = migrationName(name);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const output = values.output?.[0] ?? 'tree';
  if (output !== 'tree' && output !== 'json') throw new UsageError(`--output "${output}": give tree or json`);
  return { migration, json: output === 'json', ...clusterOptions(values) };
}

/** Whether the participant Deployment carries the rendered values (unknown when it cannot be read). */
export function participantApplied(m: SvKmsMigration, d: V1Deployment | undefined | 'forbidden'): { state: Applied; detail?: string } {
  if (d === 'forbidden') return { state: 'unknown', detail: 'no access to read the Deployment' };
  if (!d) return { state: 'no', detail: `Deployment ${m.spec.newSv.namespace}/${m.spec.newSv.participant.releaseName} does not exist` };
  try {
    const version = m.status?.splice?.version ? { version: resolveSpliceVersion(m.status.splice.version) } : {};
    const mismatches = participantEnvMismatches(m, d, version.version);
    return mismatches.length === 0 ? { state: 'yes' } : { state: 'no', detail: mismatches.join('; ') };
  } catch (err) {
    return { state: 'unknown', detail: (err as Error).message };
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show a migration in the cluster as a tree: phases, keys, values, votes, transfers, what is next and who acts.',
  run: (args: string[], io: CliIo) =>
    runClusterCommand({ prefix: PREFIX, help: HELP, parse: parseInvocation }, args, io, async (inv, { client, namespace }) => {
      const { KubeApiError } = await import('../controller/kube-client.ts');
      const { SVKMS_MIGRATIONS, RESOURCES } = await import('../operator/resources.ts');
      const m = await client.get<SvKmsMigration>(SVKMS_MIGRATIONS, namespace, inv.migration);
      if (!m) {
        io.stderr.write(`${PREFIX}: SvKmsMigration ${namespace}/${printable(inv.migration)} not found (check the name and -n/--namespace)\n`);
        return EXIT.problems;
      }
      let deployment: V1Deployment | undefined | 'forbidden';
      try {
        deployment = (await client.get<KubeObject>(RESOURCES.deployments, m.spec.newSv.namespace, m.spec.newSv.participant.releaseName)) as V1Deployment | undefined;
      } catch (err) {
        if (!(err instanceof KubeApiError && (err.code === 403 || err.code === 401))) throw err;
        deployment = 'forbidden';
      }
      const view = statusView(m, { 'splice-participant': participantApplied(m, deployment) });
      io.stdout.write(inv.json ? `${JSON.stringify(view, null, 2)}\n` : printableTree(renderTree(view)));
      return EXIT.ok;
    }),
};

/** Every line of the tree made printable (status text comes from the cluster). */
function printableTree(text: string): string {
  return text
    .split('\n')
    .map((l) => printable(l))
    .join('\n');
}
