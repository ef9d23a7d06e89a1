/**
 * The resource types the operator reads and writes: its own SvKmsMigration and the Kubernetes kinds of the workflow.
 * The generic runtime (src/controller) knows only Events and Leases; everything else is named here.
 */
import { RUNTIME_RESOURCES, type ResourceType } from '../controller/kube-client.ts';
import { GROUP, KIND, PLURAL, VERSION } from '../api/schema.ts';

export const SVKMS_MIGRATIONS: ResourceType = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND, namespaced: true };

/** Every resource type the operator uses (plus the runtime's Events and Leases, for tests and tools). */
export const RESOURCES = {
  ...RUNTIME_RESOURCES,
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  statefulSets: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
} as const satisfies Record<string, ResourceType>;
