/**
 * KmsPreflightPassed: the KMS accepts the credentials and, as far as can be checked without creating keys, allows what
 * Canton needs. The result is kept in status.preflight for the spec generation, so the KMS is asked once per change of
 * the spec, not on every reconcile; a failure is retried (with backoff if transient, on a timer if a human must act).
 */
import type { SvKmsMigrationStatus } from '../../api/types.ts';
import type { KmsPreflightReport } from '../../kms/types.ts';
import { decision, doneWith, fromResult } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';
import { kmsCredentials, type CredentialsLookup } from './credentials.ts';

export type PreflightObservation =
  | { kind: 'cached' }
  | { kind: 'noCredentials'; lookup: Extract<CredentialsLookup, { ok: false }> }
  | { kind: 'report'; report: KmsPreflightReport };

/** The preflight already passed for this generation and provider. */
export function preflightCached(status: Readonly<SvKmsMigrationStatus>, generation: number, provider: string): boolean {
  const cached = status.preflight;
  return cached?.generation === generation && cached.provider === provider && status.conditions?.find((c) => c.type === CONDITION.KmsPreflightPassed)?.status === 'True';
}

export function decidePreflight({ m, generation, timing }: DecideInput, observed: PreflightObservation): StepDecision<never> {
  if (observed.kind === 'cached') return decision({ kind: 'done' });
  if (observed.kind === 'noCredentials') return fromResult(CONDITION.KmsPreflightPassed, { kind: 'stalled', reason: observed.lookup.reason, message: observed.lookup.message });
  const { report } = observed;
  const provider = m.spec.kms.provider;
  const status = { preflight: { generation, provider, verified: report.verified, notVerified: report.notVerified } };
  if (report.ok) {
    return doneWith(CONDITION.KmsPreflightPassed, 'Passed', `verified: ${report.verified.join('; ')}${report.notVerified.length ? `. Not verifiable: ${report.notVerified.join('; ')}` : ''}`, status);
  }
  const failure = report.failure ?? { reason: 'KmsPreflightFailed', message: 'the KMS preflight failed', transient: true };
  if (failure.transient) return fromResult(CONDITION.KmsPreflightPassed, { kind: 'retry', reason: failure.reason, message: failure.message }, status);
  return fromResult(CONDITION.KmsPreflightPassed, { kind: 'stalled', reason: failure.reason, message: failure.message, requeueAfterMs: timing.preflightRecheckMs }, status);
}

export const preflightStep: Step<PreflightObservation> = {
  name: 'kmsPreflight',
  async observe({ m, deps, status, generation, signal, facts }) {
    if (!facts.recheck && preflightCached(status, generation, m.spec.kms.provider)) return { kind: 'cached' };
    const creds = await kmsCredentials(m, deps);
    if (!creds.ok) return { kind: 'noCredentials', lookup: creds };
    return { kind: 'report', report: await deps.kmsProbe(m.spec.kms.provider).preflight(m.spec.kms, creds.credentials, { ...deps.kmsCallHook, signal }) };
  },
  decide: decidePreflight,
};
