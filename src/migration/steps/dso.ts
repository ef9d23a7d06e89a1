/**
 * ScanAgreement: DSO state is read from every Scan of spec.network, and acted on only when spec.network.scanQuorum of
 * them (default: a majority) agree on what the workflow needs — the two SVs, their weights, whether the old SV is
 * offboarded. One stale or lying Scan cannot move the migration; a disagreement stops it and says who said what.
 * The agreed facts go into status.oldSv / status.newSv.
 */
import { agree, type ScanView } from '../../splice/scan-quorum.ts';
import { findSvByName, type DsoState } from '../../splice/scan.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../../api/types.ts';
import { decision, waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput, DsoFacts, Step, StepDecision } from '../step.ts';

export function defaultQuorum(m: SvKmsMigration): number {
  return m.spec.network.scanQuorum ?? Math.floor(m.spec.network.scanUrls.length / 2) + 1;
}

/** The part of DSO state the workflow acts on. */
export function dsoFacts(m: SvKmsMigration, state: DsoState): DsoFacts {
  const sv = (name: string) => {
    const found = findSvByName(state, name);
    return found ? { partyId: found.partyId, weight: found.svRewardWeight } : null;
  };
  return {
    newSv: sv(m.spec.newSv.name),
    oldSv: sv(m.spec.oldSv.name),
    oldSvOffboarded: [...state.offboardedSvs.values()].some((o) => o.name === m.spec.oldSv.name),
    votingThreshold: state.votingThreshold,
    svRightOwners: state.onLedgerSvRightOwners === true,
    svNames: [...state.svs.values()].map((sv) => sv.name).sort(),
  };
}

/** Views of every Scan, or none when an earlier step of this reconcile already established the facts. */
export type DsoObservation = { kind: 'known' } | { kind: 'views'; views: ScanView<DsoState>[] };

/** status.oldSv / status.newSv from agreed facts. */
export function svStatuses(status: Readonly<SvKmsMigrationStatus>, facts: DsoFacts): Pick<SvKmsMigrationStatus, 'oldSv' | 'newSv'> {
  const out: Pick<SvKmsMigrationStatus, 'oldSv' | 'newSv'> = {};
  if (facts.oldSv) {
    out.oldSv = {
      ...status.oldSv,
      partyId: facts.oldSv.partyId,
      rewardWeight: facts.oldSv.weight,
      // The weight to move: recorded the first time it is seen, never changed afterwards.
      originalRewardWeight: status.oldSv?.originalRewardWeight ?? facts.oldSv.weight,
      onboarded: true,
      offboarded: facts.oldSvOffboarded,
    };
  } else if (status.oldSv) {
    out.oldSv = { ...status.oldSv, onboarded: false, rewardWeight: 0, offboarded: facts.oldSvOffboarded };
  }
  if (facts.newSv) out.newSv = { ...status.newSv, partyId: facts.newSv.partyId, rewardWeight: facts.newSv.weight, onboarded: true, offboarded: false };
  return out;
}

export function decideDso({ m, status, timing }: DecideInput, observed: DsoObservation): StepDecision<never> {
  if (observed.kind === 'known') return decision({ kind: 'done' });
  const { views } = observed;
  const quorum = defaultQuorum(m);
  const result = agree(views, quorum, (state) => dsoFacts(m, state));
  if ('disagreement' in result) {
    const message = `fewer than ${quorum} of ${views.length} Scans agree on the DSO state, so nothing advances: ${result.summary}`;
    return waitingOn(CONDITION.ScanAgreement, views.every((v) => !v.ok) ? 'ScansUnreachable' : 'ScansDisagree', message, timing.networkPollMs);
  }
  const facts = result.agreed;
  return {
    outcome: { kind: 'done' },
    conditions: [{ type: CONDITION.ScanAgreement, status: 'True', reason: 'QuorumAgrees', message: `${result.agreeing.length} of ${views.length} Scans agree (quorum ${quorum})` }],
    status: svStatuses(status, facts),
    facts: { dso: facts },
  };
}

export const dsoStep: Step<DsoObservation> = {
  name: 'dso',
  observe: async ({ m, deps, facts, signal }) => (facts.dso ? { kind: 'known' } : { kind: 'views', views: await deps.splice.dsoViews(m, signal) }),
  decide: decideDso,
};
