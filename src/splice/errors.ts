/**
 * Typed errors of the Splice clients. `transient` tells the reconciler whether retrying later can help; none of these
 * messages ever carries a token or client secret.
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

/** A failure that may go away on its own: 5xx, 429, timeout, network error (after the client's own retries). */
export class TransientError extends SpliceError {
  override name = 'TransientError';
  readonly status: number | undefined;
  constructor(api: string, operation: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(api, operation, message, true, options);
    this.status = status;
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

/** The response did not have the documented shape; the client never guesses what was meant. */
export class MalformedResponseError extends SpliceError {
  override name = 'MalformedResponseError';
  readonly problems: string[];
  constructor(api: string, operation: string, problems: string[]) {
    super(api, operation, `malformed response: ${problems.slice(0, 5).join('; ')}`, false);
    this.problems = problems;
  }
}
