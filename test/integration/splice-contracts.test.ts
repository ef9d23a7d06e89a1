/**
 * Three contracts of a stock SV deployment on today's network (issue 11, D1–D4), shown with the operator running
 * against the simulated network, not only with its clients:
 * - a wallet client whose user has no wallet install stalls the migration in Preparing, long before any gate, with
 *   the fix in the message (and the fix works);
 * - a rejected weight vote buried under 10,000 closed votes of other SVs is Stalled VoteRejected by the first poll
 *   pass that reads the network after the vote closed (0.4.15 and 0.6.12 result ordering);
 * - an effectiveAt before the vote would close is refused before anything reaches the SV app.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { createCantonKeys, startMoto, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_4_15, FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SimVersion, SpliceSim } from '../env/splice-sim/index.ts';
import type { KubeClient } from '../../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { ScanClient } from '../../src/splice/scan.ts';
import { condition, eventually, getMigration, migrationClient, startTestOperator, waitForCondition } from '../support/operator-harness.ts';
import { applyMigration } from '../support/migrations.ts';
import { NEW_SV, OLD_SV, OLD_WEIGHT, startTestNetwork, type TestNetworkOptions } from '../support/network.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

const DAY = 86_400_000;
const timing = { kmsKeysPollMs: 200, preflightRecheckMs: 300, stalledRecheckMs: 1000, deploymentRecheckMs: 500, networkPollMs: 200 };

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
const charts: Partial<Record<SimVersion, SpliceCharts>> = {};
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  moto = await startMoto();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await moto?.stop();
  for (const c of Object.values(charts)) c.remove();
});

/** The upstream charts the platform team installs on a network of `version` (made once, on first use). */
function chartsFor(version: SimVersion): SpliceCharts {
  return (charts[version] ??= new SpliceCharts(version === '0.4.15' ? FIXTURE_0_4_15 : FIXTURE_0_6_12));
}

interface Scenario {
  /** The simulator's options (the network's SVs are the test network's). */
  network?: TestNetworkOptions;
  /** Changes to the migration before it is applied (every gate is closed). */
  tweak?: (m: SvKmsMigration, sim: SpliceSim) => Promise<void> | void;
  /** Play the platform team, Canton and the other SV operators (to get past Preparing). */
  world?: boolean;
}

/**
 * A simulated network, a migration `m` wired to it (the old SV in its own namespace), an operator on the network's
 * clock, and (`world`) everyone else; all stopped after the test.
 */
async function scenario(prefix: string, opts: Scenario): Promise<{ sim: SpliceSim; namespace: string }> {
  const version = opts.network?.version ?? '0.6.12';
  const sim = await startTestNetwork({ ...opts.network, version });
  cleanups.push(() => sim.stop());
  const namespace = await createTestNamespace(kc, prefix);
  const oldNamespace = await createTestNamespace(kc, `${prefix}-old`);
  const m = await prepareHandover(client, sim, { namespace, oldNamespace, name: 'm', kmsEndpoint: moto.endpoint, gates: 'closed' });
  if (version === '0.4.15') {
    // The network is what it says; Canton before 3.5.8 (Splice 0.4) has no AWS custom tags.
    m.spec.splice = { ...m.spec.splice, version: '0.4.15' };
    delete m.spec.kms.aws!.customTags;
  }
  await opts.tweak?.(m, sim);
  const operator = await startTestOperator(kc, { namespaces: [namespace, oldNamespace], timing, now: () => new Date(sim.now()), retryBackoff: { maxDelayMs: 1000 } });
  cleanups.push(() => operator.stop());
  await applyMigration(client, m);
  if (opts.world) {
    const world = playWorld({ client, charts: chartsFor(version), sim, namespace, name: 'm', oldNamespace, createKmsKeys: () => createCantonKeys(moto.endpoint).then(() => undefined) });
    cleanups.push(() => world.stop());
  }
  return { sim, namespace };
}

const specChange = (namespace: string, patch: Record<string, unknown>) => client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: patch }, 'merge');

/** Every createVoteRequest that reached the old SV's app, answered or not. */
const voteRequestAttempts = (sim: SpliceSim) => sim.counts()[sim.node(OLD_SV).id]?.['createVoteRequest']?.attempts ?? 0;

/** DSO reads on all Scans (every reconcile past onboarding makes them, shared for a poll interval). */
const scanDsoReads = (sim: SpliceSim) => Object.values(sim.requests()).reduce((n, apps) => n + (apps.scan?.['getDsoInfo'] ?? 0), 0);

describe('a wallet client whose user has no wallet install', () => {
  it('stalls in Preparing with SpliceAccessVerified WalletUserNotOnboarded naming the fix, and goes on once the fix is applied', async () => {
    // The SV app's own ledger user: the SV app accepts it for the SV, but it is not one of the validator's wallet users.
    const appUser = { nodeId: 'sv-1', clientId: 'acme-1-sv-app', clientSecret: randomBytes(16).toString('hex'), user: 'acme-1-sv-app@clients', wallet: false };
    const { sim, namespace } = await scenario('wallet-user', {
      network: { users: [appUser] },
      tweak: async (m, sim) => {
        expect(sim.node(OLD_SV).id).toBe(appUser.nodeId);
        // The platform team gave the operator the SV app's client and said it is a wallet user (walletUsesSvAppAuth, as
        // wireToNetwork sets it), so the wallet is read with it too; but it is not one.
        await client.create(RESOURCES.secrets, m.metadata.namespace, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'old-sv-app-client', namespace: m.metadata.namespace },
          stringData: { clientId: appUser.clientId, clientSecret: appUser.clientSecret },
        } as never);
        m.spec.oldSv.auth!.clientSecretRef.name = 'old-sv-app-client';
        expect(m.spec.oldSv.walletAuth).toBeUndefined();
        expect(m.spec.oldSv.walletUsesSvAppAuth).toBe(true);
      },
    });
    const stalled = await waitForCondition(client, namespace, 'm', 'SpliceAccessVerified', 'False', 'WalletUserNotOnboarded', 30_000);
    expect(stalled.status?.phase).toBe('Preparing');
    expect(condition(stalled, 'SpliceAccessVerified')?.message).toBe(
      `the wallet client's user (spec.oldSv.auth, with spec.oldSv.walletUsesSvAppAuth) is not onboarded on ${sim.node(OLD_SV).walletUrl}: ` +
        "set spec.oldSv.walletAuth to the client of a user in the validator's validatorWalletUsers, or add this user there",
    );
    expect(condition(stalled, 'Stalled')).toMatchObject({ status: 'True', reason: 'WalletUserNotOnboarded' });
    // Found by asking, not by failing a transfer: the wallet was asked for its user's status and nothing else.
    const oldSvRequests = sim.requests()[sim.node(OLD_SV).id];
    expect(Object.keys(oldSvRequests?.wallet ?? {})).toEqual(['userStatus']);
    expect(oldSvRequests?.sv?.['isAuthorized']).toBeGreaterThanOrEqual(1);

    // The fix the message names: the client of one of the validator's wallet users, as spec.oldSv.walletAuth.
    const auth = stalled.spec.oldSv.auth!;
    await specChange(namespace, { oldSv: { walletAuth: { ...auth, clientSecretRef: { ...auth.clientSecretRef, name: 'old-sv-operator-client' } }, walletUsesSvAppAuth: null } });
    const verified = await waitForCondition(client, namespace, 'm', 'SpliceAccessVerified', 'True', 'Verified', 30_000);
    expect(condition(verified, 'SpliceAccessVerified')?.message).toContain("the wallet client's user has a wallet");
    await waitForCondition(client, namespace, 'm', 'NewSvDeployed', 'False', 'ParticipantNotDeployed', 30_000);
    expect(sim.violations).toEqual([]);
  }, 120_000);
});

describe.each<SimVersion>(['0.4.15', '0.6.12'])('on a Splice %s network with 10,000 closed votes of other SVs', (version) => {
  it('a rejected weight vote is Stalled VoteRejected by the first poll pass that reads the network after it closed', async () => {
    // The network clock (which the operator shares) ticks a second per poll pass of the vote step: each pass reads the
    // old SV's open vote requests once. So the network stamps the close, and the operator the report, in poll passes.
    const PASS_MS = 1000;
    const t0 = Date.parse('2026-11-02T09:00:00Z');
    let passes = () => 0;
    const { sim, namespace } = await scenario(`buried-${version.replaceAll('.', '-')}`, {
      network: { version, now: () => t0 + passes() * PASS_MS, seedVoteResults: { count: 10_000 } },
      tweak: (m) => {
        m.spec.workflow.weightTransfer.approved = true;
      },
      world: true,
    });
    const oldId = sim.node(OLD_SV).id;
    passes = () => sim.requests()[oldId]?.sv?.['listDsoRulesVoteRequests'] ?? 0;

    const open = await eventually(async () => {
      const m = await getMigration(client, namespace, 'm');
      const votes = m?.status?.votes ?? [];
      return votes.length === 2 && votes.every((v) => v.outcome === 'Pending' && v.trackingCid) ? m : undefined;
    }, 'both weight votes open', 60_000);
    expect(condition(open, 'Stalled')?.status).toBe('False');

    // The operator is held (spec.paused: no pass reads the network) while the other SVs reject both votes, so that no
    // pass is half-way through its reads when they close; then it goes on.
    await specChange(namespace, { paused: true });
    await waitForCondition(client, namespace, 'm', 'Reconciling', 'False', 'Paused', 30_000);
    const closedAtPass = passes();
    for (const v of open.status!.votes!) sim.voteAll(v.trackingCid!, false);
    const scan = new ScanClient({ baseUrl: sim.node('Globex-1').scanUrl });
    const unfiltered = await scan.listVoteResultsPage({ limit: 100 });
    expect(unfiltered.results).toHaveLength(100);
    // 0.4.15 puts every result without an effective date first, oldest first, and does not page: buried for good.
    if (version === '0.4.15') expect(unfiltered.results.some((r) => r.requesterName === OLD_SV)).toBe(false);
    expect(passes()).toBe(closedAtPass);
    await specChange(namespace, { paused: false });

    const rejected = await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'VoteRejected', 30_000);
    expect(rejected.status?.phase).toBe('TransferringWeight');
    expect(condition(rejected, 'WeightTransferred')?.message).toMatch(new RegExp(`^the vote on UpdateSvRewardWeight\\(${NEW_SV}:=${OLD_WEIGHT}\\) \\(attempt 1\\) was rejected; .*raise spec\\.workflow\\.weightTransfer\\.attempt to 2`));
    const stalled = condition(rejected, 'Stalled')!;
    expect(stalled).toMatchObject({ status: 'True', reason: 'VoteRejected' });
    const vote = rejected.status!.votes![0]!;
    expect(vote).toMatchObject({ outcome: 'Rejected', votesFor: 1, votesAgainst: 2, closedAt: new Date(t0 + closedAtPass * PASS_MS).toISOString() });
    // Stalled turned True in the reconcile that reported the rejection, stamped with the network time that reconcile
    // began at: the number of passes made by then. Passes that read the network after the close without reporting it:
    // none; the first pass that looked reported it (one late would be stamped a second later).
    const reportedAtPass = (Date.parse(stalled.lastTransitionTime) - t0) / PASS_MS;
    expect(reportedAtPass - closedAtPass).toBe(0);
    // And each pass found what it looked for with one call per open vote record: the history was filtered on the server
    // (a walk through the pages would be up to 20 calls per record and pass).
    expect(sim.requests()[oldId]?.sv?.['listVoteRequestResults']).toBeLessThanOrEqual(2 * passes());
    expect(voteRequestAttempts(sim)).toBe(2);
    expect(sim.violations).toEqual([]);
  }, 150_000);
});

describe('an effectiveAt before the vote would close', () => {
  it('is VoteTimingInvalid with the earliest valid time, and no vote request reaches the SV app until it is fixed', async () => {
    // A network clock that only the test moves, shared with the operator: the earliest valid time is exact.
    const frozen = Date.parse('2026-11-02T09:00:00Z');
    const { sim, namespace } = await scenario('effective-at', {
      network: { now: () => frozen },
      tweak: (m) => {
        m.spec.workflow.weightTransfer = { ...m.spec.workflow.weightTransfer, approved: true, effectiveAtThreshold: false, voteExpiration: '7d', effectiveAt: new Date(frozen + DAY).toISOString() };
      },
      world: true,
    });
    const earliest = new Date(frozen + 7 * DAY).toISOString();
    const invalid = await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'VoteTimingInvalid', 60_000);
    expect(invalid.status?.phase).toBe('TransferringWeight');
    expect(condition(invalid, 'WeightTransferred')?.message).toBe(
      `spec.workflow.weightTransfer.effectiveAt (${new Date(frozen + DAY).toISOString()}) is before the vote would close (${earliest}, now + voteExpiration); ` +
        `the ledger refuses such a request: set it to ${earliest} or later, or shorten voteExpiration`,
    );
    expect(condition(invalid, 'Stalled')).toMatchObject({ status: 'True', reason: 'VoteTimingInvalid' });
    // The stalled migration is re-checked (each reconcile reads the Scans before the weight step), and still nothing is sent.
    const readsBefore = scanDsoReads(sim);
    await eventually(() => scanDsoReads(sim) >= readsBefore + 2 * invalid.spec.network.scanUrls.length, 'two more reconciles', 30_000);
    expect(voteRequestAttempts(sim)).toBe(0);
    expect(sim.state().voteRequests).toEqual([]);
    expect(invalid.status?.votes ?? []).toEqual([]);

    // Set to the earliest valid time, the votes go out with it.
    await specChange(namespace, { workflow: { weightTransfer: { effectiveAt: earliest } } });
    const pending = await eventually(async () => {
      const m = await getMigration(client, namespace, 'm');
      return m?.status?.votes?.length === 2 && m.status.votes.every((v) => v.outcome === 'Pending') ? m : undefined;
    }, 'both weight votes requested', 30_000);
    expect(pending.status!.votes!.map((v) => v.effectiveAt)).toEqual([earliest, earliest]);
    expect(voteRequestAttempts(sim)).toBe(2);
    expect(sim.violations).toEqual([]);
  }, 150_000);
});
