/**
 * KmsPreflightPassed: the KMS accepts the credentials and, as far as can be checked without creating keys, allows what
 * Canton needs. The result is kept in status.preflight for the spec generation, so the KMS is asked once per change of
 * the spec, not on every reconcile; a failure is retried (with backoff if transient, on a timer if a human must act).
 */
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import { kmsCredentials } from './credentials.ts';

export async function kmsPreflight({ m, deps, draft, signal }: StepContext): Promise<StepResult> {
  const provider = m.spec.kms.provider;
  const cached = draft.status.preflight;
  if (cached?.generation === draft.generation && cached.provider === provider && draft.conditionStatus(CONDITION.KmsPreflightPassed) === 'True') return DONE;

  const creds = await kmsCredentials(m, deps);
  if (!creds.ok) {
    draft.condition(CONDITION.KmsPreflightPassed, 'False', creds.reason, creds.message);
    return { kind: 'stalled', reason: creds.reason, message: creds.message };
  }
  const report = await deps.kmsProbe(provider).preflight(m.spec.kms, creds.credentials, { ...deps.kmsCallHook, signal });
  draft.status.preflight = { generation: draft.generation, provider, verified: report.verified, notVerified: report.notVerified };
  if (report.ok) {
    draft.condition(CONDITION.KmsPreflightPassed, 'True', 'Passed', `verified: ${report.verified.join('; ')}${report.notVerified.length ? `. Not verifiable: ${report.notVerified.join('; ')}` : ''}`);
    return DONE;
  }
  const failure = report.failure ?? { reason: 'KmsPreflightFailed', message: 'the KMS preflight failed', transient: true };
  if (failure.transient) {
    draft.condition(CONDITION.KmsPreflightPassed, 'Unknown', failure.reason, failure.message);
    return { kind: 'retry', reason: failure.reason, message: failure.message };
  }
  draft.condition(CONDITION.KmsPreflightPassed, 'False', failure.reason, failure.message);
  return { kind: 'stalled', reason: failure.reason, message: failure.message, requeueAfterMs: deps.timing.preflightRecheckMs };
}
