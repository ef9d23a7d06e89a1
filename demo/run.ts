/**
 * `npm run demo`: a whole SV KMS migration on this machine, with nothing but this repository.
 *
 * Starts a real kube-apiserver + etcd, moto (AWS KMS), a simulated Splice network of four SVs and the operator
 * (`sv-kms run`, a real process), applies the example AWS migration, plays the people and systems around it (Helm
 * releases from the rendered values, Canton creating its keys, the other SV operators, GitOps commits opening each
 * gate) and shows the migration's progress until it is Completed.
 *
 *   npm run demo                 watch it, with short pauses before each human step
 *   npm run demo -- --fast       no pauses (what the test runs)
 *   npm run demo -- --keep       leave everything running afterwards and print a KUBECONFIG to explore
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LocalControlPlane } from '../test/env/control-plane.ts';
import { createTestNamespace, installCrds } from '../test/env/kube.ts';
import { testBinaries } from '../test/env/binaries.ts';
import { createCantonKeys, startMoto } from '../test/env/moto.ts';
import { FIXTURE_0_6_12, SpliceCharts } from '../test/env/splice-charts.ts';
import { migrationClient, getMigration, spawnOperatorProcess, type OperatorProcess } from '../test/support/operator-harness.ts';
import { applyMigration } from '../test/support/migrations.ts';
import { NEW_SV, OLD_SV, startTestNetwork } from '../test/support/network.ts';
import { playWorld, prepareHandover } from '../test/support/world.ts';
import { SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import type { SvKmsMigration } from '../src/api/types.ts';

const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  process.stdout.write(readFileSync(new URL(import.meta.url)).toString().split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, '') + '\n');
  process.exit(0);
}
const fast = args.has('--fast') || process.env.CI === 'true';
const keep = args.has('--keep');
const started = Date.now();
const clock = () => `[${String(Math.floor((Date.now() - started) / 60000)).padStart(2, '0')}:${String(Math.floor((Date.now() - started) / 1000) % 60).padStart(2, '0')}]`;
const say = (line: string) => process.stdout.write(`${clock()} ${line}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, fast ? 0 : ms));

const cleanup: (() => Promise<void> | void)[] = [];
async function shutdown(code: number): Promise<never> {
  for (const c of cleanup.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // best effort
    }
  }
  process.exit(code);
}
process.once('SIGINT', () => {
  say('interrupted: cleaning up');
  void shutdown(130);
});
process.once('SIGTERM', () => void shutdown(143));

async function main(): Promise<void> {
  say('starting a local Kubernetes control plane (kube-apiserver + etcd; the first run builds them from Go modules, ~8 min)');
  testBinaries();
  const cp = await LocalControlPlane.start();
  cleanup.push(() => cp.stop({ keep }));
  process.env.SVKMS_TEST_KUBECONFIG = cp.kubeconfigPath;
  installCrds(cp.kubeconfigPath);
  const kc = cp.kubeConfig();
  const client = migrationClient(kc);
  say(`API server ${cp.server}, SvKmsMigration CRD installed`);

  const moto = await startMoto();
  cleanup.push(() => moto.stop());
  const sim = await startTestNetwork({ autoVote: { accept: true, delayMs: fast ? 200 : 1500 } });
  cleanup.push(() => sim.stop());
  // The example migration renders for Splice 0.7.4: the platform team installs the newest upstream charts, 0.6.12's.
  const charts = new SpliceCharts(FIXTURE_0_6_12);
  cleanup.push(() => charts.remove());
  say(`AWS KMS (moto) at ${moto.endpoint}; a Splice network of ${sim.nodes.filter((n) => n.id.startsWith('sv-')).length} SVs at ${sim.baseUrl}`);

  const namespace = await createTestNamespace(kc, 'sv-kms');
  const oldNamespace = await createTestNamespace(kc, 'sv');
  // The gates start closed: the demo opens each one as a Git commit would.
  const m: SvKmsMigration = await prepareHandover(client, sim, { namespace, oldNamespace, name: 'acme-to-aws-kms', kmsEndpoint: moto.endpoint, gates: 'closed' });
  say(`old SV ${OLD_SV} runs in namespace ${oldNamespace}; the new SV ${NEW_SV} goes to ${namespace}`);

  const operator: OperatorProcess = spawnOperatorProcess([namespace, oldNamespace], { args: ['--network-poll-interval', '500ms', '--kms-poll-interval', '500ms', '--recheck-interval', '5s', '--log-level', 'warn'] });
  cleanup.push(() => operator.kill());
  say('operator started: sv-kms run');

  await applyMigration(client, m);
  say(`kubectl apply -f examples/aws-migration.yaml  (adapted to the local endpoints) → svkmsmigration/${m.metadata.name}`);

  const world = playWorld({ client, charts, sim, namespace, name: m.metadata.name, oldNamespace, createKmsKeys: () => createCantonKeys(moto.endpoint).then(() => undefined), say: (l) => say(`  ${l}`) });
  cleanup.push(() => world.stop());

  const gates: [string, string, string][] = [
    ['WeightTransferred', 'weightTransfer', 'the votes moving the reward weight'],
    ['AssetsTransferred', 'assetTransfer', 'the asset transfer'],
    ['OldSvOffboarded', 'offboarding', 'the offboarding vote'],
    ['OldSvRetired', 'retirement', 'retiring the old SV'],
  ];
  const opened = new Set<string>();
  const seen = new Map<string, string>();
  let phase = '';
  const deadline = Date.now() + (fast ? 5 : 15) * 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('the migration did not complete in time');
    const current = await getMigration(client, namespace, m.metadata.name);
    const status = current?.status;
    if (status?.phase && status.phase !== phase) {
      say(`phase ${phase || '(new)'} → ${status.phase}   old SV weight ${status.oldSv?.rewardWeight ?? '?'} bps, new SV weight ${status.newSv?.rewardWeight ?? '?'} bps`);
      phase = status.phase;
    }
    for (const c of status?.conditions ?? []) {
      const key = `${c.status}/${c.reason}`;
      if (seen.get(c.type) !== key && !['Ready', 'Reconciling'].includes(c.type)) {
        seen.set(c.type, key);
        const mark = c.status === 'True' ? (c.type === 'Stalled' ? '!' : '✓') : c.type === 'Stalled' ? ' ' : '…';
        if (!(c.type === 'Stalled' && c.status === 'False')) say(`  ${mark} ${c.type}: ${c.message}`);
      }
    }
    for (const [cond, gate, what] of gates) {
      const c = status?.conditions?.find((x) => x.type === cond);
      if (!opened.has(gate) && c?.reason === 'AwaitingApproval') {
        opened.add(gate);
        await pause(3000);
        say(`  platform team: git commit "approve ${what}" → spec.workflow.${gate}.approved: true`);
        await client.patch(SVKMS_MIGRATIONS, namespace, m.metadata.name, { spec: { workflow: { [gate]: { approved: true } } } }, 'merge');
      }
    }
    if (status?.phase === 'Completed' && status.conditions?.find((c) => c.type === 'Ready')?.status === 'True') break;
    await new Promise((r) => setTimeout(r, 250));
  }

  const kubectl = (...a: string[]) => execFileSync(testBinaries().kubectl, ['--kubeconfig', cp.kubeconfigPath, ...a], { encoding: 'utf8' });
  say('Completed. kubectl wait --for=condition=Ready returns:');
  process.stdout.write(kubectl('-n', namespace, 'wait', '--for=condition=Ready', `svkmsmigration/${m.metadata.name}`, '--timeout=10s'));
  process.stdout.write(`\n$ kubectl get skm -n ${namespace} -o wide\n${kubectl('get', 'skm', '-n', namespace, '-o', 'wide')}\n`);
  const state = sim.state();
  say(`on the ledger: ${NEW_SV} has weight ${state.svs.find((s) => s.name === NEW_SV)?.weight} bps; ${OLD_SV} is ${state.offboardedSvs.some((s) => s.name === OLD_SV) ? 'offboarded' : 'still an SV'}`);
  say(`rendered values: kubectl -n ${namespace} get configmap ${m.metadata.name}-participant-values ${m.metadata.name}-sv-node-values -o yaml`);
  if (keep) {
    say(`left running. Explore with:  export KUBECONFIG=${cp.kubeconfigPath}; kubectl get skm -A; kubectl describe skm -n ${namespace}`);
    say('press Ctrl-C to stop and clean up');
    await new Promise(() => {});
  }
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    void shutdown(1);
  },
);
