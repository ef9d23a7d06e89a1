/**
 * Typed errors of the Splice clients. The clients make one attempt per call and never retry: these errors tell the
 * workflow what happened in domain terms (a transfer that already exists, a wallet user without a wallet, a rate
 * limit with its delay), so it can decide and the work queue can back off. `transient` says whether the same call may
 * succeed later without anyone acting. No message ever carries a token or client secret.
 */

/** Base class: which API and operation failed. */
export class SpliceError extends Error {
  override name = 'SpliceError';
  readonly api: string;
  readonly operation: string;
  readonly transient: boolean;
  constructor(api: string, operation: string, message: string, transient: boolean, options?: { cause?: unknown }) {
    super(`${api} ${operation}: ${message}`, options);
    this.api = api;
    this.operation = operation;
    this.transient = transient;
  }
}

/** A failure that may go away on its own: 5xx, 408, timeout, network error. Try again later (one attempt was made). */
export class TransientError extends SpliceError {
  override name = 'TransientError';
  readonly status: number | undefined;
  constructor(api: string, operation: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(api, operation, message, true, options);
    this.status = status;
  }
}

/**
 * HTTP 429: the app is rate limiting this client (Splice ≥0.7.4 limits per IP), or a command with the same
 * tracking/deduplication id is still being processed. `retryAfterMs` is the server's `Retry-After`, when it sent one.
 */
export class RateLimited extends TransientError {
  override name = 'RateLimited';
  readonly retryAfterMs: number | undefined;
  constructor(api: string, operation: string, message: string, retryAfterMs: number | undefined) {
    super(api, operation, message, 429);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Authentication or authorization failed (401/403, or the token endpoint refused the client). Needs a human. */
export class AuthError extends SpliceError {
  override name = 'AuthError';
  readonly status: number | undefined;
  constructor(api: string, operation: string, message: string, status?: number) {
    super(api, operation, message, false);
    this.status = status;
  }
}

/**
 * `GET /v0/admin/authorization` answered 403: the token is valid but its user may not act for this SV (it is not the
 * SV app's ledger API user, nor a user whose primary party is the SV party).
 */
export class NotAuthorized extends AuthError {
  override name = 'NotAuthorized';
  constructor(api: string, operation: string, message: string) {
    super(api, operation, message, 403);
  }
}

/** Any other 4xx answer; `serverMessage` is the `error` field of the app's `ErrorResponse` when present. */
export class ApiError extends SpliceError {
  override name = 'ApiError';
  readonly status: number;
  readonly serverMessage: string;
  constructor(api: string, operation: string, status: number, serverMessage: string) {
    super(api, operation, `HTTP ${status}: ${serverMessage}`, false);
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/**
 * 409 on a transfer create: a transfer (offer, token-standard transfer) with this tracking id, or a preapproval send
 * with this deduplication id, was already accepted by the wallet. The earlier attempt counts; do not pay again.
 */
export class TransferExists extends ApiError {
  override name = 'TransferExists';
  /** The tracking or deduplication id that was refused. */
  readonly trackingId: string;
  constructor(base: ApiError, trackingId: string) {
    super(base.api, base.operation, base.status, base.serverMessage);
    this.trackingId = trackingId;
  }
}

/** 404 on a transfer status: the wallet knows no transfer with this tracking id (not submitted, or pruned). */
export class TransferUnknown extends ApiError {
  override name = 'TransferUnknown';
  readonly trackingId: string;
  constructor(base: ApiError, trackingId: string) {
    super(base.api, base.operation, base.status, base.serverMessage);
    this.trackingId = trackingId;
  }
}

/**
 * 404 "No wallet found for user": the token's user has no wallet install on this validator. On an SV node only the
 * validator's `validatorWalletUsers` have one; use such a user's OAuth2 client for the wallet.
 */
export class WalletUserNotOnboarded extends ApiError {
  override name = 'WalletUserNotOnboarded';
  /** The user the wallet named in its message, when it did. */
  readonly user: string | undefined;
  constructor(base: ApiError) {
    super(base.api, base.operation, base.status, base.serverMessage);
    this.user = /No wallet found for user\s+["'`]?([^"'`\s]+)/i.exec(base.serverMessage)?.[1];
  }
}

/** The SV app refused a vote request because the same SV already has an open request for the same action. */
export class DuplicateVoteRequestError extends ApiError {
  override name = 'DuplicateVoteRequestError';
  /** The existing request's contract id, when the app's message names it. */
  readonly existingContractId: string | undefined;
  constructor(base: ApiError) {
    super(base.api, base.operation, base.status, base.serverMessage);
    this.existingContractId = /already been created\s+([^\s.]+)/.exec(base.serverMessage)?.[1];
  }
}

/** The response did not have the documented shape; the client never guesses what was meant. */
export class MalformedResponseError extends SpliceError {
  override name = 'MalformedResponseError';
  readonly problems: string[];
  constructor(api: string, operation: string, problems: string[]) {
    super(api, operation, `malformed response: ${problems.slice(0, 5).join('; ')}`, false);
    this.problems = problems;
  }
}

/** Whether `err` is the wallet's "No wallet found for user" answer (also when not yet mapped). */
export function isNoWalletAnswer(err: ApiError): boolean {
  return err.status === 404 && /no wallet found for user/i.test(err.serverMessage);
}
