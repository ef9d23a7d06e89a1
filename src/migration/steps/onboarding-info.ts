/**
 * status.onboarding: the approvedSvIdentities entry the other SV operators add to their sv-node values so that the
 * new SV can join — its name, its identity public key, and reward weight 0 (the weight moves later, by vote).
 */
import { decision } from '../decision.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';
import { NOTHING_TO_OBSERVE } from '../step.ts';

export function decideOnboardingInfo({ m, status }: DecideInput): StepDecision<never> {
  const publicKey = status.identityKey?.publicKey;
  if (!publicKey) return decision({ kind: 'wait', message: 'waiting for the SV identity key' });
  return decision({ kind: 'done' }, undefined, { onboarding: { ...status.onboarding, approvedSvIdentity: { name: m.spec.newSv.name, publicKey, rewardWeightBps: 0 } } });
}

export const onboardingInfoStep: Step<undefined> = { name: 'onboardingInfo', observe: NOTHING_TO_OBSERVE, decide: decideOnboardingInfo };
