/**
 * Counts the Scan requests the operator makes for many migrations on one network (issue 14's target: Scan requests
 * per minute ≤ 2 × the number of Scans × (60 s / poll interval), whatever the number of migrations).
 *
 * The migrations are reconciled by the operator's reconciler through the operator's Splice port (`spliceAccess`, with
 * its reads shared across migrations) against the Splice simulator; the cluster is in memory. The clock is simulated:
 * every migration waits for the network, so it is reconciled once per poll interval (its requeue), the passes spread
 * evenly over the interval, one after another. The counts therefore do not depend on timing, only on the code.
 */
import type { SvKmsMigration } from '../../src/api/types.ts';
import { MigrationReconciler } from '../../src/migration/reconciler.ts';
import { DEFAULT_TIMING, type MigrationDeps } from '../../src/migration/ports.ts';
import { spliceAccess } from '../../src/operator/splice-port.ts';
import type { Outcome } from '../../src/controller/controller.ts';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import { FakeWorld, migration, NS, reconcileContext, T0 } from './migration-fixtures.ts';
import { NEW_SV, OLD_SV, wireToNetwork } from './network.ts';

export interface ScanLoadOptions {
  migrations: number;
  pollMs: number;
  /** How long a Scan's DSO answer is shared (the operator: the poll interval). */
  dsoTtlMs: number;
  /** The simulated time measured, once the migrations wait for the network (default one minute). */
  measureMs?: number;
}

export interface ScanLoad {
  scans: number;
  /** Reconciles in the measured time. */
  passes: number;
  /** Scan requests in the measured time, by operation. */
  requests: Record<string, number>;
  /** Scan requests per minute, all operations. */
  perMinute: number;
  /** The bound: 2 × scans × (60 s / poll interval). */
  target: number;
  /** Each migration as the last pass left it. */
  migrations: SvKmsMigration[];
  /** The outcome of every measured pass. */
  outcomes: Outcome[];
}

/** The OAuth2 client Secrets of the migrations' namespace, as `createNetworkSecrets` makes them in a cluster. */
function clientSecrets(world: FakeWorld, sim: SpliceSim): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  for (const [name, node] of [
    ['old-sv-operator-client', sim.node(OLD_SV)],
    ['new-sv-operator-client', sim.node(NEW_SV)],
  ] as const) {
    world.secrets.set(`${NS}/${name}`, { metadata: { name, namespace: NS }, data: { clientId: b64(node.clientId), clientSecret: b64(node.clientSecret) } });
  }
}

/**
 * `migrations` migrations waiting in AwaitingOnboarding (the new SV has not joined: every pass reads the Scans' DSO
 * state and asks the sponsor), each with its own in-memory cluster, all sharing one Splice port as in the operator.
 */
export async function measureScanLoad(sim: SpliceSim, opts: ScanLoadOptions): Promise<ScanLoad> {
  const measureMs = opts.measureMs ?? 60_000;
  let clock = T0.getTime();
  let counting = false;
  const requests: Record<string, number> = {};
  const secrets = new FakeWorld();
  clientSecrets(secrets, sim);
  const splice = spliceAccess({
    cluster: secrets.deps().cluster,
    registerSecret: () => undefined,
    dsoTtlMs: opts.dsoTtlMs,
    now: () => clock,
    onCall: (c) => {
      if (counting && c.api === 'scan') requests[c.operation] = (requests[c.operation] ?? 0) + 1;
    },
  });
  const timing = { ...DEFAULT_TIMING, networkPollMs: opts.pollMs };
  const all = Array.from({ length: opts.migrations }, (_, i) => {
    const world = new FakeWorld();
    const deps: MigrationDeps = { ...world.deps(), timing, splice };
    const m = wireToNetwork(
      migration((x) => {
        x.metadata.name = `m-${i}`;
        x.metadata.uid = `uid-${i}`;
        // The version comes from the Scans too (the simulator's, whose Canton takes no KMS key tags).
        delete x.spec.splice;
        if (x.spec.kms.aws) delete x.spec.kms.aws.customTags;
      }),
      sim,
    );
    m.status = { phase: 'AwaitingOnboarding' };
    return { world, reconciler: new MigrationReconciler(deps), m };
  });

  const outcomes: Outcome[] = [];
  let passes = 0;
  /** Whether every pass of the last round waited for the network. */
  let steady = false;
  const round = async (start: number) => {
    steady = true;
    for (const [i, one] of all.entries()) {
      clock = start + Math.floor((i * opts.pollMs) / all.length);
      const outcome = await one.reconciler.reconcile(one.m, reconcileContext(new Date(clock)));
      if (one.world.stored) one.m = { ...one.m, metadata: one.world.stored.metadata, status: one.world.stored.status };
      steady &&= outcome.requeueAfterMs === opts.pollMs;
      if (counting) {
        outcomes.push(outcome);
        passes++;
      }
    }
  };
  // The first passes of each migration make its keys, values and access checks (one key per pass); the measured
  // passes start once every migration only waits for the network.
  let start = T0.getTime();
  for (let warm = 0; warm < 5 && !steady; warm++, start += opts.pollMs) await round(start);
  if (!steady) throw new Error('the migrations did not settle into waiting for the network');
  counting = true;
  for (const end = start + measureMs; start < end; start += opts.pollMs) await round(start);
  const scans = sim.nodes.filter((n) => n.id.startsWith('sv-')).length;
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  return { scans, passes, requests, perMinute: (total * 60_000) / measureMs, target: 2 * scans * (60_000 / opts.pollMs), migrations: all.map((a) => a.m), outcomes };
}
