/**
 * The frame every `sv-kms` command that talks to a cluster shares: its arguments parsed (a usage error prints the
 * message and the help, exit 2), `--help`, the kubeconfig loaded (exit 3 when it cannot be), the namespace resolved,
 * and a Kubernetes client made; the command's own work then runs with them, and a failure of the cluster is exit 3.
 */
import { DNS_LABEL, DNS_SUBDOMAIN } from '../api/patterns.ts';
import type { KubeClient } from '../controller/kube-client.ts';
import type { CliIo } from './main.ts';
import { EXIT } from './exit-codes.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { UsageError } from './parse-flags.ts';
import { printable } from './printable.ts';

/** Options every cluster command takes. */
export interface ClusterOptions {
  namespace?: string;
  kubeconfig?: string;
}

/** The flags of {@link ClusterOptions}, for parseFlags. */
export const CLUSTER_FLAGS = {
  namespace: { names: ['-n', '--namespace'], takesValue: true },
  kubeconfig: { names: ['--kubeconfig'], takesValue: true },
  help: { names: ['-h', '--help'], takesValue: false },
} as const;

/** A migration name given on the command line; a usage error names what is wrong. */
export function migrationName(name: string | undefined): string {
  if (name === undefined) throw new UsageError('which migration? give the name of the SvKmsMigration');
  if (!new RegExp(DNS_SUBDOMAIN).test(name) || name.length > 253) throw new UsageError(`"${name}" is not an object name (lower-case letters, digits, - and .)`);
  return name;
}

/** The cluster options from parsed flag values, checked. */
export function clusterOptions(values: { namespace?: string[]; kubeconfig?: string[] }): ClusterOptions {
  const namespace = values.namespace?.[0];
  if (namespace !== undefined && (!new RegExp(DNS_LABEL).test(namespace) || namespace.length > 63)) throw new UsageError(`--namespace "${namespace}" is not a valid namespace (a DNS-1123 label)`);
  return { ...(namespace ? { namespace } : {}), ...(values.kubeconfig?.[0] ? { kubeconfig: values.kubeconfig[0] } : {}) };
}

export interface ClusterCommandSpec<I extends ClusterOptions> {
  prefix: string;
  help: string;
  /** Parses the arguments; throws UsageError, or returns 'help'. */
  parse(args: string[]): I | 'help';
}

/** Runs a cluster command: `work` gets the parsed invocation, a client and the namespace. */
export async function runClusterCommand<I extends ClusterOptions>(
  spec: ClusterCommandSpec<I>,
  args: string[],
  io: CliIo,
  work: (inv: I, cluster: { client: KubeClient; namespace: string }) => Promise<number>,
): Promise<number> {
  let inv: I | 'help';
  try {
    inv = spec.parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${spec.prefix}: ${printable(err.message)}\n\n${spec.help}`);
    return EXIT.usage;
  }
  if (inv === 'help') {
    io.stdout.write(spec.help);
    return EXIT.ok;
  }
  const access = await loadKubeConfig(inv.kubeconfig, io, spec.prefix);
  if (!access) return EXIT.failure;
  const namespace = inv.namespace ?? access.namespace ?? 'default';
  const { KubeClient, KubeApiError } = await import('../controller/kube-client.ts');
  const client = new KubeClient(access, { fieldManager: 'sv-kms-cli' });
  try {
    return await work(inv, { client, namespace });
  } catch (err) {
    io.stderr.write(`${spec.prefix}: ${printable(err instanceof Error ? err.message : String(err))}\n`);
    // The API server refused a change by the CRD's rules (e.g. a vote gate without its reason URL): bad input.
    return err instanceof KubeApiError && err.code === 422 ? EXIT.problems : EXIT.failure;
  }
}
