/**
 * Runs controllers: shared informers (started on every replica, so a standby has warm caches), leader election (only
 * the leader reconciles), and graceful shutdown (stop taking work, finish the reconciles in flight, release the lease).
 */
import type { Logger } from 'pino';
import type { Controller } from './controller.ts';
import { Informer } from './informer.ts';
import type { KubeClient, KubeObject, ResourceType } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';

export interface ManagerOptions {
  client: KubeClient;
  logger: Logger;
  /** Leader election; without it this replica always leads (single replica, tests). */
  leaderElection?: { namespace: string; name: string; identity: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  onLeaderChange?: (leading: boolean) => void;
}

export class Manager {
  readonly client: KubeClient;
  private readonly opts: ManagerOptions;
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Controller<KubeObject>[] = [];
  private elector?: LeaderElector;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.client = opts.client;
  }

  /** The shared informer of a resource in one namespace (undefined: all namespaces), created on first use. */
  informer<T extends KubeObject>(resource: ResourceType, namespace?: string, labelSelector?: string): Informer<T> {
    const key = `${resource.group}/${resource.plural}/${namespace ?? '*'}/${labelSelector ?? ''}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<KubeObject>(this.client, { resource, namespace, labelSelector, logger: this.opts.logger });
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
    return this.elector ? this.elector.isLeader() : true;
  }

  /** Runs until `stop` aborts. */
  async run(stop: AbortSignal): Promise<void> {
    const log = this.opts.logger;
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(stop)));
    if (stop.aborted) return this.shutdownInformers();
    log.info({ informers: this.informers.size }, 'caches synced');

    const terms: Promise<void>[] = [];
    const lead = (abort: AbortSignal) => {
      this.opts.onLeaderChange?.(true);
      abort.addEventListener('abort', () => this.opts.onLeaderChange?.(false), { once: true });
      terms.push(...this.controllers.map((c) => c.run(stop, abort)));
    };

    const le = this.opts.leaderElection;
    if (le) {
      this.elector = new LeaderElector(this.client, { ...le, logger: log, onStartedLeading: lead });
      // The elector releases the lease only after the controllers finished their work in flight.
      const electorStop = new AbortController();
      const election = this.elector.run(electorStop.signal);
      await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
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
    log.info('stopped');
  }

  private async shutdownInformers(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
