/**
 * Which migrations an object concerns: when a Secret, ConfigMap, Deployment, StatefulSet or Namespace changes, these
 * name the migrations to reconcile again. An index by namespace/name, kept current from the migration informers, so
 * an event costs a map lookup however many migrations there are.
 */
import type { ObjectRef } from '../controller/controller.ts';
import type { KubeObject } from '../controller/kube-client.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { participantValuesConfigMapName, svNodeValuesConfigMapName } from '../migration/meta.ts';
import { SV_APP_DEPLOYMENT } from '../migration/steps/deployment.ts';

type Kind = 'secret' | 'configMap' | 'workload' | 'workloadNamespace' | 'namespace';

/** The objects one migration reads, as index keys (`kind namespace/name`). */
function watchedKeys(m: SvKmsMigration): string[] {
  const own = m.metadata.namespace;
  const s = m.spec;
  const keys: [Kind, string | undefined, string | undefined][] = [
    // Credentials and OAuth client Secrets (migration namespace), key Secrets (new SV namespace).
    ['secret', own, s.kms.credentials.secretRef?.name],
    ['secret', own, s.oldSv.auth?.clientSecretRef.name],
    ['secret', own, s.oldSv.walletAuth?.clientSecretRef.name],
    ['secret', own, s.newSv.auth?.clientSecretRef.name],
    ['secret', s.newSv.namespace, s.newSv.governanceKey.secretName],
    ['secret', s.newSv.namespace, s.newSv.identityKey.secretName],
    // Base values (migration namespace) and the rendered values (new SV namespace).
    ['configMap', own, s.newSv.participant.baseValues?.configMapRef.name],
    ['configMap', own, s.newSv.svNode.baseValues?.configMapRef.name],
    ['configMap', s.newSv.namespace, participantValuesConfigMapName(m)],
    ['configMap', s.newSv.namespace, svNodeValuesConfigMapName(m)],
    // The new participant and sv-app; every workload of the old SV's namespace (its selector may match any).
    ['workload', s.newSv.namespace, s.newSv.participant.releaseName],
    ['workload', s.newSv.namespace, SV_APP_DEPLOYMENT],
    ['workloadNamespace', s.oldSv.namespace, ''],
    // Namespaces it writes to (their allow-list label may change).
    ['namespace', '', s.newSv.namespace],
    ['namespace', '', s.oldSv.namespace],
  ];
  return keys.filter(([, ns, name]) => ns !== undefined && name !== undefined).map(([kind, ns, name]) => `${kind} ${ns}/${name}`);
}

const refKey = (r: ObjectRef) => `${r.namespace}/${r.name}`;

/** The index keys under which a migration would have named an object of each kind. */
const at = (o: KubeObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
const secretKeys = (o: KubeObject) => [`secret ${at(o)}`];
const configMapKeys = (o: KubeObject) => [`configMap ${at(o)}`];
const workloadKeys = (o: KubeObject) => [`workload ${at(o)}`, `workloadNamespace ${o.metadata?.namespace}/`];

/** The index of what every migration watches; feed it the migration informers' changes. */
export class MigrationWatchIndex {
  private readonly byKey = new Map<string, Map<string, ObjectRef>>();
  private readonly keysOf = new Map<string, string[]>();

  /** Adds or updates a migration's entries. */
  upsert(m: SvKmsMigration): void {
    const ref: ObjectRef = { namespace: m.metadata.namespace, name: m.metadata.name };
    this.remove(ref);
    const keys = watchedKeys(m);
    this.keysOf.set(refKey(ref), keys);
    for (const k of keys) {
      let refs = this.byKey.get(k);
      if (!refs) this.byKey.set(k, (refs = new Map<string, ObjectRef>()));
      refs.set(refKey(ref), ref);
    }
  }

  remove(ref: ObjectRef): void {
    const id = refKey(ref);
    for (const k of this.keysOf.get(id) ?? []) {
      const refs = this.byKey.get(k);
      refs?.delete(id);
      if (refs?.size === 0) this.byKey.delete(k);
    }
    this.keysOf.delete(id);
  }

  /** Number of indexed migrations. */
  size(): number {
    return this.keysOf.size;
  }

  private lookup(...keys: string[]): ObjectRef[] {
    const out = new Map<string, ObjectRef>();
    for (const k of keys) for (const [id, ref] of this.byKey.get(k) ?? []) out.set(id, ref);
    return [...out.values()];
  }

  private names(keys: string[]): boolean {
    return keys.some((k) => this.byKey.has(k));
  }

  /** Whether some migration reads the object (the metadata caches keep only those). */
  namesSecret = (obj: KubeObject): boolean => this.names(secretKeys(obj));
  namesConfigMap = (obj: KubeObject): boolean => this.names(configMapKeys(obj));
  namesWorkload = (obj: KubeObject): boolean => this.names(workloadKeys(obj));

  secretRefs = (obj: KubeObject): ObjectRef[] => this.lookup(...secretKeys(obj));
  configMapRefs = (obj: KubeObject): ObjectRef[] => this.lookup(...configMapKeys(obj));
  workloadRefs = (obj: KubeObject): ObjectRef[] => this.lookup(...workloadKeys(obj));
  namespaceRefs = (obj: KubeObject): ObjectRef[] => this.lookup(`namespace /${obj.metadata?.name}`);
}
