/**
 * Decision tables of the network phases that are not votes: the Scan quorum, onboarding, the asset transfer and the
 * retirement of the old SV.
 */
import { describe, expect, it } from '@jest/globals';
import { expectDecision, type ExpectedDecision } from '../../../test/support/decision-expect.ts';
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { SvKmsMigration, SvKmsMigrationStatus, TransferStatus } from '../../api/types.ts';
import { AuthError, MalformedResponseError, SpliceError, TransientError } from '../../splice/errors.ts';
import { dsoState, facts, input, migration, PARTY, T0 } from '../../../test/support/migration-fixtures.ts';
import type { DsoFacts } from '../step.ts';
import { decideAssets, OFFER_LIFETIME_MS, sweepStep, transferTrackingId, type AssetsObservation, type SendOptions, type WalletReads } from './assets.ts';
import { decideDso, type DsoObservation } from './dso.ts';
import { decideOnboarding, type OnboardingObservation } from './onboarding.ts';
import { decideRetirement, type RetirementObservation } from './retirement.ts';

/** The transfer record of attempt 1 after the decision. */
type Expect = ExpectedDecision & { transfer?: Partial<TransferStatus> };
const check = expectDecision;

describe('ScanAgreement', () => {
  const view = (i: number, state = dsoState()) => ({ url: `https://scan-${i}`, ok: true as const, value: state });
  const down = (i: number) => ({ url: `https://scan-${i}`, ok: false as const, error: new Error('ECONNREFUSED') });
  const rows: [string, DsoObservation, Expect][] = [
    ['already established in this reconcile: not read again', { kind: 'known' }, { outcome: 'done' }],
    ['all three agree', { kind: 'views', views: [view(1), view(2), view(3)] }, { outcome: 'done', condition: 'ScanAgreement', reason: 'QuorumAgrees', message: /3 of 3 Scans agree \(quorum 2\)/ }],
    ['two of three agree, one lies', { kind: 'views', views: [view(1), view(2), view(3, dsoState({ newWeight: 10_000 }))] }, { outcome: 'done', condition: 'ScanAgreement', reason: 'QuorumAgrees' }],
    ['two of three disagree and one is down: nothing advances', { kind: 'views', views: [view(1), view(2, dsoState({ newWeight: 10_000 })), down(3)] }, { outcome: 'wait', condition: 'ScanAgreement', reason: 'ScansDisagree' }],
    ['all down', { kind: 'views', views: [down(1), down(2), down(3)] }, { outcome: 'wait', condition: 'ScanAgreement', reason: 'ScansUnreachable' }],
  ];
  it.each(rows)('%s', (_n, observed, e) => check(decideDso(input(migration()), observed), e));

  it('records the weight to move once, and never changes it afterwards', () => {
    const m = migration();
    const first = decideDso(input(m), { kind: 'views', views: [view(1), view(2), view(3)] });
    expect(first.status?.oldSv).toMatchObject({ partyId: PARTY.old, rewardWeight: 10_000, originalRewardWeight: 10_000, onboarded: true, offboarded: false });
    expect(first.facts?.dso?.oldSv).toEqual({ partyId: PARTY.old, weight: 10_000 });
    const later = decideDso(input(m, { status: first.status as SvKmsMigrationStatus }), { kind: 'views', views: [1, 2, 3].map((i) => view(i, dsoState({ newWeight: 5_000, oldWeight: 5_000 }))) });
    expect(later.status?.oldSv).toMatchObject({ rewardWeight: 5_000, originalRewardWeight: 10_000 });
    const gone = decideDso(input(m, { status: later.status as SvKmsMigrationStatus }), { kind: 'views', views: [1, 2, 3].map((i) => view(i, dsoState({ newWeight: 10_000, oldWeight: null, oldOffboarded: true }))) });
    expect(gone.status?.oldSv).toMatchObject({ onboarded: false, rewardWeight: 0, offboarded: true, originalRewardWeight: 10_000 });
    expect(gone.status?.newSv).toMatchObject({ partyId: PARTY.new, rewardWeight: 10_000, onboarded: true });
  });
});

describe('NewSvOnboarded', () => {
  const sponsor = (progress: OnboardingObservation): OnboardingObservation => progress;
  const rows: [string, DsoFacts, OnboardingObservation, Expect][] = [
    ['onboarded with weight 0', facts(), sponsor({ kind: 'onboarded' }), { outcome: 'done', condition: 'NewSvOnboarded', reason: 'Onboarded', message: /with reward weight 0/ }],
    ['onboarded with an unexpected weight: said so', facts({ newWeight: 5 }), sponsor({ kind: 'onboarded' }), { outcome: 'done', condition: 'NewSvOnboarded', message: /expected 0/ }],
    [
      'not yet: what the other operators must do and what the sponsor says',
      facts({ newWeight: null }),
      sponsor({ kind: 'sponsor', progress: { ok: true, value: { state: 'requested', confirmations: { have: 2, need: 3 } } } }),
      { outcome: 'wait', condition: 'NewSvOnboarded', reason: 'AwaitingOnboarding', message: /approvedSvIdentities.*confirmed by 2 of 3/ },
    ],
    [
      'the sponsor does not answer: still waiting, said so',
      facts({ newWeight: null }),
      sponsor({ kind: 'sponsor', progress: { ok: false, error: new TransientError('sv', 'getSvOnboardingStatus', 'timeout') } }),
      { outcome: 'wait', condition: 'NewSvOnboarded', reason: 'AwaitingOnboarding', message: /not available \(.*timeout\)/ },
    ],
  ];
  it.each(rows)('%s', (_n, dso, observed, e) => check(decideOnboarding(input(migration(), { dso }), observed), e));

  it('a failure that is not Splice\'s is a bug, not a wait', () => {
    expect(() => decideOnboarding(input(migration(), { dso: facts({ newWeight: null }) }), { kind: 'sponsor', progress: { ok: false, error: new TypeError('boom') } })).toThrow('boom');
  });
});

describe('AssetsTransferred', () => {
  const uid = '0f0e0d0c-uid';
  const tid = transferTrackingId(uid, 1);
  const approved = (patch?: (m: SvKmsMigration) => void) =>
    migration((m) => {
      m.spec.workflow.assetTransfer.approved = true;
      patch?.(m);
    });
  const method = (x: 'TokenStandard' | 'TransferPreapproval' | 'TransferOffer') => approved((m) => (m.spec.workflow.assetTransfer.method = x));
  const scans = (has: boolean) => [1, 2, 3].map((i) => ({ url: `https://scan-${i}`, ok: true as const, value: has }));
  const options = (o: { tokenStandard?: boolean; preapprovalDescription?: boolean; preapproval?: boolean } = {}): SendOptions => ({
    features: { tokenStandard: o.tokenStandard ?? true, preapprovalDescription: o.preapprovalDescription ?? true },
    receiverPreapproval: scans(o.preapproval ?? false),
  });
  const reads = (r: Partial<WalletReads>): AssetsObservation => ({ kind: 'read', reads: { ok: true, value: { unlocked: '1000.5', states: {}, incoming: {}, sendOptions: options(), ...r } } });
  const withTransfer = (t: Partial<TransferStatus>): SvKmsMigrationStatus => ({ newSv: { partyId: PARTY.new }, assets: { transfers: [{ trackingId: tid, amount: '990.5', receiverPartyId: PARTY.new, status: 'Requesting', ...t }] } });
  const tokenStandard = (t: Partial<TransferStatus>) => withTransfer({ method: 'TokenStandard', requestedAt: T0.toISOString(), expiresAt: new Date(T0.getTime() + OFFER_LIFETIME_MS).toISOString(), ...t });
  const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);
  const newSv: SvKmsMigrationStatus = { newSv: { partyId: PARTY.new } };
  type Row = [string, SvKmsMigration, SvKmsMigrationStatus, AssetsObservation, Expect & { now?: Date; method?: string }];
  const rows: Row[] = [
    ['at the reserve: done, nothing sent', approved(), newSv, reads({ unlocked: '10' }), { outcome: 'done', condition: 'AssetsTransferred', reason: 'BalanceAtReserve', effect: null }],
    ['waits for the gate', migration(), newSv, reads({}), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'AwaitingApproval', effect: null, message: /transfer everything above the reserve \(10\)/ }],
    ['manual: only watches', approved((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), newSv, reads({}), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'AwaitingManualTransfer', effect: null }],
    ['receiver not known yet', approved(), {}, reads({}), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'ReceiverUnknown', effect: null }],
    ['first send: recorded with the amount above the reserve, checkpointed, then sent', approved(), newSv, reads({}), { outcome: 'wait', reason: 'TransferInProgress', condition: 'AssetsTransferred', effect: 'sendTransfer', transfer: { amount: '990.5', status: 'Requesting', purpose: 'Transfer', requestedAt: T0.toISOString() } }],
    ['Auto: a receiver with a preapproval gets a preapproval send', approved(), newSv, reads({ sendOptions: options({ preapproval: true }) }), { outcome: 'wait', effect: 'sendTransfer', method: 'TransferPreapproval' }],
    ['Auto: no preapproval, token standard supported: a token-standard transfer', approved(), newSv, reads({}), { outcome: 'wait', effect: 'sendTransfer', method: 'TokenStandard' }],
    ['Auto: a preapproval without kept descriptions: a token-standard transfer (it completes at once too)', approved(), newSv, reads({ sendOptions: options({ preapproval: true, preapprovalDescription: false }) }), { outcome: 'wait', effect: 'sendTransfer', method: 'TokenStandard' }],
    ['Auto: an older wallet: a transfer offer', approved(), newSv, reads({ sendOptions: options({ tokenStandard: false, preapprovalDescription: false }) }), { outcome: 'wait', effect: 'sendTransfer', method: 'TransferOffer' }],
    ['explicit TransferOffer on a new wallet', method('TransferOffer'), newSv, reads({}), { outcome: 'wait', effect: 'sendTransfer', method: 'TransferOffer' }],
    ['explicit TransferPreapproval without a preapproval: stalls, names the fix', method('TransferPreapproval'), newSv, reads({}), { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'ReceiverHasNoPreapproval', effect: null, message: /transfer-preapproval/ }],
    ['explicit TokenStandard on a wallet without it: stalls', method('TokenStandard'), newSv, reads({ sendOptions: options({ tokenStandard: false }) }), { outcome: 'stalled', reason: 'TransferMethodUnsupported', condition: 'AssetsTransferred', effect: null }],
    ['the wallet features are not read yet: waits, sends nothing', approved(), newSv, reads({ sendOptions: undefined }), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'TransferInProgress', effect: null }],
    ['an offer whose fate is unknown is sent again with the recorded amount (same tracking id)', approved(), withTransfer({ amount: '900' }), reads({}), { outcome: 'wait', condition: 'AssetsTransferred', effect: 'sendTransfer', transfer: { amount: '900' }, method: 'TransferOffer' }],
    ['a token-standard send not in the history within 12 h: sent again (the wallet still deduplicates)', approved(), tokenStandard({}), reads({}), { outcome: 'wait', effect: 'sendTransfer', method: 'TokenStandard', now: hours(11) }],
    ['a token-standard send not in the history after 12 h: stalls, never paid twice', approved(), tokenStandard({}), reads({}), { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'TransferOutcomeUnknown', effect: null, now: hours(13), message: /deduplicates its id for only 24 h/ }],
    ['an offer not known after 12 h is still sent again (offers are deduplicated for ever)', approved(), withTransfer({ method: 'TransferOffer', requestedAt: T0.toISOString() }), reads({}), { outcome: 'wait', effect: 'sendTransfer', now: hours(13) }],
    ['the wallet knows it: created, nothing sent again', approved(), withTransfer({}), reads({ states: { [tid]: 'created' } }), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'TransferInProgress', effect: null, message: /accept it in the receiver's wallet/, transfer: { status: 'Created' } }],
    ['a pending token-standard transfer locks the amount: not done at the reserve', approved(), tokenStandard({ status: 'Created' }), reads({ unlocked: '10', states: { [tid]: 'created' } }), { outcome: 'wait', reason: 'TransferInProgress', condition: 'AssetsTransferred', effect: null }],
    ['a token-standard transfer not accepted before it expired: stalls with the withdraw hint', approved(), tokenStandard({ status: 'Created' }), reads({ unlocked: '10', states: { [tid]: 'created' } }), { outcome: 'stalled', reason: 'TransferNotAccepted', condition: 'AssetsTransferred', now: hours(25), message: /withdraw/ }],
    ['accepted on the new SV\'s wallet when it has the offer', approved((m) => (m.spec.newSv.walletUrl = 'https://wallet.new')), withTransfer({ status: 'Created' }), reads({ states: { [tid]: 'created' }, incoming: { [tid]: 'cid-offer' } }), { outcome: 'wait', condition: 'AssetsTransferred', effect: 'acceptTransfer' }],
    ['failed: stalls, never sends again on its own', approved(), withTransfer({ status: 'Created' }), reads({ states: { [tid]: 'failed' } }), { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'TransferFailed', effect: null, message: /raise spec.workflow.assetTransfer.attempt to 2/, transfer: { status: 'Failed' } }],
    ['expired: stalls', approved(), withTransfer({ status: 'Created' }), reads({ states: { [tid]: 'expired' } }), { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'TransferFailed', transfer: { status: 'Expired' } }],
    ['completed: done, the record shows Completed', approved(), withTransfer({ status: 'Accepted' }), reads({ unlocked: '10', states: { [tid]: 'completed' } }), { outcome: 'done', condition: 'AssetsTransferred', reason: 'TransferCompleted', transfer: { status: 'Completed' } }],
    ['completed while late rewards arrived: done, the sweep takes them', approved(), withTransfer({ status: 'Created' }), reads({ unlocked: '25', states: { [tid]: 'completed' } }), { outcome: 'done', condition: 'AssetsTransferred', reason: 'TransferCompleted', message: /swept after offboarding/ }],
    ['a raised attempt sends a new transfer', approved((m) => (m.spec.workflow.assetTransfer.attempt = 2)), withTransfer({ status: 'Failed' }), reads({}), { outcome: 'wait', effect: 'sendTransfer' }],
    ['manual without wallet credentials: waits for the confirmation', migration((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), newSv, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'no Secret' }, { outcome: 'wait', condition: 'AssetsTransferred', reason: 'AwaitingApproval', message: /transfer the old SV wallet's balance yourself/ }],
    ['manual without wallet credentials: the approval confirms', approved((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), newSv, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'no Secret' }, { outcome: 'done', condition: 'AssetsTransferred', reason: 'ConfirmedByUser' }],
    ['wallet client Secret missing', approved(), newSv, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'create it' }, { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'ClientSecretNotFound' }],
    ['wallet refuses the token', approved(), newSv, { kind: 'read', reads: { ok: false, error: new AuthError('wallet', 'getBalance', 'forbidden', 403) } }, { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'WalletAuthFailed' }],
    ['wallet answers garbage: retried', approved(), newSv, { kind: 'read', reads: { ok: false, error: new MalformedResponseError('wallet', 'getBalance', ['/x: bad']) } }, { outcome: 'retry', condition: 'AssetsTransferred', reason: 'MalformedResponse', status: 'Unknown' }],
    ['wallet says no: waits a poll interval', approved(), newSv, { kind: 'read', reads: { ok: false, error: new SpliceError('wallet', 'getBalance', 'No wallet found for user', false) } }, { outcome: 'wait', effect: null }],
  ];
  it.each(rows)('%s', (_n, m, status, observed, e) => {
    const d = decideAssets(input(m, { status, ...(e.now ? { now: e.now } : {}) }), observed);
    check(d, e);
    if (e.transfer) expect(d.status?.assets?.transfers?.find((t) => t.trackingId === tid)).toMatchObject(e.transfer);
    if (d.act?.effect.kind === 'sendTransfer') {
      expect(d.act.checkpoint).toBe(true);
      const order = d.act.effect.order;
      expect(order.description).toContain(`[${order.trackingId}]`);
      if (e.method) expect(order.method).toBe(e.method);
      if (!status.assets) expect(order.expiresAt.getTime()).toBe(T0.getTime() + OFFER_LIFETIME_MS);
    }
  });

  it('a repeated send keeps the recorded method, amount, receiver and expiry', () => {
    const recorded = tokenStandard({ amount: '5', expiresAt: '2026-11-03T10:00:00.000Z' });
    const d = decideAssets(input(approved(), { status: recorded, now: hours(2) }), reads({ unlocked: '999' }));
    expect(d.act?.effect).toEqual({ kind: 'sendTransfer', order: expect.objectContaining({ method: 'TokenStandard', amount: '5', receiverPartyId: PARTY.new, expiresAt: new Date('2026-11-03T10:00:00.000Z'), requestedAt: T0 }) });
  });
});

describe('AssetsSwept', () => {
  const uid = '0f0e0d0c-uid';
  const sweepId = transferTrackingId(uid, 1, 'Sweep');
  const approved = (patch?: (m: SvKmsMigration) => void) =>
    migration((m) => {
      m.spec.workflow.assetTransfer.approved = true;
      patch?.(m);
    });
  const handedOver: SvKmsMigrationStatus = { newSv: { partyId: PARTY.new }, assets: { transfers: [{ trackingId: transferTrackingId(uid, 1), purpose: 'Transfer', amount: '990', status: 'Completed' }] } };
  const reads = (r: Partial<WalletReads>): AssetsObservation => ({ kind: 'read', reads: { ok: true, value: { unlocked: '10', states: {}, incoming: {}, sendOptions: { features: { tokenStandard: true, preapprovalDescription: true }, receiverPreapproval: [] }, ...r } } });
  const swept = (t: Partial<TransferStatus>): SvKmsMigrationStatus => ({ ...handedOver, assets: { transfers: [...handedOver.assets!.transfers!, { trackingId: sweepId, purpose: 'Sweep', method: 'TokenStandard', amount: '15', receiverPartyId: PARTY.new, requestedAt: T0.toISOString(), status: 'Requesting', ...t }] } });
  const rows: [string, SvKmsMigration, SvKmsMigrationStatus, AssetsObservation, Expect][] = [
    ['nothing arrived late: done, nothing sent', approved(), handedOver, reads({}), { outcome: 'done', condition: 'AssetsSwept', reason: 'NothingLate', effect: null }],
    ['late rewards above the reserve: one sweep, its own tracking id, checkpointed', approved(), handedOver, reads({ unlocked: '25' }), { outcome: 'wait', condition: 'AssetsSwept', reason: 'TransferInProgress', effect: 'sendTransfer' }],
    ['the sweep completed: done, not sent again though more arrived', approved(), swept({ status: 'Created' }), reads({ unlocked: '12', states: { [sweepId]: 'completed' } }), { outcome: 'done', condition: 'AssetsSwept', reason: 'TransferCompleted', effect: null }],
    ['manual mode: left to the user, with the balance', approved((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), handedOver, reads({ unlocked: '25' }), { outcome: 'done', condition: 'AssetsSwept', reason: 'LeftToUser', message: /25/ }],
    ['manual mode without wallet credentials: left to the user', approved((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), handedOver, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'no Secret' }, { outcome: 'done', condition: 'AssetsSwept', reason: 'LeftToUser' }],
    ['the sweep failed: stalls for a new attempt', approved(), swept({ status: 'Created' }), reads({ unlocked: '25', states: { [sweepId]: 'failed' } }), { outcome: 'stalled', condition: 'AssetsSwept', reason: 'TransferFailed' }],
  ];
  it.each(rows)('%s', (_n, m, status, observed, e) => {
    const d = sweepStep.decide(input(m, { status }), observed);
    check(d, e);
    if (d.act?.effect.kind === 'sendTransfer') {
      expect(d.act.effect.order).toMatchObject({ trackingId: sweepId, amount: '15', method: 'TokenStandard' });
      expect(d.status?.assets?.transfers?.find((t) => t.trackingId === sweepId)).toMatchObject({ purpose: 'Sweep', status: 'Requesting' });
    }
  });
});

describe('OldSvRetired', () => {
  const approved = (patch?: (m: SvKmsMigration) => void) =>
    migration((m) => {
      m.spec.workflow.retirement.approved = true;
      patch?.(m);
    });
  const deployment = (name: string, replicas: number, running = replicas): V1Deployment => ({ kind: 'Deployment', metadata: { name, namespace: 'sv' }, spec: { replicas, selector: {}, template: {} }, status: { replicas: running } });
  const statefulSet = (name: string, replicas: number): V1StatefulSet => ({ kind: 'StatefulSet', metadata: { name, namespace: 'sv' }, spec: { replicas, selector: {}, serviceName: 's', template: {} }, status: { replicas } });
  const offboarded = facts({ newWeight: 10_000, oldWeight: null, oldOffboarded: true });
  const rows: [string, SvKmsMigration, DsoFacts, RetirementObservation, SvKmsMigrationStatus, Expect][] = [
    ['waits for the gate', migration(), offboarded, { workloads: [deployment('sv-app', 1)] }, {}, { outcome: 'wait', condition: 'OldSvRetired', reason: 'AwaitingApproval', effect: null }],
    ['no namespace to act in', approved((m) => delete m.spec.oldSv.namespace), offboarded, { workloads: [] }, {}, { outcome: 'stalled', condition: 'OldSvRetired', reason: 'OldSvNamespaceUnknown' }],
    ['never takes down an SV still counted', approved(), facts({ newWeight: 10_000, oldWeight: 0 }), { workloads: [deployment('sv-app', 1)] }, {}, { outcome: 'wait', condition: 'OldSvRetired', reason: 'OldSvStillAnSv', effect: null }],
    ['scales every running workload down, recorded first', approved(), offboarded, { workloads: [deployment('sv-app', 1), statefulSet('postgres', 1), deployment('idle', 0, 0)] }, {}, { outcome: 'wait', condition: 'OldSvRetired', reason: 'ScalingDown', effect: 'scaleDown' }],
    ['scaled, pods still stopping', approved(), offboarded, { workloads: [deployment('sv-app', 0, 1)] }, { retirement: { scaled: ['Deployment/sv-app=1'] } }, { outcome: 'wait', condition: 'OldSvRetired', reason: 'ScalingDown', effect: null }],
    ['everything at zero', approved(), offboarded, { workloads: [deployment('sv-app', 0, 0)] }, { retirement: { scaled: ['Deployment/sv-app=1'] } }, { outcome: 'done', condition: 'OldSvRetired', reason: 'ScaledToZero', message: /nothing was deleted/ }],
  ];
  it.each(rows)('%s', (_n, m, dso, observed, status, e) => check(decideRetirement(input(m, { dso, status }), observed), e));

  it('records each workload with its former replicas once, even when scaled again', () => {
    const m = approved();
    const d = decideRetirement(input(m, { dso: offboarded }), { workloads: [deployment('sv-app', 2), statefulSet('postgres', 1)] });
    expect(d.status?.retirement?.scaled).toEqual(['Deployment/sv-app=2', 'StatefulSet/postgres=1']);
    expect(d.act).toMatchObject({ checkpoint: true, effect: { namespace: 'sv', workloads: [{ kind: 'Deployment', name: 'sv-app', replicas: 2 }, { kind: 'StatefulSet', name: 'postgres', replicas: 1 }] } });
    const again = decideRetirement(input(m, { dso: offboarded, status: d.status as SvKmsMigrationStatus }), { workloads: [deployment('sv-app', 2)] });
    expect(again.status).toBeUndefined();
    expect(again.act?.effect.workloads).toHaveLength(1);
  });
});
