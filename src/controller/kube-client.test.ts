import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { kubeAccessFromConfig } from './kube-access.ts';
import { KubeClient, KubeApiError, type RequestRecord, type ResourceType } from './kube-client.ts';
import { errorFromBody, parseJsonBody, printable, WatchInactiveError } from './kube-errors.ts';

const PODS: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const HTML = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>\n</body></html>\n';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
let handler: Handler = (_q, res) => res.end();
let server: Server;
let client: KubeClient;
const records: RequestRecord[] = [];

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const access = await kubeAccessFromConfig({
    clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 'tok' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
  client = new KubeClient(access, { fieldManager: 't', timeoutMs: 2000, onRequest: (r) => records.push(r) });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('error bodies', () => {
  it('an HTML 502 from a proxy stays a 502 with a short printable message, without the HTML', async () => {
    handler = (_q, res) => (res.writeHead(502, { 'content-type': 'text/html' }), res.end(HTML));
    const err = await client.get(PODS, 'ns', 'p').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    const e = err as KubeApiError;
    expect(e.code).toBe(502);
    expect(e.reason).toBe('BadGateway');
    expect(e.message).toBe(`HTTP 502 Bad Gateway from the API server or a proxy in front of it (text/html body of ${HTML.length} bytes)`);
    expect(e.message).not.toMatch(/[<>\n]/);
  });

  it('an HTML page with status 200 is an error, not a crash', async () => {
    handler = (_q, res) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end(HTML));
    await expect(client.get(PODS, 'ns', 'p')).rejects.toMatchObject({ code: 502, reason: 'InvalidResponse' });
  });

  it('a JSON Status keeps its reason and gets a bounded, single-line message', () => {
    const e = errorFromBody(409, 'application/json', JSON.stringify({ kind: 'Status', reason: 'Conflict', message: `line1\nline2\u0007${'x'.repeat(1000)}` }));
    expect(e).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(e.message.startsWith('line1 line2 x')).toBe(true);
    expect(e.message.length).toBeLessThanOrEqual(301);
    expect(errorFromBody(500, 'application/json', '{"reason":"<script>","message":42}')).toMatchObject({ reason: 'InternalServerError', message: 'HTTP 500 Internal Server Error' });
    expect(errorFromBody(503, 'application/json', '{truncated')).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect(errorFromBody(599, '', '')).toMatchObject({ code: 599, reason: 'HTTP599' });
    expect(() => parseJsonBody(200, 'application/json', '{')).toThrow(KubeApiError);
    expect(printable('a\u2028b\r\n c')).toBe('a b c');
  });
});

describe('paged lists', () => {
  const pods = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ metadata: { name: `p${from + i}`, namespace: 'ns' } }));

  it('follows continue tokens page by page', async () => {
    const seen: string[] = [];
    handler = (_q, res, url) => {
      seen.push(`${url.searchParams.get('limit')}:${url.searchParams.get('continue') ?? ''}`);
      const cont = url.searchParams.get('continue');
      const body = !cont
        ? { items: pods(0, 2), metadata: { resourceVersion: '10', continue: 'a' } }
        : cont === 'a'
          ? { items: pods(2, 2), metadata: { resourceVersion: '10', continue: 'b' } }
          : { items: pods(4, 1), metadata: { resourceVersion: '10' } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const list = await client.list(PODS, 'ns', { pageSize: 2 });
    expect(seen).toEqual(['2:', '2:a', '2:b']);
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(list.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
    expect(list.resourceVersion).toBe('10');
  });

  it('answers an expired continue token (410) with one full list', async () => {
    const seen: string[] = [];
    handler = (_q, res, url) => {
      seen.push(`${url.searchParams.get('limit')}:${url.searchParams.get('continue') ?? ''}`);
      if (url.searchParams.get('continue')) {
        res.writeHead(410, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' }));
      }
      const full = !url.searchParams.get('limit');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(full ? { items: pods(0, 3), metadata: { resourceVersion: '20' } } : { items: pods(0, 1), metadata: { resourceVersion: '19', continue: 'old' } }));
    };
    const list = await client.list(PODS, 'ns', { pageSize: 1 });
    expect(seen).toEqual(['1:', '1:old', 'null:']);
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['p0', 'p1', 'p2']);
    expect(list.resourceVersion).toBe('20');
  });

  it('asks for metadata only with the PartialObjectMetadataList media type', async () => {
    let accept = '';
    handler = (req, res) => {
      accept = req.headers.accept ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [], metadata: { resourceVersion: '1' } }));
    };
    await client.list(PODS, 'ns', { metadataOnly: true });
    expect(accept).toBe('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
  });
});

describe('signals and deadlines', () => {
  it('a request that gets no answer ends at its deadline and is recorded with status 0', async () => {
    const hung: ServerResponse[] = [];
    handler = (_q, res) => void hung.push(res);
    records.length = 0;
    await expect(client.get(PODS, 'ns', 'p', { timeoutMs: 50 })).rejects.toThrow();
    expect(records.at(-1)).toMatchObject({ verb: 'get', status: 0 });
    for (const r of hung) r.destroy();
  });

  it("a request under an aborted signal is never sent", async () => {
    let calls = 0;
    handler = (_q, res) => (calls++, res.end('{}'));
    const ac = new AbortController();
    ac.abort(new Error('leadership lost'));
    await expect(client.create(PODS, 'ns', { metadata: { name: 'p' } }, { signal: ac.signal })).rejects.toThrow('leadership lost');
    expect(calls).toBe(0);
  });

  it('the caller aborting a request in flight ends it at once', async () => {
    const hung: ServerResponse[] = [];
    handler = (_q, res) => void hung.push(res);
    const ac = new AbortController();
    const pending = client.patch(PODS, 'ns', 'p', {}, 'merge', { signal: ac.signal, timeoutMs: 60_000 });
    while (hung.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    for (const r of hung) r.destroy();
  });
});

describe('watches', () => {
  const watchOpts = (signal: AbortSignal, inactivityMs = 5000) => ({ resourceVersion: '1', timeoutSeconds: 60, inactivityMs, signal });

  it('delivers the events of a watch the server ends, and resolves: a clean end', async () => {
    handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } }) + '\n');
      res.end(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '3' } } }) + '\n');
    };
    const events: string[] = [];
    await client.watch(PODS, 'ns', watchOpts(new AbortController().signal), (e) => void events.push(`${e.type}:${e.object.metadata?.resourceVersion}`));
    expect(events).toEqual(['ADDED:2', 'BOOKMARK:3']);
  });

  it('rejects when the connection is torn down before the server ended the watch, after the events that came', async () => {
    handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } }) + '\n');
      setTimeout(() => res.destroy(), 20);
    };
    const events: string[] = [];
    await expect(client.watch(PODS, 'ns', watchOpts(new AbortController().signal), (e) => void events.push(e.type))).rejects.toThrow();
    expect(events).toEqual(['ADDED']);
  });

  it('rejects with WatchInactiveError when nothing arrives for inactivityMs, and resolves quietly when the caller aborts', async () => {
    const hung: ServerResponse[] = [];
    handler = (_q, res) => {
      hung.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
    };
    await expect(client.watch(PODS, 'ns', watchOpts(new AbortController().signal, 50), () => undefined)).rejects.toBeInstanceOf(WatchInactiveError);
    const ac = new AbortController();
    const watching = client.watch(PODS, 'ns', watchOpts(ac.signal), () => undefined);
    while (hung.length < 2) await new Promise((r) => setImmediate(r));
    ac.abort(new Error('stop'));
    await expect(watching).resolves.toBeUndefined();
    for (const r of hung) r.destroy();
  });
});
