/**
 * KmsKeysObserved: Canton created its keys in the KMS (AWS: keys tagged CreatedBy=Canton; GCP: crypto keys in the key
 * ring) — the proof that the new participant really uses the KMS. Polled while waiting; never again once seen.
 */
import { KmsError } from '../../kms/types.ts';
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import { kmsCredentials } from './credentials.ts';

export async function observeKmsKeys({ m, deps, draft, signal }: StepContext): Promise<StepResult> {
  if (draft.conditionStatus(CONDITION.KmsKeysObserved) === 'True') return DONE;
  const creds = await kmsCredentials(m, deps);
  if (!creds.ok) {
    draft.condition(CONDITION.KmsKeysObserved, 'False', creds.reason, creds.message);
    return { kind: 'stalled', reason: creds.reason, message: creds.message };
  }
  let count: number;
  try {
    count = await deps.kmsProbe(m.spec.kms.provider).countCantonKeys(m.spec.kms, creds.credentials, { ...deps.kmsCallHook, signal });
  } catch (err) {
    if (!(err instanceof KmsError)) throw err;
    const { reason, message, transient } = err.failure;
    draft.condition(CONDITION.KmsKeysObserved, transient ? 'Unknown' : 'False', reason, message);
    return transient ? { kind: 'retry', reason, message } : { kind: 'stalled', reason, message, requeueAfterMs: deps.timing.kmsKeysPollMs };
  }
  draft.status.kmsKeys = { count };
  if (count === 0) {
    const message = 'the participant runs with KMS but no Canton keys are in the KMS yet; waiting for Canton to create them';
    draft.condition(CONDITION.KmsKeysObserved, 'False', 'NoKeysYet', message);
    return { kind: 'wait', message, requeueAfterMs: deps.timing.kmsKeysPollMs };
  }
  draft.condition(CONDITION.KmsKeysObserved, 'True', 'KeysFound', `${count} key(s) created by Canton found in the KMS`);
  return DONE;
}
