/**
 * Which migrations an object concerns: when a Secret, ConfigMap, Deployment, StatefulSet or Namespace changes, these
 * functions name the migrations to reconcile again.
 */
import type { ObjectRef } from '../controller/controller.ts';
import type { KubeObject } from '../controller/kube-client.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { participantValuesConfigMapName, svNodeValuesConfigMapName } from '../migration/meta.ts';
import { SV_APP_DEPLOYMENT } from '../migration/steps/deployment.ts';

type Lister = () => SvKmsMigration[];
const ref = (m: SvKmsMigration): ObjectRef => ({ namespace: m.metadata.namespace, name: m.metadata.name });

/** Secrets: credentials and OAuth client Secrets (migration namespace), key Secrets (new SV namespace). */
export function secretRefs(migrations: Lister) {
  return (obj: KubeObject): ObjectRef[] => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    return migrations()
      .filter((m) => {
        const own = m.metadata.namespace === ns;
        const s = m.spec;
        return (
          (own && (s.kms.credentials.secretRef?.name === name || s.oldSv.auth.clientSecretRef.name === name || s.newSv.auth?.clientSecretRef.name === name)) ||
          (s.newSv.namespace === ns && (s.newSv.governanceKey.secretName === name || s.newSv.identityKey.secretName === name))
        );
      })
      .map(ref);
  };
}

/** ConfigMaps: base values (migration namespace) and the rendered values (new SV namespace). */
export function configMapRefs(migrations: Lister) {
  return (obj: KubeObject): ObjectRef[] => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    return migrations()
      .filter(
        (m) =>
          (m.metadata.namespace === ns && (m.spec.newSv.participant.baseValues?.configMapRef.name === name || m.spec.newSv.svNode.baseValues?.configMapRef.name === name)) ||
          (m.spec.newSv.namespace === ns && (participantValuesConfigMapName(m) === name || svNodeValuesConfigMapName(m) === name)),
      )
      .map(ref);
  };
}

/** Deployments and StatefulSets: the new participant and sv-app, and the old SV's workloads. */
export function workloadRefs(migrations: Lister) {
  return (obj: KubeObject): ObjectRef[] => {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    return migrations()
      .filter((m) => (m.spec.newSv.namespace === ns && (m.spec.newSv.participant.releaseName === name || name === SV_APP_DEPLOYMENT)) || m.spec.oldSv.namespace === ns)
      .map(ref);
  };
}

/** Namespaces: the migrations that write there (their allow-list label may have changed). */
export function namespaceRefs(migrations: Lister) {
  return (obj: KubeObject): ObjectRef[] => {
    const name = obj.metadata?.name;
    return migrations()
      .filter((m) => m.spec.newSv.namespace === name || m.spec.oldSv.namespace === name)
      .map(ref);
  };
}
