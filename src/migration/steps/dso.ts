/**
 * ScanAgreement: DSO state is read from every Scan of spec.network, and acted on only when spec.network.scanQuorum of
 * them (default: a majority) agree on what the workflow needs — the two SVs, their weights, whether the old SV is
 * offboarded. One stale or lying Scan cannot move the migration; a disagreement stops it and says who said what.
 * The agreed facts go into status.oldSv / status.newSv.
 */
import { agree } from '../../splice/scan-quorum.ts';
import { findSvByName, type DsoState } from '../../splice/scan.ts';
import type { SvKmsMigration } from '../../api/types.ts';
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { DsoFacts, StepContext } from '../step.ts';

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
  };
}

export async function observeDso(ctx: StepContext): Promise<StepResult> {
  if (ctx.facts.dso) return DONE;
  const { m, deps, draft, signal } = ctx;
  const quorum = defaultQuorum(m);
  const views = await deps.splice.dsoViews(m, signal);
  const result = agree(views, quorum, (state) => dsoFacts(m, state));
  if ('disagreement' in result) {
    const message = `fewer than ${quorum} of ${views.length} Scans agree on the DSO state, so nothing advances: ${result.summary}`;
    draft.condition(CONDITION.ScanAgreement, 'False', views.every((v) => !v.ok) ? 'ScansUnreachable' : 'ScansDisagree', message);
    return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
  }
  const facts = result.agreed;
  ctx.facts.dso = facts;
  draft.condition(CONDITION.ScanAgreement, 'True', 'QuorumAgrees', `${result.agreeing.length} of ${views.length} Scans agree (quorum ${quorum})`);
  const status = draft.status;
  if (facts.oldSv) {
    status.oldSv = {
      ...status.oldSv,
      partyId: facts.oldSv.partyId,
      rewardWeight: facts.oldSv.weight,
      // The weight to move: recorded the first time it is seen, never changed afterwards.
      originalRewardWeight: status.oldSv?.originalRewardWeight ?? facts.oldSv.weight,
      onboarded: true,
      offboarded: facts.oldSvOffboarded,
    };
  } else if (status.oldSv) {
    status.oldSv = { ...status.oldSv, onboarded: false, rewardWeight: 0, offboarded: facts.oldSvOffboarded };
  }
  if (facts.newSv) status.newSv = { ...status.newSv, partyId: facts.newSv.partyId, rewardWeight: facts.newSv.weight, onboarded: true, offboarded: false };
  return DONE;
}
