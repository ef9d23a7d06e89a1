/**
 * Plays everyone but the operator in a migration, as the real world would, so that tests and the demo can run one end
 * to end: the platform engineer's Helm releases (from the values ConfigMaps the operator wrote), the kubelet making
 * them Available, Canton creating its keys in the KMS, the other SV operators approving the new SV's identity, and the
 * Deployment/StatefulSet controllers reporting the old SV scaled down. Approvals of the gates are NOT played here: they
 * are the test's (or the demo's) decision.
 */
import { type KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { RESOURCES } from '../../src/operator/resources.ts';
import { parseValuesYaml } from '../../src/render/values.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { participantValuesConfigMapName, svNodeValuesConfigMapName, VALUES_KEY } from '../../src/migration/meta.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import type { SpliceCharts } from '../env/splice-charts.ts';
import { getMigration } from './operator-harness.ts';
import { helmInstallDeployment, markAvailable } from './workloads.ts';
import { createNetworkSecrets, onboardNewSv, wireToNetwork } from './network.ts';
import { awsTestMigration, createAwsCredentials } from './migrations.ts';
import { ALLOW_FROM_LABEL } from '../../src/migration/meta.ts';

export interface WorldOptions {
  client: KubeClient;
  charts: SpliceCharts;
  sim: SpliceSim;
  namespace: string;
  name: string;
  oldNamespace?: string;
  /** What Canton does on first start: create its keys in the KMS. */
  createKmsKeys(): Promise<void>;
  /** A line per action, for the demo's narration. */
  say?: (line: string) => void;
  intervalMs?: number;
}

/** The old SV's workloads, running (with the status their controllers would report). */
export async function createOldSvWorkloads(client: KubeClient, namespace: string): Promise<void> {
  const labels = { app: 'old-sv' };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'example.invalid/old:1' }] } };
  await client.create(RESOURCES.deployments, namespace, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'participant-0', namespace, labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template } } as KubeObject);
  await client.create(RESOURCES.statefulSets, namespace, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cometbft', namespace, labels }, spec: { replicas: 1, serviceName: 'cometbft', selector: { matchLabels: labels }, template } } as KubeObject);
  await client.patch(RESOURCES.deployments, namespace, 'participant-0', { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } }, 'merge', { subresource: 'status' });
  await client.patch(RESOURCES.statefulSets, namespace, 'cometbft', { status: { replicas: 1, readyReplicas: 1 } }, 'merge', { subresource: 'status' });
}

type Workload = KubeObject & { spec?: { replicas?: number }; status?: { replicas?: number } };

export function playWorld(opts: WorldOptions): { stop(): Promise<void> } {
  const { client, namespace, name } = opts;
  const say = opts.say ?? (() => {});
  const done = { deployed: false, keys: false, onboarded: false };
  let stopped = false;

  async function valuesOf(m: SvKmsMigration, configMap: string): Promise<Record<string, unknown> | undefined> {
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(RESOURCES.configMaps, m.spec.newSv.namespace, configMap);
    const text = cm?.data?.[VALUES_KEY];
    return text === undefined ? undefined : parseValuesYaml(text);
  }

  async function step(): Promise<void> {
    const m = await getMigration(client, namespace, name);
    if (!m?.status) return;
    const cond = (type: string) => m.status?.conditions?.find((c) => c.type === type)?.status;
    if (!done.deployed && cond('ValuesRendered') === 'True') {
      const participant = await valuesOf(m, participantValuesConfigMapName(m));
      const svNode = await valuesOf(m, svNodeValuesConfigMapName(m));
      if (participant && svNode) {
        await helmInstallDeployment(client, opts.charts, 'splice-participant', m.spec.newSv.participant.releaseName, m.spec.newSv.namespace, participant);
        await helmInstallDeployment(client, opts.charts, 'splice-sv-node', m.spec.newSv.svNode.releaseName, m.spec.newSv.namespace, svNode);
        await markAvailable(client, m.spec.newSv.namespace, m.spec.newSv.participant.releaseName);
        done.deployed = true;
        say(`platform team: helm install ${m.spec.newSv.participant.releaseName} and ${m.spec.newSv.svNode.releaseName} with the operator's values; the participant starts`);
      }
    }
    if (done.deployed && !done.keys && cond('NewSvDeployed') === 'True') {
      await opts.createKmsKeys();
      done.keys = true;
      say('Canton: the new participant creates its keys in the KMS');
    }
    const identity = m.status.onboarding?.approvedSvIdentity?.publicKey;
    if (!done.onboarded && identity && cond('KmsKeysObserved') === 'True') {
      onboardNewSv(opts.sim, identity);
      done.onboarded = true;
      say('other SV operators: add the approvedSvIdentities entry (weight 0); the sponsor onboards the new SV');
    }
    if (opts.oldNamespace) {
      for (const res of [RESOURCES.deployments, RESOURCES.statefulSets]) {
        for (const w of (await client.list<Workload>(res, opts.oldNamespace)).items) {
          if (w.spec?.replicas === 0 && (w.status?.replicas ?? 0) > 0) {
            await client.patch(res, opts.oldNamespace, w.metadata!.name!, { status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 } }, 'merge', { subresource: 'status' });
            say(`kubernetes: ${res.kind} ${w.metadata!.name} in ${opts.oldNamespace} is down to 0 replicas`);
          }
        }
      }
    }
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await step();
      } catch {
        // The world keeps going; the next round tries again.
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 150));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

const NAMESPACES = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false } as const;

/** What a cluster admin does so that migrations in `from` may act on the old SV in `oldNamespace`. */
export async function allowMigrationsFrom(client: KubeClient, oldNamespace: string, from: string): Promise<void> {
  await client.patch(NAMESPACES, undefined, oldNamespace, { metadata: { labels: { [ALLOW_FROM_LABEL]: from } } }, 'merge');
}

export interface HandoverSetup {
  namespace: string;
  oldNamespace: string;
  name: string;
  /** AWS KMS endpoint (moto, or a proxy in front of it). */
  kmsEndpoint: string;
  /** Open every gate from the start (default), or leave them all closed. */
  gates?: 'open' | 'closed';
  reserve?: string;
}

/**
 * Everything a hand-over needs around the migration: the old SV running in its namespace (which allows the
 * migration's namespace), the KMS credentials and OAuth2 client Secrets, and the AWS migration wired to the simulated
 * network. Returns the migration, not yet applied.
 */
export async function prepareHandover(client: KubeClient, sim: SpliceSim, setup: HandoverSetup): Promise<SvKmsMigration> {
  await allowMigrationsFrom(client, setup.oldNamespace, setup.namespace);
  await createOldSvWorkloads(client, setup.oldNamespace);
  await createAwsCredentials(client, setup.namespace);
  await createNetworkSecrets(client, setup.namespace, sim);
  const m = wireToNetwork(awsTestMigration(setup.name, setup.namespace, setup.kmsEndpoint), sim);
  m.spec.oldSv.namespace = setup.oldNamespace;
  const open = setup.gates !== 'closed';
  const w = m.spec.workflow;
  m.spec.workflow = {
    weightTransfer: { ...w.weightTransfer, approved: open },
    assetTransfer: { approved: open, reserve: setup.reserve ?? '10' },
    offboarding: { ...w.offboarding, approved: open },
    retirement: { approved: open },
  } as SvKmsMigration['spec']['workflow'];
  return m;
}
