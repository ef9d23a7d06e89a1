import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { kubeAccessFromConfig } from '../controller/kube-access.ts';
import { KubeClient, type KubeObject } from '../controller/kube-client.ts';
import { Informer } from '../controller/informer.ts';
import { NOT_OWNED_SELECTOR, OWNED_SELECTOR, ScopedKind } from './scoped-cache.ts';
import { RESOURCES } from './resources.ts';

type Secret = KubeObject & { data?: Record<string, string> };

/** A fake API server for Secrets in one namespace: list (full or metadata), watch (held open; events pushed), get. */
const store = new Map<string, Secret>();
const watches: { res: ServerResponse; selector: string }[] = [];
const gets: string[] = [];
let accepts: string[] = [];
let server: Server;
let client: KubeClient;
let rv = 100;

const owned = (o: Secret) => o.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'sv-kms-operator';
const matches = (selector: string, o: Secret) => (selector === OWNED_SELECTOR ? owned(o) : selector === NOT_OWNED_SELECTOR ? !owned(o) : true);
const meta = (o: Secret) => ({ kind: 'PartialObjectMetadata', metadata: o.metadata });

function put(name: string, data: Record<string, string>, labels: Record<string, string> = {}): void {
  const obj: Secret = { metadata: { name, namespace: 'ns', resourceVersion: String(++rv), labels, managedFields: [{ manager: 'kubectl' }] }, data };
  const type = store.has(name) ? 'MODIFIED' : 'ADDED';
  store.set(name, obj);
  for (const w of watches) if (matches(w.selector, obj)) w.res.write(JSON.stringify({ type, object: w.selector === NOT_OWNED_SELECTOR ? meta(obj) : obj }) + '\n');
}

beforeAll(async () => {
  put('named', { password: 'cGFzcw==' });
  put('unrelated-1', { token: 'dG9r' });
  put('unrelated-2', { token: 'dG9r' });
  put('ours', { key: 'a2V5' }, { 'app.kubernetes.io/managed-by': 'sv-kms-operator' });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const selector = url.searchParams.get('labelSelector') ?? '';
    accepts.push(`${url.searchParams.get('watch') ? 'watch' : 'list'} ${selector} ${req.headers.accept}`);
    const name = url.pathname.split('/secrets/')[1];
    res.setHeader('content-type', 'application/json');
    if (name) {
      gets.push(name);
      const o = store.get(name);
      return o ? res.end(JSON.stringify(o)) : (res.writeHead(404), res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' })));
    }
    const items = [...store.values()].filter((o) => matches(selector, o));
    if (url.searchParams.get('watch') !== 'true') {
      return res.end(JSON.stringify({ items: selector === NOT_OWNED_SELECTOR ? items.map(meta) : items, metadata: { resourceVersion: String(rv) } }));
    }
    watches.push({ res, selector });
    res.writeHead(200);
    res.flushHeaders();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const access = await kubeAccessFromConfig({
    clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${(server.address() as { port: number }).port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
  client = new KubeClient(access, { fieldManager: 't' });
});
afterAll(async () => {
  for (const w of watches) w.res.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('ScopedKind', () => {
  it('holds the contents of what the operator made and of what was read, never of unrelated objects', async () => {
    accepts = [];
    const ownedInformer = new Informer<Secret>(client, { resource: RESOURCES.secrets, namespace: 'ns', labelSelector: OWNED_SELECTOR });
    const metaInformer = new Informer<KubeObject>(client, { resource: RESOURCES.secrets, namespace: 'ns', labelSelector: NOT_OWNED_SELECTOR, metadataOnly: true });
    const kind = new ScopedKind<Secret>({ client, resource: RESOURCES.secrets, owned: [ownedInformer], metadata: [metaInformer] });
    ownedInformer.start();
    metaInformer.start();
    await Promise.all([ownedInformer.waitForSync(), metaInformer.waitForSync()]);
    await until(() => watches.length === 2);
    // Only the owned informer ever asked for contents; the other one for metadata.
    expect(accepts).toEqual(
      expect.arrayContaining([
        `list ${OWNED_SELECTOR} application/json`,
        `list ${NOT_OWNED_SELECTOR} application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`,
        `watch ${NOT_OWNED_SELECTOR} application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`,
      ]),
    );
    expect(JSON.stringify(metaInformer.list())).not.toContain('dG9r');

    expect((await kind.get('ns', 'ours'))?.data).toEqual({ key: 'a2V5' });
    expect((await kind.get('ns', 'ours'))?.metadata).not.toHaveProperty('managedFields');
    expect(gets).toEqual([]); // from the owned cache

    // A named object: one GET on first read (concurrent reads share it), none while it is unchanged.
    const [first, second] = await Promise.all([kind.get('ns', 'named'), kind.get('ns', 'named')]);
    expect(first?.data).toEqual({ password: 'cGFzcw==' });
    expect(first?.metadata).not.toHaveProperty('managedFields');
    expect(second).toBe(first);
    expect(await kind.get('ns', 'named')).toBe(first);
    expect(gets).toEqual(['named']);
    expect(kind.heldContents()).toBe(1);

    // It changes: the held copy is dropped at the watch event, and the next read fetches the new one.
    put('named', { password: 'bmV3' });
    await until(() => kind.heldContents() === 0);
    expect((await kind.get('ns', 'named'))?.data).toEqual({ password: 'bmV3' });
    expect(gets).toEqual(['named', 'named']);

    // Absent objects cost nothing; label selection fetches only the matching ones.
    expect(await kind.get('ns', 'absent')).toBeUndefined();
    put('labelled', { x: 'eA==' }, { app: 'old-sv' });
    await until(() => metaInformer.get('ns', 'labelled') !== undefined);
    expect((await kind.select('ns', { app: 'old-sv' })).map((o) => o.metadata?.name)).toEqual(['labelled']);
    expect(gets).toEqual(['named', 'named', 'labelled']);
    expect(kind.heldContents()).toBe(2); // 'named' and 'labelled'; the unrelated Secrets never

    await Promise.all([ownedInformer.stop(), metaInformer.stop()]);
  });

  it('keeps no metadata of what no migration names, and reads a newly named object with the one GET a first read makes', async () => {
    const wanted = new Set(['named']);
    const metaInformer = new Informer<KubeObject>(client, {
      resource: RESOURCES.secrets,
      namespace: 'ns',
      labelSelector: NOT_OWNED_SELECTOR,
      metadataOnly: true,
      keep: (o) => wanted.has(o.metadata?.name ?? ''),
    });
    const kind = new ScopedKind<Secret>({ client, resource: RESOURCES.secrets, owned: [], metadata: [metaInformer] });
    metaInformer.start();
    await metaInformer.waitForSync();
    gets.length = 0;
    // Only the named Secret's metadata is kept; the others are known by name.
    expect(metaInformer.list().map((o) => o.metadata?.name)).toEqual(['named']);
    expect(metaInformer.notKept('ns').sort()).toEqual(['labelled', 'unrelated-1', 'unrelated-2']);

    // A migration names 'unrelated-1' now: its first read is a GET, which brings it into the cache; the next is not.
    wanted.add('unrelated-1');
    expect((await kind.get('ns', 'unrelated-1'))?.data).toEqual({ token: 'dG9r' });
    expect(metaInformer.get('ns', 'unrelated-1')?.metadata?.name).toBe('unrelated-1');
    expect((await kind.get('ns', 'unrelated-1'))?.data).toEqual({ token: 'dG9r' });
    expect(gets).toEqual(['unrelated-1']);
    // What does not exist is answered without a request, as before.
    expect(await kind.get('ns', 'absent')).toBeUndefined();
    expect(gets).toEqual(['unrelated-1']);

    // A label selection in a namespace reads what is known by name only once (it has no labels here), then the cache.
    wanted.add('labelled').add('unrelated-2');
    expect((await kind.select('ns', { app: 'old-sv' })).map((o) => o.metadata?.name)).toEqual(['labelled']);
    expect(gets.slice(1).sort()).toEqual(['labelled', 'unrelated-2']);
    expect((await kind.select('ns', { app: 'old-sv' })).map((o) => o.metadata?.name)).toEqual(['labelled']);
    expect(gets).toHaveLength(3);
    expect(metaInformer.notKept('ns')).toEqual([]);
    await metaInformer.stop();
  });
});
