/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate takes the lease when
 * it is free or its holder has not renewed it for leaseDuration (measured on the candidate's own clock from when it
 * last saw the record change, so clock skew between replicas does not matter); the leader renews every retryPeriod and
 * gives up leadership — at once, aborting everything it started — when it could not renew within renewDeadline.
 * Writes use the lease's resourceVersion, so two candidates can never both win the same round.
 *
 * Why two replicas never act at once: the leader's renewDeadline runs from the moment it *sent* its last successful
 * renewal (a timer, not the next loop turn, and every lease request is bounded by what is left of it, as client-go's
 * `context.WithTimeout(ctx, RenewDeadline)`); another candidate counts leaseDuration from when it *saw* that renewal,
 * which is later. With renewDeadline < leaseDuration the old leader has stopped before anyone else may start. Like
 * controller-runtime, a replica that lost the lease does not campaign again: `run` returns and `onLost` is called
 * (the operator exits; its Deployment restarts it with fresh state).
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
  /** Called once when leadership is lost (not when released on a graceful stop); `run` then returns. */
  onLost?: (reason: string) => void;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly opts: Required<Omit<LeaderElectionOptions, 'logger' | 'onStoppedLeading' | 'onNewLeader' | 'onLost'>> &
    Pick<LeaderElectionOptions, 'logger' | 'onStoppedLeading' | 'onNewLeader' | 'onLost'>;
  private observed?: { record: string; at: number; lease: LeaseObject };
  private leading?: AbortController;
  /** When this term ends unless renewed: the send time of the last successful renewal plus renewDeadline. */
  private deadline = 0;
  private deadlineTimer?: NodeJS.Timeout;
  private lost?: string;
  private currentLeader = '';

  constructor(client: KubeClient, opts: LeaderElectionOptions) {
    this.client = client;
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
    if (this.opts.renewDeadlineMs >= this.opts.leaseDurationMs) throw new Error('leader election: renewDeadlineMs must be shorter than leaseDurationMs');
    if (this.opts.retryPeriodMs >= this.opts.renewDeadlineMs) throw new Error('leader election: retryPeriodMs must be shorter than renewDeadlineMs');
  }

  isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  /** Campaigns and renews until `signal` aborts (then releases the lease if held) or leadership is lost. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.lost === undefined) {
      const attemptAt = Date.now();
      // Leading: the attempt may take only what is left of the term. Campaigning: one renewDeadline.
      const budget = this.leading ? this.deadline - attemptAt : this.opts.renewDeadlineMs;
      let ok = false;
      if (budget > 0) {
        try {
          ok = await this.tryAcquireOrRenew(attemptAt, AbortSignal.any([signal, AbortSignal.timeout(budget)]));
        } catch (err) {
          if (!signal.aborted) this.opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'leader election: lease update failed');
        }
      }
      if (signal.aborted || this.lost !== undefined) break;
      if (ok) {
        this.extendTerm(attemptAt);
        if (!this.leading) {
          this.leading = new AbortController();
          this.opts.logger?.info({ identity: this.opts.identity, lease: `${this.opts.namespace}/${this.opts.name}` }, 'became leader');
          this.opts.onStartedLeading(this.leading.signal);
        }
      } else if (this.leading && this.currentLeader !== '' && this.currentLeader !== this.opts.identity) {
        this.lose(`another replica (${this.currentLeader}) holds the lease`);
        break;
      }
      await sleep(this.opts.retryPeriodMs, signal);
    }
    clearTimeout(this.deadlineTimer);
    if (this.lost === undefined) await this.release();
  }

  /** A renewal sent at `sentAt` succeeded: the term now ends renewDeadline after it, unless renewed again. */
  private extendTerm(sentAt: number): void {
    this.deadline = sentAt + this.opts.renewDeadlineMs;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.lose(`could not renew the lease within ${this.opts.renewDeadlineMs} ms`), Math.max(0, this.deadline - Date.now()));
    this.deadlineTimer.unref();
  }

  /** Leadership is gone: abort everything the term started, at once, and tell the owner. */
  private lose(reason: string): void {
    if (this.lost !== undefined || !this.leading) return;
    this.lost = reason;
    clearTimeout(this.deadlineTimer);
    this.opts.logger?.warn({ identity: this.opts.identity, reason }, 'lost leadership');
    this.stopLeading();
    this.opts.onLost?.(reason);
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading.abort(new Error('leadership lost'));
    this.leading = undefined;
    this.opts.onStoppedLeading?.();
  }

  private async tryAcquireOrRenew(now: number, signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    // Whole seconds on the Lease (the field's unit); the candidates' own timing uses leaseDurationMs.
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    const lease = await this.client.get<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, name, { signal });
    if (!lease) {
      try {
        const created = await this.client.create<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        }, { signal });
        this.observe(created, now);
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    this.observe(lease, Date.now()); // when we saw it: never earlier than when it was written
    const holder = lease.spec?.holderIdentity ?? '';
    const observedAt = this.observed!.at;
    const expired = Date.now() - observedAt > Math.max(this.opts.leaseDurationMs, (lease.spec?.leaseDurationSeconds ?? 0) * 1000);
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
      const updated = await this.client.replace<LeaseObject>(RUNTIME_RESOURCES.leases, namespace, name, next, undefined, { signal });
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
