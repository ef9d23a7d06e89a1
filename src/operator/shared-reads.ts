/**
 * Reads of the Splice network shared across migrations: migrations that name the same Scan share one answer per key
 * for `ttlMs` (and one request in flight), so N migrations on one network do not multiply the load on the Scans,
 * which rate-limit per client IP (Splice ≥ 0.7.4). Failures are not kept: the next read asks again.
 *
 * {@link SharedReads.refresh} reads now whatever is kept — what an effect is re-decided on — and its answer replaces the
 * kept one, so the other migrations see it too.
 *
 * Hand-written: a TTL map with in-flight sharing is a few lines; the caching libraries on npm add eviction policies
 * this does not need.
 */

interface Entry<T> {
  value: Promise<T>;
  /** When the answer arrived (undefined while in flight). */
  at?: number;
}

export class SharedReads {
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly now: () => number;
  /** How many reads went to the network (for tests and metrics). */
  loads = 0;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** The answer for `key` if it is younger than `ttlMs` (or in flight), else a fresh one from `load`. */
  get<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key) as Entry<T> | undefined;
    if (entry && (entry.at === undefined || this.now() - entry.at < ttlMs)) return entry.value;
    return this.refresh(key, ttlMs, load);
  }

  /**
   * A fresh answer for `key` from `load`, whatever is kept or in flight (a request already under way may have been
   * answered before the change the caller must not miss). It replaces the kept answer: reads with `get` share it.
   */
  refresh<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    this.loads++;
    const fresh: Entry<T> = { value: load() };
    this.entries.set(key, fresh);
    fresh.value.then(
      () => (fresh.at = this.now()),
      () => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
      },
    );
    this.sweep(ttlMs);
    return fresh.value;
  }

  /** Drops answers older than `ttlMs`, so keys of Scans no longer named do not accumulate. */
  private sweep(ttlMs: number): void {
    if (this.entries.size < 256) return;
    const now = this.now();
    for (const [key, e] of this.entries) if (e.at !== undefined && now - e.at >= ttlMs) this.entries.delete(key);
  }
}
