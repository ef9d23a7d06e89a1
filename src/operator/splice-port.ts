/**
 * The workflow's view of the Splice network, on the typed clients: Scans without auth, the old SV's app and wallet
 * (and the new SV's wallet) with OAuth2 client credentials from a Secret in the migration's own namespace. Token
 * sources are cached per credential (a token lives until shortly before it expires); a changed Secret gives a new one.
 */
import { createHash } from 'node:crypto';
import type { OAuthClientSpec, SvKmsMigration } from '../api/types.ts';
import type { Access, ClusterView, GovernancePort, SpliceAccess, WalletPort } from '../migration/ports.ts';
import { governancePort, networkVotesPort, onboardingProgress, walletPort } from './splice-adapters.ts';
import { SharedReads } from './shared-reads.ts';
import { defaultQuorum } from '../migration/steps/dso.ts';
import { oldWalletClient } from '../migration/steps/access.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import { secretValue } from '../migration/steps/credentials.ts';
import type { CallEvent } from '../splice/http.ts';
import { ClientCredentialsTokenSource } from '../splice/oauth.ts';
import { apiVersionFor } from '../splice/api-schemas.ts';
import type { SpliceApiVersion } from '../splice/operations.ts';
import { readDsoViews, type ScanView } from '../splice/scan-quorum.ts';
import { ScanClient } from '../splice/scan.ts';
import { SvAppClient } from '../splice/sv-app.ts';
import { WalletClient } from '../splice/wallet.ts';

/** How long a Scan's version answer is shared (the network's version changes by upgrade, rarely). */
const VERSION_TTL_MS = 5 * 60_000;

export interface SpliceAccessOptions {
  /**
   * How long a Scan's DSO answer is shared across migrations after it arrived (0: only while in flight). The operator
   * uses the network poll interval: the reconciler re-reads the Scans through `fresh()` before an effect.
   */
  dsoTtlMs?: number;
  cluster: ClusterView;
  registerSecret(value: string): void;
  onCall?: (event: CallEvent) => void;
  timeoutMs?: number;
  /** The clock of the shared reads' ages (tests). */
  now?: () => number;
}

const MAX_TOKEN_SOURCES = 256;

/** No OAuth2 client was given for `what` (the spec's rules allow that only where the operator does not call it). */
function notGiven(field: string, what: string): { ok: false; reason: string; message: string } {
  return { ok: false, reason: 'ClientNotGiven', message: `${field} is not set: the operator has no OAuth2 client for ${what}` };
}

/**
 * The spec set the SV app and wallet answers are validated against: that of the Splice version the migration resolved
 * (status.splice, else spec.splice.version), so an older network is not held to fields a newer spec requires.
 */
function networkApiVersion(m: SvKmsMigration): SpliceApiVersion {
  return apiVersionFor(m.status?.splice?.version ?? m.spec.splice?.version);
}

export function spliceAccess(opts: SpliceAccessOptions): SpliceAccess {
  const tokenSources = new BoundedMap<string, ClientCredentialsTokenSource>(MAX_TOKEN_SOURCES);
  const common = { onCall: opts.onCall, timeoutMs: opts.timeoutMs ?? 15_000 };

  async function tokenSource(m: SvKmsMigration, auth: OAuthClientSpec, field: string, audience: string): Promise<Access<() => Promise<string>>> {
    const ns = m.metadata.namespace;
    const ref = auth.clientSecretRef;
    const secret = await opts.cluster.secret(ns, ref.name);
    if (!secret) {
      return { ok: false, reason: 'ClientSecretNotFound', message: `${field}.clientSecretRef: Secret ${ns}/${ref.name} does not exist; create it in the migration's namespace` };
    }
    const clientId = secretValue(secret, ref.clientIdKey);
    const clientSecret = secretValue(secret, ref.clientSecretKey);
    if (clientId === undefined || clientSecret === undefined) {
      const missing = [clientId === undefined ? ref.clientIdKey : undefined, clientSecret === undefined ? ref.clientSecretKey : undefined].filter(Boolean);
      return { ok: false, reason: 'ClientSecretKeyMissing', message: `${field}.clientSecretRef: Secret ${ns}/${ref.name} has no data key ${missing.map((k) => `"${k}"`).join(', ')}` };
    }
    opts.registerSecret(clientSecret);
    const key = createHash('sha256').update(JSON.stringify([auth.tokenUrl, audience, auth.scope ?? '', clientId, clientSecret])).digest('hex');
    let source = tokenSources.get(key);
    if (!source) {
      source = new ClientCredentialsTokenSource({ tokenUrl: auth.tokenUrl, audience, clientId, clientSecret, ...(auth.scope ? { scope: auth.scope } : {}) });
      tokenSources.set(key, source);
    }
    const s = source;
    return { ok: true, client: () => s.token() };
  }

  async function authed<T>(m: SvKmsMigration, auth: OAuthClientSpec, field: string, app: 'sv' | 'wallet', make: (token: () => Promise<string>) => T): Promise<Access<T>> {
    const token = await tokenSource(m, auth, field, app === 'wallet' ? (auth.walletAudience ?? auth.audience) : auth.audience);
    return token.ok ? { ok: true, client: make(token.client) } : token;
  }

  const shared = new SharedReads(opts.now);
  const scans = (m: SvKmsMigration) => m.spec.network.scanUrls.map((baseUrl) => new ScanClient({ baseUrl, ...common }));

  /** Every Scan's answer to `read`, failures included. */
  async function eachScan<T>(m: SvKmsMigration, read: (scan: ScanClient) => Promise<T>): Promise<ScanView<T>[]> {
    const all = scans(m);
    const settled = await Promise.allSettled(all.map(read));
    return settled.map((r, i) => (r.status === 'fulfilled' ? { url: all[i]!.url, ok: true as const, value: r.value } : { url: all[i]!.url, ok: false as const, error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)) }));
  }

  /** The Scan reads, shared across migrations, or (`fresh`) made now; a fresh answer is then shared in turn. */
  function scanReads(fresh: boolean): Pick<SpliceAccess, 'dsoViews' | 'scanVersions'> {
    const read = fresh ? shared.refresh.bind(shared) : shared.get.bind(shared);
    /** A Scan whose DSO reads go through the shared reads. */
    const dsoOf = (scan: ScanClient): Pick<ScanClient, 'url' | 'getDsoState'> => ({
      url: scan.url,
      getDsoState: (signal?: AbortSignal) => read(`dso ${scan.url}`, opts.dsoTtlMs ?? 0, () => scan.getDsoState(signal)),
    });
    return {
      dsoViews: (m, signal) => readDsoViews(scans(m).map(dsoOf), signal),
      scanVersions: (m, signal) => eachScan(m, async (s) => (await read(`version ${s.url}`, VERSION_TTL_MS, () => s.getVersion(signal))).version),
    };
  }

  const rest: Omit<SpliceAccess, 'dsoViews' | 'scanVersions' | 'fresh'> = {
    networkVotes: (m) => networkVotesPort(scans(m), defaultQuorum(m)),
    transferPreapproval: (m, party, signal) => eachScan(m, async (s) => (await s.lookupTransferPreapproval(party, signal)) !== undefined),
    onboardingStatus: async (m, signal) => onboardingProgress(await new SvAppClient({ baseUrl: m.spec.newSv.svNode.sponsorApiUrl, ...common }).getOnboardingStatus(m.spec.newSv.name, signal)),
    oldSvApp: async (m) => {
      const auth = m.spec.oldSv.auth;
      if (!auth) return notGiven('spec.oldSv.auth', 'the old SV\'s SV app');
      return authed<GovernancePort>(m, auth, 'spec.oldSv.auth', 'sv', (token) => governancePort(new SvAppClient({ baseUrl: m.spec.oldSv.svAppUrl, token, ...common, apiVersion: networkApiVersion(m) })));
    },
    oldWallet: async (m) => {
      const client = oldWalletClient(m);
      if (!client) return notGiven('spec.oldSv.walletAuth (or spec.oldSv.walletUsesSvAppAuth)', 'the old SV\'s wallet');
      return authed<WalletPort>(m, client.auth, client.field, 'wallet', (token) =>
        walletPort(new WalletClient({ baseUrl: m.spec.oldSv.walletUrl, token, ...common, apiVersion: networkApiVersion(m) })),
      );
    },
    newWallet: async (m) => {
      const { walletUrl, auth } = m.spec.newSv;
      if (!walletUrl || !auth) return undefined;
      return authed<WalletPort>(m, auth, 'spec.newSv.auth', 'wallet', (token) => walletPort(new WalletClient({ baseUrl: walletUrl, token, ...common, apiVersion: networkApiVersion(m) })));
    },
  };
  // Only the Scans' DSO state and version are shared; every other read is made when asked.
  const fresh: SpliceAccess = { ...rest, ...scanReads(true), fresh: () => fresh };
  return { ...rest, ...scanReads(false), fresh: () => fresh };
}
