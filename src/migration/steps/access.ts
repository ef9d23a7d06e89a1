/**
 * SpliceAccessVerified: long before any gate, the operator checks that the credentials it was given can do what the
 * hand-over will need — the SV app lets the client act for the old SV (`GET /v0/admin/authorization`), and the wallet
 * client's user has a wallet install (`GET /v0/wallet/user-status`; on an SV node only the validator's wallet users
 * have one). A definite refusal stalls the migration with the fix; an app that cannot be reached (or a client Secret
 * not created yet) is reported and checked again later without holding Preparing up: those are needed only at the
 * gates, where they stall if still missing. Checked once per spec generation once verified.
 */
import type { OAuthClientSpec, SvKmsMigration, SvKmsMigrationStatus } from '../../api/types.ts';
import { AuthError, WalletUserNotOnboarded } from '../../splice/errors.ts';
import { decision, doneWith, fromResult } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import { observed, type DecideInput, type Observed, type Step, type StepDecision } from '../step.ts';
import { networkFailure } from './network-errors.ts';

/** Each check: not needed by this spec (undefined), no client to check with, or the app's answer. */
export type AccessObservation =
  | { kind: 'cached' }
  | {
      kind: 'checked';
      svApp: { ok: false; reason: string; message: string } | { ok: true; check: Observed<void> } | undefined;
      wallet: { ok: false; reason: string; message: string } | { ok: true; status: Observed<{ onboarded: boolean; walletInstalled: boolean; partyId: string }> } | undefined;
    };

/** The SV app is needed unless both vote gates are External (the votes are requested outside the operator). */
export function needsSvApp(m: SvKmsMigration): boolean {
  return m.spec.workflow.weightTransfer.mode !== 'External' || m.spec.workflow.offboarding.mode !== 'External';
}

/**
 * The client the old SV's wallet is reached with, and the field that gives it: walletAuth, or the SV app's auth when
 * the user says its user is a wallet user (walletUsesSvAppAuth). Never the SV app's client by default: on an SV node
 * it is usually a service user without a wallet.
 */
export function oldWalletClient(m: SvKmsMigration): { auth: OAuthClientSpec; field: string } | undefined {
  const { walletAuth, walletUsesSvAppAuth, auth } = m.spec.oldSv;
  if (walletAuth) return { auth: walletAuth, field: 'spec.oldSv.walletAuth' };
  if (walletUsesSvAppAuth && auth) return { auth, field: 'spec.oldSv.auth' };
  return undefined;
}

/**
 * The wallet is read whenever a client for it is given (a Manual transfer without one is confirmed by its approval).
 * An Automatic transfer without one (only a migration admitted before the CRD required it) is reported by the check.
 */
export function walletClientGiven(m: SvKmsMigration): boolean {
  return oldWalletClient(m) !== undefined;
}

/**
 * Verified for this generation: not asked again. A check that did not verify is repeated at every reconcile (which
 * come at the poll and recheck intervals, or when a Secret changes) and written only when its outcome changes.
 */
export function accessCached(status: Readonly<SvKmsMigrationStatus>, generation: number): boolean {
  return status.spliceAccess?.generation === generation && status.spliceAccess.verified === true;
}

/** A definite refusal of the network (needs a human now), as opposed to not being able to ask. */
function definite(err: unknown): boolean {
  return err instanceof AuthError || err instanceof WalletUserNotOnboarded;
}

export function decideAccess({ m, status, generation, now, timing }: DecideInput, observation: AccessObservation): StepDecision<never> {
  if (observation.kind === 'cached') return decision({ kind: 'done' });
  // The time of the check is kept while its outcome stays the same, so that a repeated check writes nothing.
  const record = (verified: boolean) => ({
    spliceAccess: {
      generation,
      checkedAt: status.spliceAccess?.generation === generation && status.spliceAccess.verified === verified && status.spliceAccess.checkedAt ? status.spliceAccess.checkedAt : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      verified,
    },
  });
  const { svApp, wallet } = observation;
  const pending: string[] = [];
  if (svApp && !svApp.ok) pending.push(svApp.message);
  else if (svApp && !svApp.check.ok) {
    const result = networkFailure(svApp.check.error, `the old SV's app (${m.spec.oldSv.svAppUrl})`, timing.networkPollMs);
    if (definite(svApp.check.error)) return fromResult(CONDITION.SpliceAccessVerified, result, record(false));
    pending.push('message' in result ? result.message : 'the SV app did not answer');
  }
  if (wallet && !wallet.ok) pending.push(wallet.message);
  else if (wallet?.status.ok === false) {
    const result = networkFailure(wallet.status.error, `the old SV's wallet (${m.spec.oldSv.walletUrl})`, timing.networkPollMs);
    if (definite(wallet.status.error)) return fromResult(CONDITION.SpliceAccessVerified, result, record(false));
    pending.push('message' in result ? result.message : 'the wallet did not answer');
  } else if (wallet?.status.ok && (!wallet.status.value.onboarded || !wallet.status.value.walletInstalled)) {
    const field = m.spec.oldSv.walletAuth ? 'spec.oldSv.walletAuth' : 'spec.oldSv.auth, with spec.oldSv.walletUsesSvAppAuth';
    return fromResult(
      CONDITION.SpliceAccessVerified,
      {
        kind: 'stalled',
        reason: 'WalletUserNotOnboarded',
        message: `the wallet client's user (${field}) is ${wallet.status.value.onboarded ? 'onboarded but has no wallet installed' : 'not onboarded'} on ${m.spec.oldSv.walletUrl}: set spec.oldSv.walletAuth to the client of a user in the validator's validatorWalletUsers, or add this user there`,
        requeueAfterMs: timing.preflightRecheckMs,
      },
      record(false),
    );
  }
  if (pending.length > 0) {
    // Not a refusal: reported, and checked again after a while; the gates stall on it if it is still so by then.
    return decision({ kind: 'done' }, { type: CONDITION.SpliceAccessVerified, status: 'Unknown', reason: 'NotVerifiedYet', message: `${pending.join('; ')}; checked again at the next reconcile` }, record(false));
  }
  const verified = [
    svApp ? `${m.spec.oldSv.name}'s SV app accepts the operator's client` : 'no SV app client is needed (both vote gates are External)',
    wallet ? 'the wallet client\'s user has a wallet' : 'no wallet client is given (the Manual transfer is confirmed by its approval)',
  ];
  return doneWith(CONDITION.SpliceAccessVerified, 'Verified', verified.join('; '), record(true));
}

export const accessStep: Step<AccessObservation> = {
  name: 'spliceAccess',
  async observe({ m, deps, status, generation, signal, facts }) {
    if (!facts.recheck && accessCached(status, generation)) return { kind: 'cached' };
    const [app, wallet] = await Promise.all([needsSvApp(m) ? deps.splice.oldSvApp(m) : undefined, walletClientGiven(m) || m.spec.workflow.assetTransfer.mode === 'Automatic' ? deps.splice.oldWallet(m) : undefined]);
    return {
      kind: 'checked',
      svApp: app && (app.ok ? { ok: true, check: await observed(() => app.client.verifyAuthorized(signal)) } : app),
      wallet: wallet && (wallet.ok ? { ok: true, status: await observed(() => wallet.client.userStatus(signal)) } : wallet),
    };
  },
  decide: decideAccess,
};
