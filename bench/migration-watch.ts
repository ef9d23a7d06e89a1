/**
 * Watches every SvKmsMigration in the cluster and notes, per migration, when it was first seen with ValuesRendered=True
 * and when it first reached a phase after Preparing; counts every change (for the steady-state check).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../src/controller/kube-access.ts';
import { SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import type { SvKmsMigration } from '../src/api/types.ts';

/** Timestamps (performance.now() milliseconds) of one migration's milestones. */
export interface Milestones {
  valuesRendered?: number;
  throughPreparing?: number;
  phase?: string;
}

const PAST_PREPARING = new Set(['AwaitingDeployment', 'AwaitingOnboarding', 'TransferringWeight', 'TransferringAssets', 'Offboarding', 'Retiring', 'Completed']);

export class MigrationWatch {
  readonly milestones = new Map<string, Milestones>();
  /** Watch events that changed a migration (ADDED, MODIFIED, DELETED). */
  changes = 0;
  /** The last status seen per migration (the floor uses one as its status template). */
  readonly lastStatus = new Map<string, SvKmsMigration>();
  private readonly client: KubeClient;
  private readonly stopper = new AbortController();
  private loop?: Promise<void>;

  constructor(kc: KubeConfig) {
    this.client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'sv-kms-bench' });
  }

  /** Lists once, then watches until {@link stop}. */
  async start(): Promise<void> {
    const list = await this.client.list<SvKmsMigration>(SVKMS_MIGRATIONS);
    for (const m of list.items) this.note(m);
    let rv = list.resourceVersion;
    const signal = this.stopper.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.client.watch<SvKmsMigration>(SVKMS_MIGRATIONS, undefined, { resourceVersion: rv, timeoutSeconds: 1800, inactivityMs: 600_000, signal }, (e) => {
            rv = e.object.metadata?.resourceVersion ?? rv;
            if (e.type === 'BOOKMARK') return;
            this.changes++;
            this.note(e.object);
          });
        } catch (err) {
          if (signal.aborted) return;
          process.stderr.write(`bench: migration watch failed, re-watching: ${(err as Error).message}\n`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  private note(m: SvKmsMigration): void {
    const key = `${m.metadata.namespace}/${m.metadata.name}`;
    const now = performance.now();
    const ms = this.milestones.get(key) ?? {};
    const rendered = m.status?.conditions?.some((c) => c.type === 'ValuesRendered' && c.status === 'True');
    if (rendered && ms.valuesRendered === undefined) ms.valuesRendered = now;
    if (m.status?.phase && PAST_PREPARING.has(m.status.phase) && ms.throughPreparing === undefined) ms.throughPreparing = now;
    ms.phase = m.status?.phase;
    this.milestones.set(key, ms);
    if (m.status) this.lastStatus.set(key, m);
  }

  /** How many of `keys` are through Preparing. */
  countThrough(keys: readonly string[]): number {
    return keys.filter((k) => this.milestones.get(k)?.throughPreparing !== undefined).length;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }
}
