/**
 * Two operator replicas with leader election against the real API server: only the leader writes, a dead leader is
 * replaced within the lease duration, and a converged migration costs no writes and no KMS calls.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { startMoto, createCantonKeys, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import { type KubeClient as Client } from '../../src/controller/kube-client.ts';
import type { LeaseObject } from '../../src/controller/leader-election.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { renderParticipantValues } from '../../src/render/participant.ts';
import { renderSvNodeValues } from '../../src/render/sv-node.ts';
import { eventually, migrationClient, spawnOperatorProcess, startTestOperator, waitForCondition, type OperatorProcess, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration, awsTestMigration, createAwsCredentials } from '../support/migrations.ts';
import { helmInstallDeployment, markAvailable } from '../support/workloads.ts';

let kc: KubeConfig;
let client: Client;
let moto: MotoServer;
let charts: SpliceCharts;
let namespace: string;
/** Replica A: a real `sv-kms run` process (so it can be killed with SIGKILL); replica B: in-process, instrumented. */
let a: OperatorProcess;
let b: TestOperator;
/** `sv-kms run` uses the production lease timing: 15 s lease, 10 s renew deadline, 2 s retry. */
const LEASE_MS = 15_000;
const timing = { kmsKeysPollMs: 500, preflightRecheckMs: 500, stalledRecheckMs: 2000, deploymentRecheckMs: 2000 };

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  moto = await startMoto();
  // The migrations render for Splice 0.7.4 (the examples'): installed with the newest upstream charts, 0.6.12's.
  charts = new SpliceCharts(FIXTURE_0_6_12);
  namespace = await createTestNamespace(kc, 'replicas');
  await createAwsCredentials(client, namespace);
  a = spawnOperatorProcess([namespace], { identity: 'replica-a', leaseNamespace: namespace });
  await eventually(async () => (await holder()) === 'replica-a', 'replica-a holding the lease', 30_000);
  b = await startTestOperator(kc, { namespaces: [namespace], timing, leaderElection: { namespace, name: 'sv-kms-operator', identity: 'replica-b' } });
  // B's caches sync in the background; on a loaded machine A can render before they have (a CI failure).
  await eventually(async () => (await fetch(`http://127.0.0.1:${b.port}/readyz`)).status === 200, 'replica-b ready (caches synced)', 30_000);
});

afterAll(async () => {
  await a?.kill();
  await b?.stop();
  await moto?.stop();
  charts?.remove();
});

const nonLeaseWrites = (r: TestOperator) => r.writes().filter((w) => w.resource !== 'leases');
const holder = async () => (await client.get<LeaseObject>(RESOURCES.leases, namespace, 'sv-kms-operator'))?.spec?.holderIdentity;

/** Runs `fn` once, however many cases ask for it: each case states the stages it needs and so stands alone. */
function stage<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

/** The migration is applied and replica A (the leader) rendered its values. */
const applied = stage(async () => {
  await applyMigration(client, awsTestMigration('replicated', namespace, moto.endpoint));
  await waitForCondition(client, namespace, 'replicated', 'ValuesRendered', 'True');
});

/** A was killed with SIGKILL and B took over; when A was killed. */
const takenOver = stage(async () => {
  await applied();
  await a.kill();
  const killedAt = Date.now();
  await eventually(() => b.isLeader(), 'replica-b taking over', LEASE_MS + 10_000);
  return { killedAt };
});

/** B carried the migration on to KmsKeysObserved. */
const converged = stage(async () => {
  await takenOver();
  const m = (await client.get(SVKMS_MIGRATIONS, namespace, 'replicated')) as unknown as SvKmsMigration;
  await helmInstallDeployment(client, charts, 'splice-participant', 'participant-1', namespace, renderParticipantValues(m).values);
  await helmInstallDeployment(client, charts, 'splice-sv-node', 'sv', namespace, renderSvNodeValues(m).values);
  await markAvailable(client, namespace, 'participant-1');
  await createCantonKeys(moto.endpoint);
  return waitForCondition(client, namespace, 'replicated', 'KmsKeysObserved', 'True');
});

describe('two replicas', () => {
  it('only the leader reconciles and writes; the standby is ready but passive', async () => {
    expect(b.isLeader()).toBe(false);
    await applied();
    expect(await holder()).toBe('replica-a');
    expect(nonLeaseWrites(b)).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
    expect(metrics).toMatch(/^svkms_leader 0$/m);
    expect((await fetch(`http://127.0.0.1:${b.port}/readyz`)).status).toBe(200);
  });

  it('a leader killed with SIGKILL is replaced within the lease duration, and the new leader carries on', async () => {
    const { killedAt } = await takenOver();
    // The lease is taken once it expired (15 s after the last renewal), plus at most one retry period.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 5_000);
    expect(await holder()).toBe('replica-b');

    await converged();
    expect(nonLeaseWrites(b).length).toBeGreaterThan(0);
    expect(a.output()).toContain('became leader');
  }, 90_000);

  it('after convergence the operator makes no writes and no KMS calls for 60 s', async () => {
    const m = await converged();
    expect(m.status?.phase).toBe('AwaitingOnboarding');
    await new Promise((r) => setTimeout(r, 2000)); // the last status write's own watch event passes
    const writesBefore = nonLeaseWrites(b).length;
    const kmsBefore = b.kmsCalls.length;
    await new Promise((r) => setTimeout(r, 60_000));
    expect(nonLeaseWrites(b).slice(writesBefore)).toEqual([]);
    expect(b.kmsCalls.length - kmsBefore).toBe(0);
  }, 180_000);
});
