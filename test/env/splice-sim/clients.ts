/**
 * Builds the real Splice clients (src/splice) pointed at a simulator node, authenticated through the simulator's
 * token endpoint. Tests pass small timeouts so fault tests are quick.
 */
import { ClientCredentialsTokenSource } from '../../../src/splice/oauth.ts';
import type { JsonHttpOptions } from '../../../src/splice/http.ts';
import { ScanClient } from '../../../src/splice/scan.ts';
import { SvAppClient } from '../../../src/splice/sv-app.ts';
import { WalletClient } from '../../../src/splice/wallet.ts';
import type { SpliceSim } from './index.ts';

/** Overrides for the HTTP layer and the credentials (e.g. one of `SpliceSimOptions.users`). */
export interface SimClientOptions {
  http?: Partial<Omit<JsonHttpOptions, 'api' | 'baseUrl' | 'token'>>;
  clientId?: string;
  clientSecret?: string;
  audience?: string;
}

/** Scan, SV app and wallet clients for `nodeId`. */
export function clientsFor(sim: SpliceSim, nodeId: string, opts: SimClientOptions = {}) {
  const n = sim.node(nodeId);
  // The clients validate against the simulated version's generated schemas.
  const http = { timeoutMs: 2000, apiVersion: sim.version, ...opts.http };
  const tokens = (audience: string) =>
    new ClientCredentialsTokenSource(
      { tokenUrl: sim.tokenUrl, audience: opts.audience ?? audience, clientId: opts.clientId ?? n.clientId, clientSecret: opts.clientSecret ?? n.clientSecret },
      { sleep: async () => {} },
    );
  const svTokens = tokens(sim.audiences.sv);
  const walletTokens = tokens(sim.audiences.wallet);
  return {
    info: n,
    scan: new ScanClient({ baseUrl: n.scanUrl, ...http }),
    sv: new SvAppClient({ baseUrl: n.svAppUrl, token: () => svTokens.token(), ...http }),
    wallet: new WalletClient({ baseUrl: n.walletUrl, token: () => walletTokens.token(), ...http }),
  };
}
