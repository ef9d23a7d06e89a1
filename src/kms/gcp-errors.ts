/**
 * Maps errors from Google Cloud KMS calls (gRPC status codes, auth library errors) to {@link KmsFailure}s.
 */
import { safeProperty } from '../util/safe-text.ts';
import { describeError, interruptedFailure, KmsCallInterrupted } from './call.ts';
import type { KmsFailure } from './types.ts';

/** Canonical gRPC status codes (google.rpc.Code); numeric so src/ needs no gRPC dependency. */
export const GRPC_CODE = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const TRANSIENT_CODES: ReadonlySet<number> = new Set([GRPC_CODE.UNAVAILABLE, GRPC_CODE.DEADLINE_EXCEEDED, GRPC_CODE.RESOURCE_EXHAUSTED, GRPC_CODE.ABORTED, GRPC_CODE.INTERNAL, GRPC_CODE.CANCELLED]);

/** Where the failed call went, for messages. */
export interface GcpCallContext {
  operation: string;
  /** The resource the call was about, e.g. the full key ring name. */
  resource: string;
  endpoint?: string;
  secrets: readonly string[];
}

/** The gRPC status code of an error, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = safeProperty(err, 'code');
  return typeof code === 'number' ? code : undefined;
}

/**
 * Classifies an error from one Cloud KMS / IAM call. Call-specific codes (NOT_FOUND on a key ring) are the caller's.
 * Never throws, whatever `err` is.
 */
export function classifyGcpError(err: unknown, ctx: GcpCallContext): KmsFailure {
  try {
    return classify(err, ctx);
  } catch {
    // Only a hostile object (e.g. a Proxy whose traps throw) gets here: report it without reading more of it.
    return { reason: 'KmsCallFailed', message: `Cloud KMS ${ctx.operation} on ${ctx.resource} failed with an unreadable error; will retry.`, transient: true };
  }
}

function classify(err: unknown, ctx: GcpCallContext): KmsFailure {
  const where = `Cloud KMS ${ctx.operation} on ${ctx.resource}${ctx.endpoint ? ` at ${ctx.endpoint}` : ''}`;
  if (err instanceof KmsCallInterrupted) return interruptedFailure(err, where);
  const code = grpcCode(err);
  const detail = describeError(err, ctx.secrets);

  if (code === GRPC_CODE.UNAUTHENTICATED) {
    return { reason: 'KmsCredentialsRejected', message: `${where} rejected the credentials (UNAUTHENTICATED: ${detail}). Check the service-account JSON in the credentials Secret, or the Workload Identity binding.`, transient: false };
  }
  if (code === GRPC_CODE.PERMISSION_DENIED) {
    return { reason: 'KmsPermissionDenied', message: `${where} was denied (PERMISSION_DENIED: ${detail}). Grant the identity the permission for ${ctx.operation} on ${ctx.resource}.`, transient: false };
  }
  if (code === GRPC_CODE.NOT_FOUND) {
    return { reason: 'KmsResourceNotFound', message: `${where}: ${ctx.resource} does not exist (NOT_FOUND). Check spec.kms.gcp (projectId, locationId, keyRingId).`, transient: false };
  }
  if (code === GRPC_CODE.DEADLINE_EXCEEDED) {
    return { reason: 'KmsTimeout', message: `${where} did not answer in time (DEADLINE_EXCEEDED); will retry.`, transient: true };
  }
  if (code === GRPC_CODE.RESOURCE_EXHAUSTED) {
    return { reason: 'KmsThrottled', message: `${where} hit a quota (RESOURCE_EXHAUSTED); will retry with backoff.`, transient: true };
  }
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return { reason: 'KmsUnavailable', message: `${where} failed (${detail}); will retry.`, transient: true };
  }
  if (code !== undefined) {
    return { reason: 'KmsRequestRejected', message: `${where} was rejected (${detail}).`, transient: false };
  }
  const text = detail.toLowerCase();
  if (text.includes('could not load the default credentials')) {
    return { reason: 'KmsCredentialsMissing', message: `${where}: no ambient Google credentials found. Set spec.kms.credentials.secretRef, or bind the operator's ServiceAccount with GKE Workload Identity.`, transient: false };
  }
  if (text.includes('invalid_grant') || text.includes('invalid_client') || text.includes('unauthorized_client')) {
    return { reason: 'KmsCredentialsRejected', message: `${where}: Google refused to issue a token for the credentials (${detail}). Check the service-account JSON (key deleted or disabled?).`, transient: false };
  }
  // Token endpoint hiccups and other unexplained failures: retry with backoff rather than stall.
  return { reason: 'KmsCallFailed', message: `${where} failed: ${detail}; will retry.`, transient: true };
}
