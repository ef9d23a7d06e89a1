/**
 * Full migrations against the real API server, the KMS servers and the simulated Splice network: from apply to
 * Ready=True, with each approval flipped as a GitOps commit would, and the on-ledger result checked in the simulator.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import * as grpc from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { testBinaries } from '../env/binaries.ts';
import { startMoto, createCantonKeys, type MotoServer } from '../env/moto.ts';
import { startGcpKmsFake, type GcpKmsFake } from '../env/gcp-kms-fake.ts';
import { FIXTURE_0_4_15, FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import { type KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { renderParticipantValues } from '../../src/render/participant.ts';
import { renderSvNodeValues } from '../../src/render/sv-node.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { decimalCompare, decimalSubtract } from '../../src/util/decimal.ts';
import { condition, getMigration, migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration, awsTestMigration, createAwsCredentials, createGcpCredentials, gcpTestMigration, TEST_GCP_KEY_RING } from '../support/migrations.ts';
import { helmInstallDeployment, markAvailable } from '../support/workloads.ts';
import { allowMigrationsFrom, createOldSvWorkloads } from '../support/world.ts';
import { createNetworkSecrets, NEW_SV, OLD_BALANCE, OLD_SV, OLD_WEIGHT, onboardNewSv, startTestNetwork, wireToNetwork } from '../support/network.ts';

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
let gcp: GcpKmsFake;
/** The upstream chart set per simulated version (0.6.12 is the newest upstream tree, what 0.7 networks install). */
let charts: Record<'0.4.15' | '0.6.12', SpliceCharts>;
/** Reward coupons that reach the old SV's wallet after the hand-over transfer (below the reserve of 10). */
const LATE_REWARDS = '7.5';
const timing = { kmsKeysPollMs: 300, preflightRecheckMs: 500, stalledRecheckMs: 2000, deploymentRecheckMs: 1000, networkPollMs: 300 };

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  charts = { '0.4.15': new SpliceCharts(FIXTURE_0_4_15), '0.6.12': new SpliceCharts(FIXTURE_0_6_12) };
  moto = await startMoto();
  gcp = await startGcpKmsFake({ keyRings: [TEST_GCP_KEY_RING] });
});

afterAll(async () => {
  await moto?.stop();
  await gcp?.stop();
  for (const c of Object.values(charts ?? {})) c.remove();
});

/** A commit to the Git repository the migration is synced from: a change of the spec. */
async function gitOpsCommit(namespace: string, name: string, patch: Record<string, unknown>): Promise<void> {
  await client.patch(SVKMS_MIGRATIONS, namespace, name, { spec: patch }, 'merge');
}

/** What the Deployment and StatefulSet controllers would report after a scale to zero. */
async function reportScaledDown(namespace: string): Promise<void> {
  await client.patch(RESOURCES.deployments, namespace, 'participant-0', { status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 } }, 'merge', { subresource: 'status' });
  await client.patch(RESOURCES.statefulSets, namespace, 'cometbft', { status: { replicas: 0, readyReplicas: 0 } }, 'merge', { subresource: 'status' });
}

async function cantonCreatesKeys(provider: 'aws' | 'gcp'): Promise<void> {
  if (provider === 'aws') {
    await createCantonKeys(moto.endpoint);
    return;
  }
  const kms = new KeyManagementServiceClient({ apiEndpoint: '127.0.0.1', port: gcp.port, sslCreds: grpc.credentials.createInsecure() });
  await kms.createCryptoKey({ parent: TEST_GCP_KEY_RING, cryptoKeyId: `canton-${Date.now()}`, cryptoKey: { purpose: 'ASYMMETRIC_SIGN', versionTemplate: { algorithm: 'EC_SIGN_P256_SHA256' } } });
  await kms.close();
}

/**
 * Each provider against each simulated Splice version, with the asset transfer each wallet makes: a token-standard
 * transfer the operator accepts on the new SV's wallet, or (the new SV has a transfer preapproval) a preapproval send;
 * and a wallet without the token standard, which gets the legacy transfer offer. The last column is the number of
 * closed votes of other SVs in the network's history: one row runs on a long-lived network's, on the version whose
 * results come rejected and expired first and unpaged (0.4.15), where the operator's own results are found only by
 * asking for them.
 */
const MATRIX = [
  ['aws', '0.4.15', 'TokenStandard', 10_000],
  ['gcp', '0.4.15', 'TransferPreapproval', 0],
  ['aws', '0.6.12', 'TransferPreapproval', 0],
  ['gcp', '0.6.12', 'TokenStandard', 0],
  ['aws', '0.4.15', 'TransferOffer', 0],
] as const;

/** What the old SV's wallet sends with, per method (the simulator's operation ids), and what the new SV's accepts with. */
const SEND_OPERATION = { TokenStandard: 'createTokenStandardTransfer', TransferPreapproval: 'transferPreapprovalSend', TransferOffer: 'createTransferOffer' } as const;
const ACCEPT_OPERATION = { TokenStandard: 'acceptTokenStandardTransfer', TransferPreapproval: undefined, TransferOffer: 'acceptTransferOffer' } as const;

describe.each(MATRIX)('a full %s migration on Splice %s (%s)', (provider, version, method, history) => {
  let sim: SpliceSim;
  let operator: TestOperator;
  let namespace: string;
  let oldNamespace: string;
  const name = `full-${provider}-${version.replaceAll('.', '-')}-${method.toLowerCase()}`;

  beforeAll(async () => {
    const walletFeatures = method === 'TransferOffer' ? { tokenStandard: false, preapprovalDescription: false } : undefined;
    sim = await startTestNetwork({ autoVote: { accept: true, delayMs: 200 }, version, ...(walletFeatures ? { walletFeatures } : {}), ...(history ? { seedVoteResults: { count: history } } : {}) });
    if (method === 'TransferPreapproval') sim.createPreapproval(sim.node(NEW_SV).id);
    namespace = await createTestNamespace(kc, name);
    oldNamespace = await createTestNamespace(kc, `old-${name}`);
    // The old SV runs in another namespace: a cluster admin allows this migration's namespace to act there.
    await allowMigrationsFrom(client, oldNamespace, namespace);
    await createOldSvWorkloads(client, oldNamespace);
    operator = await startTestOperator(kc, { namespaces: [namespace, oldNamespace], timing });
  });

  afterAll(async () => {
    await operator?.stop();
    await sim?.stop();
  });

  it(`goes from apply to Ready with each gate opened by a spec change, and leaves the network as intended${history ? ` (with ${history.toLocaleString('en-US')} closed votes of other SVs on the network)` : ''}`, async () => {
    if (provider === 'aws') await createAwsCredentials(client, namespace);
    else await createGcpCredentials(client, namespace);
    await createNetworkSecrets(client, namespace, sim);
    const m = provider === 'aws' ? awsTestMigration(name, namespace, moto.endpoint) : gcpTestMigration(name, namespace, gcp.endpoint);
    wireToNetwork(m, sim);
    // The 0.6.12 network plays a 0.7 one (0.7 settings on); the 0.4.15 one is what it is.
    m.spec.splice = { version: version === '0.4.15' ? '0.4.15' : '0.7.4' };
    // Canton before 3.5.8 (Splice 0.4) has no AWS custom tags: the operator refuses them there.
    if (version === '0.4.15' && m.spec.kms.aws) delete m.spec.kms.aws.customTags;
    m.spec.oldSv.namespace = oldNamespace;
    m.spec.workflow = { ...m.spec.workflow, assetTransfer: { reserve: '10' } } as SvKmsMigration['spec']['workflow'];
    await applyMigration(client, m);

    // Preparing → AwaitingDeployment: the user installs the charts with the rendered values.
    const prepared = await waitForCondition(client, namespace, name, 'NewSvDeployed', 'False', 'ParticipantNotDeployed');
    await helmInstallDeployment(client, charts[version], 'splice-participant', 'participant-1', namespace, renderParticipantValues(prepared).values);
    await helmInstallDeployment(client, charts[version], 'splice-sv-node', 'sv', namespace, renderSvNodeValues(prepared).values);
    await markAvailable(client, namespace, 'participant-1');
    await cantonCreatesKeys(provider);

    // AwaitingOnboarding: the other SV operators approve the identity; the sponsor onboards the new SV.
    const awaiting = await waitForCondition(client, namespace, name, 'NewSvOnboarded', 'False', 'AwaitingOnboarding');
    expect(awaiting.status?.phase).toBe('AwaitingOnboarding');
    expect(condition(awaiting, 'ScanAgreement')?.status).toBe('True');
    onboardNewSv(sim, awaiting.status!.onboarding!.approvedSvIdentity!.publicKey!);

    // TransferringWeight waits for its gate.
    const gated = await waitForCondition(client, namespace, name, 'WeightTransferred', 'False', 'AwaitingApproval');
    expect(gated.status?.phase).toBe('TransferringWeight');
    expect(gated.status?.newSv?.rewardWeight).toBe(0);
    expect(gated.status?.oldSv?.originalRewardWeight).toBe(OLD_WEIGHT);
    expect(gated.status?.message).toContain('spec.workflow.weightTransfer.approved');
    await gitOpsCommit(namespace, name, { workflow: { weightTransfer: { approved: true } } });
    const moved = await waitForCondition(client, namespace, name, 'WeightTransferred', 'True', undefined, 30_000);
    expect(moved.status?.votes?.filter((v) => v.outcome === 'Accepted')).toHaveLength(2);

    // TransferringAssets
    await waitForCondition(client, namespace, name, 'AssetsTransferred', 'False', 'AwaitingApproval');
    await gitOpsCommit(namespace, name, { workflow: { assetTransfer: { approved: true } } });
    const transferred = await waitForCondition(client, namespace, name, 'AssetsTransferred', 'True', undefined, 30_000).catch(async (e: unknown) => {
      console.log(JSON.stringify({ status: (await getMigration(client, namespace, name))?.status, violations: sim.violations, state: sim.state().transferInstructions }, null, 1));
      throw e;
    });
    expect(transferred.status?.assets?.transfers).toEqual([expect.objectContaining({ purpose: 'Transfer', method, status: 'Completed' })]);
    // Reward coupons of rounds before the weight moved arrive late on the old SV's wallet: the final sweep takes them.
    sim.creditRewards(sim.node(OLD_SV).id, LATE_REWARDS);

    // Offboarding
    await waitForCondition(client, namespace, name, 'OldSvOffboarded', 'False', 'AwaitingApproval');
    await gitOpsCommit(namespace, name, { workflow: { offboarding: { approved: true } } });
    await waitForCondition(client, namespace, name, 'OldSvOffboarded', 'True', undefined, 30_000);

    // Retiring
    await waitForCondition(client, namespace, name, 'OldSvRetired', 'False', 'AwaitingApproval');
    await gitOpsCommit(namespace, name, { workflow: { retirement: { approved: true } } });
    await waitForCondition(client, namespace, name, 'OldSvRetired', 'False', 'ScalingDown');
    await reportScaledDown(oldNamespace);

    try {
      await waitForCondition(client, namespace, name, 'Ready', 'True', undefined, 10_000);
    } catch (e) {
      console.log(JSON.stringify((await getMigration(client, namespace, name))?.status, null, 1));
      throw e;
    }
    execFileSync(testBinaries().kubectl, ['--kubeconfig', process.env.SVKMS_TEST_KUBECONFIG!, '-n', namespace, 'wait', '--for=condition=Ready', `svkmsmigration/${name}`, '--timeout=30s'], { stdio: 'pipe' });
    const done = (await getMigration(client, namespace, name))!;
    expect(done.status?.phase).toBe('Completed');
    // Status tells the truth after gates committed at later generations: every True condition is current (so kubectl
    // wait returns at once), every vote shows its final outcome and tally, every transfer its final state.
    const trueConditions = (done.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);
    expect(trueConditions).toEqual(expect.arrayContaining(['NewSvOnboarded', 'WeightTransferred', 'AssetsTransferred', 'AssetsSwept', 'OldSvOffboarded', 'OldSvRetired', 'KmsKeysObserved', 'NewSvDeployed']));
    for (const type of trueConditions) {
      execFileSync(testBinaries().kubectl, ['--kubeconfig', process.env.SVKMS_TEST_KUBECONFIG!, '-n', namespace, 'wait', `--for=condition=${type}`, `svkmsmigration/${name}`, '--timeout=5s'], { stdio: 'pipe' });
    }
    expect(done.status?.votes?.map((v) => [v.outcome, (v.votesFor ?? 0) >= 1, v.closedAt !== undefined])).toEqual([
      ['Accepted', true, true],
      ['Accepted', true, true],
      ['Accepted', true, true],
    ]);
    const transfers = done.status?.assets?.transfers ?? [];
    expect(transfers.map((t) => [t.purpose, t.method, t.status])).toEqual([
      ['Transfer', method, 'Completed'],
      ['Sweep', method, 'Completed'],
    ]);
    expect(transfers.map((t, i) => decimalCompare(t.amount!, [decimalSubtract(OLD_BALANCE, '10'), LATE_REWARDS][i]!))).toEqual([0, 0]);
    expect(condition(done, 'Reconciling')?.status).toBe('False');
    expect(condition(done, 'Stalled')?.status).toBe('False');

    // On-ledger and in the cluster, what the runbook asks for.
    const state = sim.state();
    expect(state.svs.find((s) => s.name === NEW_SV)?.weight).toBe(OLD_WEIGHT);
    expect(state.svs.find((s) => s.name === OLD_SV)).toBeUndefined();
    expect(state.offboardedSvs.map((s) => s.name)).toContain(OLD_SV);
    const oldParty = sim.node(OLD_SV).party;
    const newParty = sim.node(NEW_SV).party;
    expect(decimalCompare(state.balances[oldParty]!, '10')).toBe(0);
    expect(decimalCompare(state.balances[newParty]!, decimalSubtract(OLD_BALANCE, decimalSubtract('10', LATE_REWARDS)))).toBe(0);
    const deployment = (await client.get<KubeObject & { spec: { replicas: number } }>(RESOURCES.deployments, oldNamespace, 'participant-0'))!;
    const statefulSet = (await client.get<KubeObject & { spec: { replicas: number } }>(RESOURCES.statefulSets, oldNamespace, 'cometbft'))!;
    expect([deployment.spec.replicas, statefulSet.spec.replicas]).toEqual([0, 0]);
    expect(done.status?.retirement?.scaled?.sort()).toEqual(['Deployment/participant-0=1', 'StatefulSet/cometbft=1']);

    // Each side effect once: three vote requests, the transfer and the sweep (each accepted once when it waits).
    const counts = sim.counts()[sim.node(OLD_SV).id]!;
    expect(counts['createVoteRequest']?.succeeded).toBe(3);
    expect(counts[SEND_OPERATION[method]]?.succeeded).toBe(2);
    for (const other of Object.values(SEND_OPERATION).filter((op) => op !== SEND_OPERATION[method])) expect(counts[other]?.attempts ?? 0).toBe(0);
    const accept = ACCEPT_OPERATION[method];
    if (accept) expect(sim.counts()[sim.node(NEW_SV).id]?.[accept]?.succeeded).toBe(2);
    expect(sim.violations).toEqual([]);
  }, 120_000);
});
