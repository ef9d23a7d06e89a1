/**
 * A work queue of keys with client-go's semantics: a key is queued at most once (adds while it waits are merged),
 * a key being processed is never handed to a second worker (an add during processing re-queues it when done),
 * per-key exponential backoff for failures, an overall token bucket for retries, and delayed adds for polling.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

export interface WorkQueueOptions {
  /** First retry delay of a failing key; doubles on each failure. */
  baseDelayMs?: number;
  /** Upper bound of a failing key's delay. */
  maxDelayMs?: number;
  /** Overall rate of retries (token bucket): tokens per second and bucket size. */
  qps?: number;
  burst?: number;
  clock?: Clock;
  /** Observability hooks. */
  onAdd?: () => void;
  onDepth?: (depth: number) => void;
  onLatency?: (seconds: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: { cancel(): void } }>();
  private readonly addedAt = new Map<string, number>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private tokens: number;
  private lastRefill: number;
  private readonly opts: Required<Omit<WorkQueueOptions, 'onAdd' | 'onDepth' | 'onLatency'>> & Pick<WorkQueueOptions, 'onAdd' | 'onDepth' | 'onLatency'>;

  constructor(opts: WorkQueueOptions = {}) {
    this.opts = { baseDelayMs: 200, maxDelayMs: 5 * 60_000, qps: 10, burst: 100, clock: realClock, ...opts };
    this.tokens = this.opts.burst;
    this.lastRefill = this.opts.clock.now();
  }

  /** Number of keys waiting (not counting delayed or in-flight ones). */
  len(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.opts.clock.now());
    this.opts.onAdd?.();
    if (this.processing.has(key)) return; // re-queued by done()
    const waiter = this.waiters.shift();
    if (waiter) {
      this.hand(key, waiter);
    } else {
      this.queue.push(key);
      this.opts.onDepth?.(this.queue.length);
    }
  }

  /** Adds `key` after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.opts.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.opts.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after its backoff delay (per key, exponential) and the overall rate limit. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const perKey = Math.min(this.opts.baseDelayMs * 2 ** n, this.opts.maxDelayMs);
    this.addAfter(key, Math.max(perKey, this.bucketDelay()));
  }

  /** Number of consecutive failures of `key`. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the failure count of `key` (after a success or a planned requeue). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.opts.onDepth?.(this.queue.length);
      return Promise.resolve(this.take(key));
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile, it goes back into the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      const waiter = this.waiters.shift();
      if (waiter) this.hand(key, waiter);
      else {
        this.queue.push(key);
        this.opts.onDepth?.(this.queue.length);
      }
    }
  }

  /** Stops handing out keys; waiting `get` calls resolve with undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private hand(key: string, waiter: (key: string | undefined) => void): void {
    waiter(this.take(key));
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.opts.onLatency?.((this.opts.clock.now() - added) / 1000);
    return key;
  }

  /** Token bucket: the delay until a token is available (taking it). */
  private bucketDelay(): number {
    const now = this.opts.clock.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.opts.qps);
    this.lastRefill = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.opts.qps) * 1000);
  }
}
