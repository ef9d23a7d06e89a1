/**
 * Maps AWS SDK errors from KMS calls to {@link KmsFailure}s: bad credentials and missing permissions need a human;
 * throttling, server errors, timeouts and network errors are transient.
 */
import { safeProperty } from '../util/safe-text.ts';
import { describeError, interruptedFailure, KmsCallInterrupted, NETWORK_ERROR_CODES, redact } from './call.ts';
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

const OTHER_KNOWN = ['CredentialsProviderError', 'LimitExceededException', 'AbortError', 'TimeoutError'];
/** Error names the mapper knows; only these are ever printed as a name (an unknown one could carry anything). */
const KNOWN_NAMES: ReadonlySet<string> = new Set([...CREDENTIALS_REJECTED, ...CREDENTIALS_EXPIRED, ...ACCESS_DENIED, ...THROTTLED, ...UNAVAILABLE, ...OTHER_KNOWN]);

/**
 * Classifies an error thrown by a KMS call (or by {@link timedCall} around it). Never throws, whatever `err` is; the
 * message is scrubbed of `ctx.secrets`.
 */
export function classifyAwsError(err: unknown, ctx: AwsCallContext): KmsFailure {
  let failure: KmsFailure;
  try {
    failure = classify(err, ctx);
  } catch {
    // Only a hostile object (e.g. a Proxy whose traps throw) gets here: report it without reading more of it.
    failure = { reason: 'KmsCallFailed', message: `AWS KMS ${ctx.operation} in ${ctx.region} failed with an unreadable error; will retry.`, transient: true };
  }
  return { ...failure, message: redact(failure.message, ctx.secrets) };
}

function classify(err: unknown, ctx: AwsCallContext): KmsFailure {
  const where = `AWS KMS ${ctx.operation} in ${ctx.region}${ctx.endpoint ? ` at ${ctx.endpoint}` : ''}`;
  if (err instanceof KmsCallInterrupted) return interruptedFailure(err, where);

  // Read defensively: the error may be anything (no prototype, throwing getters, a status that is not a number).
  const rawName = safeProperty(err, 'name');
  const name = typeof rawName === 'string' ? rawName : '';
  const rawStatus = safeProperty(safeProperty(err, '$metadata'), 'httpStatusCode');
  const status = typeof rawStatus === 'number' && Number.isInteger(rawStatus) ? rawStatus : undefined;
  const fault = safeProperty(err, '$fault');
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
    return { reason: 'KmsThrottled', message: `${where} was throttled (${KNOWN_NAMES.has(name) ? name : `HTTP ${status}`}); will retry with backoff.`, transient: true };
  }
  if (UNAVAILABLE.has(name) || fault === 'server' || (status !== undefined && status >= 500)) {
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
  for (let e = err, depth = 0; e && depth < 5; e = safeProperty(e, 'cause'), depth++) {
    const code = safeProperty(e, 'code');
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
    const message = safeProperty(e, 'message');
    const inText = typeof message === 'string' ? message.match(/\b[A-Z_]{5,}\b/g)?.find((w) => NETWORK_ERROR_CODES.has(w)) : undefined;
    if (inText) return inText;
  }
  return undefined;
}
