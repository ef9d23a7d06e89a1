/**
 * status.onboarding: the approvedSvIdentities entry the other SV operators add to their sv-node values so that the
 * new SV can join — its name, its identity public key, and reward weight 0 (the weight moves later, by vote).
 */
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';

export async function publishOnboardingInfo({ m, draft }: StepContext): Promise<StepResult> {
  const publicKey = draft.status.identityKey?.publicKey;
  if (!publicKey) return { kind: 'wait', message: 'waiting for the SV identity key' };
  draft.status.onboarding = { ...draft.status.onboarding, approvedSvIdentity: { name: m.spec.newSv.name, publicKey, rewardWeightBps: 0 } };
  return DONE;
}
