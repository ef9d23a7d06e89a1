/**
 * The Argo CD customizations (deploy/argocd: health.lua, actions/discovery.lua, actions/<name>/action.lua) under
 * gopher-lua, the Lua engine Argo CD embeds (test/lua-runner, set up as Argo CD sets it up), on SvKmsMigration objects
 * captured from a real migration: the operator against the real API server, moto and the simulated Splice network,
 * every gate opened by running its Argo CD action and applying the change it makes, as Argo CD does. Checks the health
 * of every phase seen (and that Lua 5.4 says the same), that discovery offers the right actions, and that each action
 * changes exactly its one field.
 * Also checks that the argocd-cm snippet in docs/gitops.md carries exactly these scripts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTree, statusView } from '../../src/cli/migration-tree.ts';
import { recordEmitted } from '../support/leak-scan.ts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT, testBinaries } from '../env/binaries.ts';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { createCantonKeys, startMoto, type MotoServer } from '../env/moto.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../env/splice-charts.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import type { KubeClient } from '../../src/controller/kube-client.ts';
import { SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { SvKmsMigration } from '../../src/api/types.ts';
import { findLua, luaHealth } from '../support/lua.ts';
import { applyMigration, awsTestMigration } from '../support/migrations.ts';
import { startTestNetwork } from '../support/network.ts';
import { eventually, getMigration, migrationClient, startTestOperator, waitForCondition, type TestOperator } from '../support/operator-harness.ts';
import { playWorld, prepareHandover } from '../support/world.ts';

const ARGOCD = join(REPO_ROOT, 'deploy', 'argocd');
const GATES = [
  { gate: 'weightTransfer', condition: 'WeightTransferred' },
  { gate: 'assetTransfer', condition: 'AssetsTransferred' },
  { gate: 'offboarding', condition: 'OldSvOffboarded' },
  { gate: 'retirement', condition: 'OldSvRetired' },
] as const;
const ACTIONS = [...GATES.map((g) => `approve-${g.gate}`), 'pause', 'resume'];

let kc: KubeConfig;
let client: KubeClient;
let moto: MotoServer;
let charts: SpliceCharts;
let sim: SpliceSim;
let operator: TestOperator;
let namespace: string;
let oldNamespace: string;
let stalledNamespace: string;
let runner: string;

beforeAll(async () => {
  runner = testBinaries().luaRunner;
  kc = testKubeConfig();
  client = migrationClient(kc);
  // The migrations render for Splice 0.7.4 (the examples'): installed with the newest upstream charts, 0.6.12's.
  charts = new SpliceCharts(FIXTURE_0_6_12);
  moto = await startMoto();
  sim = await startTestNetwork({ autoVote: { accept: true, delayMs: 200 } });
  namespace = await createTestNamespace(kc, 'argo-lua');
  oldNamespace = await createTestNamespace(kc, 'argo-lua-old');
  stalledNamespace = await createTestNamespace(kc, 'argo-lua-stalled');
  operator = await startTestOperator(kc, {
    namespaces: [namespace, oldNamespace, stalledNamespace],
    timing: { kmsKeysPollMs: 300, preflightRecheckMs: 500, stalledRecheckMs: 2000, deploymentRecheckMs: 1000, networkPollMs: 300 },
  });
});

afterAll(async () => {
  await operator?.stop();
  await sim?.stop();
  await moto?.stop();
  charts?.remove();
});

/** Runs one script under gopher-lua on `obj` and returns what it returned. */
function runLua<T>(script: string, obj: unknown, opts: { action?: boolean } = {}): T {
  const out = execFileSync(runner, [...(opts.action ? ['-action'] : []), join(ARGOCD, script)], { input: JSON.stringify(obj), encoding: 'utf8' });
  return JSON.parse(out) as T;
}

const health = (obj: SvKmsMigration) => runLua<{ status: string; message: string }>('health.lua', obj);
/** The actions discovery offers: name -> enabled. */
function offered(obj: SvKmsMigration): Record<string, boolean> {
  const actions = runLua<Record<string, { disabled: boolean; displayName: string }>>(join('actions', 'discovery.lua'), obj);
  return Object.fromEntries(Object.entries(actions).map(([name, a]) => [name, !a.disabled]));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Dotted paths of every leaf that differs between two JSON values (arrays compared whole). */
function changedPaths(a: Json | undefined, b: Json | undefined, path = ''): string[] {
  const isObj = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => changedPaths(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

/** What Argo CD does with an action: runs it, then patches the live object with the difference. Returns the paths. */
async function runAction(name: string, captured: SvKmsMigration): Promise<{ paths: string[]; values: unknown[] }> {
  // Argo CD runs an action on the live object (the operator may have written status since the capture).
  const obj = (await getMigration(client, captured.metadata.namespace, captured.metadata.name))!;
  const after = runLua<Json>(join('actions', name, 'action.lua'), obj, { action: true });
  const paths = changedPaths(obj as unknown as Json, after);
  const values = paths.map((p) => p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], after));
  const patch = paths.reduce<Record<string, unknown>>((acc, p, i) => {
    const keys = p.split('.');
    let cur = acc;
    for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
    cur[keys.at(-1)!] = values[i];
    return acc;
  }, {});
  // Argo CD sends the merge patch of the difference (RunResourceAction → jsonpatch.CreateMergePatch), with no
  // resourceVersion precondition: the operator's status writes since the read must not make the action fail.
  await client.patch(SVKMS_MIGRATIONS, obj.metadata.namespace, obj.metadata.name, patch, 'merge');
  return { paths, values };
}

/** The migration once the operator has observed its current generation and `ok` holds. */
async function observed(name: string, ok: (m: SvKmsMigration) => boolean, what: string, ns = namespace): Promise<SvKmsMigration> {
  return eventually(
    async () => {
      const m = await getMigration(client, ns, name);
      return m && m.status?.observedGeneration === m.metadata.generation && ok(m) ? m : undefined;
    },
    what,
    30_000,
  );
}

describe('Argo CD health check and actions under gopher-lua, on a real migration', () => {
  it('reports every phase, offers the right actions, and each action changes exactly its field', async () => {
    const name = 'argo-actions';
    const m = await prepareHandover(client, sim, { namespace, oldNamespace, name, kmsEndpoint: moto.endpoint, gates: 'closed' });
    await applyMigration(client, m);
    const world = playWorld({ client, charts, sim, namespace, name, oldNamespace, createKmsKeys: async () => void (await createCantonKeys(moto.endpoint)) });
    // Every phase seen (with a status of the current generation), captured as it was.
    const seen = new Map<string, SvKmsMigration>();
    let watching = true;
    const recorder = (async () => {
      while (watching) {
        const obj = await getMigration(client, namespace, name).catch(() => undefined);
        const phase = obj?.status?.phase;
        if (obj && phase && obj.status?.observedGeneration === obj.metadata.generation && !seen.has(phase)) seen.set(phase, obj);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      for (const [i, { gate, condition }] of GATES.entries()) {
        const waiting = await waitForCondition(client, namespace, name, condition, 'False', 'AwaitingApproval', 60_000);
        expect(health(waiting)).toEqual({ status: 'Progressing', message: waiting.status!.message! });
        expect(waiting.status!.message).toContain(`spec.workflow.${gate}.approved`);
        expect(offered(waiting)).toEqual(Object.fromEntries(ACTIONS.map((a) => [a, a === 'resume' ? false : !GATES.slice(0, i).some((g) => a === `approve-${g.gate}`)])));

        if (gate === 'weightTransfer') {
          expect(await runAction('pause', waiting)).toEqual({ paths: ['spec.paused'], values: [true] });
          const paused = await observed(name, (x) => x.spec.paused, 'the pause observed');
          expect(health(paused)).toEqual({ status: 'Suspended', message: 'Paused (spec.paused): no side effects until it is unpaused' });
          expect(offered(paused)).toMatchObject({ pause: false, resume: true });
          expect(await runAction('resume', paused)).toEqual({ paths: ['spec.paused'], values: [false] });
          const resumed = await observed(name, (x) => !x.spec.paused, 'the resume observed');
          expect(await runAction(`approve-${gate}`, resumed)).toEqual({ paths: [`spec.workflow.${gate}.approved`], values: [true] });
        } else {
          expect(await runAction(`approve-${gate}`, waiting)).toEqual({ paths: [`spec.workflow.${gate}.approved`], values: [true] });
        }
      }
      const done = await waitForCondition(client, namespace, name, 'Ready', 'True', undefined, 60_000);
      expect(health(done)).toEqual({ status: 'Healthy', message: done.status!.conditions!.find((c) => c.type === 'Ready')!.message });
      expect(offered(done)).toEqual({ 'approve-weightTransfer': false, 'approve-assetTransfer': false, 'approve-offboarding': false, 'approve-retirement': false, pause: true, resume: false });
      // The recorder polls; the completed object is the one just read, whether or not a poll saw it first.
      if (!seen.has('Completed') && done.status?.observedGeneration === done.metadata.generation) seen.set('Completed', done);
    } finally {
      watching = false;
      await recorder;
      await world.stop();
    }

    // The health of each phase as it was captured: Progressing on the way (with the operator's message), Healthy at the end.
    const phases = [...seen.keys()];
    expect(phases).toEqual(expect.arrayContaining(['TransferringWeight', 'TransferringAssets', 'Offboarding', 'Retiring', 'Completed']));
    for (const [phase, obj] of seen) {
      const h = health(obj);
      if (phase === 'Completed') expect(h.status).toBe('Healthy');
      else expect([phase, h]).toEqual([phase, { status: 'Progressing', message: obj.status!.message ?? `Phase ${phase}` }]);
      // Lua 5.4 (the other health-check tests' interpreter) answers the same on the same object.
      const reference = luaHealth(findLua(), join(ARGOCD, 'health.lua'), obj);
      expect([phase, { status: reference.status, message: reference.message }]).toEqual([phase, h]);
      // sv-kms status on the same object: the phase it is in, what is next, who acts (and the leak scan reads it).
      const tree = renderTree(statusView(obj));
      recordEmitted('cli-output.log', tree);
      expect(tree).toContain(phase === 'Completed' ? '✓ Completed' : `▶ ${phase}`);
      expect(tree).toMatch(phase === 'Completed' ? /Who: nobody: the migration is complete/ : /\n {3}Who: (you|the other SV operators|the operator)/);
    }
  }, 180_000);

  it('is Degraded for a Stalled migration, and Progressing while a change is not yet observed', async () => {
    // No KMS credentials Secret: the operator stalls (CredentialsSecretNotFound).
    await applyMigration(client, awsTestMigration('argo-stalled', stalledNamespace, moto.endpoint));
    const stalled = await waitForCondition(client, stalledNamespace, 'argo-stalled', 'Stalled', 'True', undefined, 30_000);
    const stalledCondition = stalled.status!.conditions!.find((c) => c.type === 'Stalled')!;
    expect(health(stalled)).toEqual({ status: 'Degraded', message: stalledCondition.message });
    // The object as Argo CD sees it right after a change the operator has not yet reconciled.
    const newer = { ...stalled, metadata: { ...stalled.metadata, generation: stalled.metadata.generation! + 1 } };
    expect(health(newer)).toEqual({ status: 'Progressing', message: `Waiting for the operator to observe generation ${newer.metadata.generation}` });
  });
});

describe('the argocd-cm actions snippet in docs/gitops.md', () => {
  it('holds exactly deploy/argocd/actions under resource.customizations.actions.svkms.dev_SvKmsMigration', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'gitops.md'), 'utf8');
    const m = /^```yaml\n((?:(?!```).*\n)*?\s*resource\.customizations\.actions\.svkms\.dev_SvKmsMigration: \|\n(?:(?!```).*\n)*)```/m.exec(docs);
    expect(m).not.toBeNull();
    const cm = load(m![1]!) as { data: Record<string, string> };
    const actions = load(cm.data['resource.customizations.actions.svkms.dev_SvKmsMigration']!) as { 'discovery.lua': string; definitions: { name: string; 'action.lua': string }[] };
    const file = (...p: string[]) => readFileSync(join(ARGOCD, 'actions', ...p), 'utf8').trimEnd();
    expect(actions['discovery.lua'].trimEnd()).toBe(file('discovery.lua'));
    expect(actions.definitions.map((d) => d.name).sort()).toEqual([...ACTIONS].sort());
    for (const d of actions.definitions) expect([d.name, d['action.lua'].trimEnd()]).toEqual([d.name, file(d.name, 'action.lua')]);
  });
});
