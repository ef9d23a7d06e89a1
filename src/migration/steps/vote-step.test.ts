/**
 * Decision tables of the vote-driven steps (weight transfer, offboarding), in the style of cert-manager's keymanager
 * tests: each row names a situation, gives spec, status, DSO facts and what the old SV's app shows, and says what
 * the step decides — the condition, the status records, and the one request it sends, if any.
 */
import { describe, expect, it } from '@jest/globals';
import type { SvKmsMigration, SvKmsMigrationStatus, VoteStatus } from '../../api/types.ts';
import { NOT_VOTED_LISTED, statusSchema } from '../../api/schema.ts';
import { offboardSvAction, updateSvRewardWeightAction } from '../../splice/daml-json.ts';
import { AuthError, TransientError } from '../../splice/errors.ts';
import { closedVote, facts, input, migration, openVote, OLD_WEIGHT, PARTY, T0 } from '../../../test/support/migration-fixtures.ts';
import type { ClosedVote } from '../ports.ts';
import type { DsoFacts } from '../step.ts';
import { offboardLabel, planOffboarding } from './offboarding.ts';
import { decideVoteStep, type VoteStepObservation, type VoteStepOptions } from './vote-step.ts';
import { closedRecord, intentTag, pendingMessage, recordKey, settleAccepted, withVote } from './votes.ts';
import { planWeight, weightLabel } from './weight.ts';
import { effectiveTimeProblem } from '../vote-timing.ts';

const WEIGHT: VoteStepOptions = { gate: 'weightTransfer', name: 'weightTransfer', condition: 'WeightTransferred', labelPrefix: 'UpdateSvRewardWeight(', gateField: 'spec.workflow.weightTransfer', pendingReason: 'VotesPending', plan: planWeight };
const OFFBOARD: VoteStepOptions = { gate: 'offboarding', name: 'offboarding', condition: 'OldSvOffboarded', labelPrefix: 'OffboardSv(', gateField: 'spec.workflow.offboarding', pendingReason: 'VotePending', plan: planOffboarding };

const NEW_LABEL = weightLabel('Acme-2', OLD_WEIGHT);
const OLD_LABEL = weightLabel('Acme-1', 0);
const NEW_ACTION = updateSvRewardWeightAction(PARTY.new, OLD_WEIGHT);
const OLD_ACTION = updateSvRewardWeightAction(PARTY.old, 0);
const OFF_LABEL = offboardLabel('Acme-1');
const OFF_ACTION = offboardSvAction(PARTY.old);

const approved = (patch?: (m: SvKmsMigration) => void) =>
  migration((m) => {
    m.spec.workflow.weightTransfer.approved = true;
    m.spec.workflow.offboarding.approved = true;
    m.spec.workflow.weightTransfer.reasonUrl = 'https://github.com/global-synchronizer-foundation/configs/pull/1';
    patch?.(m);
  });

function record(action: string, outcome: VoteStatus['outcome'], extra: Partial<VoteStatus> = {}): VoteStatus {
  return { action, attempt: 1, requestedAt: '2026-11-01T10:00:00Z', outcome, ...extra };
}

/** What the old SV's app shows. */
function app(open: ReturnType<typeof openVote>[] = [], closed: Record<string, ClosedVote> = {}): VoteStepObservation {
  return { kind: 'read', view: { ok: true, value: { requester: { partyId: PARTY.old, name: 'Acme-1' }, open, closed } } };
}

interface Row {
  opts?: VoteStepOptions;
  m?: SvKmsMigration;
  status?: SvKmsMigrationStatus;
  dso?: DsoFacts;
  observed?: VoteStepObservation;
  now?: Date;
  expect: {
    outcome: string;
    reason?: string;
    conditionStatus?: string;
    message?: RegExp;
    /** The request sent (its label), or none. */
    requests?: string | null;
    votes?: Partial<VoteStatus>[];
  };
}

const rows: Record<string, Row> = {
  'waits when the Scans do not show the new SV': { dso: facts({ newWeight: null }), expect: { outcome: 'wait', reason: 'SvsNotVisible', requests: null } },
  'waits for the gate and says what it will ask, without asking': {
    m: migration(),
    dso: facts(),
    expect: { outcome: 'wait', reason: 'AwaitingApproval', message: /set spec.workflow.weightTransfer.approved to true.*10000 bps from Acme-1 to Acme-2/, requests: null },
  },
  'asks for the new SV\'s weight first, checkpointed as Requesting, with the reason URL and its tag': {
    dso: facts(),
    observed: app(),
    expect: { outcome: 'wait', reason: 'VotesPending', requests: NEW_LABEL, votes: [{ action: NEW_LABEL, outcome: 'Requesting', requestedAt: '2026-11-02T10:00:00Z' }], message: /requesting the vote.*; vote on UpdateSvRewardWeight\(Acme-1:=0\) to be requested next/ },
  },
  'adopts an open request with the same action instead of asking again, with its tally and deadline': {
    status: { votes: [record(NEW_LABEL, 'Requesting')] },
    dso: facts(),
    observed: app([openVote(NEW_ACTION, { accepts: 2, rejects: 1, trackingCid: 'cid-7', effectiveAt: '2026-11-10T10:00:00Z' }), openVote(OLD_ACTION, { trackingCid: 'cid-8' })]),
    expect: {
      outcome: 'wait',
      reason: 'VotesPending',
      requests: null,
      votes: [
        { action: NEW_LABEL, outcome: 'Pending', trackingCid: 'cid-7', votesFor: 2, votesAgainst: 1, votesRequired: 3, expiresAt: '2026-11-09T10:00:00Z', effectiveAt: '2026-11-10T10:00:00Z' },
        { action: OLD_LABEL, outcome: 'Pending', trackingCid: 'cid-8', votesFor: 1 },
      ],
      message: /waiting since 2026-11-01T10:00:00Z for 1 more SV vote on UpdateSvRewardWeight\(Acme-2:=10000\) \(2 of 3 so far, closes 2026-11-09T10:00:00Z, tracking cid cid-7; not voted yet: Acme-1, Acme-2, Other-1\)/,
    },
  },
  'adopts another SV\'s open request for the same action': {
    status: { votes: [record(NEW_LABEL, 'Requesting')] },
    dso: facts({ oldWeight: 0 }),
    observed: app([openVote(NEW_ACTION, { requester: 'Other-1', trackingCid: 'cid-9' })]),
    expect: { outcome: 'wait', requests: null, votes: [{ action: NEW_LABEL, outcome: 'Pending', trackingCid: 'cid-9' }] },
  },
  'sends again a request recorded as Requesting that left no trace (crash between checkpoint and effect)': {
    status: { votes: [record(NEW_LABEL, 'Requesting')] },
    dso: facts({ oldWeight: 0 }),
    observed: app(),
    expect: { outcome: 'wait', requests: NEW_LABEL, votes: [{ action: NEW_LABEL, outcome: 'Requesting', requestedAt: '2026-11-01T10:00:00Z' }] },
  },
  'never asks again for a Pending vote that vanished without a result yet (lists lag)': {
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts({ oldWeight: 0 }),
    observed: app(),
    expect: { outcome: 'wait', requests: null, votes: [{ action: NEW_LABEL, outcome: 'Pending' }] },
  },
  'a vote accepted on the ledger but not yet effective keeps waiting, with the final tally': {
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts({ oldWeight: 0 }),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('accepted', { votesFor: 4, votesAgainst: 1 }) }),
    expect: { outcome: 'wait', requests: null, votes: [{ action: NEW_LABEL, outcome: 'Accepted', votesFor: 4, votesAgainst: 1, closedAt: '2026-11-05T10:00:00Z' }], message: /accepted; waiting for the Scans/ },
  },
  'when both votes close rejected, both records reach their final state, and nothing is asked': {
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' }), record(OLD_LABEL, 'Pending', { trackingCid: 'cid-8' })] },
    dso: facts(),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('rejected', { votesFor: 1, votesAgainst: 4 }), [`${OLD_LABEL}#1`]: closedVote('rejected', { votesFor: 2, votesAgainst: 3 }) }),
    expect: { outcome: 'stalled', reason: 'VoteRejected', requests: null, message: /UpdateSvRewardWeight\(Acme-2:=10000\)/, votes: [{ action: NEW_LABEL, outcome: 'Rejected', votesAgainst: 4 }, { action: OLD_LABEL, outcome: 'Rejected', votesFor: 2, votesAgainst: 3 }] },
  },
  'a rejected first vote is reported, the second still open keeps its tally, and the one not asked for yet is not asked': {
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts(),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('rejected', { votesFor: 1, votesAgainst: 4 }) }),
    expect: { outcome: 'stalled', reason: 'VoteRejected', requests: null, votes: [{ action: NEW_LABEL, outcome: 'Rejected' }] },
  },
  'a rejected vote stalls as VoteRejected and is never asked again': {
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts({ oldWeight: 0 }),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('rejected', { votesFor: 1, votesAgainst: 4 }) }),
    expect: { outcome: 'stalled', reason: 'VoteRejected', requests: null, message: /raise spec.workflow.weightTransfer.attempt to 2/, votes: [{ outcome: 'Rejected', votesFor: 1, votesAgainst: 4 }] },
  },
  'an expired vote stalls as VoteExpired': {
    status: { votes: [record(NEW_LABEL, 'Pending')] },
    dso: facts({ oldWeight: 0 }),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('expired', { votesFor: 2 }) }),
    expect: { outcome: 'stalled', reason: 'VoteExpired', requests: null, votes: [{ outcome: 'Expired' }] },
  },
  'a vote accepted whose action failed stalls as VoteActionFailed with the ledger\'s description': {
    status: { votes: [record(NEW_LABEL, 'Pending')] },
    dso: facts({ oldWeight: 0 }),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('actionFailed', { detail: 'SV party not found' }) }),
    expect: { outcome: 'stalled', reason: 'VoteActionFailed', message: /action failed on-ledger \(SV party not found\)/, votes: [{ outcome: 'ActionFailed', outcomeDetail: 'SV party not found' }] },
  },
  'a record already final stays final and is not looked up again': {
    status: { votes: [record(NEW_LABEL, 'Rejected', { votesFor: 1 })] },
    dso: facts({ oldWeight: 0 }),
    observed: app([openVote(NEW_ACTION)]),
    expect: { outcome: 'stalled', reason: 'VoteRejected', requests: null, votes: [{ outcome: 'Rejected', votesFor: 1 }] },
  },
  'a raised attempt asks again, leaving the rejected attempt as it was': {
    m: approved((m) => (m.spec.workflow.weightTransfer.attempt = 2)),
    status: { votes: [record(NEW_LABEL, 'Rejected')] },
    dso: facts({ oldWeight: 0 }),
    observed: app(),
    expect: { outcome: 'wait', requests: NEW_LABEL, votes: [{ attempt: 1, outcome: 'Rejected' }, { attempt: 2, outcome: 'Requesting' }] },
  },
  'an earlier attempt still Pending reaches its final state when its result appears': {
    m: approved((m) => (m.spec.workflow.weightTransfer.attempt = 2)),
    status: { votes: [record(NEW_LABEL, 'Pending'), record(NEW_LABEL, 'Pending', { attempt: 2, trackingCid: 'cid-2' })] },
    dso: facts({ oldWeight: 0 }),
    observed: app([openVote(NEW_ACTION, { trackingCid: 'cid-2' })], { [`${NEW_LABEL}#1`]: closedVote('expired') }),
    expect: { outcome: 'wait', requests: null, votes: [{ attempt: 1, outcome: 'Expired' }, { attempt: 2, outcome: 'Pending' }] },
  },
  'a gate closed again after opening sends nothing new but keeps the records': {
    m: migration(),
    status: { votes: [record(NEW_LABEL, 'Pending')] },
    dso: facts({ oldWeight: 0 }),
    expect: { outcome: 'wait', reason: 'AwaitingApproval', requests: null, votes: [{ action: NEW_LABEL, outcome: 'Pending' }] },
  },
  'done when the Scans show both weights, settling open records as Accepted with the tally found': {
    status: { votes: [record(NEW_LABEL, 'Pending'), record(OLD_LABEL, 'Requesting')] },
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: 0 }),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('accepted', { votesFor: 5 }) }),
    expect: { outcome: 'done', reason: 'WeightMoved', conditionStatus: 'True', requests: null, votes: [{ outcome: 'Accepted', votesFor: 5 }, { outcome: 'Accepted' }] },
  },
  'done without the app when the Scans show both weights and no record is open': {
    m: migration(),
    status: { oldSv: { originalRewardWeight: OLD_WEIGHT } },
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: null }),
    expect: { outcome: 'done', reason: 'WeightMoved', requests: null },
  },
  'moves the weight first recorded, not a weight changed since': {
    status: { oldSv: { originalRewardWeight: 7_000 } },
    dso: facts(),
    observed: app(),
    expect: { outcome: 'wait', requests: weightLabel('Acme-2', 7_000) },
  },
  'stops with UnsupportedDsoModel when the DSO keeps weight with on-ledger SV right owners, instead of waiting for ever': {
    dso: facts({ svRightOwners: true }),
    expect: { outcome: 'stalled', reason: 'UnsupportedDsoModel', requests: null, message: /SRARC_UpdateSvRightOwnerInfo/ },
  },
  'refuses an effective time before the vote would close, before any request': {
    m: approved((m) => (m.spec.workflow.weightTransfer.effectiveAt = '2026-11-03T10:00:00Z')),
    dso: facts(),
    expect: { outcome: 'stalled', reason: 'VoteTimingInvalid', requests: null, message: /set it to 2026-11-09T10:00:00.000Z or later/ },
  },
  'a vote already asked for keeps waiting when its effective time comes within the vote window': {
    m: approved((m) => (m.spec.workflow.weightTransfer.effectiveAt = '2026-11-10T10:00:00Z')),
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts({ oldWeight: 0 }),
    observed: app([openVote(NEW_ACTION, { trackingCid: 'cid-7', effectiveAt: '2026-11-10T10:00:00Z' })]),
    now: new Date('2026-11-04T10:00:00Z'),
    expect: { outcome: 'wait', reason: 'VotesPending', requests: null, votes: [{ action: NEW_LABEL, outcome: 'Pending' }] },
  },
  'a rejection is still seen after the effective time came within the vote window': {
    m: approved((m) => (m.spec.workflow.weightTransfer.effectiveAt = '2026-11-10T10:00:00Z')),
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts({ oldWeight: 0 }),
    observed: app([], { [`${NEW_LABEL}#1`]: closedVote('rejected', { votesFor: 1, votesAgainst: 4 }) }),
    now: new Date('2026-11-04T10:00:00Z'),
    expect: { outcome: 'stalled', reason: 'VoteRejected', requests: null },
  },
  'a bad effective time stops the next request, and keeps the records of the votes already asked for': {
    m: approved((m) => (m.spec.workflow.weightTransfer.effectiveAt = '2026-11-10T10:00:00Z')),
    status: { votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] },
    dso: facts(),
    observed: app([openVote(NEW_ACTION, { trackingCid: 'cid-7', accepts: 2 })]),
    now: new Date('2026-11-04T10:00:00Z'),
    expect: { outcome: 'stalled', reason: 'VoteTimingInvalid', requests: null, message: /set it to 2026-11-11T10:00:00.000Z or later/, votes: [{ action: NEW_LABEL, outcome: 'Pending', votesFor: 2 }] },
  },
  'sends a valid effective time with the request': {
    m: approved((m) => (m.spec.workflow.weightTransfer.effectiveAt = '2026-11-10T10:00:00Z')),
    dso: facts(),
    observed: app(),
    expect: { outcome: 'wait', requests: NEW_LABEL },
  },
  'stalls when the app\'s client Secret is missing': {
    dso: facts(),
    observed: { kind: 'noAccess', reason: 'ClientSecretNotFound', message: 'spec.oldSv.auth.clientSecretRef: Secret sv-kms/x does not exist' },
    expect: { outcome: 'stalled', reason: 'ClientSecretNotFound', requests: null },
  },
  'stalls when a key of the client Secret is missing': {
    dso: facts(),
    observed: { kind: 'noAccess', reason: 'ClientSecretKeyMissing', message: 'spec.oldSv.auth.clientSecretRef: no data key "clientSecret"' },
    expect: { outcome: 'stalled', reason: 'ClientSecretKeyMissing', requests: null },
  },
  'stalls when the app refuses the token': {
    dso: facts(),
    observed: { kind: 'read', view: { ok: false, error: new AuthError('sv', 'getDsoInfo', 'unauthorized', 401) } },
    expect: { outcome: 'stalled', reason: 'SvAppAuthFailed', requests: null, message: /Check the OAuth2 client/ },
  },
  'stalls when the token endpoint refuses the client': {
    dso: facts(),
    observed: { kind: 'read', view: { ok: false, error: new AuthError('oauth', 'token', 'invalid_client', 401) } },
    expect: { outcome: 'stalled', reason: 'TokenAuthFailed', requests: null },
  },
  'retries with backoff when the app is unreachable': {
    dso: facts(),
    observed: { kind: 'read', view: { ok: false, error: new TransientError('sv', 'listDsoRulesVoteRequests', 'ECONNREFUSED') } },
    expect: { outcome: 'retry', reason: 'NetworkUnavailable', conditionStatus: 'Unknown', requests: null },
  },
  // Offboarding
  'offboarding waits for its gate': { opts: OFFBOARD, m: migration(), dso: facts({ newWeight: OLD_WEIGHT, oldWeight: 0 }), expect: { outcome: 'wait', reason: 'AwaitingApproval', requests: null } },
  'offboarding asks once for the old SV to leave': {
    opts: OFFBOARD,
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: 0 }),
    observed: app(),
    expect: { outcome: 'wait', reason: 'VotePending', requests: OFF_LABEL, votes: [{ action: OFF_LABEL, outcome: 'Requesting' }] },
  },
  'offboarding adopts its open request': {
    opts: OFFBOARD,
    status: { votes: [record(OFF_LABEL, 'Requesting')] },
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: 0 }),
    observed: app([openVote(OFF_ACTION, { trackingCid: 'cid-off' })]),
    expect: { outcome: 'wait', reason: 'VotePending', requests: null, votes: [{ outcome: 'Pending', trackingCid: 'cid-off' }] },
  },
  'offboarding done when the Scans show the old SV offboarded': {
    opts: OFFBOARD,
    status: { votes: [record(OFF_LABEL, 'Pending')] },
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: null, oldOffboarded: true }),
    observed: app([], {}),
    expect: { outcome: 'done', reason: 'Offboarded', requests: null, votes: [{ outcome: 'Accepted' }] },
  },
  'offboarding waits when the old SV\'s party was never seen': {
    opts: OFFBOARD,
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: null }),
    expect: { outcome: 'wait', reason: 'OldSvNotVisible', requests: null },
  },
  'offboarding stalls when the vote is rejected': {
    opts: OFFBOARD,
    status: { votes: [record(OFF_LABEL, 'Pending')] },
    dso: facts({ newWeight: OLD_WEIGHT, oldWeight: 0 }),
    observed: app([], { [`${OFF_LABEL}#1`]: closedVote('rejected') }),
    expect: { outcome: 'stalled', reason: 'VoteRejected', message: /raise spec.workflow.offboarding.attempt to 2/ },
  },
};

describe('vote steps: decisions', () => {
  it.each(Object.entries(rows))('%s', (_name, row) => {
    const m = row.m ?? approved();
    const d = decideVoteStep(row.opts ?? WEIGHT, input(m, { status: { oldSv: { originalRewardWeight: OLD_WEIGHT }, ...row.status }, ...(row.dso ? { dso: row.dso } : {}), now: row.now ?? T0 }), row.observed ?? { kind: 'notNeeded' });
    expect(d.outcome.kind).toBe(row.expect.outcome);
    const condition = d.conditions?.find((c) => c.type === (row.opts ?? WEIGHT).condition);
    if (row.expect.reason) expect(condition?.reason).toBe(row.expect.reason);
    if (row.expect.conditionStatus) expect(condition?.status).toBe(row.expect.conditionStatus);
    if (row.expect.message) expect('message' in d.outcome ? d.outcome.message : condition?.message).toMatch(row.expect.message);
    if (row.expect.requests !== undefined) {
      expect(d.act?.effect.label ?? null).toBe(row.expect.requests);
      if (d.act) expect(d.act.checkpoint).toBe(true);
    }
    if (row.expect.votes) {
      const votes = d.status?.votes ?? row.status?.votes ?? [];
      expect(votes).toHaveLength(row.expect.votes.length);
      row.expect.votes.forEach((v, i) => expect(votes[i]).toMatchObject(v));
    }
  });

  it('a request carries the reason URL, the tag of its intent and the effective time', () => {
    const m = approved((x) => (x.spec.workflow.weightTransfer.effectiveAt = '2026-11-10T10:00:00Z'));
    const d = decideVoteStep(WEIGHT, input(m, { dso: facts() }), app());
    const request = d.act!.effect.request;
    expect(request).toMatchObject({ requesterPartyId: PARTY.old, action: NEW_ACTION, reasonUrl: 'https://github.com/global-synchronizer-foundation/configs/pull/1', expirationMs: 7 * 24 * 3_600_000 });
    expect(request.effectiveAt?.toISOString()).toBe('2026-11-10T10:00:00.000Z');
    expect(request.description).toContain(`[${intentTag('0f0e0d0c-uid', { label: NEW_LABEL, attempt: 1 })}]`);
  });

  it('the tag differs by migration, intent and attempt', () => {
    const tags = new Set([intentTag('a', { label: 'x', attempt: 1 }), intentTag('b', { label: 'x', attempt: 1 }), intentTag('a', { label: 'y', attempt: 1 }), intentTag('a', { label: 'x', attempt: 2 })]);
    expect(tags.size).toBe(4);
  });

  it('record keys are label and attempt', () => {
    expect(recordKey({ action: NEW_LABEL, attempt: 3 })).toBe(`${NEW_LABEL}#3`);
  });
});

describe('effective time of a vote', () => {
  const week = 7 * 24 * 3_600_000;
  it.each([
    ['no effective time', undefined, undefined],
    ['exactly when the vote closes', new Date(T0.getTime() + week), undefined],
    ['a day after the vote closes', new Date(T0.getTime() + week + 86_400_000), undefined],
    ['a second before the vote closes', new Date(T0.getTime() + week - 1000), /before the vote would close/],
  ])('%s', (_n, at, problem) => {
    const got = effectiveTimeProblem(T0, week, at, 'f');
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
  });
});

describe('vote records', () => {
  it('say what they wait for, even before the tally is known', () => {
    expect(pendingMessage({ action: 'X', attempt: 1, outcome: 'Pending' })).toBe('waiting for 0 more SV votes on X (0 of ? so far, tracking cid not yet known)');
    expect(pendingMessage({ action: 'X', attempt: 1, outcome: 'Pending', votesFor: 1, votesRequired: 3, trackingCid: 'c', requestedAt: '2026-10-30T06:00:00Z', expiresAt: '2026-11-03T12:30:00Z', notVoted: ['B', 'C'] })).toBe(
      'waiting since 2026-10-30T06:00:00Z for 2 more SV votes on X (1 of 3 so far, closes 2026-11-03T12:30:00Z, tracking cid c; not voted yet: B, C)',
    );
  });

  it('settle as Accepted when the effect is on-ledger, with the tally when the result was found', () => {
    const votes = [record(NEW_LABEL, 'Pending'), record(OLD_LABEL, 'Requesting'), record(OFF_LABEL, 'Pending'), record(NEW_LABEL, 'Rejected', { attempt: 0 })];
    const settled = settleAccepted(votes, 'UpdateSvRewardWeight(', { [`${NEW_LABEL}#1`]: closedVote('accepted', { votesFor: 5 }), [`${OLD_LABEL}#1`]: closedVote(undefined) });
    expect(settled.map((v) => [v.action, v.outcome, v.votesFor])).toEqual([
      [NEW_LABEL, 'Accepted', 5],
      [OLD_LABEL, 'Accepted', undefined],
      [OFF_LABEL, 'Pending', undefined],
      [NEW_LABEL, 'Rejected', undefined],
    ]);
  });

  it('are replaced in place or added', () => {
    const a = record(NEW_LABEL, 'Requesting');
    expect(withVote([a], { ...a, outcome: 'Pending' })).toEqual([{ ...a, outcome: 'Pending' }]);
    expect(withVote(undefined, a)).toEqual([a]);
  });
});

describe('vote steps: external voters, deadlines and warnings', () => {
  const external = () =>
    approved((m) => {
      m.spec.workflow.weightTransfer.mode = 'External';
      m.spec.workflow.weightTransfer.effectiveAt = '2026-11-12T10:00:00Z';
    });
  const base = { oldSv: { originalRewardWeight: OLD_WEIGHT } };

  it('External: nothing is sent; the exact request and a ready command are published', () => {
    const d = decideVoteStep(WEIGHT, input(external(), { status: base, dso: facts() }), app());
    expect(d.act).toBeUndefined();
    expect(d.conditions?.[0]).toMatchObject({ reason: 'AwaitingExternalVoteRequest', message: expect.stringContaining('request the vote on UpdateSvRewardWeight(Acme-2:=10000) yourself') });
    const ext = d.status?.governance?.externalVote;
    expect(ext).toMatchObject({ gate: 'weightTransfer', label: NEW_LABEL, actionJson: JSON.stringify(NEW_ACTION), reasonUrl: 'https://github.com/global-synchronizer-foundation/configs/pull/1', effectiveAt: '2026-11-12T10:00:00Z' });
    expect(ext?.description).toContain(`[${intentTag('0f0e0d0c-uid', { label: NEW_LABEL, attempt: 1 })}]`);
    expect(ext?.command).toMatch(/^curl -fsS -X POST .*\/api\/sv\/v0\/admin\/sv\/voterequest\/create -d '\{"requester":"Acme-1::1220aaaa","action":/);
    expect(d.status?.votes ?? []).toEqual([]);
  });

  it('External: a request made by hand is adopted and followed; the instructions go away', () => {
    const status = { ...base, governance: { externalVote: { gate: 'weightTransfer', label: NEW_LABEL } } };
    const d = decideVoteStep(WEIGHT, input(external(), { status, dso: facts({ oldWeight: 0 }) }), app([openVote(NEW_ACTION, { requester: 'governance-voter', trackingCid: 'cid-hand' })]));
    expect(d.act).toBeUndefined();
    expect(d.status?.votes).toEqual([expect.objectContaining({ action: NEW_LABEL, outcome: 'Pending', trackingCid: 'cid-hand' })]);
    expect(d.status?.governance?.externalVote).toBeUndefined();
  });

  it('a vote that will close within a day short of its threshold is warned about once', () => {
    const soon = new Date('2026-11-09T00:00:00Z');
    const status = { ...base, votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] };
    const first = decideVoteStep(WEIGHT, input(approved(), { status, dso: facts({ oldWeight: 0 }), now: soon }), app([openVote(NEW_ACTION, { trackingCid: 'cid-7', accepts: 1 })]));
    expect(first.status?.votes?.[0]).toMatchObject({ closingShort: true, notVoted: ['Acme-1', 'Acme-2', 'Other-1'] });
    expect(first.events).toEqual([{ type: 'Warning', reason: 'VoteClosingShort', message: 'the vote on UpdateSvRewardWeight(Acme-2:=10000) closes in 10h with 1 of 3 votes; not voted yet: Acme-1, Acme-2, Other-1' }]);
    const again = decideVoteStep(WEIGHT, input(approved(), { status: { ...status, ...first.status }, dso: facts({ oldWeight: 0 }), now: soon }), app([openVote(NEW_ACTION, { trackingCid: 'cid-7', accepts: 1 })]));
    expect(again.events).toEqual([]);
  });

  it('on a network of hundreds of SVs, lists the first 64 that have not voted and counts them all', () => {
    const svNames = Array.from({ length: 204 }, (_, i) => `SV-${String(i).padStart(3, '0')}`);
    const soon = new Date('2026-11-09T00:00:00Z');
    const status = { ...base, votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] };
    const d = decideVoteStep(WEIGHT, input(approved(), { status, dso: { ...facts({ oldWeight: 0 }), svNames, votingThreshold: 136 }, now: soon }), app([openVote(NEW_ACTION, { trackingCid: 'cid-7', accepts: 1 })]));
    const entry = d.status?.votes?.[0];
    expect(entry?.notVoted).toEqual(svNames.slice(0, NOT_VOTED_LISTED));
    expect(entry?.notVotedCount).toBe(204);
    expect(NOT_VOTED_LISTED).toBe(statusSchema.properties?.votes?.items?.properties?.notVoted?.maxItems);
    expect(d.events?.[0]?.message).toMatch(/not voted yet: SV-000, SV-001, .*, SV-063 and 140 more$/);
    expect(pendingMessage(entry!)).toMatch(/SV-063 and 140 more\)$/);
    // A closed vote keeps neither.
    expect(closedRecord(entry!, closedVote('accepted', { votesFor: 150 }))).not.toHaveProperty('notVotedCount');
  });

  it('a vote that is passing, or closes in more than a day, is not warned about', () => {
    const status = { ...base, votes: [record(NEW_LABEL, 'Pending', { trackingCid: 'cid-7' })] };
    const passing = decideVoteStep(WEIGHT, input(approved(), { status, dso: facts({ oldWeight: 0 }), now: new Date('2026-11-09T00:00:00Z') }), app([openVote(NEW_ACTION, { trackingCid: 'cid-7', accepts: 3 })]));
    expect([passing.status?.votes?.[0]?.closingShort, passing.events]).toEqual([false, []]);
    const early = decideVoteStep(WEIGHT, input(approved(), { status, dso: facts({ oldWeight: 0 }) }), app([openVote(NEW_ACTION, { trackingCid: 'cid-7', accepts: 1 })]));
    expect([early.status?.votes?.[0]?.closingShort, early.events]).toEqual([false, []]);
  });

  it('status.nextDeadline is the earliest open vote\'s close, and goes when none is open', () => {
    const status = { ...base, votes: [record(NEW_LABEL, 'Pending'), record(OLD_LABEL, 'Pending')] };
    const open = decideVoteStep(WEIGHT, input(approved(), { status, dso: facts() }), app([openVote(NEW_ACTION, { voteBefore: '2026-11-09T10:00:00Z', trackingCid: 'a' }), openVote(OLD_ACTION, { voteBefore: '2026-11-08T10:00:00Z', trackingCid: 'b' })]));
    expect(open.status?.nextDeadline).toBe('2026-11-08T10:00:00Z');
    const done = decideVoteStep(WEIGHT, input(approved(), { status: { ...open.status, ...base }, dso: facts({ newWeight: OLD_WEIGHT, oldWeight: 0 }) }), app());
    expect(done.status && 'nextDeadline' in done.status ? done.status.nextDeadline : 'absent').toBeUndefined();
  });
});
