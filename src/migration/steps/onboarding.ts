/**
 * NewSvOnboarded: the other SVs onboarded the new SV — its name is in DsoRules.svs, as agreed by the Scan quorum.
 * Until then the step reports what the sponsor says and what the other SV operators must do.
 */
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import { SpliceError } from '../../splice/errors.ts';

export async function awaitOnboarding({ m, deps, draft, facts, signal, log }: StepContext): Promise<StepResult> {
  const dso = facts.dso!;
  if (dso.newSv) {
    const note = dso.newSv.weight === 0 ? 'with reward weight 0' : `with reward weight ${dso.newSv.weight} (expected 0: check the approvedSvIdentities entries)`;
    draft.condition(CONDITION.NewSvOnboarded, 'True', 'Onboarded', `${m.spec.newSv.name} is an SV (party ${dso.newSv.partyId}) ${note}`);
    draft.status.onboarding = { ...draft.status.onboarding, state: 'completed' };
    return DONE;
  }
  let sponsorSays: string;
  try {
    const st = await deps.splice.onboardingStatus(m, signal);
    draft.status.onboarding = { ...draft.status.onboarding, state: st.state };
    const detail = st as unknown as { confirmed_by?: string[]; required_num_confirmations?: number };
    sponsorSays =
      st.state === 'requested' && detail.required_num_confirmations !== undefined
        ? ` The sponsor reports: requested, confirmed by ${detail.confirmed_by?.length ?? 0} of ${detail.required_num_confirmations}.`
        : ` The sponsor reports: ${st.state}.`;
  } catch (err) {
    if (!(err instanceof SpliceError)) throw err;
    log.debug({ err: err.message }, 'sponsor onboarding status unavailable');
    sponsorSays = ` The sponsor's onboarding status is not available (${err.message}).`;
  }
  const message =
    `waiting for the SVs to onboard ${m.spec.newSv.name}: each SV operator adds the approvedSvIdentities entry from status.onboarding ` +
    `(reward weight 0) and the new SV node joins via its sponsor.${sponsorSays}`;
  draft.condition(CONDITION.NewSvOnboarded, 'False', 'AwaitingOnboarding', message);
  return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
}
