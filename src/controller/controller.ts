/**
 * A generic level-triggered controller: informer events become keys in a work queue, workers reconcile one key at a
 * time (never the same key twice at once), failures back off per key, and a periodic resync re-checks every object.
 * It knows nothing of what it reconciles.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { objectKey, type Informer } from './informer.ts';
import type { KubeObject } from './kube-client.ts';
import { WorkQueue, type WorkQueueOptions } from './queue.ts';
import { safeString } from '../util/safe-text.ts';

export interface ObjectRef {
  namespace: string;
  name: string;
}

/** What a reconcile asks for next: nothing (wait for a change) or a re-check after a delay (polling outside state). */
export interface Outcome {
  requeueAfterMs?: number;
}

/** An error retrying cannot fix (bad input): logged and counted, not requeued until the object changes. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface ReconcileContext {
  /** Aborts when this replica must stop acting at once (leadership lost). */
  signal: AbortSignal;
  log: Logger;
  reconcileId: string;
  now(): Date;
}

export interface Reconciler<T extends KubeObject> {
  reconcile(obj: T, ctx: ReconcileContext): Promise<Outcome>;
}

/** A secondary watch: changes of its objects re-queue the primary objects `map` names. */
export interface SecondaryWatch {
  informer: Informer<KubeObject>;
  map: (obj: KubeObject) => ObjectRef[];
}

export interface ControllerHooks {
  onReconcile?: (result: 'success' | 'requeue' | 'error' | 'terminal', seconds: number) => void;
  queue?: Pick<WorkQueueOptions, 'onAdd' | 'onDepth' | 'onLatency'>;
}

export interface ControllerOptions<T extends KubeObject> {
  name: string;
  /** Informers of the primary resource (one per watched namespace, or one for all). */
  primary: Informer<T>[];
  watches?: SecondaryWatch[];
  reconciler: Reconciler<T>;
  workers?: number;
  /** Every object is re-checked at least this often, whatever the watches say. */
  resyncMs?: number;
  logger: Logger;
  hooks?: ControllerHooks;
  queueOptions?: Omit<WorkQueueOptions, 'onAdd' | 'onDepth' | 'onLatency'>;
  /** The time reconciles see (tests pass days with a fake clock); the wall clock by default. */
  now?: () => Date;
}

const keyOf = (ref: ObjectRef) => `${ref.namespace}/${ref.name}`;

export class Controller<T extends KubeObject> {
  private readonly opts: ControllerOptions<T>;
  private queue?: WorkQueue;

  constructor(opts: ControllerOptions<T>) {
    this.opts = opts;
    for (const informer of opts.primary) informer.on((_type, obj) => this.queue?.add(objectKey(obj)));
    for (const watch of opts.watches ?? []) {
      watch.informer.on((_type, obj, old) => {
        const refs = [...watch.map(obj), ...(old ? watch.map(old) : [])];
        for (const ref of refs) this.queue?.add(keyOf(ref));
      });
    }
  }

  get name(): string {
    return this.opts.name;
  }

  /** The primary object of `key` from the caches. */
  private lookup(key: string): T | undefined {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    for (const informer of this.opts.primary) {
      const found = informer.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Reconciles until `stop` aborts (finishing the reconciles in flight) or `abort` aborts (leadership lost: the
   * reconciles in flight see their signal abort and must not start another side effect).
   */
  async run(stop: AbortSignal, abort: AbortSignal): Promise<void> {
    const queue = new WorkQueue({ ...this.opts.queueOptions, ...this.opts.hooks?.queue });
    this.queue = queue;
    const end = () => queue.shutDown();
    stop.addEventListener('abort', end, { once: true });
    abort.addEventListener('abort', end, { once: true });
    const enqueueAll = () => {
      for (const informer of this.opts.primary) for (const obj of informer.list()) queue.add(objectKey(obj));
    };
    enqueueAll();
    const resync = setInterval(enqueueAll, this.opts.resyncMs ?? 10 * 60_000);
    resync.unref();
    const workers = Array.from({ length: this.opts.workers ?? 4 }, () => this.worker(queue, abort));
    try {
      await Promise.all(workers);
    } finally {
      clearInterval(resync);
      stop.removeEventListener('abort', end);
      abort.removeEventListener('abort', end);
      if (this.queue === queue) this.queue = undefined;
    }
  }

  private async worker(queue: WorkQueue, abort: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileKey(queue, key, abort);
      } finally {
        queue.done(key);
      }
      // A reconcile served from the caches makes no I/O: without a turn of the event loop here the workers would
      // chain through the whole queue in microtasks (a restart over thousands of objects), and no probe, scrape or
      // watch event would be served until it is empty.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async reconcileKey(queue: WorkQueue, key: string, abort: AbortSignal): Promise<void> {
    const obj = this.lookup(key);
    if (!obj) {
      queue.forget(key);
      return;
    }
    const reconcileId = randomBytes(6).toString('hex');
    const log = this.opts.logger.child({ controller: this.opts.name, key, reconcileId });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const outcome = await this.opts.reconciler.reconcile(obj, { signal: abort, log, reconcileId, now: this.opts.now ?? (() => new Date()) });
      queue.forget(key);
      if (outcome.requeueAfterMs !== undefined && !abort.aborted) {
        queue.addAfter(key, outcome.requeueAfterMs);
        this.opts.hooks?.onReconcile?.('requeue', seconds());
      } else {
        this.opts.hooks?.onReconcile?.('success', seconds());
      }
    } catch (err) {
      if (err instanceof TerminalError) {
        queue.forget(key);
        log.warn({ err: err.message }, 'reconcile failed; not retrying until the object changes');
        this.opts.hooks?.onReconcile?.('terminal', seconds());
        return;
      }
      log.warn({ err: err instanceof Error ? err.message : safeString(err), retries: queue.numRequeues(key) }, 'reconcile failed; retrying with backoff');
      this.opts.hooks?.onReconcile?.('error', seconds());
      if (!abort.aborted) queue.addRateLimited(key);
    }
  }
}
