/**
 * KmsKeysObserved: Canton created its keys in the KMS (AWS: keys tagged CreatedBy=Canton; GCP: crypto keys in the key
 * ring) — the proof that the new participant really uses the KMS. Polled while waiting; never again once seen.
 */
import { KmsError } from '../../kms/types.ts';
import { decision, doneWith, fromResult, waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';
import { kmsCredentials, type CredentialsLookup } from './credentials.ts';

export type KmsKeysObservation =
  | { kind: 'alreadyObserved' }
  | { kind: 'noCredentials'; lookup: Extract<CredentialsLookup, { ok: false }> }
  | { kind: 'failed'; error: KmsError }
  | { kind: 'counted'; count: number };

export function decideKmsKeys({ timing }: DecideInput, observed: KmsKeysObservation): StepDecision<never> {
  switch (observed.kind) {
    case 'alreadyObserved':
      return decision({ kind: 'done' });
    case 'noCredentials':
      return fromResult(CONDITION.KmsKeysObserved, { kind: 'stalled', reason: observed.lookup.reason, message: observed.lookup.message });
    case 'failed': {
      const { reason, message, transient } = observed.error.failure;
      return fromResult(CONDITION.KmsKeysObserved, transient ? { kind: 'retry', reason, message } : { kind: 'stalled', reason, message, requeueAfterMs: timing.kmsKeysPollMs });
    }
    case 'counted': {
      const status = { kmsKeys: { count: observed.count } };
      if (observed.count === 0) {
        return waitingOn(CONDITION.KmsKeysObserved, 'NoKeysYet', 'the participant runs with KMS but no Canton keys are in the KMS yet; waiting for Canton to create them', timing.kmsKeysPollMs, status);
      }
      return doneWith(CONDITION.KmsKeysObserved, 'KeysFound', `${observed.count} key(s) created by Canton found in the KMS`, status);
    }
  }
}

export const kmsKeysStep: Step<KmsKeysObservation> = {
  name: 'kmsKeys',
  async observe({ m, deps, status, signal }) {
    if (status.conditions?.find((c) => c.type === CONDITION.KmsKeysObserved)?.status === 'True') return { kind: 'alreadyObserved' };
    const creds = await kmsCredentials(m, deps);
    if (!creds.ok) return { kind: 'noCredentials', lookup: creds };
    try {
      return { kind: 'counted', count: await deps.kmsProbe(m.spec.kms.provider).countCantonKeys(m.spec.kms, creds.credentials, { ...deps.kmsCallHook, signal }) };
    } catch (err) {
      if (err instanceof KmsError) return { kind: 'failed', error: err };
      throw err;
    }
  },
  decide: decideKmsKeys,
};
