/**
 * The reconciler over in-memory ports: a whole hand-over, and the ways a reconcile can be cut short (a crash between
 * checkpoint and effect, a conflict on the checkpoint, a pause, a deletion). Every effect is counted.
 */
import { describe, expect, it } from '@jest/globals';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import { updateSvRewardWeightAction, offboardSvAction } from '../splice/daml-json.ts';
import { closedVote, dsoState, participantEnv, FakeWallet, FakeWorld, keySecret, migration, NS, openVote, PARTY, reconcileContext, T0 } from '../../test/support/migration-fixtures.ts';
import type { ScanView } from '../splice/scan-quorum.ts';
import type { DsoState } from '../splice/scan.ts';
import type { Outcome } from '../controller/controller.ts';
import { KMS_ENV_VAR } from '../render/participant.ts';
import { CONDITION, ORPHANED_ANNOTATION, participantValuesConfigMapName } from './meta.ts';
import { CONFLICT_RETRY_MS, MigrationReconciler, PHASES, sameEffect, TransientStepError } from './reconciler.ts';
import { SV_APP_DEPLOYMENT } from './steps/deployment.ts';
import { intentTag } from './steps/votes.ts';
import { weightLabel } from './steps/weight.ts';
import { offboardLabel } from './steps/offboarding.ts';
import { transferTrackingId } from './steps/assets.ts';
import { WORKFLOW_PHASES, type WorkflowPhase } from '../api/phases.ts';

const DAY = 86_400_000;

/** A test bench: the world, the migration as stored, and a reconcile that reads it back. */
class Bench {
  readonly world = new FakeWorld();
  readonly reconciler = new MigrationReconciler(this.world.deps());
  m: SvKmsMigration;
  now = T0;

  constructor(m: SvKmsMigration) {
    this.m = m;
  }

  async reconcile(signal?: AbortSignal): Promise<Outcome> {
    const before = this.world.stored;
    const outcome = await this.reconciler.reconcile(this.m, reconcileContext(this.now, signal));
    if (this.world.stored !== before && this.world.stored) this.m = { ...this.m, metadata: this.world.stored.metadata, status: this.world.stored.status };
    return outcome;
  }

  /** Reconciles until nothing changes (at most `max` passes), returning the last outcome. */
  async settle(max = 10): Promise<Outcome> {
    let last: Outcome = {};
    for (let i = 0; i < max; i++) {
      const writes = this.world.writes.length;
      last = await this.reconcile();
      if (this.world.writes.length === writes) return last;
    }
    return last;
  }

  edit(patch: (m: SvKmsMigration) => void): void {
    const next = structuredClone(this.m);
    patch(next);
    next.metadata.generation = (next.metadata.generation ?? 1) + 1;
    this.m = next;
  }

  condition(type: string) {
    return this.m.status?.conditions?.find((c) => c.type === type);
  }

  /** The participant and sv-app Deployments as the charts would run them with the rendered values. */
  deploy(): void {
    const env = participantEnv(this.m);
    const deployment = (name: string, container: string, e: unknown[]) => ({
      metadata: { name, namespace: NS, generation: 1 },
      spec: { selector: {}, template: { spec: { containers: [{ name: container, env: e as never }] } } },
      status: { observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] },
    });
    this.world.deployments.set(`${NS}/participant-1`, deployment('participant-1', 'participant', env));
    const secret = this.m.spec.newSv.governanceKey.secretName;
    this.world.deployments.set(
      `${NS}/${SV_APP_DEPLOYMENT}`,
      deployment(SV_APP_DEPLOYMENT, SV_APP_DEPLOYMENT, [
        { name: 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PUBLIC_KEY', valueFrom: { secretKeyRef: { name: secret, key: 'public' } } },
        { name: 'SPLICE_APP_SV_COMETBFT_GOVERNANCE_PRIVATE_KEY', valueFrom: { secretKeyRef: { name: secret, key: 'private' } } },
      ]),
    );
  }

  tag(label: string, attempt = 1): string {
    return intentTag(this.m.metadata.uid!, { label, attempt });
  }
}

describe('reconciler', () => {
  it('adds its finalizer before anything else', async () => {
    const m = migration();
    m.metadata.finalizers = [];
    const bench = new Bench(m);
    await bench.reconcile();
    expect(bench.world.writes).toEqual(['SvKmsMigration addFinalizer']);
  });

  it('runs a whole hand-over, each effect exactly once, and leaves status that tells the truth', async () => {
    const bench = new Bench(migration((m) => (m.spec.newSv.walletUrl = 'https://wallet.new.example.com')));
    bench.m.spec.newSv.auth = bench.m.spec.oldSv.auth;
    const { world } = bench;
    world.newWallet = new FakeWallet();

    // Preparing: keys, values, onboarding entry; then waiting for the Deployments.
    await bench.settle();
    expect(bench.m.status?.phase).toBe('AwaitingDeployment');
    expect(world.writes.filter((w) => w.startsWith('Secret create'))).toHaveLength(2);
    expect(world.writes.filter((w) => w.startsWith('ConfigMap apply'))).toHaveLength(2);
    expect(bench.m.status?.onboarding?.approvedSvIdentity).toMatchObject({ name: 'Acme-2', rewardWeightBps: 0 });
    expect(bench.condition(CONDITION.NewSvDeployed)?.reason).toBe('ParticipantNotDeployed');
    expect(world.preflightCalls).toBe(1);

    bench.deploy();
    await bench.settle();
    expect(bench.m.status?.phase).toBe('AwaitingOnboarding');
    expect(bench.condition(CONDITION.KmsKeysObserved)?.status).toBe('True');

    world.setDso({ newWeight: 0 });
    await bench.settle();
    expect(bench.m.status?.phase).toBe('TransferringWeight');
    expect(bench.condition(CONDITION.WeightTransferred)?.reason).toBe('AwaitingApproval');
    expect(world.governance.requests).toHaveLength(0);

    // The weight gate opens: two votes, one per reconcile, each once.
    bench.edit((m) => (m.spec.workflow.weightTransfer.approved = true));
    await bench.settle();
    expect(world.governance.requests.map((r) => r.action)).toEqual([updateSvRewardWeightAction(PARTY.new, 10_000), updateSvRewardWeightAction(PARTY.old, 0)]);
    const newLabel = weightLabel('Acme-2', 10_000);
    const oldLabel = weightLabel('Acme-1', 0);
    world.governance.open = [openVote(updateSvRewardWeightAction(PARTY.new, 10_000), { trackingCid: 'w1', accepts: 2 }), openVote(updateSvRewardWeightAction(PARTY.old, 0), { trackingCid: 'w2', accepts: 2 })];
    await bench.settle();
    expect(bench.m.status?.votes?.map((v) => [v.action, v.outcome, v.votesFor])).toEqual([
      [newLabel, 'Pending', 2],
      [oldLabel, 'Pending', 2],
    ]);
    expect(bench.m.status?.message).toMatch(/^TransferringWeight: waiting since \S+Z for 1 more SV vote on UpdateSvRewardWeight\(Acme-2:=10000\) \(2 of 3 so far, closes \S+Z/);

    // Days pass; the votes close accepted and take effect.
    bench.now = new Date(T0.getTime() + 8 * DAY);
    world.governance.open = [];
    world.governance.closed.set(bench.tag(newLabel), closedVote('accepted', { trackingCid: 'w1', votesFor: 4, votesAgainst: 0 }));
    world.governance.closed.set(bench.tag(oldLabel), closedVote('accepted', { trackingCid: 'w2', votesFor: 3, votesAgainst: 1 }));
    world.setDso({ newWeight: 10_000, oldWeight: 0 });
    await bench.settle();
    expect(bench.m.status?.votes?.map((v) => [v.outcome, v.votesFor, v.votesAgainst])).toEqual([
      ['Accepted', 4, 0],
      ['Accepted', 3, 1],
    ]);
    expect(bench.m.status?.phase).toBe('TransferringAssets');

    // Assets: one transfer, accepted on the new SV's wallet; completed when the balance reaches the reserve.
    bench.edit((m) => (m.spec.workflow.assetTransfer.approved = true));
    await bench.settle();
    const tid = transferTrackingId(bench.m.metadata.uid!, 1);
    expect(world.oldWallet.sent.map((s) => [s.trackingId, s.amount])).toEqual([[tid, '990']]);
    world.newWallet.incoming.set(tid, 'offer-1');
    await bench.settle();
    expect(world.newWallet.accepted).toEqual(['offer-1']);
    world.oldWallet.states.set(tid, 'completed');
    world.oldWallet.unlocked = '10.0';
    await bench.settle();
    expect(bench.m.status?.assets?.transfers).toEqual([expect.objectContaining({ trackingId: tid, status: 'Completed' })]);
    expect(bench.m.status?.phase).toBe('Offboarding');

    // Offboarding: one vote; the network offboards the old SV.
    bench.edit((m) => (m.spec.workflow.offboarding.approved = true));
    await bench.settle();
    expect(world.governance.requests.at(-1)?.action).toEqual(offboardSvAction(PARTY.old));
    world.governance.closed.set(bench.tag(offboardLabel('Acme-1')), closedVote('accepted', { votesFor: 4 }));
    world.setDso({ newWeight: 10_000, oldWeight: null, oldOffboarded: true });
    await bench.settle();
    expect(bench.m.status?.phase).toBe('Retiring');

    // Retirement: the old SV's workloads scaled to zero, recorded first.
    world.workloads.push({ kind: 'Deployment', metadata: { name: 'sv-app', namespace: 'sv' }, spec: { replicas: 1, selector: {}, template: {} }, status: { replicas: 0 } });
    bench.edit((m) => (m.spec.workflow.retirement.approved = true));
    await bench.settle();
    expect(bench.m.status?.phase).toBe('Completed');
    expect(bench.m.status?.retirement?.scaled).toEqual(['Deployment/sv-app=1']);

    // The audit trail: every side effect, in order, with the generation it was decided at.
    expect(bench.m.status?.history?.map((h) => [h.effect, h.id])).toEqual([
      ['KeyGenerated', 'sv-kms/splice-app-sv-cometbft-governance-key'],
      ['KeyGenerated', 'sv-kms/splice-app-sv-key'],
      ['VoteRequested', 'UpdateSvRewardWeight(Acme-2:=10000)#1'],
      ['VoteRequested', 'UpdateSvRewardWeight(Acme-1:=0)#1'],
      ['TransferSent', tid],
      ['TransferAccepted', tid],
      ['VoteRequested', 'OffboardSv(Acme-1)#1'],
      ['ScaledDown', 'sv/Deployment/sv-app'],
    ]);
    expect(bench.m.status?.history?.find((h) => h.effect === 'VoteRequested')?.generation).toBe(2);

    // The truth, at the end: each effect once, every record final, every condition at the current generation.
    expect(world.governance.requests).toHaveLength(3);
    expect(world.oldWallet.sent).toHaveLength(1);
    expect(world.writes.filter((w) => w.includes('scale'))).toEqual(['Deployment scale sv-app']);
    expect(bench.m.status?.votes?.every((v) => v.outcome === 'Accepted' && v.votesFor !== undefined)).toBe(true);
    const generation = bench.m.metadata.generation;
    expect(bench.m.status?.observedGeneration).toBe(generation);
    for (const c of bench.m.status?.conditions ?? []) expect([c.type, c.observedGeneration]).toEqual([c.type, generation]);
    expect(bench.condition(CONDITION.Ready)?.status).toBe('True');
    expect(bench.m.status?.message).toBe('Completed.');
    // A later spec commit keeps every True condition current.
    bench.edit((m) => (m.metadata.labels = { touched: 'yes' }));
    await bench.settle();
    for (const c of bench.m.status?.conditions ?? []) expect(c.observedGeneration).toBe(bench.m.metadata.generation);
  });

  it('a crash between the checkpoint and the vote request sends the request once, on the next reconcile', async () => {
    const bench = new Bench(migration((m) => (m.spec.workflow.weightTransfer.approved = true)));
    await prepareOnboarded(bench);
    const crash = new AbortController();
    bench.world.crashAfterNextWrite = crash;
    await bench.reconcile(crash.signal);
    expect(bench.world.governance.requests).toHaveLength(0);
    expect(bench.m.status?.votes).toEqual([expect.objectContaining({ outcome: 'Requesting' })]);
    // The record says it may have happened; nothing on the network: the next reconcile sends it, once.
    await bench.reconcile();
    await bench.reconcile();
    await bench.reconcile();
    const forNewSv = bench.world.governance.requests.filter((r) => JSON.stringify(r.action) === JSON.stringify(updateSvRewardWeightAction(PARTY.new, 10_000)));
    expect(forNewSv).toHaveLength(1);
    expect(bench.m.status?.votes?.map((v) => v.outcome)).toEqual(['Pending', 'Pending']);
  });

  it('a reconcile request redoes every cached check once, and is acknowledged in status', async () => {
    const bench = new Bench(migration());
    await bench.settle();
    expect(bench.world.preflightCalls).toBe(1);
    bench.m = { ...bench.m, metadata: { ...bench.m.metadata, annotations: { 'svkms.dev/reconcile-requested-at': '2026-11-02T11:00:00Z' } } };
    await bench.settle();
    expect(bench.world.preflightCalls).toBe(2);
    expect(bench.m.status?.lastHandledReconcileAt).toBe('2026-11-02T11:00:00Z');
    await bench.settle();
    expect(bench.world.preflightCalls).toBe(2);
  });

  it('records the approving change with each side effect, and keeps the last 50', async () => {
    const bench = new Bench(migration((m) => (m.metadata.annotations = { 'svkms.dev/change-ref': 'git:abc123' })));
    bench.m.status = { history: Array.from({ length: 50 }, (_, i) => ({ time: '2026-11-01T00:00:00Z', effect: 'ScaledDown', id: `old-${i}` })) };
    await bench.settle();
    const history = bench.m.status?.history ?? [];
    expect(history).toHaveLength(50);
    expect(history.at(-1)).toMatchObject({ effect: 'KeyGenerated', change: 'git:abc123', generation: 1 });
    expect(history[0]?.id).toBe('old-2');
  });

  it('a conflict on the checkpoint sends nothing and retries soon', async () => {
    const bench = new Bench(migration((m) => (m.spec.workflow.weightTransfer.approved = true)));
    await prepareOnboarded(bench);
    bench.world.governance.requests.length = 0;
    bench.m = { ...bench.m, status: { ...bench.m.status, votes: [] } };
    bench.world.conflictNext = true;
    const outcome = await bench.reconcile();
    expect(outcome).toEqual({ requeueAfterMs: CONFLICT_RETRY_MS });
    expect(bench.world.governance.requests).toHaveLength(0);
  });

  it('a paused migration makes no side effect, and says so', async () => {
    const bench = new Bench(migration((m) => (m.spec.paused = true)));
    await bench.reconcile();
    expect(bench.world.writes).toEqual(['SvKmsMigration status']);
    expect(bench.condition(CONDITION.Reconciling)).toMatchObject({ status: 'False', reason: 'Paused' });
    expect(bench.m.status?.message).toMatch(/Paused/);
  });

  it('status.phase and status.message agree in a checkpoint written mid-reconcile', async () => {
    const bench = new Bench(migration((m) => (m.spec.workflow.weightTransfer.approved = true)));
    await prepareOnboarded(bench);
    const crash = new AbortController();
    bench.m = { ...bench.m, status: { ...bench.m.status, votes: [] } };
    bench.world.crashAfterNextWrite = crash;
    await bench.reconcile(crash.signal);
    expect(bench.m.status?.phase).toBe('TransferringWeight');
    expect(bench.m.status?.message).toMatch(/^TransferringWeight: requesting the vote on UpdateSvRewardWeight\(Acme-2:=10000\)/);
  });

  it('a transient failure is written to status, then thrown for the work queue to back off', async () => {
    const bench = new Bench(migration());
    bench.world.preflight = { ok: false, verified: [], notVerified: [], failure: { reason: 'KmsThrottled', message: 'slow down', transient: true } };
    await expect(bench.reconcile()).rejects.toBeInstanceOf(TransientStepError);
    bench.m = bench.world.stored!;
    expect(bench.condition(CONDITION.KmsPreflightPassed)).toMatchObject({ status: 'Unknown', reason: 'KmsThrottled' });
    expect(bench.condition(CONDITION.Reconciling)).toMatchObject({ status: 'True', reason: 'KmsThrottled' });
  });

  it('a first pass through Preparing records what a user needs: the keys made, the announcement, the phase change, what it waits for', async () => {
    const bench = new Bench(migration());
    await bench.settle();
    expect(bench.m.status?.phase).toBe('AwaitingDeployment');
    expect(bench.world.events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'KeyGenerated'],
      ['Normal', 'KeyGenerated'],
      ['Normal', 'Announcement'],
      ['Normal', 'PhaseChanged'],
      ['Normal', 'ParticipantNotDeployed'],
    ]);
    // Checks that passed the first time they were made are in the status, not in Events.
    for (const type of [CONDITION.SpecValid, CONDITION.KmsPreflightPassed, CONDITION.SpliceAccessVerified, CONDITION.GovernanceKeyReady, CONDITION.IdentityKeyReady, CONDITION.ValuesRendered]) {
      expect(bench.condition(type)?.status).toBe('True');
    }
    expect(bench.world.events.find((e) => e.reason === 'ParticipantNotDeployed')?.message).toMatch(/^NewSvDeployed=False: deploy the participant/);
  });

  it('a check that fails warns, and one Normal Event says when it passes again', async () => {
    const bench = new Bench(migration());
    bench.world.preflight = { ok: false, verified: [], notVerified: [], failure: { reason: 'KmsAccessDenied', message: 'kms:DescribeKey denied', transient: false } };
    await bench.reconcile();
    expect(bench.condition(CONDITION.KmsPreflightPassed)).toMatchObject({ status: 'False', reason: 'KmsAccessDenied' });
    expect(bench.world.events.filter((e) => e.reason === 'KmsAccessDenied').map((e) => e.type)).toEqual(['Warning', 'Warning']);
    // The access is fixed in the KMS; the stalled preflight is made again on its timer.
    bench.world.preflight = { ok: true, verified: ['credentials accepted'], notVerified: [] };
    await bench.reconcile();
    expect(bench.condition(CONDITION.KmsPreflightPassed)).toMatchObject({ status: 'True', reason: 'Passed' });
    expect(bench.world.events.filter((e) => e.reason === 'Passed').map((e) => [e.type, e.message])).toEqual([['Normal', 'KmsPreflightPassed=True: verified: credentials accepted']]);
  });

  it('a stalled migration is rechecked on its timer and warns once', async () => {
    const bench = new Bench(migration((m) => (m.spec.newSv.governanceKey.generate = false)));
    const outcome = await bench.reconcile();
    expect(outcome).toEqual({ requeueAfterMs: 5 * 60_000 });
    expect(bench.condition(CONDITION.Stalled)).toMatchObject({ status: 'True', reason: 'KeySecretNotProvided' });
    expect(bench.world.events.filter((e) => e.type === 'Warning' && e.reason === 'KeySecretNotProvided')).toHaveLength(2);
    const events = bench.world.events.length;
    await bench.reconcile();
    expect(bench.world.events.length).toBe(events);
  });

  it('a failed effect is reported on its step\'s condition', async () => {
    const bench = new Bench(migration((m) => (m.spec.workflow.weightTransfer.approved = true)));
    await prepareOnboarded(bench);
    bench.m = { ...bench.m, status: { ...bench.m.status, votes: [] } };
    const { AuthError } = await import('../splice/errors.ts');
    bench.world.governance.open = [];
    const requestVote = bench.world.governance.requestVote.bind(bench.world.governance);
    bench.world.governance.requestVote = async () => {
      throw new AuthError('sv', 'createVoteRequest', 'forbidden', 403);
    };
    await bench.reconcile();
    expect(bench.condition(CONDITION.WeightTransferred)).toMatchObject({ status: 'False', reason: 'SvAppAuthFailed' });
    expect(bench.condition(CONDITION.Stalled)).toMatchObject({ status: 'True', reason: 'SvAppAuthFailed' });
    bench.world.governance.requestVote = requestVote;
  });

  it('deleting the migration keeps everything it made and marks it', async () => {
    const bench = new Bench(migration());
    await bench.settle();
    bench.m = { ...bench.m, metadata: { ...bench.m.metadata, deletionTimestamp: '2026-11-03T00:00:00Z' } };
    await bench.reconcile();
    expect(bench.world.writes.filter((w) => w.includes('annotate')).sort()).toEqual(['ConfigMap annotate acme-participant-values', 'ConfigMap annotate acme-sv-node-values', 'Secret annotate splice-app-sv-cometbft-governance-key', 'Secret annotate splice-app-sv-key']);
    expect(bench.world.writes.at(-1)).toBe('SvKmsMigration removeFinalizer');
    expect(bench.world.events.at(-1)?.reason).toBe('MigrationDeleted');
    expect(ORPHANED_ANNOTATION).toBe('svkms.dev/migration-deleted');
  });

  it('the phase table follows the one list of phases', () => {
    expect(PHASES.map((p) => p.phase)).toEqual([...WORKFLOW_PHASES]);
  });

  it('a values ConfigMap made by someone else is never overwritten', async () => {
    const m = migration();
    const bench = new Bench(m);
    bench.world.configMaps.set(`${NS}/${participantValuesConfigMapName(m)}`, { metadata: { name: participantValuesConfigMapName(m), namespace: NS }, data: { 'values.yaml': 'mine: true' } });
    await bench.settle();
    expect(bench.condition(CONDITION.Stalled)).toMatchObject({ status: 'True', reason: 'ConfigMapOwnedElsewhere' });
    expect(bench.world.configMaps.get(`${NS}/${participantValuesConfigMapName(m)}`)?.data).toEqual({ 'values.yaml': 'mine: true' });
    expect(bench.world.writes.filter((w) => w.startsWith('ConfigMap'))).toEqual([]);
  });

  it('the rendered KMS env var is what the Deployment check compares', () => {
    expect(KMS_ENV_VAR).toMatch(/^ADDITIONAL_CONFIG_/);
  });
});

/** The migration prepared, deployed and onboarded, at TransferringWeight with the weight recorded. */
async function prepareOnboarded(bench: Bench): Promise<void> {
  await prepareAt(bench, 'TransferringWeight', { newWeight: 0 });
}

/** The migration prepared, deployed and onboarded, in `phase`, with the Scans answering `dso` (shared and fresh). */
async function prepareAt(bench: Bench, phase: WorkflowPhase, dso: Parameters<FakeWorld['setDso']>[0], status: SvKmsMigrationStatus = {}): Promise<void> {
  const { world, m } = bench;
  world.secrets.set(`${NS}/${m.spec.newSv.governanceKey.secretName}`, await keySecret('governance', m.spec.newSv.governanceKey.secretName));
  world.secrets.set(`${NS}/${m.spec.newSv.identityKey.secretName}`, await keySecret('identity', m.spec.newSv.identityKey.secretName));
  bench.deploy();
  world.setDso(dso);
  bench.m = {
    ...m,
    status: {
      phase,
      oldSv: { partyId: PARTY.old, originalRewardWeight: 10_000 },
      conditions: [{ type: CONDITION.KmsKeysObserved, status: 'True', reason: 'KeysFound', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' }],
      ...status,
    },
  };
}

/** Three Scans of which no two agree. */
function disagreeingScans(): ScanView<DsoState>[] {
  return [
    { url: 'https://scan-1', ok: true, value: dsoState({ newWeight: 10_000, oldWeight: 0 }) },
    { url: 'https://scan-2', ok: true, value: dsoState({ newWeight: 0 }) },
    { url: 'https://scan-3', ok: false, error: new Error('connection refused') },
  ];
}

/** Every Scan unreachable. */
function unreachableScans(): ScanView<DsoState>[] {
  return [1, 2, 3].map((i) => ({ url: `https://scan-${i}`, ok: false as const, error: new Error('connection refused') }));
}

/**
 * Each effect decided on the network's state (a vote request, a transfer, a scale-down), set up so that the shared
 * reads' answer (from up to a poll interval ago) asks for it; `changed` is what the Scans say now instead.
 */
const EFFECTS: {
  effect: string;
  setup(bench: Bench): Promise<void>;
  /** How many times the effect was made. */
  made(world: FakeWorld): number;
  /** The Scans now, disagreeing with the shared answer. */
  changed: Parameters<FakeWorld['changeDso']>[0];
  /** What the migration shows after a reconcile on the changed Scans. */
  then(bench: Bench): void;
}[] = [
  {
    effect: 'a weight vote request',
    setup: async (bench) => {
      bench.edit((m) => (m.spec.workflow.weightTransfer.approved = true));
      await prepareAt(bench, 'TransferringWeight', { newWeight: 0 });
    },
    made: (world) => world.governance.requests.length,
    // The weight moved meanwhile (votes requested by hand): nothing to ask for.
    changed: { newWeight: 10_000, oldWeight: 0 },
    then: (bench) => {
      expect(bench.condition(CONDITION.WeightTransferred)).toMatchObject({ status: 'True', reason: 'WeightMoved' });
      expect(bench.m.status?.phase).toBe('TransferringAssets');
      expect(bench.m.status?.votes ?? []).toEqual([]);
    },
  },
  {
    effect: 'a transfer',
    setup: async (bench) => {
      bench.edit((m) => (m.spec.workflow.assetTransfer.approved = true));
      await prepareAt(bench, 'TransferringAssets', { newWeight: 10_000, oldWeight: 0 });
    },
    made: (world) => world.oldWallet.sent.length,
    // Two Scans started to lie: they no longer agree.
    changed: disagreeingScans(),
    then: (bench) => {
      expect(bench.condition(CONDITION.ScanAgreement)).toMatchObject({ status: 'False', reason: 'ScansDisagree' });
      expect(bench.m.status?.phase).toBe('TransferringAssets');
      expect(bench.m.status?.assets?.transfers).toBeUndefined();
    },
  },
  {
    effect: 'an offboarding vote request',
    setup: async (bench) => {
      bench.edit((m) => (m.spec.workflow.offboarding.approved = true));
      await prepareAt(bench, 'Offboarding', { newWeight: 10_000, oldWeight: 0 });
    },
    made: (world) => world.governance.requests.length,
    // Offboarded meanwhile: nothing to ask for; on to retirement.
    changed: { newWeight: 10_000, oldWeight: null, oldOffboarded: true },
    then: (bench) => {
      expect(bench.condition(CONDITION.OldSvOffboarded)).toMatchObject({ status: 'True', reason: 'Offboarded' });
      expect(bench.m.status?.phase).toBe('Retiring');
    },
  },
  {
    effect: 'a scale-down',
    setup: async (bench) => {
      bench.edit((m) => (m.spec.workflow.retirement.approved = true));
      await prepareAt(bench, 'Retiring', { newWeight: 10_000, oldWeight: null, oldOffboarded: true });
      // Nothing came in late: the final sweep has nothing to send.
      bench.world.oldWallet.unlocked = '0.0';
      bench.world.workloads.push({ kind: 'Deployment', metadata: { name: 'sv-app', namespace: 'sv' }, spec: { replicas: 1, selector: {}, template: {} } });
    },
    made: (world) => world.writes.filter((w) => w.includes(' scale ')).length,
    // The Scans cannot be reached: the old SV is not known to be offboarded now.
    changed: unreachableScans(),
    then: (bench) => {
      expect(bench.condition(CONDITION.ScanAgreement)).toMatchObject({ status: 'False', reason: 'ScansUnreachable' });
      expect(bench.world.workloads[0]?.spec?.replicas).toBe(1);
      expect(bench.m.status?.retirement).toBeUndefined();
    },
  },
];

describe('effects decided on shared reads', () => {
  it.each(EFFECTS)('$effect decided on a shared answer is not made when the Scans now say otherwise', async ({ setup, made, changed, then }) => {
    const bench = new Bench(migration());
    await setup(bench);
    bench.world.changeDso(changed);
    const writes = bench.world.writes.length;
    await bench.reconcile();
    expect(made(bench.world)).toBe(0);
    expect(bench.world.dsoReads).toEqual({ shared: 1, fresh: 1 });
    // No checkpoint was written for it: the one status write is the fresh view.
    expect(bench.world.writes.slice(writes).filter((w) => w.startsWith('SvKmsMigration'))).toEqual(['SvKmsMigration status']);
    then(bench);
    expect(bench.m.status?.history ?? []).toEqual([]);
  });

  it.each(EFFECTS)('$effect is made once when the Scans still say what the shared answer said', async ({ setup, made }) => {
    const bench = new Bench(migration());
    await setup(bench);
    // The answer changed in what no decision looks at (another SV's weight): the same effect is decided again.
    const now = bench.world.dso.map((v) => (v.ok ? { ...v, value: { ...v.value, svs: new Map([...v.value.svs].map(([p, sv]) => [p, sv.name === 'Other-1' ? { ...sv, svRewardWeight: 20_000 } : sv])) } } : v));
    bench.world.changeDso(now);
    await bench.reconcile();
    expect(made(bench.world)).toBe(1);
    expect(bench.world.dsoReads).toEqual({ shared: 1, fresh: 1 });
    expect(bench.m.status?.history).toHaveLength(1);
  });

  it('reads fresh only on the passes that would act, not while waiting', async () => {
    const bench = new Bench(migration());
    await prepareAt(bench, 'TransferringWeight', { newWeight: 0 });
    // Waiting for the gate.
    await bench.reconcile();
    await bench.reconcile();
    expect(bench.condition(CONDITION.WeightTransferred)?.reason).toBe('AwaitingApproval');
    expect(bench.world.dsoReads).toEqual({ shared: 2, fresh: 0 });
    // The gate opens: one fresh read for each of the two vote requests, on the pass that sends it.
    bench.edit((m) => (m.spec.workflow.weightTransfer.approved = true));
    await bench.reconcile();
    expect(bench.world.governance.requests).toHaveLength(1);
    expect(bench.world.dsoReads).toEqual({ shared: 3, fresh: 1 });
    await bench.reconcile();
    expect(bench.world.governance.requests).toHaveLength(2);
    expect(bench.world.dsoReads).toEqual({ shared: 4, fresh: 2 });
    // Waiting for the votes: shared reads only.
    await bench.reconcile();
    await bench.reconcile();
    expect(bench.condition(CONDITION.WeightTransferred)?.reason).toBe('VotesPending');
    expect(bench.world.dsoReads).toEqual({ shared: 6, fresh: 2 });
  });

  it('a fresh answer that asks for another effect makes none this pass; the next pass makes that one', async () => {
    const bench = new Bench(migration((m) => (m.spec.workflow.weightTransfer.approved = true)));
    await prepareAt(bench, 'TransferringWeight', { newWeight: 0 });
    // The new SV got its weight meanwhile, the old SV still has it: only the old SV's vote is left.
    bench.world.changeDso({ newWeight: 10_000 });
    await bench.reconcile();
    expect(bench.world.governance.requests).toHaveLength(0);
    expect(bench.m.status?.votes?.map((v) => [v.action, v.outcome])).toEqual([[weightLabel('Acme-1', 0), 'Requesting']]);
    // The fresh answer is the shared one now.
    await bench.reconcile();
    expect(bench.world.governance.requests.map((r) => r.action)).toEqual([updateSvRewardWeightAction(PARTY.old, 0)]);
    expect(bench.world.dsoReads).toEqual({ shared: 2, fresh: 2 });
  });

  it('effects compare as data, dates by their time', () => {
    expect(sameEffect({ order: { expiresAt: new Date(1), amount: '1' } }, { order: { amount: '1', expiresAt: new Date(1) } })).toBe(true);
    expect(sameEffect({ order: { expiresAt: new Date(1) } }, { order: { expiresAt: new Date(2) } })).toBe(false);
    expect(sameEffect({ kind: 'requestVote', label: 'a' }, { kind: 'requestVote', label: 'b' })).toBe(false);
  });
});
