/**
 * A thin Kubernetes REST client on raw JSON.
 *
 * Why not client-node's generated clients: their serializer maps objects to model classes (dates become Date objects,
 * schema fields such as `default` and `x-kubernetes-validations` are dropped unless written in model spelling) while
 * watches deliver raw JSON, so caches would hold two shapes. Authentication and TLS still come from client-node's
 * KubeConfig. Every request goes through one place, which counts requests by verb and resource for the metrics, the
 * benchmark and the "no writes after convergence" checks.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fetch } from 'undici';
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';

/** A Kubernetes resource type: API group ('' for core), version, plural and scope. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const RESOURCES = {
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  statefulSets: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete']);

export interface RequestRecord {
  verb: Verb;
  resource: string;
  subresource?: string;
  status: number;
  seconds: number;
}

export interface KubeClientOptions {
  /** Field manager for writes (server-side apply and managedFields). */
  fieldManager: string;
  /** Timeout of non-watch requests. */
  timeoutMs?: number;
  /** Called after every request (metrics, request counting). */
  onRequest?: (r: RequestRecord) => void;
}

/** An error answer of the API server, with its HTTP code and `Status.reason` (NotFound, Conflict, AlreadyExists, …). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'AlreadyExists';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    ownerReferences?: unknown[];
    creationTimestamp?: string;
  };
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type PatchType = 'merge' | 'json' | 'apply';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchOptions {
  resourceVersion: string;
  labelSelector?: string;
  /** The server ends the watch after this many seconds (a clean end; the caller re-watches). */
  timeoutSeconds: number;
  /** Abort when no data (events or bookmarks) arrived for this long: the watchdog against silent connections. */
  inactivityMs: number;
  signal: AbortSignal;
}

/** How long one connection pool (undici dispatcher, with the kubeconfig's TLS settings) is reused. */
const DISPATCHER_LIFETIME_MS = 10 * 60_000;
/**
 * How long the authentication headers are reused. Far below any token's lifetime (service-account tokens live an
 * hour and are rotated well before), so rotated tokens are picked up, without building credentials per request.
 */
const HEADERS_LIFETIME_MS = 60_000;

export class KubeClient {
  private readonly kc: KubeConfig;
  private pool?: { dispatcher: unknown; createdAt: number };
  private auth?: { headers: Record<string, string>; createdAt: number };
  private readonly opts: Required<Omit<KubeClientOptions, 'onRequest'>> & Pick<KubeClientOptions, 'onRequest'>;

  constructor(kc: KubeConfig, opts: KubeClientOptions) {
    this.kc = kc;
    this.opts = { timeoutMs: 30_000, ...opts };
  }

  get fieldManager(): string {
    return this.opts.fieldManager;
  }

  /**
   * Headers (with fresh credentials: a rotated token file is read again) and a connection pool that is reused, so
   * requests share keep-alive TLS connections instead of each opening its own.
   */
  private async transport(url: URL, method: string): Promise<{ headers: Record<string, string>; dispatcher: unknown }> {
    const now = Date.now();
    if (!this.auth || !this.pool || now - this.auth.createdAt > HEADERS_LIFETIME_MS) {
      // client-node builds the credentials and a new dispatcher together; keep the dispatcher only when it is due.
      const ctx = new RequestContext(url.toString(), method as HttpMethod);
      await this.kc.applySecurityAuthentication(ctx);
      this.auth = { headers: ctx.getHeaders(), createdAt: now };
      if (!this.pool || now - this.pool.createdAt > DISPATCHER_LIFETIME_MS) this.pool = { dispatcher: ctx.getDispatcher(), createdAt: now };
    }
    return { headers: this.auth.headers, dispatcher: this.pool.dispatcher };
  }

  /** URL path of a collection, an object or a subresource. */
  path(res: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
    const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const obj = name ? `/${encodeURIComponent(name)}` : '';
    return `${base}${ns}/${res.plural}${obj}${subresource ? `/${subresource}` : ''}`;
  }

  private async send(
    verb: Verb,
    res: ResourceType,
    path: string,
    init: { method: string; query?: Record<string, string | undefined>; body?: unknown; contentType?: string; signal?: AbortSignal; subresource?: string },
  ): Promise<unknown> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server + path);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const transport = await this.transport(url, init.method);
    const headers: Record<string, string> = { ...transport.headers, accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(this.opts.timeoutMs)]) : AbortSignal.timeout(this.opts.timeoutMs);
    const started = performance.now();
    let status = 0;
    try {
      const response = await fetch(url, {
        method: init.method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        dispatcher: transport.dispatcher as never,
        signal,
      });
      status = response.status;
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (status >= 400) throw toApiError(status, parsed);
      return parsed;
    } finally {
      this.opts.onRequest?.({ verb, resource: res.plural, subresource: init.subresource, status, seconds: (performance.now() - started) / 1000 });
    }
  }

  async get<T extends KubeObject>(res: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return (await this.send('get', res, this.path(res, namespace, name), { method: 'GET' })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(res: ResourceType, namespace?: string, opts: { labelSelector?: string; signal?: AbortSignal } = {}): Promise<ListResult<T>> {
    const body = (await this.send('list', res, this.path(res, namespace), {
      method: 'GET',
      query: { labelSelector: opts.labelSelector },
      signal: opts.signal,
    })) as { items?: T[]; metadata?: { resourceVersion?: string } };
    const kind = res.kind;
    const apiVersion = res.group ? `${res.group}/${res.version}` : res.version;
    // List items carry no apiVersion/kind; fill them in so cached objects are complete.
    const items = (body.items ?? []).map((i) => ({ apiVersion, kind, ...i }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  async create<T extends KubeObject>(res: ResourceType, namespace: string | undefined, body: T): Promise<T> {
    return (await this.send('create', res, this.path(res, namespace), { method: 'POST', body, query: { fieldManager: this.opts.fieldManager } })) as T;
  }

  async replace<T extends KubeObject>(res: ResourceType, namespace: string | undefined, name: string, body: T, subresource?: string): Promise<T> {
    return (await this.send('update', res, this.path(res, namespace, name, subresource), {
      method: 'PUT',
      body,
      subresource,
      query: { fieldManager: this.opts.fieldManager },
    })) as T;
  }

  async patch<T extends KubeObject>(
    res: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts: { subresource?: string; force?: boolean } = {},
  ): Promise<T> {
    return (await this.send('patch', res, this.path(res, namespace, name, opts.subresource), {
      method: 'PATCH',
      body: patch,
      contentType: PATCH_CONTENT_TYPE[type],
      subresource: opts.subresource,
      query: { fieldManager: this.opts.fieldManager, force: type === 'apply' && opts.force ? 'true' : undefined },
    })) as T;
  }

  async delete(res: ResourceType, namespace: string | undefined, name: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void> {
    try {
      await this.send('delete', res, this.path(res, namespace, name), {
        method: 'DELETE',
        body: preconditions ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions } : undefined,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Streams a watch until the server ends it, the signal aborts, or no data arrives within `inactivityMs`. Resolves
   * on a clean end; rejects with the error otherwise (the caller re-lists on 410 Gone).
   */
  async watch<T extends KubeObject>(res: ResourceType, namespace: string | undefined, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): Promise<void> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server + this.path(res, namespace));
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    url.searchParams.set('resourceVersion', opts.resourceVersion);
    url.searchParams.set('timeoutSeconds', String(opts.timeoutSeconds));
    if (opts.labelSelector) url.searchParams.set('labelSelector', opts.labelSelector);
    const transport = await this.transport(url, HttpMethod.GET);
    const inactivity = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => inactivity.abort(new KubeApiError(0, 'WatchInactive', `no watch data for ${opts.inactivityMs} ms`)), opts.inactivityMs);
      timer.unref();
    };
    const started = performance.now();
    let status = 0;
    arm();
    try {
      const response = await fetch(url, {
        method: 'GET',
        headers: { ...transport.headers, accept: 'application/json' },
        dispatcher: transport.dispatcher as never,
        signal: AbortSignal.any([opts.signal, inactivity.signal]),
      });
      status = response.status;
      if (status !== 200 || !response.body) {
        const text = await response.text();
        throw toApiError(status, text ? safeJson(text) : undefined);
      }
      const lines = createInterface({ input: Readable.fromWeb(response.body as never), crlfDelay: Infinity });
      for await (const line of lines) {
        arm();
        if (!line.trim()) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const st = event.object as unknown as { code?: number; reason?: string; message?: string };
          throw new KubeApiError(st.code ?? 500, st.reason ?? 'WatchError', st.message ?? 'watch error');
        }
        onEvent(event);
      }
    } catch (err) {
      if (opts.signal.aborted) return;
      if (inactivity.signal.aborted) throw inactivity.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      this.opts.onRequest?.({ verb: 'watch', resource: res.plural, status, seconds: (performance.now() - started) / 1000 });
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

function toApiError(status: number, body: unknown): KubeApiError {
  const st = (body ?? {}) as { reason?: string; message?: string };
  return new KubeApiError(status, st.reason ?? `HTTP${status}`, st.message ?? `HTTP ${status}`);
}
