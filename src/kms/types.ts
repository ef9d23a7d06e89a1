/**
 * The provider-neutral face of the KMS checks: a preflight report (what was verified, what could not be, and why it
 * failed) and a count of the keys Canton created. One implementation per provider (aws.ts, gcp.ts).
 */
import type { KmsSpec } from '../api/types.ts';

export type { KmsSpec };

/** The KMS providers the operator supports: every per-provider table is a `Record<KmsProvider, …>`, so a new one is a compile error wherever it is missing. */
export type KmsProvider = KmsSpec['provider'];

/** Why a KMS call or check failed. `transient` failures are retried with backoff; the others need a human. */
export interface KmsFailure {
  /** CamelCase reason, e.g. `KmsCredentialsRejected`, `KeyRingNotFound`, `KmsPermissionDenied`, `KmsThrottled`. */
  reason: string;
  /** What is wrong and what to do. Never contains credentials. */
  message: string;
  transient: boolean;
}

/** The outcome of a preflight: `ok` with the list of checks done, and, honestly, the checks that could not be done. */
export interface KmsPreflightReport {
  ok: boolean;
  /** Checks that passed, one sentence each. */
  verified: string[];
  /** Checks that could not be made (and why), e.g. AWS CreateKey has no dry-run. */
  notVerified: string[];
  failure?: KmsFailure;
}

/** Static credentials read from the migration's credentials Secret. `undefined` means ambient (workload identity / IRSA). */
export interface KmsCredentials {
  aws?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  gcp?: { credentialsJson: string };
}

/** One KMS call as seen by instrumentation (metrics). */
export interface KmsCallRecord {
  provider: KmsProvider;
  operation: string;
  outcome: 'ok' | 'error';
  seconds: number;
}

/** Per-probe options: a per-call timeout (default 10 s), a metrics hook and cancellation. */
export interface KmsClientOptions {
  timeoutMs?: number;
  onCall?: (c: KmsCallRecord) => void;
  signal?: AbortSignal;
}

/** Checks a KMS configuration and observes the keys Canton created in it. */
export interface KmsProbe {
  /** Verifies as much of the configuration as can be verified without creating keys. Never throws for KMS errors. */
  preflight(spec: KmsSpec, creds: KmsCredentials | undefined, opts?: KmsClientOptions): Promise<KmsPreflightReport>;
  /** Number of keys Canton created (AWS: tag `CreatedBy=Canton`, not pending deletion; GCP: crypto keys in the key ring). Throws {@link KmsError}. */
  countCantonKeys(spec: KmsSpec, creds: KmsCredentials | undefined, opts?: KmsClientOptions): Promise<number>;
}

/** An error carrying a classified {@link KmsFailure}; its message is safe to log and to put in status. */
export class KmsError extends Error {
  readonly failure: KmsFailure;
  constructor(failure: KmsFailure) {
    super(failure.message);
    this.name = 'KmsError';
    this.failure = failure;
  }
}

/** Default timeout of a single KMS call. */
export const DEFAULT_KMS_CALL_TIMEOUT_MS = 10_000;
