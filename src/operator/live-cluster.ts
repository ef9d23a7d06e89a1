/**
 * A ClusterView that reads the live cluster (GET and LIST, no cache), for the CLI's read-only planning: the same reads
 * the operator answers from its caches. Namespaces named by the migration are read before planning (their labels are
 * read synchronously).
 */
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import { labelSelector, type KubeClient, type KubeObject } from '../controller/kube-client.ts';
import { listPods } from './cluster-port.ts';
import type { SvKmsMigration } from '../api/types.ts';
import type { ClusterActions, ClusterView } from '../migration/ports.ts';
import { RESOURCES } from './resources.ts';

/** A live, read-only view of the cluster for `m` (its namespaces read first). */
export async function liveClusterView(client: KubeClient, m: SvKmsMigration): Promise<ClusterView> {
  const namespaces = new Map<string, V1Namespace | undefined>();
  for (const ns of new Set([m.metadata.namespace, m.spec.newSv.namespace, ...(m.spec.oldSv.namespace ? [m.spec.oldSv.namespace] : [])])) {
    namespaces.set(ns, (await client.get<KubeObject>(RESOURCES.namespaces, undefined, ns)) as V1Namespace | undefined);
  }
  const get = async <T>(res: (typeof RESOURCES)[keyof typeof RESOURCES], ns: string, name: string) => (await client.get<KubeObject>(res, ns, name)) as T | undefined;
  return {
    secret: (ns, name) => get<V1Secret>(RESOURCES.secrets, ns, name),
    configMap: (ns, name) => get<V1ConfigMap>(RESOURCES.configMaps, ns, name),
    deployment: (ns, name) => get<V1Deployment>(RESOURCES.deployments, ns, name),
    namespace: (name) => namespaces.get(name),
    async workloads(ns, selector) {
      const selectorText = labelSelector(selector);
      const opts = selectorText ? { labelSelector: selectorText } : {};
      const [deployments, statefulSets] = await Promise.all([client.list<KubeObject>(RESOURCES.deployments, ns, opts), client.list<KubeObject>(RESOURCES.statefulSets, ns, opts)]);
      return [...(deployments.items as V1Deployment[]).map((d) => ({ ...d, kind: 'Deployment' })), ...(statefulSets.items as V1StatefulSet[]).map((d) => ({ ...d, kind: 'StatefulSet' }))];
    },
    pods: (ns, selector) => listPods(client, ns, selector),
    // The CLI does not know the operator's namespaces: the plan assumes it serves them (the operator checks).
    serves: () => true,
  };
}

/** Writes refused: planning makes none (a step that tried would be a bug). */
export const NO_WRITES: ClusterActions = new Proxy({} as ClusterActions, {
  get: (_t, name) => () => Promise.reject(new Error(`planning writes nothing (a step tried ${String(name)})`)),
});
