/**
 * Maps AWS SDK errors from KMS calls to {@link KmsFailure}s: bad credentials and missing permissions need a human;
 * throttling, server errors, timeouts and network errors are transient.
 */
import { describeError, interruptedFailure, KmsCallInterrupted, NETWORK_ERROR_CODES } from './call.ts';
import type { KmsFailure } from './types.ts';

/** Where the failed call went, for messages. */
export interface AwsCallContext {
  operation: string;
  region: string;
  /** The endpoint override, if any (otherwise the regional AWS endpoint). */
  endpoint?: string;
  /** Secrets to scrub from any text taken from the error. */
  secrets: readonly string[];
}

const CREDENTIALS_REJECTED = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature', 'IncompleteSignatureException', 'MissingAuthenticationToken', 'MissingAuthenticationTokenException']);
const CREDENTIALS_EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired']);
const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);
const UNAVAILABLE = new Set(['KMSInternalException', 'InternalFailure', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'DependencyTimeoutException', 'RequestTimeout', 'RequestTimeoutException']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** Classifies an error thrown by a KMS call (or by {@link timedCall} around it). */
export function classifyAwsError(err: unknown, ctx: AwsCallContext): KmsFailure {
  const where = `AWS KMS ${ctx.operation} in ${ctx.region}${ctx.endpoint ? ` at ${ctx.endpoint}` : ''}`;
  if (err instanceof KmsCallInterrupted) return interruptedFailure(err, where);

  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = describeError(err, ctx.secrets);

  if (CREDENTIALS_REJECTED.has(name)) {
    return {
      reason: 'KmsCredentialsRejected',
      message: `${where} rejected the credentials (${name}): the access key id is unknown or the secret access key does not match. Check the credentials Secret (spec.kms.credentials) or the IRSA/Pod Identity role.`,
      transient: false,
    };
  }
  if (CREDENTIALS_EXPIRED.has(name)) {
    return {
      reason: 'KmsCredentialsExpired',
      message: `${where}: the credentials have expired (${name}). Replace the session token in the credentials Secret, or use long-lived keys or IRSA.`,
      transient: false,
    };
  }
  if (ACCESS_DENIED.has(name)) {
    return {
      reason: 'KmsPermissionDenied',
      message: `${where} was denied (${detail}). The credentials are valid but lack kms:${ctx.operation}. Grant it to the identity (the operator needs kms:ListKeys, kms:ListResourceTags and kms:DescribeKey to observe keys; Canton needs kms:CreateKey, kms:TagResource, kms:DescribeKey, kms:GetPublicKey, kms:Sign, kms:Decrypt).`,
      transient: false,
    };
  }
  if (name === 'CredentialsProviderError') {
    return {
      reason: 'KmsCredentialsMissing',
      message: `${where}: no ambient AWS credentials found (${detail}). Set spec.kms.credentials.secretRef, or give the operator's ServiceAccount an IRSA/Pod Identity role.`,
      transient: false,
    };
  }
  if (name === 'LimitExceededException') {
    // KMS uses this for resource quotas (number of keys, grants), not request rates (those are ThrottlingException).
    return { reason: 'KmsQuotaExceeded', message: `${where}: a KMS quota is exhausted (${detail}). Raise the quota in Service Quotas or free resources.`, transient: false };
  }
  if (THROTTLED.has(name) || status === 429) {
    return { reason: 'KmsThrottled', message: `${where} was throttled (${name || status}); will retry with backoff.`, transient: true };
  }
  if (UNAVAILABLE.has(name) || e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return { reason: 'KmsUnavailable', message: `${where} failed on the server side (${detail}, HTTP ${status ?? '?'}); will retry.`, transient: true };
  }
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { reason: 'KmsTimeout', message: `${where} did not complete (${name}); will retry.`, transient: true };
  }
  const networkCode = networkErrorCode(err);
  if (networkCode) {
    return { reason: 'KmsUnreachable', message: `${where} could not be reached (${networkCode}). Check the region, spec.kms.aws.endpointOverride and egress; will retry.`, transient: true };
  }
  if (status !== undefined) {
    return { reason: 'KmsRequestRejected', message: `${where} was rejected (${detail}, HTTP ${status}).`, transient: false };
  }
  // Neither an AWS answer nor a known network failure: retry with backoff rather than stall on something unexplained.
  return { reason: 'KmsCallFailed', message: `${where} failed: ${detail}; will retry.`, transient: true };
}

/**
 * The Node network error code of an error or of one of its causes, if any. The SDK's retry middleware wraps errors
 * that are not `instanceof Error` (e.g. from another realm) into a plain Error that keeps only the text, so the text
 * is searched too.
 */
function networkErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return e.code;
    const inText = typeof e.message === 'string' ? e.message.match(/\b[A-Z_]{5,}\b/g)?.find((w) => NETWORK_ERROR_CODES.has(w)) : undefined;
    if (inText) return inText;
  }
  return undefined;
}
