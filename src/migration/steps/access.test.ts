/**
 * SpliceAccessVerified: definite refusals stall before any gate, with the fix; what cannot be asked yet is reported
 * without holding Preparing up.
 */
import { describe, expect, it } from '@jest/globals';
import { ApiError, AuthError, NotAuthorized, TransientError, WalletUserNotOnboarded } from '../../splice/errors.ts';
import { input, migration, T0 } from '../../../test/support/migration-fixtures.ts';
import { accessCached, decideAccess, type AccessObservation } from './access.ts';

const okApp = { ok: true as const, check: { ok: true as const, value: undefined } };
const okWallet = (st = { onboarded: true, walletInstalled: true, partyId: 'p' }) => ({ ok: true as const, status: { ok: true as const, value: st } });
const failedApp = (error: unknown) => ({ ok: true as const, check: { ok: false as const, error } });
const failedWallet = (error: unknown) => ({ ok: true as const, status: { ok: false as const, error } });
const checked = (svApp: Extract<AccessObservation, { kind: 'checked' }>['svApp'], wallet: Extract<AccessObservation, { kind: 'checked' }>['wallet']): AccessObservation => ({ kind: 'checked', svApp, wallet });

describe('SpliceAccessVerified', () => {
  const rows: [string, AccessObservation, { outcome: string; status: string; reason: string; message?: RegExp; verified?: boolean }][] = [
    ['both apps accept their clients', checked(okApp, okWallet()), { outcome: 'done', status: 'True', reason: 'Verified', verified: true }],
    ['the SV app refuses the user: the fix is named', checked(failedApp(new NotAuthorized('sv', 'isAuthorized', 'forbidden')), okWallet()), { outcome: 'stalled', status: 'False', reason: 'SvAppNotAuthorized', message: /primary party is the SV party/ }],
    ['the SV app refuses the token', checked(failedApp(new AuthError('sv', 'isAuthorized', 'bad audience', 401)), okWallet()), { outcome: 'stalled', status: 'False', reason: 'SvAppAuthFailed' }],
    [
      'the wallet has no wallet for the user',
      checked(okApp, failedWallet(new WalletUserNotOnboarded(new ApiError('wallet', 'userStatus', 404, 'No wallet found for user sv-admin')))),
      { outcome: 'stalled', status: 'False', reason: 'WalletUserNotOnboarded', message: /validatorWalletUsers/ },
    ],
    ['the wallet user is onboarded without a wallet install', checked(okApp, okWallet({ onboarded: true, walletInstalled: false, partyId: 'p' })), { outcome: 'stalled', status: 'False', reason: 'WalletUserNotOnboarded', message: /no wallet installed.*spec.oldSv.walletAuth/ }],
    ['the wallet user is not onboarded', checked(okApp, okWallet({ onboarded: false, walletInstalled: false, partyId: 'p' })), { outcome: 'stalled', status: 'False', reason: 'WalletUserNotOnboarded', message: /not onboarded/ }],
    ['the apps cannot be reached yet: reported, Preparing goes on', checked(failedApp(new TransientError('sv', 'isAuthorized', 'ECONNREFUSED')), failedWallet(new TransientError('wallet', 'userStatus', 'ECONNREFUSED'))), { outcome: 'done', status: 'Unknown', reason: 'NotVerifiedYet', message: /ECONNREFUSED.*checked again in 5 min/, verified: false }],
    ['a client Secret not created yet: reported, Preparing goes on', checked({ ok: false, reason: 'ClientSecretNotFound', message: 'create it' }, { ok: false, reason: 'ClientSecretNotFound', message: 'create it' }), { outcome: 'done', status: 'Unknown', reason: 'NotVerifiedYet', verified: false }],
  ];
  it.each(rows)('%s', (_n, observation, e) => {
    const d = decideAccess(input(migration()), observation);
    expect(d.outcome.kind).toBe(e.outcome);
    expect(d.conditions?.[0]).toMatchObject({ type: 'SpliceAccessVerified', status: e.status, reason: e.reason });
    if (e.message) expect(d.conditions?.[0]?.message).toMatch(e.message);
    if (e.verified !== undefined) expect(d.status?.spliceAccess).toEqual({ generation: 1, checkedAt: '2026-11-02T10:00:00Z', verified: e.verified });
  });

  it('is checked once per generation once verified, and an unfinished check again after a while', () => {
    const verified = { spliceAccess: { generation: 1, checkedAt: '2026-11-02T10:00:00Z', verified: true } };
    const unfinished = { spliceAccess: { generation: 1, checkedAt: '2026-11-02T10:00:00Z', verified: false } };
    const later = (ms: number) => new Date(T0.getTime() + ms);
    expect(accessCached(verified, 1, later(86_400_000), 300_000)).toBe(true);
    expect(accessCached(verified, 2, T0, 300_000)).toBe(false);
    expect(accessCached(unfinished, 1, later(60_000), 300_000)).toBe(true);
    expect(accessCached(unfinished, 1, later(300_000), 300_000)).toBe(false);
    expect(accessCached({}, 1, T0, 300_000)).toBe(false);
    expect(decideAccess(input(migration()), { kind: 'cached' })).toEqual({ outcome: { kind: 'done' } });
    const refused = { conditions: [{ type: 'SpliceAccessVerified', status: 'False' as const, reason: 'SvAppNotAuthorized', message: 'refused', lastTransitionTime: '' }] };
    expect(decideAccess(input(migration(), { status: refused }), { kind: 'cached' }).outcome).toEqual({ kind: 'stalled', reason: 'SvAppNotAuthorized', message: 'refused', requeueAfterMs: 300_000 });
  });
});
