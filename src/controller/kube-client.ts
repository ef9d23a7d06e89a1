/**
 * A thin Kubernetes REST client on raw JSON.
 *
 * Why not client-node's generated clients: their serializer maps objects to model classes (dates become Date objects,
 * schema fields such as `default` and `x-kubernetes-validations` are dropped unless written in model spelling) while
 * watches deliver raw JSON, so caches would hold two shapes. The server, authentication and TLS come from a KubeAccess
 * (kube-access.ts: the service account or a kubeconfig, without loading client-node's generated API). Every request
 * goes through one place, which counts requests by verb and resource for the metrics, the benchmark and the "no
 * writes after convergence" checks.
 */
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { KubeApiError, errorFromBody, parseJsonBody, WatchInactiveError } from './kube-errors.ts';
import type { KubeAccess } from './kube-access.ts';

/** A Kubernetes resource type: API group ('' for core), version, plural and scope. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The resource types the runtime itself uses (Events, leader-election Leases); the operator's kinds live in src/operator. */
export const RUNTIME_RESOURCES = {
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete']);

export interface RequestRecord {
  verb: Verb;
  resource: string;
  subresource?: string;
  status: number;
  /** When the request was sent (ms since the epoch), and how long it took. */
  startedAt: number;
  seconds: number;
}

export interface KubeClientOptions {
  /** Field manager for writes (server-side apply and managedFields). */
  fieldManager: string;
  /** Deadline of a non-watch request that names none. */
  timeoutMs?: number;
  /** Called after every request (metrics, request counting). */
  onRequest?: (r: RequestRecord) => void;
}

/** What every request takes: the caller's signal (a reconcile's, a lease term's) and a deadline. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Deadline of this request; the client's `timeoutMs` when unset. */
  timeoutMs?: number;
}

export { KubeApiError, WatchInactiveError } from './kube-errors.ts';

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;
export const isForbidden = (e: unknown): boolean => e instanceof KubeApiError && e.code === 403;

/** An equality label selector in the API's string form (`a=b,c=d`). */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'AlreadyExists';
/** 410 Gone / Expired: a watch's or a list continuation's resourceVersion is too old. */
export const isGone = (e: unknown): boolean => e instanceof KubeApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

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
    managedFields?: unknown[];
  };
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  /** Page size (`limit`/`continue`); 0 or unset lists in one request. */
  pageSize?: number;
  /** Ask for metadata only (PartialObjectMetadataList): no data, spec or status reaches this process. */
  metadataOnly?: boolean;
}

export type PatchType = 'merge' | 'json' | 'apply';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * Accept headers of the metadata-only protocol (kubernetes.io/docs/reference/using-api/api-concepts, "Receiving
 * resources as metadata only"); a server that does not know it answers 406, which surfaces as an error.
 */
export const ACCEPT_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const ACCEPT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

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
  metadataOnly?: boolean;
  signal: AbortSignal;
}

/** How long one connection pool (an Agent with the kubeconfig's TLS settings) is reused. */
const POOL_LIFETIME_MS = 10 * 60_000;
/**
 * How long the authentication headers are reused. Far below any token's lifetime (service-account tokens live an
 * hour and are rotated well before), so rotated tokens are picked up, without building credentials per request.
 */
const HEADERS_LIFETIME_MS = 60_000;

interface SendInit extends RequestOptions {
  method: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  subresource?: string;
}

export class KubeClient {
  private readonly access: KubeAccess;
  private pool?: { agent: Agent; createdAt: number };
  private auth?: { headers: Record<string, string>; createdAt: number };
  private readonly opts: Required<Omit<KubeClientOptions, 'onRequest'>> & Pick<KubeClientOptions, 'onRequest'>;

  constructor(access: KubeAccess, opts: KubeClientOptions) {
    this.access = access;
    this.opts = { timeoutMs: 30_000, ...opts };
  }

  get fieldManager(): string {
    return this.opts.fieldManager;
  }

  /**
   * Headers (with fresh credentials: a rotated token file is read again) and a connection pool that is reused, so
   * requests share keep-alive TLS connections instead of each opening its own.
   */
  private async transport(): Promise<{ headers: Record<string, string>; agent: Agent }> {
    const now = Date.now();
    if (!this.auth || now - this.auth.createdAt > HEADERS_LIFETIME_MS) this.auth = { headers: await this.access.headers(), createdAt: now };
    // A replaced pool is not destroyed: its watches run on to their end, and its idle connections close on their own.
    if (!this.pool || now - this.pool.createdAt > POOL_LIFETIME_MS) this.pool = { agent: await this.access.agent(), createdAt: now };
    return { headers: this.auth.headers, agent: this.pool.agent };
  }

  /** URL path of a collection, an object or a subresource. */
  path(res: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
    const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const obj = name ? `/${encodeURIComponent(name)}` : '';
    return `${base}${ns}/${res.plural}${obj}${subresource ? `/${subresource}` : ''}`;
  }

  private url(path: string): URL {
    return new URL(this.access.server + path);
  }

  private async send(verb: Verb, res: ResourceType, path: string, init: SendInit): Promise<unknown> {
    const url = this.url(path);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const deadline = AbortSignal.timeout(init.timeoutMs ?? this.opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const startedAt = Date.now();
    const started = performance.now();
    let status = 0;
    try {
      signal.throwIfAborted();
      const transport = await this.transport();
      const headers: Record<string, string> = { ...transport.headers, accept: init.accept ?? 'application/json' };
      if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
      const response = await exchange(url, { method: init.method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), agent: transport.agent, signal });
      status = response.statusCode ?? 0;
      const text = await readText(response, signal);
      const contentType = response.headers['content-type'] ?? '';
      if (status >= 400) throw errorFromBody(status, contentType, text);
      return parseJsonBody(status, contentType, text);
    } finally {
      this.opts.onRequest?.({ verb, resource: res.plural, subresource: init.subresource, status, startedAt, seconds: (performance.now() - started) / 1000 });
    }
  }

  async get<T extends KubeObject>(res: ResourceType, namespace: string | undefined, name: string, opts: RequestOptions = {}): Promise<T | undefined> {
    try {
      return (await this.send('get', res, this.path(res, namespace, name), { ...opts, method: 'GET' })) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Lists a collection, in pages of `pageSize` when set. As client-go's ListPager (FullListIfExpired) does, a
   * continue token that expired (410) is answered by one full list without `limit`.
   */
  async list<T extends KubeObject>(res: ResourceType, namespace?: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    const resourceVersion = await this.listPages<T>(res, namespace, opts, (page, restart) => {
      if (restart) items.length = 0;
      items.push(...page);
    });
    return { items, resourceVersion };
  }

  /**
   * Lists a collection page by page, handing each page to `onPage` as it arrives, so a caller that keeps only part of
   * each object (an informer) never holds the whole list at once; returns the list's resourceVersion. When a continue
   * token expired (410), the rest comes as one full list and `onPage` is told to restart: that page holds everything.
   */
  async listPages<T extends KubeObject>(res: ResourceType, namespace: string | undefined, opts: ListOptions, onPage: (items: T[], restart: boolean) => void): Promise<string> {
    const page = async (limit: number | undefined, cont: string | undefined) =>
      (await this.send('list', res, this.path(res, namespace), {
        ...opts,
        method: 'GET',
        accept: opts.metadataOnly ? ACCEPT_METADATA_LIST : undefined,
        query: { labelSelector: opts.labelSelector, limit: limit ? String(limit) : undefined, continue: cont },
      })) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } } | undefined;
    const kind = res.kind;
    const apiVersion = res.group ? `${res.group}/${res.version}` : res.version;
    // List items carry no apiVersion/kind; fill them in so cached objects are complete.
    const hand = (items: T[] | undefined, restart: boolean) => onPage((items ?? []).map((i) => ({ apiVersion, kind, ...i })), restart);
    const limit = opts.pageSize && opts.pageSize > 0 ? opts.pageSize : undefined;
    let body = await page(limit, undefined);
    hand(body?.items, false);
    while (body?.metadata?.continue) {
      let restart = false;
      try {
        body = await page(limit, body.metadata.continue);
      } catch (err) {
        if (!isGone(err)) throw err;
        body = await page(undefined, undefined);
        restart = true;
      }
      hand(body?.items, restart);
    }
    return body?.metadata?.resourceVersion ?? '';
  }

  async create<T extends KubeObject>(res: ResourceType, namespace: string | undefined, body: T, opts: RequestOptions = {}): Promise<T> {
    return (await this.send('create', res, this.path(res, namespace), { ...opts, method: 'POST', body, query: { fieldManager: this.opts.fieldManager } })) as T;
  }

  async replace<T extends KubeObject>(res: ResourceType, namespace: string | undefined, name: string, body: T, subresource?: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.send('update', res, this.path(res, namespace, name, subresource), {
      ...opts,
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
    opts: RequestOptions & { subresource?: string; force?: boolean } = {},
  ): Promise<T> {
    return (await this.send('patch', res, this.path(res, namespace, name, opts.subresource), {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      method: 'PATCH',
      body: patch,
      contentType: PATCH_CONTENT_TYPE[type],
      subresource: opts.subresource,
      query: { fieldManager: this.opts.fieldManager, force: type === 'apply' && opts.force ? 'true' : undefined },
    })) as T;
  }

  async delete(res: ResourceType, namespace: string | undefined, name: string, preconditions?: { uid?: string; resourceVersion?: string }, opts: RequestOptions = {}): Promise<void> {
    try {
      await this.send('delete', res, this.path(res, namespace, name), {
        ...opts,
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
    const url = this.url(this.path(res, namespace));
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    url.searchParams.set('resourceVersion', opts.resourceVersion);
    url.searchParams.set('timeoutSeconds', String(opts.timeoutSeconds));
    if (opts.labelSelector) url.searchParams.set('labelSelector', opts.labelSelector);
    const inactivity = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => inactivity.abort(new WatchInactiveError(opts.inactivityMs)), opts.inactivityMs);
      timer.unref();
    };
    const startedAt = Date.now();
    const started = performance.now();
    let status = 0;
    arm();
    try {
      const transport = await this.transport();
      const signal = AbortSignal.any([opts.signal, inactivity.signal]);
      const response = await exchange(url, { method: 'GET', headers: { ...transport.headers, accept: opts.metadataOnly ? ACCEPT_METADATA : 'application/json' }, agent: transport.agent, signal });
      status = response.statusCode ?? 0;
      if (status !== 200) throw errorFromBody(status, response.headers['content-type'] ?? '', await readText(response, signal));
      response.setEncoding('utf8');
      const lines = createInterface({ input: response, crlfDelay: Infinity });
      for await (const line of lines) {
        arm();
        if (!line.trim()) continue;
        const event = parseJsonBody(200, 'application/json', line) as WatchEvent<T> | undefined;
        if (!event || typeof event !== 'object' || !event.object) throw new KubeApiError(500, 'InvalidWatchEvent', 'the API server sent a watch line that is not an event');
        if (event.type === 'ERROR') {
          const st = event.object as unknown as { code?: unknown; reason?: unknown; message?: unknown };
          throw errorFromBody(typeof st.code === 'number' ? st.code : 500, 'application/json', JSON.stringify(st));
        }
        onEvent(event);
      }
      // The lines may just stop when the connection is torn down: only a response received whole is a clean end (an
      // abort, the caller's or the watchdog's, is told apart below).
      if (!response.complete) throw new Error('the watch connection closed before the API server ended the watch');
    } catch (err) {
      if (opts.signal.aborted) return;
      if (inactivity.signal.aborted) throw inactivity.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      this.opts.onRequest?.({ verb: 'watch', resource: res.plural, status, startedAt, seconds: (performance.now() - started) / 1000 });
    }
  }
}

interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: string;
  agent: Agent;
  signal: AbortSignal;
}

/**
 * Sends one request with `node:http(s)` and resolves with the response, its body still to be read. When `signal`
 * aborts (before the answer or while the body streams), the request is torn down and the promise, or the body's
 * reading, rejects with the signal's reason, as `fetch` does. No Accept-Encoding is sent: the API server answers
 * uncompressed, which spares both sides the CPU of gzip on a cluster's own network.
 */
function exchange(url: URL, x: Exchange): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (x.signal.aborted) return reject(reasonOf(x.signal));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = x.body === undefined ? x.headers : { ...x.headers, 'content-length': String(Buffer.byteLength(x.body)) };
    const req = send(url, { method: x.method, headers, agent: x.agent });
    const onAbort = () => req.destroy(reasonOf(x.signal));
    x.signal.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => x.signal.removeEventListener('abort', onAbort));
    req.once('response', resolve);
    req.once('error', (err) => reject(x.signal.aborted ? reasonOf(x.signal) : err));
    req.end(x.body);
  });
}

/** The whole body of a response as text; rejects with the signal's reason when it aborts meanwhile. */
async function readText(res: IncomingMessage, signal: AbortSignal): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  try {
    for await (const chunk of res) text += chunk as string;
  } catch (err) {
    throw signal.aborted ? reasonOf(signal) : err;
  }
  return text;
}

/** The reason a signal aborted, as an Error (the caller's reason when it gave one). */
function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}
