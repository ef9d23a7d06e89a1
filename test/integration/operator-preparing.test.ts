/**
 * The operator against the real API server, moto and the GCP KMS fake: the Preparing and AwaitingDeployment phases
 * (DESIGN §3), the key invariants (§5), recovery from Stalled, crash/restart, metrics and logs. Leader election with
 * two replicas and the quiet-after-convergence check are in operator-replicas.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import * as grpc from '@grpc/grpc-js';
import type { KubeConfig, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { startMoto, createCantonKeys, type MotoServer } from '../env/moto.ts';
import { startGcpKmsFake, ALL_FAKE_PERMISSIONS, type GcpKmsFake } from '../env/gcp-kms-fake.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import { type KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { checkKeySecret } from '../../src/keys/adoption.ts';
import { generateGovernanceKey } from '../../src/keys/governance-key.ts';
import { KMS_ENV_VAR, renderParticipantValues } from '../../src/render/participant.ts';
import { renderSvNodeValues } from '../../src/render/sv-node.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { capturedLogs, condition, eventually, getMigration, migrationClient, spawnOperatorProcess, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import {
  applyMigration,
  awsTestMigration,
  createAwsCredentials,
  createGcpCredentials,
  gcpTestMigration,
  TEST_AWS_SECRET_ACCESS_KEY,
  TEST_GCP_KEY_RING,
} from '../support/migrations.ts';
import { createPodWithFailedDbInit, helmInstallDeployment, markAvailable } from '../support/workloads.ts';

const GOV = 'splice-app-sv-cometbft-governance-key';
const ID = 'splice-app-sv-key';

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
let gcp: GcpKmsFake;
let charts: SpliceCharts;
const ns: Record<'aws' | 'gcp' | 'creds' | 'ring' | 'iam' | 'badkey' | 'recreate' | 'restart', string> = {} as never;
let operator: TestOperator;
const timing = { kmsKeysPollMs: 500, preflightRecheckMs: 500, stalledRecheckMs: 2000, deploymentRecheckMs: 2000 };

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  // The migrations render for Splice 0.7.4 (the examples'): installed with the newest upstream charts, 0.6.12's.
  charts = new SpliceCharts(FIXTURE_0_6_12);
  moto = await startMoto();
  gcp = await startGcpKmsFake({ keyRings: [TEST_GCP_KEY_RING] });
  for (const key of Object.keys({ aws: 0, gcp: 0, creds: 0, ring: 0, iam: 0, badkey: 0, recreate: 0, restart: 0 }) as (keyof typeof ns)[]) {
    ns[key] = await createTestNamespace(kc, `op-${key}`);
  }
  operator = await startTestOperator(kc, { namespaces: Object.values(ns).filter((n) => n !== ns.restart), timing });
});

afterAll(async () => {
  await operator?.stop();
  await moto?.stop();
  await gcp?.stop();
  charts?.remove();
});

const secret = (namespace: string, name: string) => client.get<V1Secret & KubeObject>(RESOURCES.secrets, namespace, name);
const configMap = (namespace: string, name: string) => client.get<V1ConfigMap & KubeObject>(RESOURCES.configMaps, namespace, name);

async function events(namespace: string, name: string): Promise<{ type: string; reason: string; message: string }[]> {
  const list = await client.list<KubeObject & { type: string; reason: string; message: string; involvedObject: { name: string; kind: string } }>(RESOURCES.events, namespace);
  return list.items.filter((e) => e.involvedObject.kind === 'SvKmsMigration' && e.involvedObject.name === name);
}

/** Installs the participant and sv-app Deployments from the operator's values, as `helm install` would. */
async function deployNewSv(m: SvKmsMigration, participantValues = renderParticipantValues(m).values): Promise<void> {
  const namespace = m.spec.newSv.namespace;
  await helmInstallDeployment(client, charts, 'splice-participant', m.spec.newSv.participant.releaseName, namespace, participantValues);
  await helmInstallDeployment(client, charts, 'splice-sv-node', m.spec.newSv.svNode.releaseName, namespace, renderSvNodeValues(m).values);
}

describe.each(['aws', 'gcp'] as const)('%s migration', (provider) => {
  const name = `to-${provider}`;

  it('Preparing: key Secrets, values ConfigMaps, onboarding entry, conditions and Events', async () => {
    const namespace = ns[provider];
    if (provider === 'aws') await createAwsCredentials(client, namespace);
    else await createGcpCredentials(client, namespace);
    const m = provider === 'aws' ? awsTestMigration(name, namespace, moto.endpoint) : gcpTestMigration(name, namespace, gcp.endpoint);
    await applyMigration(client, m);

    const done = await waitForCondition(client, namespace, name, 'NewSvDeployed', 'False', 'ParticipantNotDeployed');
    expect(done.status?.phase).toBe('AwaitingDeployment');
    for (const type of ['SpecValid', 'KmsPreflightPassed', 'GovernanceKeyReady', 'IdentityKeyReady', 'ValuesRendered']) {
      expect([type, condition(done, type)?.status]).toEqual([type, 'True']);
    }
    expect(condition(done, 'Reconciling')?.status).toBe('True');
    expect(condition(done, 'Stalled')?.status).toBe('False');
    expect(condition(done, 'Ready')?.status).toBe('False');
    expect(done.metadata.finalizers).toContain('svkms.dev/bookkeeping');
    expect(done.status?.preflight?.verified?.length).toBeGreaterThan(0);
    if (provider === 'aws') expect(done.status?.preflight?.notVerified?.join(' ')).toMatch(/CreateKey/);

    const gov = (await secret(namespace, GOV))!;
    const id = (await secret(namespace, ID))!;
    for (const s of [gov, id]) {
      expect(s.metadata?.ownerReferences).toBeUndefined();
      expect(s.metadata?.labels?.['svkms.dev/migration']).toBe(name);
    }
    const govCheck = checkKeySecret('governance', gov.data);
    const idCheck = checkKeySecret('identity', id.data);
    if (!govCheck.ok || !idCheck.ok) throw new Error('generated key Secrets do not pass the adoption check');
    expect(done.status?.governanceKey).toEqual({ secretName: GOV, publicKey: govCheck.publicKey, fingerprint: govCheck.fingerprint });
    expect(done.status?.onboarding?.approvedSvIdentity).toEqual({ name: 'Acme-2', publicKey: idCheck.publicKey, rewardWeightBps: 0 });

    const participant = (await configMap(namespace, `${name}-participant-values`))!;
    const expected = renderParticipantValues(done);
    expect(participant.data?.['values.yaml']).toBe(expected.yaml);
    expect(participant.metadata?.ownerReferences).toBeUndefined();
    expect(done.status?.outputs?.participantValues).toEqual({ configMapName: `${name}-participant-values`, sha256: expected.sha256 });
    const svNode = (await configMap(namespace, `${name}-sv-node-values`))!;
    expect(svNode.data?.['values.yaml']).toContain('externalGovernanceKey: true');
    const privateGov = Buffer.from(gov.data!.private!, 'base64').toString();
    for (const text of [participant.data?.['values.yaml'], svNode.data?.['values.yaml'], JSON.stringify(done.status)]) {
      expect(text).not.toContain(TEST_AWS_SECRET_ACCESS_KEY);
      expect(text).not.toContain('fake-gcp-private-key');
      expect(text).not.toContain(privateGov);
    }
    const evs = await events(namespace, name);
    expect(evs.map((e) => e.reason)).toEqual(expect.arrayContaining(['KeyGenerated', 'PhaseChanged']));
    expect(evs.find((e) => e.reason === 'PhaseChanged')?.message).toContain('Preparing → AwaitingDeployment');
    // The checks that passed at once are in the conditions above, not in Events: the first pass writes only these (no
    // SV app answers in this test, so the Splice access is reported as not verified yet).
    expect(evs.map((e) => `${e.type} ${e.reason}`).sort()).toEqual(['Normal Announcement', 'Normal KeyGenerated', 'Normal KeyGenerated', 'Normal NotVerifiedYet', 'Normal ParticipantNotDeployed', 'Normal PhaseChanged']);
  });

  it('AwaitingDeployment: reports a stale Deployment, then moves on once it carries the values, is Available and Canton made keys', async () => {
    const namespace = ns[provider];
    const m = (await getMigration(client, namespace, name))!;
    // Stale: the values of another location / region.
    const stale = structuredClone(m);
    if (provider === 'aws') stale.spec.kms.aws!.region = 'eu-west-1';
    else stale.spec.kms.gcp!.locationId = 'europe-west3';
    await deployNewSv(m, renderParticipantValues(stale).values);
    const reported = await waitForCondition(client, namespace, name, 'NewSvDeployed', 'False', 'ParticipantValuesNotApplied');
    expect(condition(reported, 'NewSvDeployed')?.message).toContain(KMS_ENV_VAR);
    expect(condition(reported, 'NewSvDeployed')?.message).toContain(provider === 'aws' ? 'eu-west-1' : 'europe-west3');

    await deployNewSv(m);
    await waitForCondition(client, namespace, name, 'NewSvDeployed', 'False', 'ParticipantNotAvailable');
    // A database init that fails shows at once (the participant's Pods are listed while it is not Available), not at
    // the Deployment's progress deadline; once the Pod is gone, it is just starting again.
    const pod = await createPodWithFailedDbInit(client, namespace, m.spec.newSv.participant.releaseName);
    const failed = await waitForCondition(client, namespace, name, 'NewSvDeployed', 'False', 'ParticipantDatabaseInitFailed');
    expect(condition(failed, 'NewSvDeployed')?.message).toContain(`pod ${namespace}/${pod}) exited with code 1 (4 restarts)`);
    await client.delete(RESOURCES.pods, namespace, pod);
    await waitForCondition(client, namespace, name, 'NewSvDeployed', 'False', 'ParticipantNotAvailable');
    await markAvailable(client, namespace, m.spec.newSv.participant.releaseName);
    await waitForCondition(client, namespace, name, 'NewSvDeployed', 'True');
    await waitForCondition(client, namespace, name, 'KmsKeysObserved', 'False', 'NoKeysYet');

    if (provider === 'aws') await createCantonKeys(moto.endpoint);
    else {
      const kms = new KeyManagementServiceClient({ apiEndpoint: '127.0.0.1', port: gcp.port, sslCreds: grpc.credentials.createInsecure() });
      await kms.createCryptoKey({ parent: TEST_GCP_KEY_RING, cryptoKeyId: 'canton-signing-1', cryptoKey: { purpose: 'ASYMMETRIC_SIGN', versionTemplate: { algorithm: 'EC_SIGN_P256_SHA256', protectionLevel: 'HSM' } } });
      await kms.close();
    }
    const observed = await waitForCondition(client, namespace, name, 'KmsKeysObserved', 'True');
    expect(observed.status?.kmsKeys?.count).toBeGreaterThan(0);
    expect(observed.status?.phase).toBe('AwaitingOnboarding');
  });
});

describe('Stalled, and recovery without intervention in the operator', () => {
  it('a missing credentials Secret stalls with a message naming it; creating it resumes', async () => {
    const namespace = ns.creds;
    await applyMigration(client, awsTestMigration('creds', namespace, moto.endpoint));
    const stalled = await waitForCondition(client, namespace, 'creds', 'Stalled', 'True', 'CredentialsSecretNotFound');
    expect(condition(stalled, 'Stalled')?.message).toContain(`${namespace}/aws-kms-credentials`);
    expect(condition(stalled, 'KmsPreflightPassed')?.status).toBe('False');
    expect((await events(namespace, 'creds')).some((e) => e.type === 'Warning' && e.reason === 'CredentialsSecretNotFound')).toBe(true);
    await createAwsCredentials(client, namespace);
    await waitForCondition(client, namespace, 'creds', 'KmsPreflightPassed', 'True');
    await waitForCondition(client, namespace, 'creds', 'Stalled', 'False');
  });

  it('a missing key ring stalls (KeyRingNotFound); creating it resumes', async () => {
    const namespace = ns.ring;
    await createGcpCredentials(client, namespace);
    const m = gcpTestMigration('ring', namespace, gcp.endpoint);
    m.spec.kms.gcp!.keyRingId = 'ring-created-later';
    await applyMigration(client, m);
    const stalled = await waitForCondition(client, namespace, 'ring', 'Stalled', 'True', 'KeyRingNotFound');
    expect(condition(stalled, 'Stalled')?.message).toContain('keyRings/ring-created-later');
    gcp.addKeyRing(TEST_GCP_KEY_RING.replace('canton-test-keys', 'ring-created-later'));
    await waitForCondition(client, namespace, 'ring', 'KmsPreflightPassed', 'True');
  });

  it('missing IAM permissions stall with each missing permission named; granting them resumes', async () => {
    const namespace = ns.iam;
    await createGcpCredentials(client, namespace);
    gcp.setGrantedPermissions(ALL_FAKE_PERMISSIONS.filter((p) => p !== 'cloudkms.cryptoKeyVersions.useToDecrypt' && p !== 'cloudkms.cryptoKeys.create'));
    try {
      await applyMigration(client, gcpTestMigration('iam', namespace, gcp.endpoint));
      const stalled = await waitForCondition(client, namespace, 'iam', 'Stalled', 'True', 'KmsPermissionDenied');
      const message = condition(stalled, 'Stalled')!.message;
      expect(message).toContain('cloudkms.cryptoKeyVersions.useToDecrypt');
      expect(message).toContain('cloudkms.cryptoKeys.create');
    } finally {
      gcp.setGrantedPermissions(ALL_FAKE_PERMISSIONS);
    }
    await waitForCondition(client, namespace, 'iam', 'KmsPreflightPassed', 'True');
  });

  it('an invalid pre-existing governance Secret stalls with the fix, is never overwritten, and is adopted once fixed', async () => {
    const namespace = ns.badkey;
    await createAwsCredentials(client, namespace);
    const pair = await generateGovernanceKey();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await client.create(RESOURCES.secrets, namespace, { apiVersion: 'v1', kind: 'Secret', metadata: { name: GOV, namespace }, data: { publicKey: b64(pair.public), privateKey: b64(pair.private) } } as KubeObject);
    await applyMigration(client, awsTestMigration('badkey', namespace, moto.endpoint));
    const stalled = await waitForCondition(client, namespace, 'badkey', 'Stalled', 'True', 'UpstreamDocsKeyNames');
    const message = condition(stalled, 'GovernanceKeyReady')!.message;
    expect(message).toContain('kubectl');
    expect(message).not.toContain(pair.private);
    expect((await secret(namespace, GOV))!.data).toEqual({ publicKey: b64(pair.public), privateKey: b64(pair.private) });

    // The fix the message gives: rename the keys in place.
    await client.patch(RESOURCES.secrets, namespace, GOV, [
      { op: 'move', from: '/data/publicKey', path: '/data/public' },
      { op: 'move', from: '/data/privateKey', path: '/data/private' },
    ], 'json');
    const adopted = await waitForCondition(client, namespace, 'badkey', 'GovernanceKeyReady', 'True');
    expect(adopted.status?.governanceKey?.publicKey).toBe(pair.public);
    expect((await secret(namespace, GOV))!.data).toEqual({ public: b64(pair.public), private: b64(pair.private) });
  });
});

describe('keys survive the migration', () => {
  it('deleting and re-creating the migration keeps the same governance key; the finalizer marks what it leaves', async () => {
    const namespace = ns.recreate;
    await createAwsCredentials(client, namespace);
    await applyMigration(client, awsTestMigration('recreate', namespace, moto.endpoint));
    const first = await waitForCondition(client, namespace, 'recreate', 'GovernanceKeyReady', 'True');
    await client.delete(SVKMS_MIGRATIONS, namespace, 'recreate');
    await eventually(async () => !(await getMigration(client, namespace, 'recreate')), 'the migration to be gone');
    const kept = (await secret(namespace, GOV))!;
    expect(kept.metadata?.annotations?.['svkms.dev/migration-deleted']).toBe(`${namespace}/recreate`);
    expect(await configMap(namespace, 'recreate-participant-values')).toBeDefined();
    expect((await events(namespace, 'recreate')).some((e) => e.reason === 'MigrationDeleted')).toBe(true);

    await applyMigration(client, awsTestMigration('recreate', namespace, moto.endpoint));
    const second = await waitForCondition(client, namespace, 'recreate', 'GovernanceKeyReady', 'True');
    expect(second.status?.governanceKey?.fingerprint).toBe(first.status?.governanceKey?.fingerprint);
    expect((await secret(namespace, GOV))!.data).toEqual(kept.data);
  });

  it('a crash (SIGKILL) mid-way and a restart create nothing twice and change no key', async () => {
    const namespace = ns.restart;
    await createAwsCredentials(client, namespace);
    await applyMigration(client, awsTestMigration('restart', namespace, moto.endpoint));
    const crashed = spawnOperatorProcess([namespace]);
    // Kill it as soon as the first key Secret exists: the rest is still to do (or half done).
    await eventually(async () => (await secret(namespace, GOV)) ?? (await secret(namespace, ID)), 'the first key Secret', 30_000);
    await crashed.kill();
    const before = { gov: await secret(namespace, GOV), id: await secret(namespace, ID) };
    const missing = Object.values(before).filter((s) => s === undefined).length;
    const restarted = await startTestOperator(kc, { namespaces: [namespace], timing });
    try {
      const m = await waitForCondition(client, namespace, 'restart', 'ValuesRendered', 'True');
      const creates = restarted.requests.filter((r) => r.verb === 'create' && r.resource === 'secrets');
      expect(creates.map((r) => r.status)).toEqual(Array(missing).fill(201));
      for (const [key, name] of [['gov', GOV], ['id', ID]] as const) {
        const now = (await secret(namespace, name))!;
        if (before[key]) {
          expect(now.metadata?.uid).toBe(before[key].metadata?.uid);
          expect(now.data).toEqual(before[key].data);
        }
      }
      expect(checkKeySecret('governance', (await secret(namespace, GOV))!.data)).toMatchObject({ ok: true, fingerprint: m.status?.governanceKey?.fingerprint });
      expect(restarted.writes().filter((w) => w.resource === 'secrets' && w.verb !== 'create')).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });
});

describe('observability', () => {
  it('/metrics exposes the reconcile, queue, leader, Kubernetes and KMS series', async () => {
    const text = await (await fetch(`http://127.0.0.1:${operator.port}/metrics`)).text();
    for (const series of [
      'svkms_reconcile_total',
      'svkms_reconcile_errors_total',
      'svkms_reconcile_duration_seconds_bucket',
      'svkms_workqueue_depth',
      'svkms_workqueue_adds_total',
      'svkms_workqueue_queue_duration_seconds_bucket',
      'svkms_leader',
      'svkms_kube_requests_total',
      'svkms_kms_calls_total{provider="aws"',
      'svkms_kms_calls_total{provider="gcp"',
      'svkms_kms_call_duration_seconds_bucket',
    ]) {
      expect([series, text.includes(series)]).toEqual([series, true]);
    }
    expect((await fetch(`http://127.0.0.1:${operator.port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${operator.port}/healthz`)).status).toBe(200);
  });

  it('logs are JSON lines with the migration key and a reconcile id, and hold no credential or key', async () => {
    const lines = capturedLogs.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.some((l) => typeof l.key === 'string' && typeof l.reconcileId === 'string')).toBe(true);
    const all = lines.join('\n');
    const forbidden = [TEST_AWS_SECRET_ACCESS_KEY, 'fake-gcp-private-key'];
    for (const namespace of Object.values(ns)) {
      for (const name of [GOV, ID]) {
        const s = await secret(namespace, name);
        const priv = s?.data?.private ?? s?.data?.privateKey;
        if (priv) forbidden.push(priv, Buffer.from(priv, 'base64').toString());
      }
    }
    for (const f of forbidden) expect(all.includes(f)).toBe(false);
  });
});
