/**
 * OAuth2 client-credentials tokens for the SV app and wallet APIs, cached until shortly before they expire.
 * The client secret is sent only in the token request body; it never appears in an error or log message.
 */
import { AuthError, TransientError } from './errors.ts';
import { serverMessage } from './http.ts';
import { safeString } from '../util/safe-text.ts';

/** Where and as whom to get a token. */
export interface ClientCredentials {
  tokenUrl: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/** Options for {@link ClientCredentialsTokenSource}. */
export interface TokenSourceOptions {
  /** Renew this long before `expires_in` runs out (default 60 s, at most half the lifetime). */
  refreshMarginMs?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const API = 'oauth';
/** Token requests are idempotent (nothing happens on the ledger), so this source retries a few times itself. */
const DEFAULT_MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 5000;

/**
 * Delay before retry number `attempt` (1 = first retry): exponential, capped, with "equal jitter" (half fixed, half
 * random) so many operators do not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const OP = 'clientCredentials';

/** Fetches and caches access tokens with the client-credentials grant. */
export class ClientCredentialsTokenSource {
  readonly #creds: ClientCredentials;
  readonly #opts: TokenSourceOptions;
  #cached: { token: string; renewAt: number } | undefined;
  #inflight: Promise<string> | undefined;

  constructor(creds: ClientCredentials, opts: TokenSourceOptions = {}) {
    this.#creds = creds;
    this.#opts = opts;
  }

  /** A valid access token, from the cache when it is still fresh. Concurrent callers share one request. */
  async token(): Promise<string> {
    const now = (this.#opts.now ?? Date.now)();
    if (this.#cached && now < this.#cached.renewAt) return this.#cached.token;
    this.#inflight ??= this.#fetchToken().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Drops the cached token (e.g. after the API answered 401). */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #fetchToken(): Promise<string> {
    const maxAttempts = this.#opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    let last: TransientError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        return await this.#fetchOnce();
      } catch (err) {
        if (!(err instanceof TransientError)) throw err;
        last = err;
        if (attempt < maxAttempts) await (this.#opts.sleep ?? sleepMs)(backoffDelayMs(attempt));
      }
    }
    throw last ?? new TransientError(API, OP, 'no attempt made');
  }

  async #fetchOnce(): Promise<string> {
    const c = this.#creds;
    const who = `token URL ${c.tokenUrl}, client id ${JSON.stringify(c.clientId)}`;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, audience: c.audience });
    if (c.scope) form.set('scope', c.scope);
    const timeoutMs = this.#opts.timeoutMs ?? 10_000;
    let res: Response;
    let text: string;
    try {
      res = await (this.#opts.fetch ?? fetch)(c.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // The cause is a fetch/abort error; it carries no request body, so no secret.
      throw new TransientError(API, OP, `token request failed (${who}): ${err instanceof Error ? err.message : safeString(err)}`);
    }
    const msg = redact(serverMessageOrOAuth(text), c.clientSecret);
    if (res.status >= 500 || res.status === 429) throw new TransientError(API, OP, `HTTP ${res.status} from ${who}: ${msg}`, res.status);
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new AuthError(API, OP, `the token endpoint refused the client (HTTP ${res.status}, ${who}): ${msg}`, res.status);
    }
    if (res.status < 200 || res.status >= 300) throw new AuthError(API, OP, `unexpected HTTP ${res.status} from ${who}: ${msg}`, res.status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AuthError(API, OP, `token response from ${who} is not JSON`);
    }
    const b = body as { access_token?: unknown; expires_in?: unknown };
    if (typeof b.access_token !== 'string' || b.access_token === '') throw new AuthError(API, OP, `token response from ${who} has no access_token`);
    const lifetimeMs = (typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 300) * 1000;
    const margin = Math.min(this.#opts.refreshMarginMs ?? 60_000, lifetimeMs / 2);
    this.#cached = { token: b.access_token, renewAt: (this.#opts.now ?? Date.now)() + lifetimeMs - margin };
    return b.access_token;
  }
}

/** RFC 6749 error bodies are `{error, error_description}`; Splice-style bodies are `{error}`. */
function serverMessageOrOAuth(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof j.error === 'string') return typeof j.error_description === 'string' ? `${j.error}: ${j.error_description}` : j.error;
  } catch {
    // fall through
  }
  return serverMessage(text);
}

/** Belt and braces: a token server that echoes the secret must not leak it through our error. */
function redact(s: string, secret: string): string {
  return secret.length > 0 ? s.split(secret).join('[REDACTED]') : s;
}
