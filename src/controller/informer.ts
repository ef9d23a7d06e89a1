/**
 * An informer: a cache of one resource type kept current by list + watch, and change notifications.
 *
 * What client-node's ListWatch lacks and this adds: it never stops on an error (it retries with exponential backoff
 * and re-lists when the watch is too old), it asks for bookmarks so a quiet resource keeps its resourceVersion fresh,
 * the server ends each watch after a jittered timeout, and a watchdog aborts a connection that went silent.
 */
import type { Logger } from 'pino';
import { KubeApiError, type KubeClient, type KubeObject, type ResourceType } from './kube-client.ts';
import { safeString } from '../util/safe-text.ts';

export type ChangeType = 'add' | 'update' | 'delete';
export type ChangeHandler<T> = (type: ChangeType, obj: T, old?: T) => void;

export interface InformerOptions {
  resource: ResourceType;
  /** Namespace to watch; undefined watches all namespaces. */
  namespace?: string;
  labelSelector?: string;
  /** Server-side watch timeout; each watch gets a random value between this and twice this. */
  watchTimeoutSeconds?: number;
  backoff?: { initialMs: number; maxMs: number };
  logger?: Logger;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const objectKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

export class Informer<T extends KubeObject> {
  private readonly client: KubeClient;
  private readonly opts: Required<Omit<InformerOptions, 'namespace' | 'labelSelector' | 'logger'>> & Pick<InformerOptions, 'namespace' | 'labelSelector' | 'logger'>;
  private readonly store = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private abort?: AbortController;
  private loop?: Promise<void>;
  /** Time (ms since epoch) of the last list, watch event or bookmark. */
  lastActivity = 0;

  constructor(client: KubeClient, opts: InformerOptions) {
    this.client = client;
    this.opts = { watchTimeoutSeconds: 300, backoff: { initialMs: 500, maxMs: 30_000 }, sleep: abortableSleep, ...opts };
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
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once the first list has filled the cache (or the signal aborts). */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    while (!this.synced) {
      if (signal?.aborted) return false;
      await abortableSleep(25, signal ?? new AbortController().signal);
    }
    return true;
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

  private async run(signal: AbortSignal): Promise<void> {
    const { resource, namespace, labelSelector, logger } = this.opts;
    let delay = this.opts.backoff.initialMs;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) {
          const list = await this.client.list<T>(resource, namespace, { labelSelector, signal });
          this.relist(list.items);
          this.resourceVersion = list.resourceVersion;
          this.synced = true;
          this.lastActivity = Date.now();
        }
        const timeoutSeconds = this.opts.watchTimeoutSeconds + Math.floor(Math.random() * this.opts.watchTimeoutSeconds);
        await this.client.watch<T>(
          resource,
          namespace,
          {
            resourceVersion: this.resourceVersion,
            labelSelector,
            timeoutSeconds,
            // Bookmarks arrive about once a minute; a connection silent for much longer than the server timeout is dead.
            inactivityMs: (timeoutSeconds + 60) * 1000,
            signal,
          },
          (event) => {
            this.lastActivity = Date.now();
            if (event.type !== 'BOOKMARK') this.apply(event.type as 'ADDED' | 'MODIFIED' | 'DELETED', event.object);
            this.resourceVersion = event.object.metadata?.resourceVersion ?? this.resourceVersion;
            delay = this.opts.backoff.initialMs;
          },
        );
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof KubeApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone')) {
          // The watch's resourceVersion is too old: list again.
          this.resourceVersion = '';
          continue;
        }
        logger?.warn({ err: err instanceof Error ? err.message : safeString(err), resource: resource.plural, namespace, retryInMs: delay }, 'list/watch failed; retrying');
        await this.opts.sleep(delay, signal);
        delay = Math.min(delay * 2, this.opts.backoff.maxMs);
      }
    }
  }
}
