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
import { decideAssets, OFFER_LIFETIME_MS, transferTrackingId, type AssetsObservation, type WalletReads } from './assets.ts';
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
  const reads = (r: Partial<WalletReads>): AssetsObservation => ({ kind: 'read', reads: { ok: true, value: { unlocked: '1000.5', states: {}, incoming: {}, ...r } } });
  const withTransfer = (t: Partial<TransferStatus>): SvKmsMigrationStatus => ({ newSv: { partyId: PARTY.new }, assets: { transfers: [{ trackingId: tid, amount: '990.5', receiverPartyId: PARTY.new, status: 'Requesting', ...t }] } });
  const newSv: SvKmsMigrationStatus = { newSv: { partyId: PARTY.new } };
  const rows: [string, SvKmsMigration, SvKmsMigrationStatus, AssetsObservation, Expect][] = [
    ['at the reserve: done, nothing sent', approved(), newSv, reads({ unlocked: '10' }), { outcome: 'done', condition: 'AssetsTransferred', reason: 'BalanceAtReserve', effect: null }],
    ['waits for the gate', migration(), newSv, reads({}), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'AwaitingApproval', effect: null, message: /transfer everything above the reserve \(10\)/ }],
    ['manual: only watches', approved((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), newSv, reads({}), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'AwaitingManualTransfer', effect: null }],
    ['receiver not known yet', approved(), {}, reads({}), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'ReceiverUnknown', effect: null }],
    ['first send: recorded with the amount above the reserve, checkpointed, then sent', approved(), newSv, reads({}), { outcome: 'wait', reason: 'TransferInProgress', condition: 'AssetsTransferred', effect: 'sendTransfer' , transfer: { amount: '990.5', status: 'Requesting' } }],
    ['a send whose fate is unknown is sent again with the recorded amount (same tracking id)', approved(), withTransfer({ amount: '900' }), reads({}), { outcome: 'wait', condition: 'AssetsTransferred', effect: 'sendTransfer' , transfer: { amount: '900' } }],
    ['the wallet knows it: created, nothing sent again', approved(), withTransfer({}), reads({ states: { [tid]: 'created' } }), { outcome: 'wait', condition: 'AssetsTransferred', reason: 'TransferInProgress', effect: null, message: /accept it in the new SV's wallet/ , transfer: { status: 'Created' } }],
    ['accepted on the new SV\'s wallet when it has the offer', approved((m) => (m.spec.newSv.walletUrl = 'https://wallet.new')), withTransfer({ status: 'Created' }), reads({ states: { [tid]: 'created' }, incoming: { [tid]: 'cid-offer' } }), { outcome: 'wait', condition: 'AssetsTransferred', effect: 'acceptOffer' }],
    ['failed: stalls, never sends again on its own', approved(), withTransfer({ status: 'Created' }), reads({ states: { [tid]: 'failed' } }), { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'TransferFailed', effect: null, message: /raise spec.workflow.assetTransfer.attempt to 2/ , transfer: { status: 'Failed' } }],
    ['expired: stalls', approved(), withTransfer({ status: 'Created' }), reads({ states: { [tid]: 'expired' } }), { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'TransferFailed' , transfer: { status: 'Expired' } }],
    ['completed and the balance at the reserve: the record shows Completed', approved(), withTransfer({ status: 'Accepted' }), reads({ unlocked: '10', states: { [tid]: 'completed' } }), { outcome: 'done', condition: 'AssetsTransferred', reason: 'BalanceAtReserve' , transfer: { status: 'Completed' } }],
    ['a raised attempt sends a new transfer', approved((m) => (m.spec.workflow.assetTransfer.attempt = 2)), withTransfer({ status: 'Failed' }), reads({}), { outcome: 'wait', effect: 'sendTransfer' }],
    ['manual without wallet credentials: waits for the confirmation', migration((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), newSv, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'no Secret' }, { outcome: 'wait', condition: 'AssetsTransferred', reason: 'AwaitingApproval', message: /transfer the old SV wallet's balance yourself/ }],
    ['manual without wallet credentials: the approval confirms', approved((m) => (m.spec.workflow.assetTransfer.mode = 'Manual')), newSv, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'no Secret' }, { outcome: 'done', condition: 'AssetsTransferred', reason: 'ConfirmedByUser' }],
    ['wallet client Secret missing', approved(), newSv, { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'create it' }, { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'ClientSecretNotFound' }],
    ['wallet refuses the token', approved(), newSv, { kind: 'read', reads: { ok: false, error: new AuthError('wallet', 'getBalance', 'forbidden', 403) } }, { outcome: 'stalled', condition: 'AssetsTransferred', reason: 'WalletAuthFailed' }],
    ['wallet answers garbage: retried', approved(), newSv, { kind: 'read', reads: { ok: false, error: new MalformedResponseError('wallet', 'getBalance', ['/x: bad']) } }, { outcome: 'retry', condition: 'AssetsTransferred', reason: 'MalformedResponse', status: 'Unknown' }],
    ['wallet says no: waits a poll interval', approved(), newSv, { kind: 'read', reads: { ok: false, error: new SpliceError('wallet', 'getBalance', 'No wallet found for user', false) } }, { outcome: 'wait', effect: null }],
  ];
  it.each(rows)('%s', (_n, m, status, observed, e) => {
    const d = decideAssets(input(m, { status }), observed);
    check(d, e);
    if (e.transfer) expect(d.status?.assets?.transfers?.find((t) => t.trackingId === tid)).toMatchObject(e.transfer);
    if (d.act?.effect.kind === 'sendTransfer') {
      expect(d.act.checkpoint).toBe(true);
      expect(d.act.effect.order.expiresAt.getTime()).toBe(T0.getTime() + OFFER_LIFETIME_MS);
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
