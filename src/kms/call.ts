/**
 * What every KMS call shares, whatever the provider: a deadline, the caller's AbortSignal, instrumentation, and
 * scrubbing of credentials out of anything that becomes a message.
 */
import { safeProperty, safeString } from '../util/safe-text.ts';
import { DEFAULT_KMS_CALL_TIMEOUT_MS } from './types.ts';
import type { KmsClientOptions, KmsCredentials, KmsFailure, KmsProvider } from './types.ts';

/** How long after the deadline a call that the client should have timed out itself is abandoned. */
const BACKSTOP_GRACE_MS = 2_000;

/** Thrown by {@link timedCall} when the deadline passed or the caller aborted; the call itself is abandoned. */
export class KmsCallInterrupted extends Error {
  readonly operation: string;
  readonly kind: 'timeout' | 'aborted';
  readonly timeoutMs: number;
  constructor(operation: string, cause: 'timeout' | 'aborted', timeoutMs: number) {
    super(cause === 'timeout' ? `${operation} did not answer within ${timeoutMs} ms` : `${operation} was aborted`);
    this.name = 'KmsCallInterrupted';
    this.operation = operation;
    this.kind = cause;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Runs one KMS call with a deadline (opts.timeoutMs, default 10 s) and the caller's signal. `run` gets a signal to
 * hand to the client; if the client does not stop on it, the call is abandoned anyway. Reports to opts.onCall.
 * With `clientEnforcesDeadline` the client is expected to time out by itself and ours fires a little later.
 */
export async function timedCall<T>(provider: KmsProvider, operation: string, opts: KmsClientOptions & { clientEnforcesDeadline?: boolean }, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_KMS_CALL_TIMEOUT_MS;
  const deadline = new AbortController();
  // A client that enforces the deadline itself (gRPC) gets to finish its call and report it; ours is then a backstop.
  const backstopMs = opts.clientEnforcesDeadline ? timeoutMs + BACKSTOP_GRACE_MS : timeoutMs;
  const timer = setTimeout(() => deadline.abort(new KmsCallInterrupted(operation, 'timeout', timeoutMs)), backstopMs);
  const onCallerAbort = () => deadline.abort(new KmsCallInterrupted(operation, 'aborted', timeoutMs));
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const started = performance.now();
  const report = (outcome: 'ok' | 'error') => opts.onCall?.({ provider, operation, outcome, seconds: (performance.now() - started) / 1000 });
  try {
    if (deadline.signal.aborted) throw deadline.signal.reason;
    // `deadline` is only ever aborted with a KmsCallInterrupted (the timer and onCallerAbort above).
    const interrupted = new Promise<never>((_, reject) => deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason as KmsCallInterrupted), { once: true }));
    const result = await Promise.race([run(deadline.signal), interrupted]);
    report('ok');
    return result;
  } catch (err) {
    report('error');
    // Clients report their own abort errors when they honour the signal; prefer ours, which says why.
    throw deadline.signal.aborted ? deadline.signal.reason : err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** The failure for a call that timed out or was aborted: always transient. */
export function interruptedFailure(err: KmsCallInterrupted, what: string): KmsFailure {
  return err.kind === 'timeout'
    ? { reason: 'KmsTimeout', message: `${what}: ${err.message}; will retry`, transient: true }
    : { reason: 'KmsCallAborted', message: `${what}: ${err.message}`, transient: true };
}

/** Every secret string in the credentials (and its parts), for {@link redact}. */
export function secretsOf(creds: KmsCredentials | undefined): string[] {
  const out: string[] = [];
  if (creds?.aws) {
    out.push(creds.aws.secretAccessKey);
    if (creds.aws.sessionToken) out.push(creds.aws.sessionToken);
  }
  if (creds?.gcp) {
    out.push(creds.gcp.credentialsJson);
    try {
      const parsed = JSON.parse(creds.gcp.credentialsJson) as Record<string, unknown>;
      for (const field of ['private_key', 'private_key_id', 'client_secret', 'refresh_token']) {
        const v = parsed[field];
        if (typeof v === 'string') out.push(v, ...v.split('\n'));
      }
    } catch {
      // not JSON: the whole string is already listed
    }
  }
  // Longest first so a secret containing another is replaced whole; ignore fragments too short to be meaningful.
  return [...new Set(out)].filter((s) => s.trim().length >= 8).sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/** A short, redacted description of an unexpected error, for messages. Never throws, whatever `err` is. */
export function describeError(err: unknown, secrets: readonly string[]): string {
  const rawName = safeProperty(err, 'name');
  const rawMessage = safeProperty(err, 'message');
  const name = typeof rawName === 'string' ? rawName : 'Error';
  const message = typeof rawMessage === 'string' ? rawMessage : safeString(err);
  const text = redact(`${name}: ${message}`, secrets);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Network-level error codes (Node's `err.code`) that mean "could not reach the KMS right now". */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);
