/**
 * Runs controllers: shared informers (started on every replica, so a standby has warm caches), leader election (only
 * the leader reconciles), graceful shutdown (stop taking work, finish the reconciles in flight, release the lease),
 * and the end of the process's term when leadership is lost (everything aborts at once; `onLost` decides what next —
 * the operator exits, as controller-runtime does by default, and its Deployment restarts it).
 */
import type { Logger } from 'pino';
import type { Controller } from './controller.ts';
import { Informer, type InformerChoices, type InformerHealth } from './informer.ts';
import type { KubeClient, KubeObject, ResourceType } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';

export interface ManagerOptions {
  client: KubeClient;
  logger: Logger;
  /** Leader election; without it this replica always leads (single replica, tests). */
  leaderElection?: { namespace: string; name: string; identity: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  onLeaderChange?: (leading: boolean) => void;
  /** Called once when this replica lost the lease (after everything it started was aborted); `run` then returns. */
  onLost?: (reason: string) => void;
}

/** Liveness of the manager: every informer makes progress. */
export interface ManagerHealth {
  healthy: boolean;
  leader: boolean;
  leadershipLost?: string;
  informers: InformerHealth[];
}

const ABORTED = AbortSignal.abort(new Error('not the leader'));

export class Manager {
  readonly client: KubeClient;
  private readonly opts: ManagerOptions;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller<KubeObject>[] = [];
  private elector?: LeaderElector;
  private term?: AbortSignal;
  private lost?: string;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.client = opts.client;
  }

  /**
   * The shared informer of a resource in one namespace (undefined: all namespaces), created on first use. A
   * `transform` and a `keep` are part of the first caller's informer: callers that share one must pass the same.
   */
  informer<T extends KubeObject>(resource: ResourceType, namespace?: string, labelSelector?: string, opts: InformerChoices = {}): Informer<T> {
    const key = `${resource.group}/${resource.plural}/${namespace ?? '*'}/${labelSelector ?? ''}/${opts.metadataOnly ? 'meta' : 'full'}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<KubeObject>(this.client, { resource, namespace, labelSelector, ...opts, logger: this.opts.logger });
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  add<T extends KubeObject>(controller: Controller<T>): void {
    this.controllers.push(controller as unknown as Controller<KubeObject>);
  }

  /** True once every informer has listed its objects. */
  synced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  isLeader(): boolean {
    return this.term !== undefined && !this.term.aborted;
  }

  /**
   * The signal of the current leadership term (aborted when not leading). Writes made on behalf of reconciles run
   * under it, so none is even sent once this replica may no longer act.
   */
  leadershipSignal(): AbortSignal {
    return this.term ?? ABORTED;
  }

  health(): ManagerHealth {
    const informers = [...this.informers.values()].map((i) => i.health());
    return {
      healthy: informers.every((i) => i.healthy),
      leader: this.isLeader(),
      ...(this.lost !== undefined ? { leadershipLost: this.lost } : {}),
      informers,
    };
  }

  /** Runs until `stop` aborts or leadership is lost. */
  async run(stop: AbortSignal): Promise<void> {
    const log = this.opts.logger;
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(stop)));
    if (stop.aborted) return this.shutdownInformers();
    // What each cache holds and how long its first list took: where a slow start or a big heap comes from.
    const caches = [...this.informers.values()].map((i) => i.health()).map(({ resource, namespace, labelSelector, metadataOnly, objects, notKept, syncedInMs }) => ({ resource, namespace, labelSelector, metadataOnly, objects, notKept, syncedInMs }));
    log.info({ informers: this.informers.size, caches }, 'caches synced');

    const terms: Promise<void>[] = [];
    const lead = (abort: AbortSignal) => {
      this.term = abort;
      this.opts.onLeaderChange?.(true);
      abort.addEventListener('abort', () => this.opts.onLeaderChange?.(false), { once: true });
      terms.push(...this.controllers.map((c) => c.run(stop, abort)));
    };

    const le = this.opts.leaderElection;
    if (le) {
      const lostCtl = new AbortController();
      this.elector = new LeaderElector(this.client, {
        ...le,
        logger: log,
        onStartedLeading: lead,
        onLost: (reason) => {
          this.lost = reason;
          lostCtl.abort();
        },
      });
      // The elector releases the lease only after the controllers finished their work in flight.
      const electorStop = new AbortController();
      const election = this.elector.run(electorStop.signal);
      const ended = AbortSignal.any([stop, lostCtl.signal]);
      await new Promise<void>((resolve) => (ended.aborted ? resolve() : ended.addEventListener('abort', () => resolve(), { once: true })));
      await Promise.all(terms);
      electorStop.abort();
      await election;
    } else {
      const never = new AbortController();
      lead(never.signal);
      await Promise.all(terms);
      this.opts.onLeaderChange?.(false);
    }
    await this.shutdownInformers();
    if (this.lost !== undefined) {
      log.error({ reason: this.lost }, 'leadership lost; stopped');
      this.opts.onLost?.(this.lost);
    } else {
      log.info('stopped');
    }
  }

  private async shutdownInformers(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
