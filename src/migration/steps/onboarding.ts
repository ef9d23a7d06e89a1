/**
 * NewSvOnboarded: the other SVs onboarded the new SV — its name is in DsoRules.svs, as agreed by the Scan quorum.
 * Until then the step reports what the sponsor says and what the other SV operators must do.
 */
import { SpliceError } from '../../splice/errors.ts';
import { decision, doneWith, waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { OnboardingProgress } from '../ports.ts';
import { observed, type DecideInput, type Observed, type Step, type StepDecision } from '../step.ts';

export type OnboardingObservation = { kind: 'onboarded' } | { kind: 'sponsor'; progress: Observed<OnboardingProgress> };

function sponsorSays(progress: Observed<OnboardingProgress>): string {
  if (!progress.ok) {
    const detail = progress.error instanceof SpliceError ? progress.error.message : 'no answer';
    return ` The sponsor's onboarding status is not available (${detail}).`;
  }
  const { state, confirmations } = progress.value;
  return state === 'requested' && confirmations ? ` The sponsor reports: requested, confirmed by ${confirmations.have} of ${confirmations.need}.` : ` The sponsor reports: ${state}.`;
}

export function decideOnboarding({ m, status, facts, timing }: DecideInput, observation: OnboardingObservation): StepDecision<never> {
  const newSv = facts.dso?.newSv;
  if (newSv) {
    const note = newSv.weight === 0 ? 'with reward weight 0' : `with reward weight ${newSv.weight} (expected 0: check the approvedSvIdentities entries)`;
    return doneWith(CONDITION.NewSvOnboarded, 'Onboarded', `${m.spec.newSv.name} is an SV (party ${newSv.partyId}) ${note}`, { onboarding: { ...status.onboarding, state: 'completed' } });
  }
  if (observation.kind === 'onboarded') return decision({ kind: 'wait', message: 'waiting for the Scans', requeueAfterMs: timing.networkPollMs });
  const { progress } = observation;
  if (!progress.ok && !(progress.error instanceof SpliceError)) throw progress.error;
  const message =
    `waiting for the SVs to onboard ${m.spec.newSv.name}: each SV operator adds the approvedSvIdentities entry from status.onboarding ` +
    `(reward weight 0) and the new SV node joins via its sponsor.${sponsorSays(progress)}`;
  return waitingOn(CONDITION.NewSvOnboarded, 'AwaitingOnboarding', message, timing.networkPollMs, progress.ok ? { onboarding: { ...status.onboarding, state: progress.value.state } } : undefined);
}

export const onboardingStep: Step<OnboardingObservation> = {
  name: 'onboarding',
  observe: async ({ m, deps, facts, signal }) => (facts.dso?.newSv ? { kind: 'onboarded' } : { kind: 'sponsor', progress: await observed(() => deps.splice.onboardingStatus(m, signal)) }),
  decide: decideOnboarding,
};
