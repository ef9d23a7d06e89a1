/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate takes the lease when
 * it is free or its holder has not renewed it for leaseDuration (measured on the candidate's own clock from when it
 * last saw the record change, so clock skew between replicas does not matter); the leader renews every retryPeriod and
 * gives up leadership — at once, aborting everything it started — when it could not renew within renewDeadline.
 * Writes use the lease's resourceVersion, so two candidates can never both win the same round.
 */
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, RUNTIME_RESOURCES, type KubeClient, type KubeObject } from './kube-client.ts';

export interface LeaseObject extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger?: Logger;
  /** Called when this replica becomes leader; `signal` aborts the moment leadership is lost or released. */
  onStartedLeading: (signal: AbortSignal) => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly opts: Required<Omit<LeaderElectionOptions, 'logger' | 'onStoppedLeading' | 'onNewLeader'>> &
    Pick<LeaderElectionOptions, 'logger' | 'onStoppedLeading' | 'onNewLeader'>;
  private observed?: { record: string; at: number; lease: LeaseObject };
  private leading?: AbortController;
  private lastRenew = 0;
  private currentLeader = '';

  constructor(client: KubeClient, opts: LeaderElectionOptions) {
    this.client = client;
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
  }

  isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  /** Campaigns and renews until `signal` aborts; then releases the lease if held. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.opts.logger?.warn({ err: (err as Error).message }, 'leader election: lease update failed');
      }
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = new AbortController();
          this.opts.logger?.info({ identity: this.opts.identity, lease: `${this.opts.namespace}/${this.opts.name}` }, 'became leader');
          this.opts.onStartedLeading(this.leading.signal);
        }
      } else if (this.leading && this.currentLeader !== '' && this.currentLeader !== this.opts.identity) {
        this.opts.logger?.warn({ identity: this.opts.identity, leader: this.currentLeader }, 'lost leadership: another replica holds the lease');
        this.stopLeading();
      } else if (this.leading && now - this.lastRenew > this.opts.renewDeadlineMs) {
        this.opts.logger?.warn({ identity: this.opts.identity }, 'lost leadership: could not renew the lease in time');
        this.stopLeading();
      }
      await sleep(this.opts.retryPeriodMs, signal);
    }
    await this.release();
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading.abort(new Error('leadership lost'));
    this.leading = undefined;
    this.opts.onStoppedLeading?.();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = Date.now();
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    const lease = await this.client.get<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, name);
    if (!lease) {
      try {
        const created = await this.client.create<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        this.observe(created, now);
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    this.observe(lease, now);
    const holder = lease.spec?.holderIdentity ?? '';
    const expired = now - this.observed!.at > (lease.spec?.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const spec = lease.spec ?? {};
    const next: LeaseObject = {
      ...lease,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: holder === identity ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: holder === identity ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      const updated = await this.client.replace<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, name, next);
      this.observe(updated, now);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Remembers when the lease record last changed, on our own clock. */
  private observe(lease: LeaseObject, now: number): void {
    const record = JSON.stringify(lease.spec ?? {});
    if (this.observed?.record !== record) this.observed = { record, at: now, lease };
    else this.observed.lease = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.currentLeader) {
      this.currentLeader = holder;
      if (holder) this.opts.onNewLeader?.(holder);
    }
  }

  /** Gives the lease up so another replica takes over at once (graceful shutdown). */
  private async release(): Promise<void> {
    const wasLeading = this.leading !== undefined;
    this.stopLeading();
    if (!wasLeading || !this.observed) return;
    const lease = this.observed.lease;
    if (lease.spec?.holderIdentity !== this.opts.identity) return;
    try {
      await this.client.replace<LeaseObject>(RUNTIME_RESOURCES.leases, this.opts.namespace, this.opts.name, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
      });
      this.opts.logger?.info({ identity: this.opts.identity }, 'released the leader lease');
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'could not release the leader lease; it expires by itself');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
