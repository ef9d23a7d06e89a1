/**
 * How failures of the Splice APIs become step results: an auth failure needs a human (Stalled, rechecked when the
 * Secret changes); a passing failure (timeouts, 5xx, malformed answers) is retried with backoff; anything else is
 * reported and retried on the poll interval.
 */
import { AuthError, MalformedResponseError, NotAuthorized, RateLimited, SpliceError, WalletUserNotOnboarded } from '../../splice/errors.ts';
import type { StepResult } from '../status-draft.ts';

const API_NAME: Record<string, string> = { sv: 'SvApp', wallet: 'Wallet', scan: 'Scan', oauth: 'Token' };

export function networkFailure(err: unknown, what: string, pollMs: number): StepResult {
  if (err instanceof NotAuthorized) {
    return {
      kind: 'stalled',
      reason: 'SvAppNotAuthorized',
      message: `${what}: the SV app refuses the OAuth2 client for this SV (${err.message}); check that the token's audience is the SV app's and that its user is the SV app's ledger API user or a user whose primary party is the SV party`,
      requeueAfterMs: pollMs * 4,
    };
  }
  if (err instanceof AuthError) {
    const api = API_NAME[err.api] ?? 'Splice';
    return {
      kind: 'stalled',
      reason: `${api}AuthFailed`,
      message: `${what}: ${err.message}. Check the OAuth2 client (tokenUrl, audience, client id and secret) in the spec and its Secret`,
      requeueAfterMs: pollMs * 4,
    };
  }
  if (err instanceof WalletUserNotOnboarded) {
    return {
      kind: 'stalled',
      reason: 'WalletUserNotOnboarded',
      message:
        `${what}: the wallet has no wallet for the OAuth2 client's user${err.user ? ` ${err.user}` : ''}. On an SV node only the validator's wallet users have one: ` +
        'give the operator the client of a user listed in the validator app\'s validatorWalletUsers (the SV example values\' OPERATOR_WALLET_USER_ID), or add this user there',
      requeueAfterMs: pollMs * 4,
    };
  }
  // The app limits this client (Splice ≥ 0.7.4 limits per IP): come back when it says, not sooner.
  if (err instanceof RateLimited) return { kind: 'wait', message: `${what}: rate limited by the server; trying again in ${Math.ceil((err.retryAfterMs ?? pollMs) / 1000)}s`, requeueAfterMs: err.retryAfterMs ?? pollMs };
  if (err instanceof MalformedResponseError) return { kind: 'retry', reason: 'MalformedResponse', message: `${what}: ${err.message}` };
  if (err instanceof SpliceError && err.transient) return { kind: 'retry', reason: 'NetworkUnavailable', message: `${what}: ${err.message}` };
  if (err instanceof SpliceError) return { kind: 'wait', message: `${what}: ${err.message}`, requeueAfterMs: pollMs };
  throw err;
}

/** How a failed effect (a vote request, a transfer, a write) ends the reconcile: Splice failures as above. */
export function effectFailure(err: unknown, what: string, pollMs: number): Exclude<StepResult, { kind: 'done' }> {
  const result = networkFailure(err, what, pollMs);
  if (result.kind === 'done') throw err;
  return result;
}
