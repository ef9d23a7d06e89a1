/**
 * `sv-kms run` that loses the leader lease exits at once (as controller-runtime's manager does by default), with one
 * log line, so its Deployment restarts it as a fresh standby; nothing it started acts on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { KubeClient, RUNTIME_RESOURCES } from '../../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../../src/controller/kube-access.ts';
import type { LeaseObject } from '../../src/controller/leader-election.ts';
import { eventually, spawnOperatorProcess, type OperatorProcess } from '../support/operator-harness.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';

let kc: KubeConfig;
let client: KubeClient;
let namespace: string;
let operator: OperatorProcess | undefined;

beforeAll(async () => {
  kc = testKubeConfig();
  client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'lease-thief' });
  namespace = await createTestNamespace(kc, 'lease-lost');
});
afterAll(async () => operator?.kill());

describe('sv-kms run losing the lease', () => {
  it('exits with a log line when another holder took the lease', async () => {
    operator = spawnOperatorProcess([namespace], { identity: 'replica-x', leaseNamespace: namespace });
    const lease = await eventually(async () => {
      const l = await client.get<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, 'sv-kms-operator');
      return l?.spec?.holderIdentity === 'replica-x' ? l : undefined;
    }, 'replica-x holding the lease', 30_000);
    const now = new Date().toISOString().replace(/Z$/, '000Z');
    await client.replace<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, 'sv-kms-operator', {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'thief', acquireTime: now, renewTime: now, leaseDurationSeconds: 3600 },
    });
    const child = operator.child;
    await eventually(() => child.exitCode !== null || child.signalCode !== null, 'the operator process exiting', 30_000);
    expect(child.exitCode).toBe(EXIT.failure);
    expect(operator.output()).toMatch(/leader election lost \(another replica \(thief\) holds the lease\); exiting so that the Deployment restarts this replica/);
    // It left the thief's lease alone (no release of a lease it does not hold).
    expect((await client.get<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, 'sv-kms-operator'))?.spec?.holderIdentity).toBe('thief');
  });
});
