import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { kubeAccessFromConfig } from './kube-access.ts';
import { KubeClient, type KubeObject, type ListOptions, type ResourceType } from './kube-client.ts';
import { Informer } from './informer.ts';

const THINGS: ResourceType = { group: 'example.com', version: 'v1', plural: 'things', kind: 'Thing', namespaced: true };

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
let handler: Handler;
let server: Server;
let client: KubeClient;
const open: ServerResponse[] = [];
/** Informers a test started: stopped after it even when it failed (a running one keeps jest from exiting). */
const running: Informer<KubeObject>[] = [];

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const access = await kubeAccessFromConfig({
    clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${(server.address() as { port: number }).port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
  client = new KubeClient(access, { fieldManager: 't', timeoutMs: 5000 });
});
afterEach(async () => {
  for (const r of open.splice(0)) r.destroy();
  await Promise.all(running.splice(0).map((i) => i.stop()));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const json = (res: ServerResponse, code: number, body: unknown) => (res.writeHead(code, { 'content-type': 'application/json' }), res.end(JSON.stringify(body)));
/** A sleep that takes no time but yields to the event loop (the fake server must get its turn). */
const yieldTurn = () => new Promise<void>((r) => setImmediate(r));
const listOf = (rv: string, names: string[]) => ({ items: names.map((name) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } })), metadata: { resourceVersion: rv } });

/** A full garbage collection (V8's gc, exposed for this process). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Resolves when `cond` holds, checking after each turn of the event loop (no fixed sleeps). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('Informer', () => {
  it('backs off exponentially when every watch ends at once, instead of re-watching in a hot loop', async () => {
    let watches = 0;
    handler = (_q, res, url) => {
      if (url.searchParams.get('watch') !== 'true') return json(res, 200, listOf('5', ['a']));
      watches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(); // a clean end, at once, without an event
    };
    const delays: number[] = [];
    let t = 0;
    const informer = new Informer<KubeObject>(client, {
      resource: THINGS,
      namespace: 'ns',
      backoff: { initialMs: 100, maxMs: 1000 },
      now: () => t,
      sleep: async (ms) => {
        delays.push(ms);
        t += ms;
        await yieldTurn();
      },
    });
    informer.start();
    await until(() => delays.length >= 6);
    await informer.stop();
    expect(delays.slice(0, 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(watches).toBeGreaterThanOrEqual(6);
    expect(informer.health()).toMatchObject({ synced: true, consecutiveFailures: expect.any(Number) });
    expect(informer.health().consecutiveFailures).toBeGreaterThanOrEqual(6);
  });

  it('re-lists at once when the watch answers 410 Gone, and keeps the cache consistent', async () => {
    let lists = 0;
    handler = (_q, res, url) => {
      if (url.searchParams.get('watch') !== 'true') {
        lists += 1;
        return json(res, 200, lists === 1 ? listOf('5', ['a', 'b']) : listOf('9', ['b', 'c']));
      }
      if (url.searchParams.get('resourceVersion') === '5') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
      }
      open.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('\n');
    };
    const sleeps: number[] = [];
    const informer = new Informer<KubeObject>(client, { resource: THINGS, namespace: 'ns', sleep: async (ms) => (sleeps.push(ms), yieldTurn()) });
    const changes: string[] = [];
    informer.on((type, obj) => changes.push(`${type}:${obj.metadata?.name}`));
    informer.start();
    await until(() => lists === 2 && open.length === 1);
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(['b', 'c']);
    expect(changes).toEqual(['add:a', 'add:b', 'update:b', 'add:c', 'delete:a']);
    expect(sleeps).toEqual([]); // 410 is the protocol, not a failure
    for (const r of open.splice(0)) r.end();
    await informer.stop();
  });

  it('aborts a watch that went silent (dead connection) and watches again', async () => {
    let watches = 0;
    handler = (_q, res, url) => {
      if (url.searchParams.get('watch') !== 'true') return json(res, 200, listOf('5', []));
      watches += 1;
      open.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders(); // headers, then nothing: neither events nor bookmarks nor an end
    };
    const informer = new Informer<KubeObject>(client, { resource: THINGS, namespace: 'ns', watchTimeoutSeconds: 0, watchGraceMs: 50, backoff: { initialMs: 1, maxMs: 1 } });
    informer.start();
    await until(() => watches >= 3);
    await informer.stop();
    expect(informer.health().consecutiveFailures).toBeGreaterThanOrEqual(2);
  });

  it('reports itself unhealthy once it made no progress for stuckAfterMs', async () => {
    handler = (_q, res) => (res.writeHead(502, { 'content-type': 'text/html' }), res.end('<html>bad gateway</html>'));
    let t = 0;
    let failures = 0;
    const informer = new Informer<KubeObject>(client, {
      resource: THINGS,
      namespace: 'ns',
      stuckAfterMs: 60_000,
      now: () => t,
      sleep: async () => ((failures += 1), yieldTurn()),
    });
    expect(informer.health().healthy).toBe(true); // not started
    informer.start();
    await until(() => failures >= 2);
    expect(informer.health()).toMatchObject({ synced: false, healthy: true });
    t = 60_000;
    await until(() => failures >= 3);
    const h = informer.health();
    await informer.stop();
    expect(h).toMatchObject({ resource: 'things', namespace: 'ns', synced: false, healthy: false });
    expect(h.lastActivityAgeMs).toBeUndefined();
    expect(h.metadataOnly).toBeUndefined(); // a cache of whole objects
  });

  it('caches full objects without managedFields, and through its transform, whether listed or watched', async () => {
    const limits: (string | null)[] = [];
    const thing = (name: string, rv: string) => ({ metadata: { name, namespace: 'tf', resourceVersion: rv, managedFields: [{ manager: 'x' }], annotations: { big: 'x'.repeat(100), keep: 'y' } }, spec: { n: 1 } });
    handler = (_q, res, url) => {
      if (!url.pathname.includes('/namespaces/tf/')) return json(res, 404, { kind: 'Status', code: 404 });
      if (url.searchParams.get('watch') !== 'true') {
        limits.push(url.searchParams.get('limit'));
        return json(res, 200, { items: [thing('a', '3')], metadata: { resourceVersion: '3' } });
      }
      open.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: thing('b', '4') }) + '\n');
    };
    const seen: KubeObject[] = [];
    const informer = new Informer<KubeObject>(client, {
      resource: THINGS,
      namespace: 'tf',
      transform: (o) => ({ ...o, metadata: { ...o.metadata, annotations: { keep: o.metadata?.annotations?.keep ?? '' } } }),
    });
    informer.on((_type, o) => seen.push(o));
    informer.start();
    await informer.waitForSync();
    await until(() => informer.get('tf', 'b') !== undefined);
    await informer.stop();
    for (const name of ['a', 'b']) {
      const cached = informer.get('tf', name);
      expect(cached?.metadata).toEqual({ name, namespace: 'tf', resourceVersion: name === 'a' ? '3' : '4', annotations: { keep: 'y' } });
      expect(cached).toMatchObject({ spec: { n: 1 } });
    }
    // The handlers get the cached form.
    expect(seen.map((o) => o.metadata?.managedFields ?? o.metadata?.annotations)).toEqual([{ keep: 'y' }, { keep: 'y' }]);
    // Whole objects are listed in pages of 100.
    expect(limits).toEqual(['100']);
  });

  it('does not keep the list response alive while it watches (only the cached copies)', async () => {
    handler = (_q, res, url) => {
      if (!url.pathname.includes('/namespaces/rl/')) return json(res, 404, { kind: 'Status', code: 404 });
      if (url.searchParams.get('watch') !== 'true') {
        const items = ['a', 'b', 'c'].map((name) => ({ metadata: { name, namespace: 'rl', resourceVersion: '3', managedFields: [{ manager: 'x' }] } }));
        return json(res, 200, { items, metadata: { resourceVersion: '3' } });
      }
      open.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
    };
    // The objects as listed, before the informer drops their managedFields: only weakly held here.
    const listed: WeakRef<object>[] = [];
    const spy = Object.create(client) as KubeClient;
    spy.listPages = (<T extends KubeObject>(...[res, namespace, opts, onPage]: [ResourceType, string | undefined, ListOptions, (items: T[], restart: boolean) => void]) =>
      client.listPages<T>(res, namespace, opts, (items, restart) => {
        for (const item of items) listed.push(new WeakRef(item));
        onPage(items, restart);
      }));
    const informer = new Informer<KubeObject>(spy, { resource: THINGS, namespace: 'rl' });
    informer.start();
    await informer.waitForSync();
    await until(() => open.length > 0);
    // WeakRefs made in this job hold their targets until it ends: collect on a later turn.
    await new Promise((r) => setTimeout(r, 10));
    collectGarbage();
    const alive = listed.filter((w) => w.deref() !== undefined).length;
    expect(informer.list('rl')).toHaveLength(3);
    await informer.stop();
    expect(listed).toHaveLength(3);
    expect(alive).toBe(0);
  });

  it('keeps only what `keep` wants, knows the rest by name, admits one on demand, and lets go of one no longer wanted', async () => {
    const meta = (name: string, rv: string) => ({ kind: 'PartialObjectMetadata', metadata: { name, namespace: 'kp', resourceVersion: rv } });
    const pages: Record<string, unknown> = {
      '': { items: [meta('a', '3'), meta('b', '3')], metadata: { resourceVersion: '3', continue: 'p2' } },
      p2: { items: [meta('c', '3')], metadata: { resourceVersion: '3' } },
    };
    let watch: ServerResponse | undefined;
    handler = (_q, res, url) => {
      if (!url.pathname.includes('/namespaces/kp/')) return json(res, 404, { kind: 'Status', code: 404 });
      if (url.searchParams.get('watch') !== 'true') return json(res, 200, pages[url.searchParams.get('continue') ?? '']);
      open.push(res);
      watch = res;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
    };
    const send = (type: string, object: unknown) => watch!.write(JSON.stringify({ type, object }) + '\n');
    const wanted = new Set(['a']);
    const informer = new Informer<KubeObject>(client, { resource: THINGS, namespace: 'kp', metadataOnly: true, pageSize: 2, keep: (o) => wanted.has(o.metadata?.name ?? '') });
    running.push(informer);
    const changes: string[] = [];
    informer.on((type, obj) => changes.push(`${type}:${obj.metadata?.name}`));
    informer.start();
    await informer.waitForSync();
    await until(() => watch !== undefined);

    // Listed over two pages: only 'a' is kept; 'b' and 'c' are known by name, with no change raised for them.
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a']);
    expect(informer.notKept('kp').sort()).toEqual(['b', 'c']);
    expect([informer.exists('kp', 'b'), informer.exists('kp', 'a'), informer.exists('kp', 'nope')]).toEqual([true, true, false]);
    expect(changes).toEqual(['add:a']);
    expect(informer.health()).toMatchObject({ synced: true, objects: 1, notKept: 2, metadataOnly: true, syncedInMs: expect.any(Number) });

    // 'b' is wanted now: a read of it (a GET, here the object itself) brings it in, as metadata, without a change.
    wanted.add('b');
    const read = { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'b', namespace: 'kp', resourceVersion: '3', managedFields: [{ manager: 'x' }] }, spec: { secret: 'no' } };
    expect(informer.admit(read)).toBe(true);
    expect(informer.get('kp', 'b')).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { name: 'b', namespace: 'kp', resourceVersion: '3' } });
    // Not what `keep` refuses, nor what the informer does not know exists.
    expect(informer.admit({ metadata: { name: 'c', namespace: 'kp', resourceVersion: '3' } })).toBe(false);
    expect(informer.admit({ metadata: { name: 'nope', namespace: 'kp', resourceVersion: '3' } })).toBe(false);
    expect(changes).toEqual(['add:a']);

    // 'a' is no longer wanted: its next change takes it out of the cache with a delete, and it is known by name.
    wanted.delete('a');
    send('MODIFIED', meta('a', '4'));
    // 'c' goes, 'd' comes (unwanted): neither raises a change.
    send('DELETED', meta('c', '5'));
    send('ADDED', meta('d', '6'));
    await until(() => informer.exists('kp', 'd'));
    expect(changes).toEqual(['add:a', 'delete:a']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['b']);
    expect(informer.notKept('kp').sort()).toEqual(['a', 'd']);
    expect(informer.exists('kp', 'c')).toBe(false);
    // A wanted object's change is raised as ever.
    send('MODIFIED', meta('b', '7'));
    await until(() => changes.length === 3);
    expect(changes[2]).toBe('update:b');
    await informer.stop();
  });

  it('after a list that had to start over (expired continue token), keeps neither objects nor names the full list lacks', async () => {
    const meta = (name: string) => ({ kind: 'PartialObjectMetadata', metadata: { name, namespace: 'rs', resourceVersion: '3' } });
    handler = (_q, res, url) => {
      if (!url.pathname.includes('/namespaces/rs/')) return json(res, 404, { kind: 'Status', code: 404 });
      if (url.searchParams.get('watch') === 'true') {
        open.push(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.flushHeaders();
      }
      if (url.searchParams.get('continue')) return json(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'continue too old' });
      // The first page has 'gone-kept' and 'gone-named'; the full list (no limit) that follows no longer has them.
      if (url.searchParams.get('limit')) return json(res, 200, { items: [meta('gone-kept'), meta('gone-named')], metadata: { resourceVersion: '3', continue: 'x' } });
      return json(res, 200, { items: [meta('kept'), meta('named')], metadata: { resourceVersion: '4' } });
    };
    const informer = new Informer<KubeObject>(client, { resource: THINGS, namespace: 'rs', metadataOnly: true, pageSize: 2, keep: (o) => o.metadata?.name?.endsWith('kept') ?? false });
    running.push(informer);
    informer.start();
    await informer.waitForSync();
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['kept']);
    expect(informer.notKept('rs')).toEqual(['named']);
    await informer.stop();
  });

  it('caches metadata only, without managedFields, when asked to', async () => {
    // Only this test's namespace counts: a request another test's informer had in flight must not be taken for ours.
    const accepts: string[] = [];
    const limits: (string | null)[] = [];
    handler = (req, res, url) => {
      if (!url.pathname.includes('/namespaces/meta/')) return json(res, 404, { kind: 'Status', code: 404 });
      accepts.push(req.headers.accept ?? '');
      if (url.searchParams.get('watch') !== 'true') {
        limits.push(url.searchParams.get('limit'));
        return json(res, 200, { items: [{ kind: 'PartialObjectMetadata', metadata: { name: 'a', namespace: 'meta', resourceVersion: '3', managedFields: [{ manager: 'x' }] } }], metadata: { resourceVersion: '3' } });
      }
      open.push(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
    };
    const informer = new Informer<KubeObject>(client, { resource: THINGS, namespace: 'meta', metadataOnly: true });
    informer.start();
    await informer.waitForSync();
    await until(() => accepts.length >= 2);
    await informer.stop();
    // The list, then the watch (a slow machine may see the watch opened again before stop: same header).
    const [list, ...watches] = accepts;
    expect(list).toBe('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    expect(new Set(watches)).toEqual(new Set(['application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1']));
    expect(informer.get('meta', 'a')?.metadata).toEqual({ name: 'a', namespace: 'meta', resourceVersion: '3' });
    expect(informer.health().metadataOnly).toBe(true);
    // Metadata is listed in pages of 100 too.
    expect(limits).toEqual(['100']);
  });
});
