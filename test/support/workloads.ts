/**
 * Plays what Helm and the kubelet would do in a real cluster (the test control plane has neither): installs the
 * Deployments the upstream charts render from the operator's values, and marks them Available.
 */
import { type KubeClient, type KubeObject, type ResourceType } from '../../src/controller/kube-client.ts';
import { RESOURCES } from '../../src/operator/resources.ts';
import { minimalValues, SpliceCharts, type RenderedObject } from '../env/splice-charts.ts';

/** Creates or replaces the Deployment `chart` renders for `release` with these values over the minimal ones. */
export async function helmInstallDeployment(client: KubeClient, charts: SpliceCharts, chart: 'splice-participant' | 'splice-sv-node', release: string, namespace: string, values: Record<string, unknown>): Promise<RenderedObject> {
  // The minimal values of the charts' own version (the 0.6.12 sv-node chart takes the synchronizers layout).
  const objects = charts.template(chart, release, namespace, minimalValues(chart, charts.fixture), values);
  const d = SpliceCharts.deployment(objects, chart === 'splice-sv-node' ? 'sv-app' : release);
  d.metadata.namespace = namespace;
  const existing = await client.get(RESOURCES.deployments, namespace, d.metadata.name);
  if (existing) await client.replace(RESOURCES.deployments, namespace, d.metadata.name, { ...d, metadata: { ...d.metadata, resourceVersion: existing.metadata?.resourceVersion } });
  else await client.create(RESOURCES.deployments, namespace, d);
  return d;
}

/** Sets the status a Deployment controller and kubelet would report once all replicas run. */
export async function markAvailable(client: KubeClient, namespace: string, name: string): Promise<void> {
  const d = (await client.get<KubeObject & { spec?: { replicas?: number } }>(RESOURCES.deployments, namespace, name))!;
  const replicas = d.spec?.replicas ?? 1;
  const now = nowSeconds();
  await setStatus(client, RESOURCES.deployments, namespace, name, {
    observedGeneration: d.metadata?.generation,
    replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    updatedReplicas: replicas,
    conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'test', lastUpdateTime: now, lastTransitionTime: now }],
  });
}

/** The time as the API server writes it (seconds). */
const nowSeconds = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Writes an object's status, as its controller or the kubelet would. */
async function setStatus(client: KubeClient, res: ResourceType, namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
  await client.patch(res, namespace, name, { status }, 'merge', { subresource: 'status' });
}

/**
 * Creates a Pod of Deployment `name` (its selector's labels) whose database init container (pg-init) failed as the
 * kubelet reports it: exit code 1, in CrashLoopBackOff. Returns the Pod's name.
 */
export async function createPodWithFailedDbInit(client: KubeClient, namespace: string, name: string): Promise<string> {
  const d = (await client.get<KubeObject & { spec?: { selector?: { matchLabels?: Record<string, string> } } }>(RESOURCES.deployments, namespace, name))!;
  const podName = `${name}-5d8c7-x2k9q`;
  await client.create(RESOURCES.pods, namespace, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, namespace, labels: d.spec?.selector?.matchLabels ?? {} },
    spec: { initContainers: [{ name: 'pg-init', image: 'postgres' }], containers: [{ name: 'participant', image: 'participant' }] },
  } as KubeObject);
  const now = nowSeconds();
  await setStatus(client, RESOURCES.pods, namespace, podName, {
    phase: 'Pending',
    initContainerStatuses: [
      { name: 'pg-init', image: 'postgres', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } } },
    ],
  });
  return podName;
}
