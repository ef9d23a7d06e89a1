/** Loading the kubeconfig for the commands that talk to a cluster. */
import { KubeConfig } from '@kubernetes/client-node';
import type { CliIo } from './main.ts';
import { printable } from './printable.ts';

/**
 * The kubeconfig from `file`, else the default one (in-cluster, KUBECONFIG, ~/.kube/config); undefined after writing
 * `<prefix>: cannot load the kubeconfig: …` to stderr (the command then exits 3).
 */
export function loadKubeConfig(file: string | undefined, io: CliIo, prefix: string): KubeConfig | undefined {
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
    return kc;
  } catch (err) {
    io.stderr.write(`${prefix}: cannot load the kubeconfig: ${printable((err as Error).message)}\n`);
    return undefined;
  }
}
