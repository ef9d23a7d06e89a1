/** Loading the kubeconfig for the commands that talk to a cluster. */
import { loadKubeAccess, type KubeAccess } from '../controller/kube-access.ts';
import type { CliIo } from './main.ts';
import { printable } from './printable.ts';

/**
 * The access from the kubeconfig `file`, else the default one (KUBECONFIG, ~/.kube/config, the pod's service
 * account); undefined after writing `<prefix>: cannot load the kubeconfig: …` to stderr (the command then exits 3).
 */
export async function loadKubeConfig(file: string | undefined, io: CliIo, prefix: string): Promise<KubeAccess | undefined> {
  try {
    return await loadKubeAccess(file ? { file } : {});
  } catch (err) {
    io.stderr.write(`${prefix}: cannot load the kubeconfig: ${printable((err as Error).message)}\n`);
    return undefined;
  }
}
