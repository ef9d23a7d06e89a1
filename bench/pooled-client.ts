/**
 * The benchmark's own Kubernetes client: one undici Agent whose TLS connections are kept alive and reused, a bearer
 * token, raw JSON. It is the cheapest way a client can talk to the API server, so it serves the harness (namespaces,
 * applying migrations) and the "floor" (the operator's writes without the operator). Counts requests by verb.
 */
import { Agent, fetch } from 'undici';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type ResourceType } from '../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../src/controller/kube-access.ts';

/** An error answer of the API server. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request to the API server with a JSON body; `contentType` defaults to application/json. */
export interface JsonRequest {
  method: Method;
  path: string;
  body?: unknown;
  contentType?: string;
  /** Accept header; application/json by default. */
  accept?: string;
}

export class PooledKubeClient {
  private readonly server: string;
  private readonly token: string;
  private readonly agent: Agent;
  /** Only for its URL paths: the operator's client builds them, so both address objects alike. */
  private readonly paths: KubeClient;
  /** Requests made, by HTTP method. */
  readonly counts: Record<Method, number> = { GET: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 };

  constructor(kc: KubeConfig, connections = 16) {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster?.caData || !user?.token) throw new Error('the benchmark client needs a kubeconfig with certificate-authority-data and a token');
    this.server = cluster.server;
    this.token = user.token;
    this.agent = new Agent({ connect: { ca: Buffer.from(cluster.caData, 'base64') }, connections, keepAliveTimeout: 60_000 });
    this.paths = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'sv-kms-bench' });
  }

  /** Path of a collection, an object, or an object's subresource. */
  path(res: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    return this.paths.path(res, namespace, name, subresource);
  }

  /** Sends one request; resolves with the parsed answer, rejects with {@link HttpError} on a status >= 400. */
  async request<T = unknown>(req: JsonRequest): Promise<T> {
    const text = await this.requestText(req);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends one request; resolves with the answer's text as it came (to weigh it), rejects as {@link request} does. */
  async requestText(req: JsonRequest): Promise<string> {
    this.counts[req.method]++;
    const res = await fetch(this.server + req.path, {
      method: req.method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: req.accept ?? 'application/json',
        // As the operator's client (kube-client.ts: exchange): uncompressed answers, no gzip on either side.
        'accept-encoding': 'identity',
        ...(req.body === undefined ? {} : { 'content-type': req.contentType ?? 'application/json' }),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      dispatcher: this.agent,
    });
    const text = await res.text();
    if (res.status >= 400) throw new HttpError(res.status, `${req.method} ${req.path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return text;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; resolves when all are done (rejects on the first error). */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
