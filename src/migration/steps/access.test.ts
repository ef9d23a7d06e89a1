/**
 * SpliceAccessVerified: definite refusals stall before any gate, with the fix; what cannot be asked yet is reported
 * without holding Preparing up.
 */
import { describe, expect, it } from '@jest/globals';
import { ApiError, AuthError, NotAuthorized, TransientError, WalletUserNotOnboarded } from '../../splice/errors.ts';
import pino from 'pino';
import { FakeWorld, input, migration } from '../../../test/support/migration-fixtures.ts';
import { accessCached, accessStep, decideAccess, needsSvApp, oldWalletClient, walletClientGiven, type AccessObservation } from './access.ts';

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
    ['the apps cannot be reached yet: reported, Preparing goes on', checked(failedApp(new TransientError('sv', 'isAuthorized', 'ECONNREFUSED')), failedWallet(new TransientError('wallet', 'userStatus', 'ECONNREFUSED'))), { outcome: 'done', status: 'Unknown', reason: 'NotVerifiedYet', message: /ECONNREFUSED.*checked again at the next reconcile/, verified: false }],
    ['a client Secret not created yet: reported, Preparing goes on', checked({ ok: false, reason: 'ClientSecretNotFound', message: 'create it' }, { ok: false, reason: 'ClientSecretNotFound', message: 'create it' }), { outcome: 'done', status: 'Unknown', reason: 'NotVerifiedYet', verified: false }],
    ['External votes and a Manual transfer without clients: nothing to check, verified', checked(undefined, undefined), { outcome: 'done', status: 'True', reason: 'Verified', message: /both vote gates are External.*Manual transfer/, verified: true }],
    ['External votes, a wallet client: only the wallet is checked', checked(undefined, okWallet()), { outcome: 'done', status: 'True', reason: 'Verified', message: /no SV app client is needed \(both vote gates are External\); the wallet client's user has a wallet/ }],
  ];
  it.each(rows)('%s', (_n, observation, e) => {
    const d = decideAccess(input(migration()), observation);
    expect(d.outcome.kind).toBe(e.outcome);
    expect(d.conditions?.[0]).toMatchObject({ type: 'SpliceAccessVerified', status: e.status, reason: e.reason });
    if (e.message) expect(d.conditions?.[0]?.message).toMatch(e.message);
    if (e.verified !== undefined) expect(d.status?.spliceAccess).toEqual({ generation: 1, checkedAt: '2026-11-02T10:00:00Z', verified: e.verified });
  });

  it('reaches the wallet with walletAuth, or with the SV app\'s client only when walletUsesSvAppAuth says its user is a wallet user', () => {
    const own = migration();
    expect(oldWalletClient(own)).toEqual({ auth: own.spec.oldSv.walletAuth, field: 'spec.oldSv.walletAuth' });
    const silent = migration((m) => delete m.spec.oldSv.walletAuth);
    expect(silent.spec.oldSv.auth).toBeDefined();
    expect(oldWalletClient(silent)).toBeUndefined();
    const same = migration((m) => {
      delete m.spec.oldSv.walletAuth;
      m.spec.oldSv.walletUsesSvAppAuth = true;
    });
    expect(oldWalletClient(same)).toEqual({ auth: same.spec.oldSv.auth, field: 'spec.oldSv.auth' });
  });

  it('asks only the apps the spec needs: the SV app unless both vote gates are External, the wallet when a client is given', async () => {
    const external = migration((m) => {
      m.spec.workflow.weightTransfer.mode = 'External';
      m.spec.workflow.offboarding.mode = 'External';
    });
    expect(needsSvApp(migration())).toBe(true);
    expect(needsSvApp(external)).toBe(false);
    const manual = migration((m) => {
      delete m.spec.oldSv.auth;
      delete m.spec.oldSv.walletAuth;
      m.spec.workflow.assetTransfer.mode = 'Manual';
    });
    expect(walletClientGiven(manual)).toBe(false);
    const world = new FakeWorld();
    const deps = world.deps();
    const asked: string[] = [];
    const { oldSvApp, oldWallet } = deps.splice;
    deps.splice.oldSvApp = (m) => (asked.push('svApp'), oldSvApp(m));
    deps.splice.oldWallet = (m) => (asked.push('wallet'), oldWallet(m));
    const observe = (m: typeof external) => accessStep.observe({ ...input(m), deps, signal: new AbortController().signal, log: pino({ level: 'silent' }) });
    expect(await observe(external)).toMatchObject({ kind: 'checked', svApp: undefined, wallet: { ok: true } });
    expect(asked).toEqual(['wallet']);
    // An Automatic transfer without a wallet client (admitted before the CRD required one) is asked too: the port
    // answers ClientNotGiven, which the check reports.
    asked.length = 0;
    await observe(migration((m) => delete m.spec.oldSv.walletAuth));
    expect(asked).toEqual(['svApp', 'wallet']);
    asked.length = 0;
    await observe(manual);
    expect(asked).toEqual(['svApp']);
  });

  it('is not asked again once verified for the generation; a check that did not verify is repeated and keeps its time while its outcome holds', () => {
    const verified = { spliceAccess: { generation: 1, checkedAt: '2026-11-01T00:00:00Z', verified: true } };
    expect(accessCached(verified, 1)).toBe(true);
    expect(accessCached(verified, 2)).toBe(false);
    expect(accessCached({ spliceAccess: { generation: 1, verified: false } }, 1)).toBe(false);
    expect(accessCached({}, 1)).toBe(false);
    expect(decideAccess(input(migration()), { kind: 'cached' })).toEqual({ outcome: { kind: 'done' } });
    const unreachable = checked(failedApp(new TransientError('sv', 'isAuthorized', 'ECONNREFUSED')), okWallet());
    const first = decideAccess(input(migration()), unreachable);
    const again = decideAccess(input(migration(), { status: first.status as Record<string, never>, now: new Date('2026-11-03T00:00:00Z') }), unreachable);
    expect(again.status).toEqual(first.status);
  });
});
