/**
 * An informer: a cache of one resource type kept current by list + watch, and change notifications.
 *
 * What client-node's ListWatch lacks and this adds: it never stops on an error (it retries with exponential backoff
 * and re-lists when the watch is too old), it lists in pages, it asks for bookmarks so a quiet resource keeps its
 * resourceVersion fresh, the server ends each watch after a jittered timeout, a watchdog aborts a connection that
 * went silent, a watch that ends at once counts as a failure (no hot loop), and it reports its health.
 */
import type { Logger } from 'pino';
import { isGone, type KubeClient, type KubeObject, type ResourceType } from './kube-client.ts';
import { safeString } from '../util/safe-text.ts';

export type ChangeType = 'add' | 'update' | 'delete';
export type ChangeHandler<T> = (type: ChangeType, obj: T, old?: T) => void;

export interface InformerOptions {
  resource: ResourceType;
  /** Namespace to watch; undefined watches all namespaces. */
  namespace?: string;
  labelSelector?: string;
  /** Cache metadata only (PartialObjectMetadata): names, labels, resourceVersions; no data, spec or status. */
  metadataOnly?: boolean;
  /**
   * Applied to every listed or watched object before it is cached and handed to the handlers (client-go's
   * SetTransform): drop what no reader needs. It runs after managedFields are dropped, which every informer does.
   */
  transform?: (obj: KubeObject) => KubeObject;
  /** Page size of lists; by default 100 for whole objects and 500 (client-go's) for metadata. */
  pageSize?: number;
  /** Server-side watch timeout; each watch gets a random value between this and twice this. */
  watchTimeoutSeconds?: number;
  /** Extra silence allowed after the watch timeout before the connection is presumed dead. */
  watchGraceMs?: number;
  /** A watch that ends cleanly sooner than this, with no event, counts as a failure and backs off. */
  minWatchMs?: number;
  /** The informer is unhealthy when it made no progress (list, event, bookmark, watch end) for this long. */
  stuckAfterMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  logger?: Logger;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** What /healthz reports per informer. */
export interface InformerHealth {
  resource: string;
  namespace?: string;
  labelSelector?: string;
  synced: boolean;
  /** Milliseconds since the last list, event, bookmark or clean watch end; undefined before the first. */
  lastActivityAgeMs?: number;
  consecutiveFailures: number;
  /** False when no progress was made for `stuckAfterMs`: the process should be restarted. */
  healthy: boolean;
}

/** The object without its managedFields (the same object when it has none). */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Whole objects are listed in pages of 100, smaller than client-go's 500: each page's response text and parsed objects
 * are garbage once cached, and with 500 a restart over 1000 migrations grew the heap by their sum (RSS at ready 163 MB
 * at N = 1000 in the benchmark, 148 with 100). Metadata is small: pages of 500, so 20,000 unrelated objects are 40
 * requests, not 200, at a start.
 */
function pageSizeOf(metadataOnly: boolean): number {
  return metadataOnly ? 500 : 100;
}

export const objectKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Waits `ms`, or less when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(t), resolve());
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type Defaults = Required<Omit<InformerOptions, 'resource' | 'namespace' | 'labelSelector' | 'logger' | 'transform' | 'pageSize'>>;

/**
 * Defaults. The API server sends a bookmark shortly before a watch's timeoutSeconds and then ends it
 * (apiserver cacher: a bookmark "right before watch deadline", plus about once a minute), so a healthy watch is never
 * silent for longer than its timeout: with timeouts of 45-90 s and 25 s of grace, a dead connection is noticed
 * within 115 s.
 */
const DEFAULTS: Defaults = {
  metadataOnly: false,
  watchTimeoutSeconds: 45,
  watchGraceMs: 25_000,
  // client-go's reflector treats a watch shorter than a second with no event as an error ("very short watch").
  minWatchMs: 1000,
  stuckAfterMs: 5 * 60_000,
  backoff: { initialMs: 500, maxMs: 30_000 },
  sleep: abortableSleep,
  now: () => Date.now(),
  random: Math.random,
};

export class Informer<T extends KubeObject> {
  private readonly client: KubeClient;
  private readonly opts: Defaults & Pick<InformerOptions, 'resource' | 'namespace' | 'labelSelector' | 'logger' | 'transform'> & { pageSize: number };
  private readonly store = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private abort?: AbortController;
  private loop?: Promise<void>;
  private startedAt = 0;
  /** Time (ms, informer clock) of the last list, watch event, bookmark or clean watch end. */
  private lastActivity?: number;
  private failures = 0;

  constructor(client: KubeClient, opts: InformerOptions) {
    this.client = client;
    this.opts = { ...DEFAULTS, ...opts, pageSize: opts.pageSize ?? pageSizeOf(opts.metadataOnly ?? DEFAULTS.metadataOnly) };
  }

  get resource(): ResourceType {
    return this.opts.resource;
  }

  on(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  health(): InformerHealth {
    const now = this.opts.now();
    const progress = this.lastActivity ?? this.startedAt;
    return {
      resource: this.opts.resource.plural,
      ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}),
      ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
      synced: this.synced,
      ...(this.lastActivity !== undefined ? { lastActivityAgeMs: now - this.lastActivity } : {}),
      consecutiveFailures: this.failures,
      healthy: !this.loop || now - progress < this.opts.stuckAfterMs,
    };
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.startedAt = this.opts.now();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** Resolves true once the first list has filled the cache, false if the signal aborts (or the informer stops) first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return true;
    if (signal?.aborted) return false;
    await new Promise<void>((resolve) => {
      const done = () => (signal?.removeEventListener('abort', done), resolve());
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
    return this.synced;
  }

  private emit(type: ChangeType, obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        h(type, obj, old);
      } catch (err) {
        this.opts.logger?.error({ err, resource: this.opts.resource.plural }, 'informer handler failed');
      }
    }
  }

  private relist(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, item);
      if (!old) this.emit('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.emit('update', item, old);
    }
    for (const [key, old] of [...this.store]) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.emit('delete', old);
      }
    }
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.emit('delete', obj);
      return;
    }
    this.store.set(key, obj);
    if (!old) this.emit('add', obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
  }

  /**
   * managedFields are often the biggest part of an object's metadata and no reader of a cache needs them (as
   * controller-runtime's TransformStripManagedFields); an update that omits them keeps the server's. Then the
   * informer's own transform.
   */
  private slim(obj: T): T {
    const out = withoutManagedFields(obj);
    return this.opts.transform ? (this.opts.transform(out) as T) : out;
  }

  /**
   * Lists everything and replaces the store with it; returns the list's resourceVersion. A method of its own so that
   * the list response (the objects before `slim`) dies with this frame: held in a local of `run`, it stayed reachable
   * from the suspended loop for as long as the watch that follows lasted, which doubled the memory of a big cache.
   */
  private async listIntoStore(signal: AbortSignal): Promise<string> {
    const { resource, namespace, labelSelector, metadataOnly } = this.opts;
    const list = await this.client.list<T>(resource, namespace, { labelSelector, signal, metadataOnly, pageSize: this.opts.pageSize });
    this.relist(list.items.map((i) => this.slim(i)));
    return list.resourceVersion;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { resource, namespace, labelSelector, metadataOnly, logger } = this.opts;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) {
          this.resourceVersion = await this.listIntoStore(signal);
          this.lastActivity = this.opts.now();
          this.failures = 0;
          if (!this.synced) {
            this.synced = true;
            for (const w of this.syncWaiters.splice(0)) w();
          }
        }
        const timeoutSeconds = this.opts.watchTimeoutSeconds + Math.floor(this.opts.random() * this.opts.watchTimeoutSeconds);
        const watchStarted = this.opts.now();
        let events = 0;
        await this.client.watch<T>(
          resource,
          namespace,
          { resourceVersion: this.resourceVersion, labelSelector, metadataOnly, timeoutSeconds, inactivityMs: timeoutSeconds * 1000 + this.opts.watchGraceMs, signal },
          (event) => {
            events += 1;
            this.lastActivity = this.opts.now();
            this.failures = 0;
            if (event.type !== 'BOOKMARK') this.apply(event.type as 'ADDED' | 'MODIFIED' | 'DELETED', this.slim(event.object));
            this.resourceVersion = event.object.metadata?.resourceVersion ?? this.resourceVersion;
          },
        );
        if (signal.aborted) break;
        if (events === 0 && this.opts.now() - watchStarted < this.opts.minWatchMs) {
          throw new Error(`the watch ended after ${this.opts.now() - watchStarted} ms without an event`);
        }
        this.lastActivity = this.opts.now();
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          // The watch's resourceVersion is too old: list again (at once: this is the protocol, not a failure).
          this.resourceVersion = '';
          continue;
        }
        this.failures += 1;
        const delay = Math.min(this.opts.backoff.initialMs * 2 ** (this.failures - 1), this.opts.backoff.maxMs);
        logger?.warn(
          { err: err instanceof Error ? err.message : safeString(err), resource: resource.plural, namespace, failures: this.failures, retryInMs: delay },
          'list/watch failed; retrying',
        );
        await this.opts.sleep(delay, signal);
      }
    }
  }
}
