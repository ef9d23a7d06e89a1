/**
 * One small JSON-over-HTTP helper on `fetch` for the Splice clients: one attempt per call (no retries: the workflow's
 * work queue backs off, and a retried POST could act twice), a per-call timeout, the caller's AbortSignal, typed
 * errors (429 → {@link RateLimited} with the `Retry-After` delay), defensive parsing of error bodies, and response
 * validation (a body that does not validate is a {@link MalformedResponseError}).
 */
import type { ErrorObject } from 'ajv';
import { ApiError, AuthError, MalformedResponseError, RateLimited, TransientError } from './errors.ts';

/** How a call ended, for metrics. */
export type CallOutcome = 'ok' | 'transient' | 'rate_limited' | 'auth' | 'api_error' | 'malformed';

/** Reported once per HTTP call. */
export interface CallEvent {
  api: string;
  operation: string;
  outcome: CallOutcome;
  seconds: number;
}

/** Settings shared by every client built on {@link JsonHttp}. */
export interface JsonHttpOptions {
  /** API name for errors and metrics: `scan`, `sv`, `wallet`. */
  api: string;
  /** Base URL of the app, e.g. `https://scan.sv-1.example.com` (the `/api/...` prefix is in each path). */
  baseUrl: string;
  /** Supplies a bearer token for each call (omit for unauthenticated APIs such as Scan). */
  token?: () => Promise<string>;
  timeoutMs?: number;
  onCall?: (event: CallEvent) => void;
  /** Turns a generic 4xx {@link ApiError} into a domain error for every call of this client (e.g. the wallet's 404). */
  mapApiError?: (err: ApiError) => Error;
  /** Injection points for tests. */
  fetch?: typeof fetch;
  now?: () => number;
}

/** A body check: an Ajv `ValidateFunction` or anything shaped like one. */
export interface BodyValidator<T> {
  (body: unknown): body is T;
  errors?: ErrorObject[] | null;
}

/** One request. `validate` checks a 2xx body; `undefined` means the operation documents no body (it is ignored). */
export interface JsonRequest<T> {
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  validate?: BodyValidator<T>;
  /** Maps this request's 4xx answers to domain errors (after the client-wide `mapApiError`). */
  mapApiError?: (err: ApiError) => Error;
  signal?: AbortSignal;
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

const MAX_MESSAGE = 200;

/** Collapses whitespace, drops control characters and cuts to a short, printable line. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
}

/**
 * A short printable message from an error body: the `error` field of a Splice `ErrorResponse`; for an HTML page (a
 * proxy's 502) its title or text without tags; else an excerpt. Never throws, whatever the body.
 */
export function serverMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') {
      const msg = printable((parsed as { error: string }).error);
      if (msg !== '') return msg;
    }
  } catch {
    // not JSON: fall through
  }
  if (/^\s*<(!doctype|html|head|body|\?xml)/i.test(text)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1];
    const html = printable((title ?? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')).replace(/&[a-z]+;/gi, ' '));
    return html === '' ? '(HTML page without text)' : html;
  }
  const excerpt = printable(text);
  return excerpt === '' ? '(empty body)' : excerpt;
}

/** Formats validation errors as `path: message` lines. */
export function ajvProblems(validate: BodyValidator<unknown>): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword}`);
}

/** A JSON HTTP client for one app base URL. */
export class JsonHttp {
  readonly api: string;
  readonly baseUrl: string;
  readonly #opts: JsonHttpOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(opts: JsonHttpOptions) {
    this.api = opts.api;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? Date.now;
  }

  /** Performs the request once; resolves to the validated body (undefined when no validator was given). */
  async request<T>(req: JsonRequest<T>): Promise<T> {
    const started = this.#now();
    let outcome: CallOutcome = 'ok';
    try {
      return await this.#call(req);
    } catch (err) {
      outcome = classify(err);
      throw err;
    } finally {
      this.#opts.onCall?.({ api: this.api, operation: req.operation, outcome, seconds: (this.#now() - started) / 1000 });
    }
  }

  async #call<T>(req: JsonRequest<T>): Promise<T> {
    const { api } = this;
    const op = req.operation;
    const timeoutMs = this.#opts.timeoutMs ?? 10_000;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException(`timed out after ${timeoutMs}ms`, 'TimeoutError')), timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      // Token acquisition failures (AuthError/TransientError from oauth.ts) pass through unchanged.
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
        if (req.signal?.aborted) throw toError(req.signal.reason);
        const what = timeout.signal.aborted ? `timed out after ${timeoutMs}ms` : `network error: ${printable(toError(err).message)}`;
        throw new TransientError(api, op, `${req.method} ${req.path} ${what}`, undefined, { cause: err });
      }
      if (res.status >= 200 && res.status < 300) return this.#parse(req, text);
      const msg = serverMessage(text);
      if (res.status === 429) {
        throw new RateLimited(api, op, `HTTP 429: ${msg}`, parseRetryAfterMs(res.headers.get('retry-after'), this.#now()));
      }
      if (res.status >= 500 || res.status === 408) throw new TransientError(api, op, `HTTP ${res.status}: ${msg}`, res.status);
      if (res.status === 401 || res.status === 403) throw new AuthError(api, op, `HTTP ${res.status} from ${this.baseUrl}: ${msg}`, res.status);
      let err: Error = new ApiError(api, op, res.status, msg);
      if (this.#opts.mapApiError) err = this.#opts.mapApiError(err as ApiError);
      if (req.mapApiError && err instanceof ApiError && err.constructor === ApiError) err = req.mapApiError(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #parse<T>(req: JsonRequest<T>, text: string): T {
    if (!req.validate) return undefined as T;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new MalformedResponseError(this.api, req.operation, [`body is not JSON (${printable(toError(err).message)})`]);
    }
    if (!req.validate(body)) throw new MalformedResponseError(this.api, req.operation, ajvProblems(req.validate));
    return body;
  }
}

function classify(err: unknown): CallOutcome {
  if (err instanceof RateLimited) return 'rate_limited';
  if (err instanceof TransientError) return 'transient';
  if (err instanceof AuthError) return 'auth';
  if (err instanceof MalformedResponseError) return 'malformed';
  if (err instanceof ApiError) return 'api_error';
  return 'transient';
}

function toError(x: unknown): Error {
  return x instanceof Error ? x : new Error(String(x));
}
