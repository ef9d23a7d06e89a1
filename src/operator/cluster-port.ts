/**
 * The migration workflow's cluster ports, implemented on the shared informer caches (reads) and the Kubernetes
 * client (writes).
 */
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { Informer } from '../controller/informer.ts';
import { isAlreadyExists, isConflict, isForbidden, labelSelector, type KubeClient, type KubeObject, type RequestOptions } from '../controller/kube-client.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import type { ClusterActions, ClusterView } from '../migration/ports.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from './resources.ts';
import { jsonEqual } from '../util/json.ts';
import type { ScopedKind } from './scoped-cache.ts';

/** The scoped caches per kind (see scoped-cache.ts) and the Namespaces' metadata. */
export interface Caches {
  secrets: ScopedKind<V1Secret & KubeObject>;
  configMaps: ScopedKind<V1ConfigMap & KubeObject>;
  deployments: ScopedKind<V1Deployment & KubeObject>;
  statefulSets: ScopedKind<V1StatefulSet & KubeObject>;
  /** Metadata only: the workflow reads a Namespace's labels. */
  namespaces: Informer<V1Namespace & KubeObject>;
}

/** ClusterView.pods: a live list; undefined when the operator may not list Pods in `ns`. */
export async function listPods(client: KubeClient, ns: string, selector: Record<string, string>): Promise<V1Pod[] | undefined> {
  try {
    return (await client.list<V1Pod & KubeObject>(RESOURCES.pods, ns, { labelSelector: labelSelector(selector) })).items;
  } catch (err) {
    // Pods are an optional grant (the chart's rbac.readPods): without it the workflow goes by the Deployment's status.
    if (isForbidden(err)) return undefined;
    throw err;
  }
}

export function clusterView(caches: Caches, served: 'all' | readonly string[], client: KubeClient): ClusterView {
  return {
    secret: (ns, name) => caches.secrets.get(ns, name),
    configMap: (ns, name) => caches.configMaps.get(ns, name),
    deployment: (ns, name) => caches.deployments.get(ns, name),
    namespace: (name) => caches.namespaces.get(undefined, name),
    workloads: async (ns, selector) => [...(await caches.deployments.select(ns, selector)), ...(await caches.statefulSets.select(ns, selector))],
    pods: (ns, selector) => listPods(client, ns, selector),
    serves: (ns) => served === 'all' || served.includes(ns),
  };
}

/**
 * The workflow's writes. Each runs under `signal()` — the operator passes its leadership term's signal, so a replica
 * that lost the lease sends nothing more, and what it has in flight is aborted.
 */
export function clusterActions(client: KubeClient, signal: () => AbortSignal | undefined = () => undefined): ClusterActions {
  const req = (): RequestOptions => ({ signal: signal() });
  return {
    async createSecret(secret) {
      try {
        await client.create(RESOURCES.secrets, secret.metadata?.namespace, secret as KubeObject, req());
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    },
    async applyConfigMap(cm) {
      const ns = cm.metadata!.namespace!;
      const name = cm.metadata!.name!;
      try {
        await client.create(RESOURCES.configMaps, ns, cm as KubeObject, req());
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        await client.patch(RESOURCES.configMaps, ns, name, { metadata: { labels: cm.metadata?.labels, annotations: cm.metadata?.annotations }, data: cm.data }, 'merge', req());
      }
    },
    async annotate(kind, ns, name, annotations) {
      await client.patch(kind === 'Secret' ? RESOURCES.secrets : RESOURCES.configMaps, ns, name, { metadata: { annotations } }, 'merge', req());
    },
    async addFinalizer(m, finalizer) {
      const finalizers = [...(m.metadata.finalizers ?? []), finalizer];
      // resourceVersion makes the merge patch conditional: a concurrent change of the list is never overwritten.
      await client.patch(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, { metadata: { finalizers, resourceVersion: m.metadata.resourceVersion } }, 'merge', req());
    },
    async removeFinalizer(m, finalizer) {
      const finalizers = (m.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      await client.patch(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, { metadata: { finalizers, resourceVersion: m.metadata.resourceVersion } }, 'merge', req());
    },
    async writeStatus(m: SvKmsMigration, status: SvKmsMigrationStatus) {
      // Guarded by resourceVersion. On a conflict, look at the fresh object: if only metadata changed (another writer
      // annotating or labelling it) — same generation, same status as the one this one was computed from — the
      // write is still right and goes again on the fresh version. If the spec or the status changed, it is not.
      let target: SvKmsMigration = m;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const updated = await client.replace(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, { ...target, status } as KubeObject, 'status', req());
          return updated.metadata?.resourceVersion ?? '';
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
        const fresh = await client.get<KubeObject>(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, req());
        const f = fresh as unknown as SvKmsMigration | undefined;
        if (!f || f.metadata.generation !== m.metadata.generation || !jsonEqual(f.status ?? {}, m.status ?? {})) return undefined;
        target = f;
      }
      return undefined;
    },
    async scaleToZero(kind, ns, name) {
      const res = kind === 'Deployment' ? RESOURCES.deployments : RESOURCES.statefulSets;
      await client.patch(res, ns, name, { spec: { replicas: 0 } }, 'merge', { ...req(), subresource: 'scale' });
    },
  };
}
