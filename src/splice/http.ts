/**
 * One small JSON-over-HTTP helper on `fetch` for the Splice clients: per-attempt timeout, caller AbortSignal,
 * retries with exponential backoff and jitter on 5xx/429/timeouts/network errors (honouring `Retry-After`), no retry on
 * other 4xx, typed errors, and response validation (a body that does not validate is a `MalformedResponseError`).
 */
import type { ValidateFunction } from 'ajv';
import { ApiError, AuthError, MalformedResponseError, TransientError } from './errors.ts';

/** How a call attempt ended, for metrics. */
export type CallOutcome = 'ok' | 'transient' | 'auth' | 'api_error' | 'malformed';

/** Reported once per HTTP attempt (so retries are visible in metrics). */
export interface CallEvent {
  api: string;
  operation: string;
  outcome: CallOutcome;
  seconds: number;
}

/** Retry schedule. `maxAttempts` counts the first try. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on a server's `Retry-After`, so one answer cannot park the reconciler for hours. */
  maxRetryAfterMs: number;
}

/** The defaults: 4 attempts, 200 ms doubling to at most 5 s, `Retry-After` up to 60 s. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5000, maxRetryAfterMs: 60_000 };

/** Settings shared by every client built on {@link JsonHttp}. */
export interface JsonHttpOptions {
  /** API name for errors and metrics: `scan`, `sv`, `wallet`. */
  api: string;
  /** Base URL of the app, e.g. `https://scan.sv-1.example.com` (the `/api/...` prefix is in each path). */
  baseUrl: string;
  /** Supplies a bearer token for each attempt (omit for unauthenticated APIs such as Scan). */
  token?: () => Promise<string>;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  onCall?: (event: CallEvent) => void;
  /** Injection points for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** One request. `validate` checks a 2xx body; `undefined` means the operation documents no body (it is ignored). */
export interface JsonRequest<T> {
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  validate?: ValidateFunction<T>;
  signal?: AbortSignal;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential, capped, with "equal jitter" (half fixed, half
 * random) so many operators do not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Parses `Retry-After` (delta seconds or HTTP date) into milliseconds from `nowMs`; undefined when absent/invalid. */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const s = header.trim();
  if (/^[0-9]+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Sleeps `ms`, rejecting early if `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads the `error` field of a Splice `ErrorResponse`, or a short excerpt of whatever else the body was. */
export function serverMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') {
      return (parsed as { error: string }).error;
    }
  } catch {
    // not JSON: fall through to the excerpt
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return excerpt === '' ? '(empty body)' : excerpt;
}

/** Formats ajv errors as `path: message` lines. */
export function ajvProblems(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword}`);
}

/** Outcome of one attempt, before deciding whether to retry. */
type Attempt<T> = { ok: true; value: T } | { ok: false; error: Error; retryAfterMs?: number };

/** A JSON HTTP client for one app base URL. */
export class JsonHttp {
  readonly api: string;
  readonly baseUrl: string;
  readonly #opts: JsonHttpOptions;
  readonly #policy: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(opts: JsonHttpOptions) {
    this.api = opts.api;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#opts = opts;
    this.#policy = { ...DEFAULT_RETRY, ...opts.retry };
    this.#fetch = opts.fetch ?? fetch;
    this.#sleep = opts.sleep ?? abortableSleep;
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? Date.now;
  }

  /** Performs the request with retries; resolves to the validated body (undefined when no validator was given). */
  async request<T>(req: JsonRequest<T>): Promise<T> {
    let last: Error | undefined;
    for (let attempt = 1; attempt <= this.#policy.maxAttempts; attempt++) {
      const result = await this.#attempt(req);
      if (result.ok) return result.value;
      last = result.error;
      if (!(result.error instanceof TransientError) || attempt === this.#policy.maxAttempts) break;
      const backoff = backoffDelayMs(attempt, this.#policy, this.#random);
      const delay = result.retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(result.retryAfterMs, this.#policy.maxRetryAfterMs));
      await this.#sleep(delay, req.signal);
    }
    if (last instanceof TransientError) {
      throw new TransientError(this.api, req.operation, `gave up after ${this.#policy.maxAttempts} attempts: ${last.message}`, last.status, { cause: last });
    }
    throw last ?? new Error('unreachable: no attempt made');
  }

  async #attempt<T>(req: JsonRequest<T>): Promise<Attempt<T>> {
    const started = this.#now();
    const result = await this.#attemptOnce(req);
    const outcome: CallOutcome = result.ok
      ? 'ok'
      : result.error instanceof TransientError
        ? 'transient'
        : result.error instanceof AuthError
          ? 'auth'
          : result.error instanceof MalformedResponseError
            ? 'malformed'
            : 'api_error';
    this.#opts.onCall?.({ api: this.api, operation: req.operation, outcome, seconds: (this.#now() - started) / 1000 });
    if (!result.ok && !(result.error instanceof TransientError || result.error instanceof AuthError || result.error instanceof ApiError || result.error instanceof MalformedResponseError)) {
      // The caller's own abort (or a bug): not ours to classify.
      throw result.error;
    }
    return result;
  }

  async #attemptOnce<T>(req: JsonRequest<T>): Promise<Attempt<T>> {
    const { api } = this;
    const op = req.operation;
    const timeoutMs = this.#opts.timeoutMs ?? 10_000;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException(`timed out after ${timeoutMs}ms`, 'TimeoutError')), timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      if (this.#opts.token) headers.authorization = `Bearer ${await this.#opts.token()}`;
      let res: Response;
      let text: string;
      try {
        res = await this.#fetch(`${this.baseUrl}${req.path}`, {
          method: req.method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal,
        });
        text = await res.text();
      } catch (err) {
        if (req.signal?.aborted) return { ok: false, error: toError(req.signal.reason) };
        const what = timeout.signal.aborted ? `timed out after ${timeoutMs}ms` : `network error: ${toError(err).message}`;
        return { ok: false, error: new TransientError(api, op, `${req.method} ${req.path} ${what}`, undefined, { cause: err }) };
      }
      if (res.status >= 200 && res.status < 300) return this.#parse(req, text);
      const msg = serverMessage(text);
      if (res.status >= 500 || res.status === 429 || res.status === 408) {
        const retryAfterMs = res.status === 429 || res.status === 503 ? parseRetryAfterMs(res.headers.get('retry-after'), this.#now()) : undefined;
        return { ok: false, error: new TransientError(api, op, `HTTP ${res.status}: ${msg}`, res.status), retryAfterMs };
      }
      if (res.status === 401 || res.status === 403) {
        return { ok: false, error: new AuthError(api, op, `HTTP ${res.status} from ${this.baseUrl}: ${msg}`, res.status) };
      }
      return { ok: false, error: new ApiError(api, op, res.status, msg) };
    } catch (err) {
      // Token acquisition failures (AuthError/TransientError from oauth.ts) pass through unchanged.
      return { ok: false, error: toError(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  #parse<T>(req: JsonRequest<T>, text: string): Attempt<T> {
    if (!req.validate) return { ok: true, value: undefined as T };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return { ok: false, error: new MalformedResponseError(this.api, req.operation, [`body is not JSON (${toError(err).message})`]) };
    }
    if (!req.validate(body)) return { ok: false, error: new MalformedResponseError(this.api, req.operation, ajvProblems(req.validate)) };
    return { ok: true, value: body };
  }
}

function toError(x: unknown): Error {
  return x instanceof Error ? x : new Error(String(x));
}
