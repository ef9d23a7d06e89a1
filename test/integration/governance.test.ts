/**
 * The hand-over as the Global Synchronizer's governance runs it, against a simulated Splice 0.6.12 network with
 * MainNet rules (a weight vote without a reason URL is voted down): every vote runs to its default expiry (5 business
 * days) and takes effect a day later, on a network clock the test moves forward and the operator shares; the
 * announcements, configs-repo changes and reason URLs are what the other SV operators get; copy-votes-from is rendered
 * while both SVs run and dropped after offboarding (checked with real helm against the 0.6.12 chart); and the same
 * hand-over with both vote gates External, where the operator requests nothing and follows requests made by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { createCantonKeys, startMoto, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_6_12, minimalValues, SpliceCharts } from '../env/splice-charts.ts';
import { ScanClient } from '../../src/splice/scan.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import type { KubeClient, KubeObject } from '../../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { svNodeValuesConfigMapName, VALUES_KEY } from '../../src/migration/meta.ts';
import { applyConfigsChange, configsChange, migrationIdentities, weightCheck } from '../../src/governance/approved-identities.ts';
import { parseValuesYaml } from '../../src/render/values.ts';
import { eventually, getMigration, migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { applyMigration } from '../support/migrations.ts';
import { NEW_SV, OLD_SV, OLD_WEIGHT, startTestNetwork } from '../support/network.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

const DAY = 86_400_000;
const PR = { weight: 'https://github.com/global-synchronizer-foundation/configs/pull/101', offboard: 'https://github.com/global-synchronizer-foundation/configs/pull/102' };
const timing = { kmsKeysPollMs: 200, preflightRecheckMs: 300, stalledRecheckMs: 1000, deploymentRecheckMs: 500, networkPollMs: 200 };

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
let charts: SpliceCharts;

beforeAll(async () => {
  kc = testKubeConfig();
  client = migrationClient(kc);
  charts = new SpliceCharts(FIXTURE_0_6_12);
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
  charts?.remove();
});

/** A MainNet-like 0.6.12 network on a frozen clock that only the test moves, an operator on the same clock, a migration. */
async function scenario(prefix: string, tweak: (m: SvKmsMigration) => void) {
  const frozen = Date.parse('2026-11-02T09:00:00Z'); // a Monday
  const sim = await startTestNetwork({ version: '0.6.12', mainNetRules: true, now: () => frozen, autoVote: { accept: true, delayMs: 100 } });
  const namespace = await createTestNamespace(kc, prefix);
  const oldNamespace = await createTestNamespace(kc, `${prefix}-old`);
  const m = await prepareHandover(client, sim, { namespace, oldNamespace, name: 'm', kmsEndpoint: moto.endpoint, gates: 'closed' });
  // MainNet rules and the default vote timing (prepareHandover's local network decides at threshold).
  m.spec.network.name = 'MainNet';
  delete m.spec.splice; // the version is read from the Scans
  for (const gate of ['weightTransfer', 'offboarding'] as const) delete (m.spec.workflow[gate] as { effectiveAtThreshold?: boolean }).effectiveAtThreshold;
  m.spec.oldSv.extraBeneficiaries = [{ beneficiary: sim.node('Globex-1').party, weight: '2500' }];
  tweak(m);
  const operator: TestOperator = await startTestOperator(kc, { namespaces: [namespace, oldNamespace], timing, now: () => new Date(sim.now()), retryBackoff: { maxDelayMs: 1000 } });
  await applyMigration(client, m);
  const world = playWorld({ client, charts, sim, namespace, name: 'm', oldNamespace, createKmsKeys: () => createCantonKeys(moto.endpoint).then(() => undefined) });
  const stop = async () => {
    await world.stop();
    await operator.stop();
    await sim.stop();
  };
  return { sim, namespace, oldNamespace, stop };
}

const commit = (namespace: string, patch: Record<string, unknown>) => client.patch(SVKMS_MIGRATIONS, namespace, 'm', { spec: patch }, 'merge');

async function svNodeValues(namespace: string, m: SvKmsMigration): Promise<Record<string, unknown>> {
  const cm = await client.get<KubeObject & { data: Record<string, string> }>(RESOURCES.configMaps, namespace, svNodeValuesConfigMapName(m));
  return parseValuesYaml(cm!.data[VALUES_KEY]!);
}

/** The sv-app container env the 0.6.12 chart renders from these values (real helm). */
function svAppEnv(values: Record<string, unknown>): { name: string; value?: string }[] {
  const rendered = charts.template('splice-sv-node', 'sv', 'sv', minimalValues('splice-sv-node', FIXTURE_0_6_12), values);
  const app = rendered.find((o) => o.kind === 'Deployment' && (o.metadata as { name?: string } | undefined)?.name === 'sv-app') as { spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } } } | undefined;
  return app?.spec.template.spec.containers.find((c) => c.name === 'sv-app')?.env ?? [];
}

const copyVotes = (env: { name: string; value?: string }[]) => env.find((e) => e.name === 'ADDITIONAL_CONFIG_COPY_VOTES_FROM')?.value?.trim();

/** Every createVoteRequest that reached any SV app. */
function voteRequestsSent(sim: SpliceSim): number {
  return Object.values(sim.counts()).reduce((n, ops) => n + (ops['createVoteRequest']?.attempts ?? 0), 0);
}

describe('governance as the Global Synchronizer runs it', () => {
  it('runs every vote to its default expiry and effect, with the announcements, configs changes and reason URLs the SVs get', async () => {
    const { sim, namespace, stop } = await scenario('gov-default', () => undefined);
    try {
      // The weight gate waits; status tells the humans what to announce and which PR to open.
      const gated = await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'AwaitingApproval', 60_000);
      expect(gated.status?.splice).toMatchObject({ version: '0.6.12', source: 'Network', support: 'supported' });
      const oldParty = sim.node(OLD_SV).party;
      const newParty = sim.node(NEW_SV).party;
      expect(gated.status?.governance?.announcement).toBe(
        [
          `[MainNet] SV KMS migration: ${OLD_SV} (${oldParty}) proposes to move its reward weight of ${OLD_WEIGHT} bps to ${NEW_SV} (${newParty}).`,
          `Votes to be requested by ${OLD_SV}:`,
          `  - UpdateSvRewardWeight(${NEW_SV}:=${OLD_WEIGHT}): SRARC_UpdateSvRewardWeight(${newParty} := ${OLD_WEIGHT})`,
          `  - UpdateSvRewardWeight(${OLD_SV}:=0): SRARC_UpdateSvRewardWeight(${oldParty} := 0)`,
          'Once requested, the votes stay open for 5 business days and take effect one day after they close.',
          'PR: to be opened against configs/MainNet/approved-sv-id-values.yaml with the change in status.governance.configsChange',
        ].join('\n'),
      );
      expect(gated.status?.governance?.configsChange?.snippet).toBe(
        [
          '# configs/MainNet/approved-sv-id-values.yaml (weightTransfer)',
          'approvedSvIdentities:',
          `  - name: ${NEW_SV}`,
          `    publicKey: ${gated.status?.identityKey?.publicKey}`,
          `    rewardWeightBps: ${OLD_WEIGHT}`,
          '    extraBeneficiaries:',
          `      - beneficiary: ${sim.node('Globex-1').party}`,
          "        weight: '2500'",
          `  - name: ${OLD_SV}`,
          '    rewardWeightBps: 0',
          '    # publicKey: unchanged',
          '    # extraBeneficiaries: removed (moved to the new SV)',
          '',
        ].join('\n'),
      );
      // While both SVs run, the new SV mirrors the old one's votes (0.6.12 chart, real helm).
      const before = await svNodeValues(namespace, gated);
      expect(copyVotes(svAppEnv(before))).toBe(`canton.sv-apps.sv.copy-votes-from = "${OLD_SV}"`);
      expect(before.extraBeneficiaries).toEqual([{ beneficiary: sim.node('Globex-1').party, weight: '2500' }]);

      // The PR is opened and linked: the votes go out with it and the default timing.
      await commit(namespace, { workflow: { weightTransfer: { approved: true, reasonUrl: PR.weight } } });
      const open = await eventually(async () => {
        const m = await getMigration(client, namespace, 'm');
        return m?.status?.votes?.length === 2 && m.status.votes.every((v) => v.outcome === 'Pending' && v.expiresAt) ? m : undefined;
      }, 'both weight votes open', 30_000);
      const published = await new ScanClient({ baseUrl: sim.nodes[0]!.scanUrl }).listVoteRequests();
      expect(published.map((r) => r.reasonUrl)).toEqual([PR.weight, PR.weight]);
      for (const v of open.status!.votes!) {
        expect(v.expiresAt).toBe('2026-11-09T09:00:00.000Z'); // 5 business days after Monday 09:00
        expect(v.effectiveAt).toBe('2026-11-10T09:00:00.000Z'); // a day after the close
      }
      expect(open.status?.nextDeadline).toBe('2026-11-09T09:00:00.000Z');
      expect(open.status?.governance?.announcement).toContain('The votes close at 2026-11-09T09:00:00.000Z and take effect at 2026-11-10T09:00:00.000Z.');
      expect(open.status?.message).toMatch(/waiting since \S+Z for \d+ more SV votes? on UpdateSvRewardWeight/);

      // A week passes on the network: the votes close accepted and take effect a day later.
      sim.advanceTime(8 * DAY + 60_000);
      const moved = await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'True', undefined, 30_000);
      expect(moved.status?.votes?.map((v) => v.outcome)).toEqual(['Accepted', 'Accepted']);
      // The file with the configs changes applied agrees with the network the way the foundation's weight check compares.
      const ids = migrationIdentities(moved, moved.status!);
      const initial = `approvedSvIdentities:\n${sim.state().svs.filter((s) => s.name !== NEW_SV).map((s) => `  - name: ${s.name}\n    publicKey: pk\n    rewardWeightBps: ${s.name === OLD_SV ? OLD_WEIGHT : s.weight}\n`).join('')}`;
      const file = applyConfigsChange(applyConfigsChange(initial, configsChange('onboarding', ids)), configsChange('weightTransfer', ids));
      expect(weightCheck(file, new Map(sim.state().svs.map((s) => [s.name, s.weight])))).toEqual([]);

      await waitForCondition(client, namespace, 'm', 'AssetsTransferred', 'False', 'AwaitingApproval', 30_000);
      await commit(namespace, { workflow: { assetTransfer: { approved: true } } });
      const offGate = await waitForCondition(client, namespace, 'm', 'OldSvOffboarded', 'False', 'AwaitingApproval', 30_000);
      expect(offGate.status?.governance?.configsChange?.snippet).toContain(`# remove the entry of ${OLD_SV} (offboarded)`);
      await commit(namespace, { workflow: { offboarding: { approved: true, reasonUrl: PR.offboard } } });
      const offOpen = await eventually(async () => {
        const m = await getMigration(client, namespace, 'm');
        const v = m?.status?.votes?.find((x) => x.action.startsWith('OffboardSv('));
        return v?.outcome === 'Pending' && v.effectiveAt ? v : undefined;
      }, 'the offboarding vote open', 30_000);
      expect(Date.parse(offOpen.effectiveAt!) - Date.parse(offOpen.expiresAt!)).toBe(DAY);
      sim.advanceTime(8 * DAY + 60_000);
      const off = await waitForCondition(client, namespace, 'm', 'OldSvOffboarded', 'True', undefined, 30_000);
      // Offboarded: the new SV no longer mirrors the old one's votes.
      const after = await eventually(async () => {
        const values = await svNodeValues(namespace, off);
        return copyVotes(svAppEnv(values)) === undefined ? values : undefined;
      }, 'copy-votes-from gone from the sv-node values', 30_000);
      expect(after.extraBeneficiaries).toEqual([{ beneficiary: sim.node('Globex-1').party, weight: '2500' }]);
      await commit(namespace, { workflow: { retirement: { approved: true } } });
      const done = await waitForCondition(client, namespace, 'm', 'Ready', 'True', undefined, 60_000);
      expect(done.status?.votes?.map((v) => [v.outcome, v.closedAt !== undefined])).toEqual([
        ['Accepted', true],
        ['Accepted', true],
        ['Accepted', true],
      ]);
      expect(voteRequestsSent(sim)).toBe(3);
      expect(sim.violations).toEqual([]);
    } finally {
      await stop();
    }
  }, 240_000);

  it('with both vote gates External, sends no vote request and follows the ones made by hand to completion', async () => {
    const { sim, namespace, stop } = await scenario('gov-external', (m) => {
      m.spec.workflow.weightTransfer.mode = 'External';
      m.spec.workflow.offboarding.mode = 'External';
      m.spec.workflow.weightTransfer.reasonUrl = PR.weight;
      m.spec.workflow.offboarding.reasonUrl = PR.offboard;
    });
    /** Does what the status asks: requests the published vote as the old SV, through the SV UI (not the operator). */
    const requested = new Set<string>();
    const requestByHand = async (gate: string): Promise<void> => {
      const m = await eventually(async () => {
        const x = await getMigration(client, namespace, 'm');
        const ext = x?.status?.governance?.externalVote;
        return ext?.gate === gate && !requested.has(ext.label!) ? x : undefined;
      }, `the next ${gate} vote published`, 30_000);
      const ext = m.status!.governance!.externalVote!;
      requested.add(ext.label!);
      expect(ext.command).toContain('/api/sv/v0/admin/sv/voterequest/create');
      sim.createVoteRequestAs(sim.node(OLD_SV).id, {
        action: JSON.parse(ext.actionJson!),
        url: ext.reasonUrl!,
        description: ext.description!,
        expirationMs: Number(ext.expiration!.replace(/s$/, '')) * 1000,
        ...(ext.effectiveAt ? { effectiveAtMs: Date.parse(ext.effectiveAt) } : {}),
      });
    };
    try {
      await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'False', 'AwaitingApproval', 60_000);
      await commit(namespace, { workflow: { weightTransfer: { approved: true } } });
      await requestByHand('weightTransfer');
      await requestByHand('weightTransfer');
      await eventually(async () => ((await getMigration(client, namespace, 'm'))?.status?.votes?.filter((v) => v.outcome === 'Pending').length === 2 ? true : undefined), 'both adopted', 30_000);
      sim.advanceTime(8 * DAY + 60_000);
      await waitForCondition(client, namespace, 'm', 'WeightTransferred', 'True', undefined, 30_000);
      await commit(namespace, { workflow: { assetTransfer: { approved: true }, offboarding: { approved: true }, retirement: { approved: true } } });
      await requestByHand('offboarding');
      await eventually(async () => ((await getMigration(client, namespace, 'm'))?.status?.votes?.some((v) => v.action.startsWith('OffboardSv(') && v.outcome === 'Pending') ? true : undefined), 'offboarding adopted', 30_000);
      sim.advanceTime(8 * DAY + 60_000);
      const done = await waitForCondition(client, namespace, 'm', 'Ready', 'True', undefined, 60_000);
      expect(done.status?.votes?.map((v) => v.outcome)).toEqual(['Accepted', 'Accepted', 'Accepted']);
      expect(done.status?.governance?.externalVote).toBeUndefined();
      // Not one vote request reached an SV app over HTTP: the requests were made by hand.
      expect(voteRequestsSent(sim)).toBe(0);
      expect(sim.violations).toEqual([]);
    } finally {
      await stop();
    }
  }, 240_000);
});
