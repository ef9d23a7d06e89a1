/**
 * The observing halves of the steps, over in-memory ports: what they read, that they read nothing they do not need,
 * and how a failure becomes data for the decision. Also how Splice failures map to step results.
 */
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { ApiError, AuthError, MalformedResponseError, NotAuthorized, RateLimited, SpliceError, TransientError, WalletUserNotOnboarded } from '../../splice/errors.ts';
import { KmsError } from '../../kms/types.ts';
import { FakeWorld, input, migration, NS } from '../../../test/support/migration-fixtures.ts';
import type { ObserveContext } from '../step.ts';
import type { SvKmsMigration } from '../../api/types.ts';
import { kmsCredentials } from './credentials.ts';
import { effectFailure, networkFailure } from './network-errors.ts';
import { kmsKeysStep } from './kms-keys.ts';
import { preflightStep } from './preflight.ts';
import { readBaseValues, valuesStep } from './values.ts';
import { assetsStep } from './assets.ts';
import { onboardingStep } from './onboarding.ts';
import { dsoStep } from './dso.ts';
import { facts } from '../../../test/support/migration-fixtures.ts';

function ctx(world: FakeWorld, m: SvKmsMigration, extra: Partial<ObserveContext> = {}): ObserveContext {
  return { ...input(m), deps: world.deps(), signal: new AbortController().signal, log: pino({ level: 'silent' }), ...extra };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('KMS credentials', () => {
  it.each([
    ['AWS static keys', migration(), { aws: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake-secret' } }],
    ['AWS with a session token', migration((m) => (m.spec.kms.credentials.secretRef!.sessionTokenKey = 'token')), { aws: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake-secret', sessionToken: 'tok' } }],
    [
      'GCP credentials file',
      migration((m) => {
        m.spec.kms.provider = 'gcp';
        m.spec.kms.gcp = { projectId: 'p', locationId: 'l', keyRingId: 'k' } as never;
      }),
      { gcp: { credentialsJson: '{"type":"service_account"}' } },
    ],
    ['workload identity: ambient', migration((m) => (m.spec.kms.credentials = { serviceAccountName: 'canton' } as never)), undefined],
  ])('%s', async (_n, m, expected) => {
    const world = new FakeWorld();
    const secret = world.secrets.get(`${NS}/aws-kms-credentials`)!;
    secret.data = { ...secret.data, token: b64('tok'), googleCredentials: b64('{"type":"service_account"}') };
    const registered: string[] = [];
    const got = await kmsCredentials(m, { cluster: world.deps().cluster, registerSecret: (v) => void registered.push(v) });
    expect(got).toEqual({ ok: true, credentials: expected });
    if (expected) expect(registered.length).toBeGreaterThan(0);
  });

  it('names the missing Secret and the missing keys', async () => {
    const world = new FakeWorld();
    world.secrets.delete(`${NS}/aws-kms-credentials`);
    expect(await kmsCredentials(migration(), world.deps())).toMatchObject({ ok: false, reason: 'CredentialsSecretNotFound' });
    world.secrets.set(`${NS}/aws-kms-credentials`, { metadata: { name: 'aws-kms-credentials' } });
    expect(await kmsCredentials(migration(), world.deps())).toMatchObject({ ok: false, reason: 'CredentialsKeyMissing', message: expect.stringContaining('(has: none)') });
    world.secrets.set(`${NS}/aws-kms-credentials`, { metadata: { name: 'aws-kms-credentials' }, data: { accessKeyId: b64('x') } });
    expect(await kmsCredentials(migration(), world.deps())).toMatchObject({ ok: false, reason: 'CredentialsKeyMissing', message: expect.stringContaining('"secretAccessKey" (has: accessKeyId)') });
  });
});

describe('observing', () => {
  it('the preflight asks the KMS only when the cache does not answer', async () => {
    const world = new FakeWorld();
    const m = migration();
    expect(await preflightStep.observe(ctx(world, m))).toMatchObject({ kind: 'report' });
    expect(world.preflightCalls).toBe(1);
    const cached = { preflight: { generation: 1, provider: 'aws' }, conditions: [{ type: 'KmsPreflightPassed', status: 'True' as const, reason: 'Passed', message: '', lastTransitionTime: '' }] };
    expect(await preflightStep.observe({ ...ctx(world, m), status: cached })).toEqual({ kind: 'cached' });
    world.secrets.clear();
    expect(await preflightStep.observe(ctx(world, m))).toMatchObject({ kind: 'noCredentials' });
    expect(world.preflightCalls).toBe(1);
  });

  it('Canton\'s keys are counted until seen, and a KMS failure becomes data', async () => {
    const world = new FakeWorld();
    const m = migration();
    expect(await kmsKeysStep.observe(ctx(world, m))).toEqual({ kind: 'counted', count: 3 });
    const seen = { conditions: [{ type: 'KmsKeysObserved', status: 'True' as const, reason: 'KeysFound', message: '', lastTransitionTime: '' }] };
    expect(await kmsKeysStep.observe({ ...ctx(world, m), status: seen })).toEqual({ kind: 'alreadyObserved' });
    const deps = world.deps();
    const failure = new KmsError({ reason: 'KmsThrottled', message: 'slow', transient: true });
    deps.kmsProbe = () => ({ preflight: async () => world.preflight, countCantonKeys: async () => Promise.reject(failure) });
    expect(await kmsKeysStep.observe({ ...ctx(world, m), deps })).toEqual({ kind: 'failed', error: failure });
    deps.kmsProbe = () => ({ preflight: async () => world.preflight, countCantonKeys: async () => Promise.reject(new TypeError('bug')) });
    await expect(kmsKeysStep.observe({ ...ctx(world, m), deps })).rejects.toThrow('bug');
    world.secrets.clear();
    expect(await kmsKeysStep.observe(ctx(world, m))).toMatchObject({ kind: 'noCredentials' });
  });

  it('base values are read from the migration\'s namespace, with precise reasons', async () => {
    const world = new FakeWorld();
    const m = migration((x) => (x.spec.newSv.participant.baseValues = { configMapRef: { name: 'base', key: 'values.yaml' } }));
    const spec = m.spec.newSv.participant.baseValues;
    const read = () => readBaseValues(world.deps().cluster, m, spec, 'f');
    expect(await readBaseValues(world.deps().cluster, m, undefined, 'f')).toEqual({ ok: true, values: undefined });
    expect(await read()).toMatchObject({ ok: false, reason: 'BaseValuesNotFound' });
    world.configMaps.set(`${NS}/base`, { metadata: { name: 'base' }, data: { other: 'x' } });
    expect(await read()).toMatchObject({ ok: false, reason: 'BaseValuesKeyMissing', message: expect.stringContaining('has: other') });
    world.configMaps.set(`${NS}/base`, { metadata: { name: 'base' }, data: { 'values.yaml': 'a: [' } });
    expect(await read()).toMatchObject({ ok: false, reason: 'BaseValuesInvalid' });
    world.configMaps.set(`${NS}/base`, { metadata: { name: 'base' }, data: { 'values.yaml': 'a: 1' } });
    expect(await read()).toEqual({ ok: true, values: { a: 1 } });
  });

  it('the values step reads both base values and the current ConfigMaps', async () => {
    const world = new FakeWorld();
    const observed = await valuesStep.observe(ctx(world, migration()));
    expect(Object.keys(observed.current).sort()).toEqual(['acme-participant-values', 'acme-sv-node-values']);
  });

  it('the wallets are read only for records that are not final', async () => {
    const world = new FakeWorld();
    world.oldWallet.states.set('t1', 'created');
    const status = { assets: { transfers: [{ trackingId: 't1', status: 'Created' as const }, { trackingId: 't0', status: 'Completed' as const }] } };
    const observed = await assetsStep.observe({ ...ctx(world, migration()), status });
    expect(observed).toEqual({ kind: 'read', reads: { ok: true, value: { unlocked: '1000.0', states: { t1: 'created' }, incoming: {} } } });
    world.oldWallet.failNext = new TransientError('wallet', 'getBalance', 'timeout');
    expect(await assetsStep.observe(ctx(world, migration()))).toMatchObject({ kind: 'read', reads: { ok: false } });
    const deps = world.deps();
    deps.splice.oldWallet = async () => ({ ok: false, reason: 'ClientSecretNotFound', message: 'x' });
    expect(await assetsStep.observe({ ...ctx(world, migration()), deps })).toEqual({ kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'x' });
  });

  it('the sponsor is asked only while the new SV is not onboarded; the Scans once per reconcile', async () => {
    const world = new FakeWorld();
    const m = migration();
    expect(await onboardingStep.observe({ ...ctx(world, m), facts: { dso: facts() } })).toEqual({ kind: 'onboarded' });
    expect(await onboardingStep.observe({ ...ctx(world, m), facts: { dso: facts({ newWeight: null }) } })).toMatchObject({ kind: 'sponsor', progress: { ok: true } });
    expect(await dsoStep.observe({ ...ctx(world, m), facts: { dso: facts() } })).toEqual({ kind: 'known' });
    expect(await dsoStep.observe(ctx(world, m))).toMatchObject({ kind: 'views' });
  });
});

describe('Splice failures as step results', () => {
  it.each([
    ['SV app refuses the token', new AuthError('sv', 'op', 'unauthorized', 401), { kind: 'stalled', reason: 'SvAppAuthFailed', requeueAfterMs: 4000 }],
    ['wallet refuses the token', new AuthError('wallet', 'op', 'forbidden', 403), { kind: 'stalled', reason: 'WalletAuthFailed' }],
    ['token endpoint refuses the client', new AuthError('oauth', 'token', 'invalid_client', 401), { kind: 'stalled', reason: 'TokenAuthFailed' }],
    ['an API this code does not name', new AuthError('other', 'op', 'no', 401), { kind: 'stalled', reason: 'SpliceAuthFailed' }],
    ['the token\'s user may not act for the SV', new NotAuthorized('sv', 'isAuthorized', 'forbidden'), { kind: 'stalled', reason: 'SvAppNotAuthorized' }],
    ['the wallet has no wallet for the user', new WalletUserNotOnboarded(new ApiError('wallet', 'getBalance', 404, 'No wallet found for user "sv-admin"')), { kind: 'stalled', reason: 'WalletUserNotOnboarded', message: expect.stringMatching(/sv-admin.*validatorWalletUsers/) }],
    ['rate limited: back when the server says', new RateLimited('scan', 'op', 'slow down', 7000), { kind: 'wait', requeueAfterMs: 7000 }],
    ['rate limited without a delay: a poll interval', new RateLimited('scan', 'op', 'slow down', undefined), { kind: 'wait', requeueAfterMs: 1000 }],
    ['garbage in a response', new MalformedResponseError('scan', 'op', ['/x: bad']), { kind: 'retry', reason: 'MalformedResponse' }],
    ['a timeout', new TransientError('scan', 'op', 'timeout'), { kind: 'retry', reason: 'NetworkUnavailable' }],
    ['a refusal that is not transient', new SpliceError('wallet', 'op', 'No wallet found for user', false), { kind: 'wait', requeueAfterMs: 1000 }],
  ])('%s', (_n, err, expected) => {
    expect(networkFailure(err, 'what', 1000)).toMatchObject(expected);
    expect(effectFailure(err, 'what', 1000)).toMatchObject(expected);
  });

  it('anything else is a bug and is thrown', () => {
    expect(() => networkFailure(new TypeError('bug'), 'what', 1000)).toThrow('bug');
  });
});

describe('acting', () => {
  const actCtx = (world: FakeWorld, m: SvKmsMigration) => ({ m, deps: world.deps(), signal: new AbortController().signal, log: pino({ level: 'silent' }), now: new Date(0) });

  it('a key is generated into a new Secret, and one that appeared meanwhile is kept', async () => {
    const world = new FakeWorld();
    const m = migration();
    const step = (await import('./keys.ts')).keySecretStep('governance');
    await step.act!({ kind: 'generateKey', namespace: NS, name: 'gk' }, actCtx(world, m));
    const first = world.secrets.get(`${NS}/gk`);
    expect(first?.metadata?.labels?.['svkms.dev/migration']).toBe('acme');
    expect(world.events.map((e) => e.reason)).toEqual(['KeyGenerated']);
    await step.act!({ kind: 'generateKey', namespace: NS, name: 'gk' }, actCtx(world, m));
    expect(world.secrets.get(`${NS}/gk`)).toBe(first);
    expect(world.events).toHaveLength(1);
  });

  it('values ConfigMaps are written as decided', async () => {
    const world = new FakeWorld();
    await valuesStep.act!({ kind: 'writeValues', configMaps: [{ metadata: { name: 'v', namespace: NS, annotations: { 'svkms.dev/values-sha256': 'x' } }, data: { 'values.yaml': 'a: 1' } }] }, actCtx(world, migration()));
    expect(world.writes).toEqual(['ConfigMap apply v']);
  });

  it('the workloads are scaled one by one, each with an Event', async () => {
    const world = new FakeWorld();
    world.workloads.push({ kind: 'StatefulSet', metadata: { name: 'db', namespace: 'sv' }, spec: { replicas: 2, selector: {}, serviceName: 's', template: {} } });
    const { retirementStep } = await import('./retirement.ts');
    expect(await retirementStep.observe(ctx(world, migration()))).toEqual({ workloads: world.workloads });
    expect(await retirementStep.observe(ctx(world, migration((m) => delete m.spec.oldSv.namespace)))).toEqual({ workloads: [] });
    await retirementStep.act!({ kind: 'scaleDown', namespace: 'sv', workloads: [{ kind: 'StatefulSet', name: 'db', replicas: 2 }] }, actCtx(world, migration()));
    expect(world.writes).toEqual(['StatefulSet scale db']);
    expect(world.events[0]?.message).toBe('scaled StatefulSet/db in sv to 0 (was 2)');
  });

  it('a transfer already sent is not announced again; an offer is accepted only with the new SV\'s wallet', async () => {
    const world = new FakeWorld();
    const order = { receiverPartyId: 'p', amount: '1', description: 'd', expiresAt: new Date(0), trackingId: 't', method: 'TokenStandard' as const };
    await assetsStep.act!({ kind: 'sendTransfer', order }, actCtx(world, migration()));
    await assetsStep.act!({ kind: 'sendTransfer', order }, actCtx(world, migration()));
    expect(world.oldWallet.sent).toHaveLength(1);
    expect(world.events.map((e) => e.reason)).toEqual(['TransferSent']);
    await assetsStep.act!({ kind: 'acceptTransfer', trackingId: 't', method: 'TokenStandard', contractId: 'c' }, actCtx(world, migration()));
    expect(world.events).toHaveLength(1);
  });

  it('a vote request the app already has is adopted, not announced', async () => {
    const world = new FakeWorld();
    world.governance.duplicate = true;
    const { weightStep } = await import('./weight.ts');
    const request = { requesterPartyId: 'p', action: { tag: 'ARC_DsoRules', value: {} } as never, reasonUrl: '', description: 'd', expirationMs: 1 };
    await weightStep.act!({ kind: 'requestVote', label: 'x', attempt: 1, request }, actCtx(world, migration()));
    expect(world.events).toEqual([]);
    const deps = world.deps();
    deps.splice.oldSvApp = async () => ({ ok: false, reason: 'ClientSecretNotFound', message: 'gone' });
    await weightStep.act!({ kind: 'requestVote', label: 'x', attempt: 1, request }, { ...actCtx(world, migration()), deps });
    expect(world.governance.requests).toEqual([]);
  });
});

describe('what the plans look up', () => {
  it('the old participant\'s database: as the spec names it, else from its Deployment\'s env, else unknown', async () => {
    const { oldParticipantDatabase } = await import('./values.ts');
    const world = new FakeWorld();
    expect(await oldParticipantDatabase(migration((m) => (m.spec.oldSv.participantDatabaseHost = 'pg.old')), world.deps().cluster)).toEqual({ host: 'pg.old' });
    expect(await oldParticipantDatabase(migration(), world.deps().cluster)).toBeUndefined();
    expect(await oldParticipantDatabase(migration((m) => delete m.spec.oldSv.namespace), world.deps().cluster)).toBeUndefined();
    world.workloads.push({
      kind: 'Deployment',
      metadata: { name: 'participant', namespace: 'sv' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'participant', env: [{ name: 'CANTON_PARTICIPANT_POSTGRES_SERVER', value: 'pg.sv.svc' }, { name: 'CANTON_PARTICIPANT_POSTGRES_PORT', value: '5433' }] }] } } },
    });
    expect(await oldParticipantDatabase(migration(), world.deps().cluster)).toEqual({ host: 'pg.sv.svc', port: 5433 });
  });

  it('closed votes of earlier records are looked up with the parties the network showed', async () => {
    const { weightStep } = await import('./weight.ts');
    const { offboardingStep } = await import('./offboarding.ts');
    const world = new FakeWorld();
    const looked: string[] = [];
    world.governance.findClosedVote = async (lookup) => (looked.push(lookup.tag), undefined);
    const m = migration((x) => {
      x.spec.workflow.weightTransfer.approved = true;
      x.spec.workflow.offboarding.approved = true;
    });
    const status = {
      oldSv: { partyId: 'Acme-1::1220aaaa', originalRewardWeight: 10_000 },
      newSv: { partyId: 'Acme-2::1220bbbb' },
      votes: [
        { action: 'UpdateSvRewardWeight(Acme-2:=10000)', attempt: 1, outcome: 'Pending' as const },
        { action: 'UpdateSvRewardWeight(Acme-1:=0)', attempt: 1, outcome: 'Pending' as const },
        { action: 'UpdateSvRewardWeight(Someone:=5)', attempt: 1, outcome: 'Pending' as const },
        { action: 'OffboardSv(Acme-1)', attempt: 1, outcome: 'Pending' as const },
      ],
    };
    await weightStep.observe({ ...ctx(world, m), status, facts: { dso: facts() } });
    expect(looked).toHaveLength(2);
    await offboardingStep.observe({ ...ctx(world, m), status, facts: { dso: facts({ newWeight: 10_000, oldWeight: 0 }) } });
    expect(looked).toHaveLength(3);
  });

  it('an offboarding with an effective date before its close is refused before any request', async () => {
    const { planOffboarding } = await import('./offboarding.ts');
    const m = migration((x) => {
      x.spec.workflow.offboarding.approved = true;
      x.spec.workflow.offboarding.effectiveAt = '2026-11-03T00:00:00Z';
    });
    const plan = planOffboarding(input(m, { dso: facts({ newWeight: 10_000, oldWeight: 0 }) }));
    expect(plan).toMatchObject({ kind: 'vote', invalidTiming: expect.stringContaining('spec.workflow.offboarding.effectiveAt') });
  });
});
