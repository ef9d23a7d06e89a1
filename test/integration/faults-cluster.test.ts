/**
 * A full migration while the cluster and the KMS misbehave (issue 7, part 1): the API server and etcd go down and come
 * back mid-migration (every watch drops), a concurrent writer keeps changing the object (409 conflicts on every status
 * write), and the KMS throttles and fails. The migration must converge with status consistent with the world, one
 * governance key ever, one vote request per action, one transfer per intent, and nothing deleted.
 *
 * It runs its own control plane (the shared one must not go down under other tests).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalControlPlane } from '../env/control-plane.ts';
import { createTestNamespace, installCrds } from '../env/kube.ts';
import { startMoto, createCantonKeys, type MotoServer } from '../env/moto.ts';
import { startAwsKmsProxy, type AwsKmsProxy } from '../env/aws-kms-proxy.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import { type KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import { checkKeySecret } from '../../src/keys/adoption.ts';
import { eventually, getMigration, migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration } from '../support/migrations.ts';
import { NEW_SV, OLD_SV, OLD_WEIGHT, startTestNetwork } from '../support/network.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

let cp: LocalControlPlane;
let client: KubeClient;
let moto: MotoServer;
let kms: AwsKmsProxy;
let sim: SpliceSim;
let charts: SpliceCharts;
let operator: TestOperator;

beforeAll(async () => {
  cp = await LocalControlPlane.start();
  installCrds(cp.kubeconfigPath);
  client = migrationClient(cp.kubeConfig());
  moto = await startMoto();
  kms = await startAwsKmsProxy(moto.endpoint);
  sim = await startTestNetwork({ autoVote: { accept: true, delayMs: 300 } });
  // The migrations render for Splice 0.7.4 (the examples'): installed with the newest upstream charts, 0.6.12's.
  charts = new SpliceCharts(FIXTURE_0_6_12);
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await sim?.stop();
  await kms?.stop();
  await moto?.stop();
  charts?.remove();
  await cp?.stop();
});

describe('a migration through control-plane outages, write conflicts and a misbehaving KMS', () => {
  it('converges with every invariant intact', async () => {
    const kc = cp.kubeConfig();
    const namespace = await createTestNamespace(kc, 'chaos');
    const oldNamespace = await createTestNamespace(kc, 'chaos-old');
    const m = await prepareHandover(client, sim, { namespace, oldNamespace, name: 'chaos', kmsEndpoint: kms.endpoint, reserve: '1' });
    // The KMS throttles the preflight, then fails twice more.
    kms.failNext(3, 'ThrottlingException');
    await applyMigration(client, m);
    operator = await startTestOperator(kc, {
      namespaces: [namespace, oldNamespace],
      timing: { kmsKeysPollMs: 200, preflightRecheckMs: 300, stalledRecheckMs: 1000, deploymentRecheckMs: 500, networkPollMs: 200 },
    });
    const world = playWorld({
      client,
      charts,
      sim,
      namespace,
      name: 'chaos',
      oldNamespace,
      createKmsKeys: async () => {
        await createCantonKeys(moto.endpoint);
        kms.failNext(2, 'ServiceUnavailable503');
      },
    });

    // A concurrent writer: another controller (or a human) keeps annotating the object.
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        try {
          await client.patch(SVKMS_MIGRATIONS, namespace, 'chaos', { metadata: { annotations: { 'example.com/touched': String(++writes) } } }, 'merge');
        } catch {
          // the API server may be down
        }
        await new Promise((r) => setTimeout(r, 40));
      }
    })();

    try {
      // Outage 1: while the keys and values are being made.
      await eventually(async () => (await getMigration(client, namespace, 'chaos'))?.status?.conditions?.some((c) => c.type === 'SpecValid'), 'the first status');
      await cp.restartAll(1000);
      // Outage 2: in the middle of the hand-over.
      await eventually(async () => ['TransferringWeight', 'TransferringAssets', 'Offboarding'].includes((await getMigration(client, namespace, 'chaos'))?.status?.phase ?? ''), 'the hand-over', 60_000);
      await cp.restartAll(2000);
      await waitForCondition(client, namespace, 'chaos', 'Ready', 'True', undefined, 120_000);
    } finally {
      writing = false;
      await writer;
      await world.stop();
    }
    expect(writes).toBeGreaterThan(20);

    const done = (await getMigration(client, namespace, 'chaos'))!;
    // Status consistent with the world.
    const state = sim.state();
    expect(done.status?.newSv?.rewardWeight).toBe(OLD_WEIGHT);
    expect(state.svs.find((s) => s.name === NEW_SV)?.weight).toBe(OLD_WEIGHT);
    expect(state.offboardedSvs.map((s) => s.name)).toContain(OLD_SV);
    expect(done.status?.votes?.map((v) => v.outcome)).toEqual(['Accepted', 'Accepted', 'Accepted']);
    // One key ever: the Secret the status records, created once.
    const gov = (await client.get<KubeObject & { data?: Record<string, string> }>(RESOURCES.secrets, namespace, 'splice-app-sv-cometbft-governance-key'))!;
    expect(checkKeySecret('governance', gov.data)).toMatchObject({ ok: true, fingerprint: done.status?.governanceKey?.fingerprint });
    expect(operator.requests.filter((r) => r.verb === 'create' && r.resource === 'secrets' && r.status === 201)).toHaveLength(2);
    // Nothing deleted by the operator, nothing updated that is a key.
    expect(operator.requests.filter((r) => r.verb === 'delete')).toEqual([]);
    expect(operator.requests.filter((r) => r.resource === 'secrets' && (r.verb === 'update' || r.verb === 'patch'))).toEqual([]);
    // One vote request per action and one transfer per intent.
    const counts = sim.counts()[sim.node(OLD_SV).id]!;
    expect(counts['createVoteRequest']?.succeeded).toBe(3);
    expect(counts['createTokenStandardTransfer']?.succeeded).toBe(1);
    // It met conflicts and outages and came through them.
    expect(operator.requests.some((r) => r.status === 409)).toBe(true);
    expect(kms.calls()['ListKeys']).toBeGreaterThan(3);
    const old = await client.list<KubeObject & { spec: { replicas: number } }>(RESOURCES.deployments, oldNamespace);
    expect(old.items.map((d) => d.spec.replicas)).toEqual([0]);
  }, 300_000);
});
