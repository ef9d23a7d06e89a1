/**
 * The migration workflow's cluster ports, implemented on the shared informer caches (reads) and the Kubernetes
 * client (writes).
 */
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { Informer } from '../controller/informer.ts';
import { isAlreadyExists, isConflict, type KubeClient, type KubeObject } from '../controller/kube-client.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import type { ClusterActions, ClusterView } from '../migration/ports.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from './resources.ts';
import { jsonEqual } from '../util/json.ts';

/** Informers per kind; each list holds one informer per served namespace, or one for all namespaces. */
export interface Caches {
  secrets: Informer<V1Secret & KubeObject>[];
  configMaps: Informer<V1ConfigMap & KubeObject>[];
  deployments: Informer<V1Deployment & KubeObject>[];
  statefulSets: Informer<V1StatefulSet & KubeObject>[];
  namespaces: Informer<V1Namespace & KubeObject>;
}

function find<T extends KubeObject>(informers: Informer<T>[], namespace: string, name: string): T | undefined {
  for (const i of informers) {
    const found = i.get(namespace, name);
    if (found) return found;
  }
  return undefined;
}

export function clusterView(caches: Caches, served: 'all' | readonly string[]): ClusterView {
  const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels?.[k] === v);
  return {
    secret: (ns, name) => find(caches.secrets, ns, name),
    configMap: (ns, name) => find(caches.configMaps, ns, name),
    deployment: (ns, name) => find(caches.deployments, ns, name),
    namespace: (name) => caches.namespaces.get(undefined, name),
    workloads: (ns, selector) => [
      ...caches.deployments.flatMap((i) => i.list(ns)).filter((d) => matches(d.metadata?.labels, selector)),
      ...caches.statefulSets.flatMap((i) => i.list(ns)).filter((s) => matches(s.metadata?.labels, selector)),
    ],
    serves: (ns) => served === 'all' || served.includes(ns),
  };
}

export function clusterActions(client: KubeClient): ClusterActions {
  return {
    async createSecret(secret) {
      try {
        await client.create(RESOURCES.secrets, secret.metadata?.namespace, secret as KubeObject);
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
        await client.create(RESOURCES.configMaps, ns, cm as KubeObject);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        await client.patch(RESOURCES.configMaps, ns, name, { metadata: { labels: cm.metadata?.labels, annotations: cm.metadata?.annotations }, data: cm.data }, 'merge');
      }
    },
    async annotate(kind, ns, name, annotations) {
      await client.patch(kind === 'Secret' ? RESOURCES.secrets : RESOURCES.configMaps, ns, name, { metadata: { annotations } }, 'merge');
    },
    async addFinalizer(m, finalizer) {
      const finalizers = [...(m.metadata.finalizers ?? []), finalizer];
      // resourceVersion makes the merge patch conditional: a concurrent change of the list is never overwritten.
      await client.patch(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, { metadata: { finalizers, resourceVersion: m.metadata.resourceVersion } }, 'merge');
    },
    async removeFinalizer(m, finalizer) {
      const finalizers = (m.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      await client.patch(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, { metadata: { finalizers, resourceVersion: m.metadata.resourceVersion } }, 'merge');
    },
    async writeStatus(m: SvKmsMigration, status: SvKmsMigrationStatus) {
      // Guarded by resourceVersion. On a conflict, look at the fresh object: if only metadata changed (another writer
      // annotating or labelling it) — same generation, same status as the one this one was computed from — the
      // write is still right and goes again on the fresh version. If the spec or the status changed, it is not.
      let target: SvKmsMigration = m;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const updated = await client.replace(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name, { ...target, status } as KubeObject, 'status');
          return updated.metadata?.resourceVersion ?? '';
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
        const fresh = await client.get<KubeObject>(SVKMS_MIGRATIONS, m.metadata.namespace, m.metadata.name);
        const f = fresh as unknown as SvKmsMigration | undefined;
        if (!f || f.metadata.generation !== m.metadata.generation || !jsonEqual(f.status ?? {}, m.status ?? {})) return undefined;
        target = f;
      }
      return undefined;
    },
    async scaleToZero(kind, ns, name) {
      const res = kind === 'Deployment' ? RESOURCES.deployments : RESOURCES.statefulSets;
      await client.patch(res, ns, name, { spec: { replicas: 0 } }, 'merge', { subresource: 'scale' });
    },
  };
}
