/**
 * Decision tables of the steps that always hold (spec, KMS preflight, key Secrets, values, onboarding entry) and of
 * AwaitingDeployment (participant and sv-app Deployments, Canton's keys in the KMS).
 */
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { expectDecision, type ExpectedDecision } from '../../../test/support/decision-expect.ts';
import type { V1ConfigMap, V1Deployment, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../../api/types.ts';
import { KmsError, type KmsPreflightReport } from '../../kms/types.ts';
import { expectedLiteralEnv, KMS_ENV_VAR } from '../../render/participant.ts';
import { FakeWorld, input, keySecret, migration, NS, participantEnv, T0 } from '../../../test/support/migration-fixtures.ts';
import { ALLOW_FROM_LABEL, ownedLabels } from '../meta.ts';
import { DB_INIT_CONTAINER, decideDeployment, deploymentStep, participantEnvMismatches, SV_APP_DEPLOYMENT, type DeploymentObservation } from './deployment.ts';
import { decideKeySecret } from './keys.ts';
import { decideKmsKeys, type KmsKeysObservation } from './kms-keys.ts';
import { decideOnboardingInfo } from './onboarding-info.ts';
import { decidePreflight, preflightCached, type PreflightObservation } from './preflight.ts';
import { checkSpec, decideSpec, namespaceAccess, type NamespaceAccess } from './spec.ts';
import { decideValues, foreignOwner, type ValuesObservation } from './values.ts';

type Expect = ExpectedDecision;
const check = expectDecision;

describe('SpecValid', () => {
  const served = (namespace: string, allowsFrom: string[] = []): NamespaceAccess => ({ namespace, field: `spec.x.namespace`, served: true, allowsFrom });
  const rows: [string, SvKmsMigration, NamespaceAccess[], Expect][] = [
    ['valid in its own namespace', migration(), [served(NS)], { outcome: 'done', condition: 'SpecValid', reason: 'Valid', status: 'True' }],
    ['another namespace that allows this one', migration(), [served('sv', [NS])], { outcome: 'done', condition: 'SpecValid', reason: 'Valid' }],
    [
      'another namespace that does not allow it: the fix names the label',
      migration(),
      [served('sv', ['elsewhere'])],
      { outcome: 'stalled', condition: 'SpecValid', reason: 'NamespaceNotAllowed', message: new RegExp(`kubectl label namespace sv ${ALLOW_FROM_LABEL}=${NS}`) },
    ],
    ['a namespace the operator does not serve', migration(), [{ ...served('other'), served: false }], { outcome: 'stalled', condition: 'SpecValid', reason: 'NamespaceNotAllowed', message: /does not serve namespace other/ }],
    [
      'a spec the API server would have refused (edited around it)',
      migration((m) => ((m.spec.network as { scanUrls: string[] }).scanUrls = [])),
      [served(NS)],
      { outcome: 'stalled', condition: 'SpecValid', reason: 'InvalidSpec', message: /spec.network.scanUrls/ },
    ],
    [
      'an unknown Canton KMS key',
      migration((m) => (m.spec.kms.extraConfig = { 'no-such-key': 'x' } as never)),
      [served(NS)],
      { outcome: 'stalled', condition: 'SpecValid', reason: 'InvalidSpec', message: /no-such-key/ },
    ],
  ];
  it.each(rows)('%s', (_n, m, namespaces, e) => check(decideSpec(input(m), { namespaces }), e));

  it('validates a spec once: again only when what admission checks changed, not for a status or metadata change', () => {
    const m = migration();
    const first = checkSpec(m);
    expect(checkSpec({ ...m, status: { phase: 'AwaitingDeployment' }, metadata: { ...m.metadata, resourceVersion: '99', labels: { a: 'b' } } })).toBe(first);
    const bad = structuredClone(m);
    bad.spec.newSv.governanceKey.secretName = 'my-governance-key';
    const again = checkSpec(bad);
    expect(again).not.toBe(first);
    expect(again.problems.join()).toMatch(/governanceKey.secretName/);
    expect(checkSpec(m)).toEqual(first);
  });

  it('reads the allow label from the Namespace', () => {
    const cluster = { namespace: () => ({ metadata: { labels: { [ALLOW_FROM_LABEL]: ' a, b ,,c' } } }), serves: () => true } as never;
    expect(namespaceAccess(cluster, 'sv', 'f')).toEqual({ namespace: 'sv', field: 'f', served: true, allowsFrom: ['a', 'b', 'c'] });
  });
});

describe('KmsPreflightPassed', () => {
  const report = (r: Partial<KmsPreflightReport>): PreflightObservation => ({ kind: 'report', report: { ok: false, verified: [], notVerified: [], ...r } });
  const failure = (reason: string, transient = false): PreflightObservation => report({ failure: { reason, message: `${reason}: what to do`, transient } });
  const rows: [string, PreflightObservation, Expect][] = [
    ['cached for this generation: no KMS call', { kind: 'cached' }, { outcome: 'done' }],
    ['passes, saying what it could not verify', report({ ok: true, verified: ['credentials accepted'], notVerified: ['CreateKey (AWS has no dry-run)'] }), { outcome: 'done', condition: 'KmsPreflightPassed', reason: 'Passed', message: /Not verifiable: CreateKey/ }],
    ['credentials Secret missing', { kind: 'noCredentials', lookup: { ok: false, reason: 'CredentialsSecretNotFound', message: 'create it' } }, { outcome: 'stalled', condition: 'KmsPreflightPassed', reason: 'CredentialsSecretNotFound' }],
    ['credentials key missing', { kind: 'noCredentials', lookup: { ok: false, reason: 'CredentialsKeyMissing', message: 'add it' } }, { outcome: 'stalled', condition: 'KmsPreflightPassed', reason: 'CredentialsKeyMissing' }],
    ['throttled: retried with backoff, condition Unknown', failure('KmsThrottled', true), { outcome: 'retry', condition: 'KmsPreflightPassed', reason: 'KmsThrottled', status: 'Unknown' }],
    ['unavailable: retried with backoff', failure('KmsUnavailable', true), { outcome: 'retry', condition: 'KmsPreflightPassed', reason: 'KmsUnavailable' }],
    ['a failure without details is transient', report({}), { outcome: 'retry', condition: 'KmsPreflightPassed', reason: 'KmsPreflightFailed' }],
    ...['KmsCredentialsRejected', 'KmsCredentialsInvalid', 'KmsCredentialsMissing', 'KmsPermissionDenied', 'KeyRingAccessDenied', 'KeyRingNotFound', 'KmsResourceNotFound', 'KmsEndpointInvalid', 'KmsQuotaExceeded'].map(
      (reason): [string, PreflightObservation, Expect] => [`${reason} needs a human`, failure(reason), { outcome: 'stalled', condition: 'KmsPreflightPassed', reason, status: 'False' }],
    ),
  ];
  it.each(rows)('%s', (_n, observed, e) => {
    const d = decidePreflight(input(migration()), observed);
    check(d, e);
    if (e.outcome === 'stalled' && observed.kind === 'report') expect(d.outcome).toMatchObject({ requeueAfterMs: 60_000 });
  });

  it('a failed preflight is recorded for the generation, so a passed one is not asked again', () => {
    const m = migration();
    const d = decidePreflight(input(m), report({ ok: true, verified: ['x'] }));
    const status: SvKmsMigrationStatus = { ...d.status, conditions: [{ type: 'KmsPreflightPassed', status: 'True', reason: 'Passed', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' }] };
    expect(preflightCached(status, 1, 'aws')).toBe(true);
    expect(preflightCached(status, 2, 'aws')).toBe(false);
    expect(preflightCached(status, 1, 'gcp')).toBe(false);
  });
});

// Generated before the tables are built (generation is asynchronous).
const GOV_SECRET = await keySecret('governance', 'splice-app-sv-cometbft-governance-key');
const OTHER_GOV_SECRET = await keySecret('governance', 'splice-app-sv-cometbft-governance-key');
const IDENTITY_SECRET = await keySecret('identity', 'splice-app-sv-key');

describe('GovernanceKeyReady / IdentityKeyReady', () => {
  const gov = GOV_SECRET;
  const other = OTHER_GOV_SECRET;
  const fingerprintOf = (s: V1Secret, m: SvKmsMigration) => {
    const d = decideKeySecret('governance')(input(m), { secret: s });
    return d.status!.governanceKey!.fingerprint!;
  };
  const stored = (values: Record<string, string>): V1Secret => ({ metadata: { name: 'splice-app-sv-cometbft-governance-key', namespace: NS }, data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });
  const m = migration();
  const recorded: SvKmsMigrationStatus = { governanceKey: { secretName: 'x', publicKey: 'p', fingerprint: fingerprintOf(gov, m) } };
  const rows: [string, V1Secret | undefined, SvKmsMigration, SvKmsMigrationStatus, Expect][] = [
    ['missing and allowed to generate: create it (no checkpoint needed: create never overwrites)', undefined, m, {}, { outcome: 'wait', effect: 'generateKey' }],
    ['missing and generate is false', undefined, migration((x) => (x.spec.newSv.governanceKey.generate = false)), {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'KeySecretNotProvided', message: /sv-kms keygen governance/ }],
    ['recorded, then gone: never a new key', undefined, m, recorded, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'KeySecretMissing', message: /restore it from your backup/, effect: null }],
    ['present and sound: adopted, public key published', gov, m, {}, { outcome: 'done', condition: 'GovernanceKeyReady', reason: 'KeyReady', status: 'True' }],
    ['present but replaced since recorded', other, m, recorded, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'KeyChanged' }],
    ['upstream docs\' key names', stored({ publicKey: 'a', privateKey: 'b' }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'UpstreamDocsKeyNames' }],
    ['a key missing', stored({ public: Buffer.alloc(32).toString('base64') }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'MissingKeys' }],
    ['not base64', stored({ public: '!!!', private: '???' }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'NotBase64' }],
    ['wrong length', stored({ public: Buffer.alloc(31).toString('base64'), private: Buffer.alloc(32).toString('base64') }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'WrongLength' }],
    ['public key does not match the seed', stored({ public: Buffer.alloc(32, 1).toString('base64'), private: Buffer.alloc(32, 2).toString('base64') }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'KeyMismatch' }],
    ['a value with a trailing newline', stored({ public: `${Buffer.alloc(32).toString('base64')}\n`, private: Buffer.alloc(32).toString('base64') }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'ValueHasWhitespace' }],
    ['PEM instead of base64', stored({ public: '-----BEGIN PUBLIC KEY-----\nMCo=\n-----END PUBLIC KEY-----', private: '-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----' }), m, {}, { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'PemInsteadOfBase64' }],
  ];
  it.each(rows)('%s', (_n, secret, mig, status, e) => check(decideKeySecret('governance')(input(mig, { status }), { secret }), e));

  it('checks a Secret version once: a new version is checked again', () => {
    const version = (s: V1Secret, rv: string): V1Secret => ({ ...s, metadata: { ...s.metadata, uid: 'uid-gov', resourceVersion: rv } });
    const decide = (s: V1Secret) => decideKeySecret('governance')(input(m, { status: recorded }), { secret: s });
    check(decide(version(gov, '5')), { outcome: 'done', condition: 'GovernanceKeyReady', reason: 'KeyReady' });
    // The API server never serves other data under the same resourceVersion: what was checked for it holds.
    check(decide(version(other, '5')), { outcome: 'done', condition: 'GovernanceKeyReady', reason: 'KeyReady' });
    check(decide(version(other, '6')), { outcome: 'stalled', condition: 'GovernanceKeyReady', reason: 'KeyChanged' });
  });

  it('the identity key is checked the same way, on its own condition', () => {
    const d = decideKeySecret('identity')(input(m), { secret: IDENTITY_SECRET });
    check(d, { outcome: 'done', condition: 'IdentityKeyReady', reason: 'KeyReady' });
    expect(d.status?.identityKey?.publicKey).toBeTruthy();
  });
});

describe('ValuesRendered', () => {
  const m = migration();
  const base = (): ValuesObservation => ({ participantBase: { ok: true, values: undefined }, svNodeBase: { ok: true, values: undefined }, oldParticipantDatabase: undefined, current: {} });
  const first = decideValues(input(m), base());
  const written = Object.fromEntries(first.act!.effect.configMaps.map((c) => [c.metadata!.name!, c]));
  const foreign = (cm: V1ConfigMap, meta: V1ConfigMap['metadata']): V1ConfigMap => ({ ...cm, metadata: { name: cm.metadata!.name!, namespace: NS, ...meta } });
  const rows: [string, ValuesObservation, Expect][] = [
    ['nothing written yet: write both ConfigMaps, then go on', base(), { outcome: 'done', condition: 'ValuesRendered', reason: 'Rendered', effect: 'writeValues' }],
    ['written and current: no write', { ...base(), current: written }, { outcome: 'done', condition: 'ValuesRendered', effect: null }],
    ['base values ConfigMap missing', { ...base(), participantBase: { ok: false, reason: 'BaseValuesNotFound', message: 'create it' } }, { outcome: 'stalled', condition: 'ValuesRendered', reason: 'BaseValuesNotFound', effect: null }],
    ['base values key missing', { ...base(), svNodeBase: { ok: false, reason: 'BaseValuesKeyMissing', message: 'no key' } }, { outcome: 'stalled', condition: 'ValuesRendered', reason: 'BaseValuesKeyMissing' }],
    ['base values not YAML', { ...base(), participantBase: { ok: false, reason: 'BaseValuesInvalid', message: 'line 1' } }, { outcome: 'stalled', condition: 'ValuesRendered', reason: 'BaseValuesInvalid' }],
    [
      'a ConfigMap of that name made by Helm is never written',
      { ...base(), current: { ...written, 'acme-to-aws-kms-participant-values': undefined, 'acme-participant-values': foreign(written['acme-participant-values']!, { annotations: { 'meta.helm.sh/release-name': 'participant', 'meta.helm.sh/release-namespace': NS } }) } },
      { outcome: 'stalled', condition: 'ValuesRendered', reason: 'ConfigMapOwnedElsewhere', message: /belongs to Helm release sv-kms\/participant/, effect: null },
    ],
  ];
  it.each(rows)('%s', (_n, observed, e) => check(decideValues(input(m), observed), e));

  it('a new participant on the old SV\'s Postgres server (0.6.8+ refuses a second participant database) stalls, writing nothing', () => {
    const observed: ValuesObservation = { ...base(), participantBase: { ok: true, values: { persistence: { host: 'pg.sv.svc', port: 5432 } } }, oldParticipantDatabase: { host: 'PG.sv.svc' } };
    check(decideValues(input(m), observed), { outcome: 'stalled', condition: 'ValuesRendered', reason: 'ParticipantDatabaseConflict', message: /pg.sv.svc/i, effect: null });
    check(decideValues(input(m), { ...observed, oldParticipantDatabase: { host: 'pg.other.svc' } }), { outcome: 'done', condition: 'ValuesRendered', effect: 'writeValues' });
  });

  it('a spec the renderer cannot take stalls as CannotRender, writing nothing', () => {
    const broken = migration((x) => delete (x.spec.kms as { aws?: unknown }).aws);
    check(decideValues(input(broken), base()), { outcome: 'stalled', condition: 'ValuesRendered', reason: 'CannotRender', message: /spec.kms.aws/, effect: null });
  });

  it('names the owner of a foreign ConfigMap', () => {
    const cm = (meta: V1ConfigMap['metadata']): V1ConfigMap => ({ metadata: { name: 'x', namespace: NS, ...meta } });
    expect(foreignOwner(m, cm({ labels: ownedLabels(m) }))).toBeUndefined();
    expect(foreignOwner(m, cm({ labels: { ...ownedLabels(m), 'svkms.dev/migration': 'other' } }))).toBe(`SvKmsMigration ${NS}/other`);
    expect(foreignOwner(m, cm({ ownerReferences: [{ apiVersion: 'v1', kind: 'Kustomization', name: 'flux', uid: 'u' }] }))).toBe('Kustomization flux');
    expect(foreignOwner(m, cm({ labels: { 'app.kubernetes.io/managed-by': 'argocd' } }))).toMatch(/argocd/);
    expect(foreignOwner(m, cm({}))).toMatch(/no svkms.dev\/migration label/);
  });
});

describe('status.onboarding', () => {
  it('waits for the identity key, then publishes the approvedSvIdentities entry with weight 0', () => {
    const m = migration();
    expect(decideOnboardingInfo(input(m)).outcome.kind).toBe('wait');
    const d = decideOnboardingInfo(input(m, { status: { identityKey: { publicKey: 'MFkw' } } }));
    expect(d.status?.onboarding?.approvedSvIdentity).toEqual({ name: 'Acme-2', publicKey: 'MFkw', rewardWeightBps: 0 });
  });
});

describe('NewSvDeployed', () => {
  const m = migration();
  const deployment = (name: string, env: { name: string; value?: string; valueFrom?: unknown }[], available = true): V1Deployment => ({
    metadata: { name, namespace: NS, generation: 2 },
    spec: { selector: {}, template: { spec: { containers: [{ name: name === SV_APP_DEPLOYMENT ? SV_APP_DEPLOYMENT : 'participant', env: env as never }] } } },
    status: { observedGeneration: 2, conditions: available ? [{ type: 'Available', status: 'True' }] : [] },
  });
  const svApp = deployment(SV_APP_DEPLOYMENT, [
    { name: 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY', valueFrom: { secretKeyRef: { name: 'splice-app-sv-cometbft-governance-key', key: 'public' } } },
    { name: 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY', valueFrom: { secretKeyRef: { name: 'splice-app-sv-cometbft-governance-key', key: 'private' } } },
  ]);
  const participant = deployment('participant-1', participantEnv(m));
  const obs = (o: Partial<DeploymentObservation>): DeploymentObservation => ({ participant, svApp, ...o });
  const withProgress = (status: string, reason: string): V1Deployment => {
    const d = deployment('participant-1', participantEnv(m), false);
    d.status!.conditions = [{ type: 'Progressing', status, reason, message: 'ReplicaSet "participant-1-5d8" has timed out progressing.' }];
    return d;
  };
  const starting = deployment('participant-1', participantEnv(m), false);
  const podWithInit = (init: Record<string, unknown>): V1Pod => ({ metadata: { name: 'participant-1-5d8-x2', namespace: NS }, status: { initContainerStatuses: [{ name: DB_INIT_CONTAINER, ready: false, restartCount: 3, image: 'pg', imageID: '', ...init }] as never } });
  const minutesBeforeT0 = (n: number) => new Date(T0.getTime() - n * 60_000).toISOString();
  const stuck = withProgress('False', 'ProgressDeadlineExceeded');
  const progressing = withProgress('True', 'ReplicaSetUpdated');
  const rows: [string, DeploymentObservation, Expect][] = [
    ['no participant Deployment: the helm command is in the message', obs({ participant: undefined }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantNotDeployed', message: /helm install participant-1 splice-participant/ }],
    ['participant without the rendered values', obs({ participant: deployment('participant-1', []) }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantValuesNotApplied' }],
    ['no sv-app', obs({ svApp: undefined }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'SvAppNotDeployed' }],
    ['sv-app without the external governance key', obs({ svApp: deployment(SV_APP_DEPLOYMENT, []) }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'SvNodeValuesNotApplied', message: /externalGovernanceKey/ }],
    ['participant starting', obs({ participant: deployment('participant-1', participantEnv(m), false) }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantNotAvailable' }],
    ['participant past its progress deadline (stuck in its database init, say): stalled with where to look', obs({ participant: stuck }), { outcome: 'stalled', condition: 'NewSvDeployed', reason: 'ParticipantNotStarting', message: /its own database server/ }],
    [
      'database init exited non-zero: stalled, naming the pod and the 0.6.8 conflict check',
      obs({ participant: starting, participantPods: [podWithInit({ state: { terminated: { exitCode: 1, reason: 'Error' } } })] }),
      { outcome: 'stalled', condition: 'NewSvDeployed', reason: 'ParticipantDatabaseInitFailed', message: /pod sv-kms\/participant-1-5d8-x2\) exited with code 1 \(3 restarts\).*logs participant-1-5d8-x2 -c pg-init; give the new participant its own database server/ },
    ],
    [
      'database init in CrashLoopBackOff: the last run\'s exit code',
      obs({ participant: starting, participantPods: [podWithInit({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } })] }),
      { outcome: 'stalled', condition: 'NewSvDeployed', reason: 'ParticipantDatabaseInitFailed', message: /exited with code 1/ },
    ],
    [
      'database init waiting for its server longer than its patience: said, not stalled',
      obs({ participant: starting, participantPods: [podWithInit({ state: { running: { startedAt: minutesBeforeT0(10) } } })] }),
      { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantWaitingForDatabase', message: /waiting for its Postgres server since/ },
    ],
    ['database init running briefly: just starting', obs({ participant: starting, participantPods: [podWithInit({ state: { running: { startedAt: minutesBeforeT0(1) } } })] }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantNotAvailable' }],
    ['database init done, participant starting', obs({ participant: starting, participantPods: [podWithInit({ state: { terminated: { exitCode: 0 } }, restartCount: 0 })] }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantNotAvailable' }],
    ['participant progressing normally after a slow start: still just waiting', obs({ participant: progressing }), { outcome: 'wait', condition: 'NewSvDeployed', reason: 'ParticipantNotAvailable' }],
    ['deployed and available', obs({}), { outcome: 'done', condition: 'NewSvDeployed', reason: 'Deployed', status: 'True' }],
  ];
  it.each(rows)('%s', (_n, observed, e) => check(decideDeployment(input(m, { status: { outputs: { participantValues: { configMapName: 'cm' } } } }), observed), e));

  it('reads the participant\'s pods, by its selector, only while it is not Available', async () => {
    const world = new FakeWorld();
    const deps = world.deps();
    const asked: [string, Record<string, string>][] = [];
    deps.cluster.pods = async (ns, selector) => (asked.push([ns, selector]), []);
    const observe = () => deploymentStep.observe({ ...input(m), deps, signal: new AbortController().signal, log: pino({ level: 'silent' }) });
    const withSelector = (d: V1Deployment): V1Deployment => ({ ...d, spec: { ...d.spec!, selector: { matchLabels: { app: 'participant-1' } } } });
    world.deployments.set(`${NS}/participant-1`, withSelector(participant));
    expect(await observe()).not.toHaveProperty('participantPods');
    expect(asked).toEqual([]);
    world.deployments.set(`${NS}/participant-1`, withSelector(starting));
    expect(await observe()).toMatchObject({ participantPods: [] });
    expect(asked).toEqual([[NS, { app: 'participant-1' }]]);
    // Not allowed to list Pods: the observation has none, and the Deployment's status decides.
    deps.cluster.pods = async () => undefined;
    expect(await observe()).not.toHaveProperty('participantPods');
  });

  it('compares the participant env with the rendered values', async () => {
    expect(participantEnvMismatches(m, deployment('participant-1', []))).toEqual(expect.arrayContaining([`env ${KMS_ENV_VAR} is missing (the values have no kms section applied)`]));
    const literal = Object.entries(expectedLiteralEnv(m)).map(([name, value]) => ({ name, value }));
    const mismatches = participantEnvMismatches(m, deployment('participant-1', [{ name: KMS_ENV_VAR, value: 'canton.participants.participant.crypto.provider = jce\ncanton.participants.participant.crypto.kms.type = aws' }, ...literal]));
    expect(mismatches.join(' ')).toMatch(/crypto.provider = jce, not kms/);
    const unreadable = participantEnvMismatches(m, deployment('participant-1', [{ name: KMS_ENV_VAR, value: 'include "x.conf"' }, ...literal]));
    expect(unreadable.join(' ')).toMatch(/cannot be read/);
    const otherKms = participantEnvMismatches(m, deployment('participant-1', [{ name: KMS_ENV_VAR, value: 'canton.participants.participant.crypto.provider = kms\ncanton.participants.participant.crypto.kms.type = gcp' }, ...literal]));
    expect(otherKms.join(' ')).toMatch(/holds crypto.kms/);
  });
});

describe('KmsKeysObserved', () => {
  const rows: [string, KmsKeysObservation, Expect][] = [
    ['seen before: never asked again', { kind: 'alreadyObserved' }, { outcome: 'done' }],
    ['no keys yet: polled', { kind: 'counted', count: 0 }, { outcome: 'wait', condition: 'KmsKeysObserved', reason: 'NoKeysYet' }],
    ['keys found', { kind: 'counted', count: 4 }, { outcome: 'done', condition: 'KmsKeysObserved', reason: 'KeysFound', message: /4 key/ }],
    ['credentials gone', { kind: 'noCredentials', lookup: { ok: false, reason: 'CredentialsSecretNotFound', message: 'x' } }, { outcome: 'stalled', condition: 'KmsKeysObserved', reason: 'CredentialsSecretNotFound' }],
    ['throttled', { kind: 'failed', error: new KmsError({ reason: 'KmsThrottled', message: 'slow down', transient: true }) }, { outcome: 'retry', condition: 'KmsKeysObserved', reason: 'KmsThrottled', status: 'Unknown' }],
    ['permission denied', { kind: 'failed', error: new KmsError({ reason: 'KmsPermissionDenied', message: 'grant kms:ListKeys', transient: false }) }, { outcome: 'stalled', condition: 'KmsKeysObserved', reason: 'KmsPermissionDenied' }],
  ];
  it.each(rows)('%s', (_n, observed, e) => check(decideKmsKeys(input(migration()), observed), e));
});

describe('ValuesRendered: what makes values stale', () => {
  const m = migration();
  const base = (): ValuesObservation => ({ participantBase: { ok: true, values: undefined }, svNodeBase: { ok: true, values: undefined }, oldParticipantDatabase: undefined, current: {} });
  const written = Object.fromEntries(decideValues(input(m), base()).act!.effect.configMaps.map((c) => [c.metadata!.name!, c]));

  it('a label the operator sets was removed: written again', () => {
    const cm = structuredClone(written['acme-sv-node-values']!);
    delete cm.metadata!.labels!['app.kubernetes.io/component'];
    const d = decideValues(input(m), { ...base(), current: { ...written, 'acme-sv-node-values': cm } });
    expect(d.act?.effect.configMaps.map((c) => c.metadata?.name)).toEqual(['acme-sv-node-values']);
  });

  it('the text changed: written again', () => {
    const cm = structuredClone(written['acme-participant-values']!);
    cm.data = { 'values.yaml': 'edited: true' };
    const d = decideValues(input(m), { ...base(), current: { ...written, 'acme-participant-values': cm } });
    expect(d.act?.effect.configMaps.map((c) => c.metadata?.name)).toEqual(['acme-participant-values']);
  });

  it('base values the operator overrides are reported', () => {
    const d = decideValues(input(m), { ...base(), svNodeBase: { ok: true, values: { cometBFT: { externalGovernanceKey: false } } } });
    expect(d.conditions?.[0]).toMatchObject({ reason: 'RenderedWithOverrides', message: expect.stringContaining('sv-node: cometBFT.externalGovernanceKey') });
    expect(d.status?.outputs?.conflicts).toEqual(['sv-node: cometBFT.externalGovernanceKey']);
  });

  it('the sv-node ConfigMap owned elsewhere names its own field', () => {
    const d = decideValues(input(m), { ...base(), current: { 'acme-sv-node-values': { metadata: { name: 'acme-sv-node-values' } } } });
    expect(d.conditions?.[0]?.message).toMatch(/spec.output.svNodeValues.configMapName/);
  });
});
