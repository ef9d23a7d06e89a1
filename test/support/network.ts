/**
 * A simulated Splice network for hand-over tests and the demo: four SVs (the old SV `Acme-1` among them, with weight
 * and Amulet), the new SV `Acme-2` as a candidate node, and migrations wired to it (Scans, the old SV's app and
 * wallet with its OAuth2 client in a Secret, the new SV's wallet, the sponsor).
 */
import { type KubeClient } from '../../src/controller/kube-client.ts';
import { RESOURCES } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { startSpliceSim, type SimVersion, type SpliceSim, type SpliceSimOptions } from '../env/splice-sim/index.ts';

export const OLD_SV = 'Acme-1';
export const NEW_SV = 'Acme-2';
export const OLD_WEIGHT = 165_0000;
export const OLD_BALANCE = '12345.6789';

/** Options of {@link startTestNetwork}: the simulator's, for the network's fixed SVs and candidate. */
export type TestNetworkOptions = Pick<SpliceSimOptions, 'autoVote' | 'mainNetRules' | 'now' | 'walletFeatures' | 'seedVoteResults' | 'users'> & { version?: SimVersion };

export async function startTestNetwork(opts: TestNetworkOptions = {}): Promise<SpliceSim> {
  return startSpliceSim({
    // The test migrations say Splice 0.7.4 (the examples'): the newest simulated version plays it unless told otherwise.
    version: opts.version ?? '0.6.12',
    ...(opts.mainNetRules ? { mainNetRules: true } : {}),
    ...(opts.walletFeatures ? { walletFeatures: opts.walletFeatures } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    // A long-lived network's history of closed votes of other SVs, and users without a wallet install (D1).
    ...(opts.seedVoteResults ? { seedVoteResults: opts.seedVoteResults } : {}),
    ...(opts.users ? { users: opts.users } : {}),
    svs: [
      { name: OLD_SV, weightBps: OLD_WEIGHT, balance: OLD_BALANCE },
      { name: 'Globex-1', weightBps: 10_000, balance: '100' },
      { name: 'Initech-1', weightBps: 10_000, balance: '100' },
      { name: 'Umbrella-1', weightBps: 10_000, balance: '100' },
    ],
    candidates: [{ name: NEW_SV, balance: '0' }],
    ...(opts.autoVote ? { autoVote: opts.autoVote } : {}),
  });
}

/** The SVs of the simulated network a migration hands over between (by name). */
export interface HandoverSvs {
  old: string;
  next: string;
}

const DEFAULT_HANDOVER: HandoverSvs = { old: OLD_SV, next: NEW_SV };

/**
 * Points a test migration at the simulated network (the hand-over of `svs`, by default {@link OLD_SV} to
 * {@link NEW_SV}); the OAuth2 client Secrets are created by {@link createNetworkSecrets}.
 */
export function wireToNetwork(m: SvKmsMigration, sim: SpliceSim, svs: HandoverSvs = DEFAULT_HANDOVER): SvKmsMigration {
  const old = sim.node(svs.old);
  const next = sim.node(svs.next);
  const sponsor = sim.node('Globex-1');
  m.spec.oldSv.name = svs.old;
  m.spec.newSv.name = svs.next;
  // A local test network: no configs-repo process (no reason URL required), and votes take effect at threshold so that a
  // test need not pass days; the governance tests that do pass days set the default timing back.
  m.spec.network = { scanUrls: sim.nodes.filter((n) => n.id.startsWith('sv-')).map((n) => n.scanUrl), name: 'Local' };
  const workflow = (m.spec.workflow ??= {} as SvKmsMigration['spec']['workflow']);
  workflow.weightTransfer = { ...workflow.weightTransfer, effectiveAtThreshold: true };
  workflow.offboarding = { ...workflow.offboarding, effectiveAtThreshold: true };
  m.spec.oldSv.svAppUrl = old.svAppUrl;
  m.spec.oldSv.walletUrl = old.walletUrl;
  m.spec.oldSv.auth = {
    tokenUrl: sim.tokenUrl,
    audience: sim.audiences.sv,
    walletAudience: sim.audiences.wallet,
    clientSecretRef: { name: 'old-sv-operator-client', clientIdKey: 'clientId', clientSecretKey: 'clientSecret' },
  };
  // The simulated SV app's client is also a wallet user of its validator.
  delete m.spec.oldSv.walletAuth;
  m.spec.oldSv.walletUsesSvAppAuth = true;
  m.spec.newSv.svNode.sponsorApiUrl = sponsor.svAppUrl;
  m.spec.newSv.walletUrl = next.walletUrl;
  m.spec.newSv.auth = {
    tokenUrl: sim.tokenUrl,
    audience: sim.audiences.sv,
    walletAudience: sim.audiences.wallet,
    clientSecretRef: { name: 'new-sv-operator-client', clientIdKey: 'clientId', clientSecretKey: 'clientSecret' },
  };
  return m;
}

export async function createNetworkSecrets(client: KubeClient, namespace: string, sim: SpliceSim, overrides: { oldClientSecret?: string; svs?: HandoverSvs } = {}): Promise<void> {
  const svs = overrides.svs ?? DEFAULT_HANDOVER;
  for (const [name, node, secret] of [
    ['old-sv-operator-client', sim.node(svs.old), overrides.oldClientSecret],
    ['new-sv-operator-client', sim.node(svs.next), undefined],
  ] as const) {
    await client.create(RESOURCES.secrets, namespace, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      stringData: { clientId: node.clientId, clientSecret: secret ?? node.clientSecret },
    } as never);
  }
}

/** Plays the other SV operators: they add the approved identity (weight 0) and the new SV asks its sponsor to join. */
export function onboardNewSv(sim: SpliceSim, identityPublicKey: string): void {
  sim.approveCandidate({ name: NEW_SV, publicKey: identityPublicKey, rewardWeightBps: 0 });
  sim.requestOnboarding(sim.node(NEW_SV).id, identityPublicKey);
}
