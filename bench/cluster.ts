/**
 * A fresh local control plane for one benchmark phase: kube-apiserver + etcd on 127.0.0.1 (random ports), the CRDs,
 * N namespaces each holding the AWS credentials Secret a migration there uses. One SV per namespace, as in real
 * clusters: the key Secret names are fixed per namespace by the Splice charts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { LocalControlPlane } from '../test/env/control-plane.ts';
import { installCrds } from '../test/env/kube.ts';
import { TEST_AWS_SECRET_ACCESS_KEY } from '../test/support/migrations.ts';
import { SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import { childPidsNamed, cpuSecondsOf } from './proc-stats.ts';
import { forEachLimited, PooledKubeClient } from './pooled-client.ts';

/** Name of the credentials Secret the test migrations reference. */
export const CREDENTIALS_SECRET = 'aws-kms-credentials';

export interface BenchCluster {
  cp: LocalControlPlane;
  kc: KubeConfig;
  client: PooledKubeClient;
  namespaces: string[];
  /** Pids of kube-apiserver and etcd (for their CPU time). */
  controlPlanePids: number[];
  /** CPU seconds kube-apiserver + etcd used so far. */
  controlPlaneCpu(): number;
  stop(): Promise<void>;
}

/**
 * installCrds, tried up to three times: `kubectl wait` right after the apply can fail with ".status.conditions
 * accessor error: <nil>" when it reads a CRD before the API server gave it any condition (the apply is idempotent).
 */
async function installCrdsRetrying(kubeconfigPath: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      installCrds(kubeconfigPath);
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** An Established CRD may still answer 429 "storage is (re)initializing" for a moment; wait until it lists. */
async function waitForCrdStorage(client: PooledKubeClient, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.request({ method: 'GET', path: client.path(SVKMS_MIGRATIONS) });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts the control plane, installs the CRDs and creates `n` namespaces `<prefix>-<i>` with credentials. */
export async function startBenchCluster(n: number, prefix: string, concurrency: number): Promise<BenchCluster> {
  const before = new Set([...childPidsNamed('kube-apiserver'), ...childPidsNamed('etcd')]);
  const cp = await LocalControlPlane.start();
  try {
    await installCrdsRetrying(cp.kubeconfigPath);
    const kc = cp.kubeConfig();
    const client = new PooledKubeClient(kc, concurrency);
    await waitForCrdStorage(client);
    const namespaces = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    await forEachLimited(namespaces, concurrency, async (ns) => {
      await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
      await client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/secrets`,
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: CREDENTIALS_SECRET, namespace: ns }, stringData: { accessKeyId: 'AKIASVKMSTEST0000001', secretAccessKey: TEST_AWS_SECRET_ACCESS_KEY } },
      });
    });
    const controlPlanePids = [...childPidsNamed('kube-apiserver'), ...childPidsNamed('etcd')].filter((p) => !before.has(p));
    return {
      cp,
      kc,
      client,
      namespaces,
      controlPlanePids,
      controlPlaneCpu: () => cpuSecondsOf(controlPlanePids),
      stop: async () => {
        await client.close();
        await cp.stop();
      },
    };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}
