/**
 * The floor of a start: the lists the operator's caches make at a start (the same collections, label selectors,
 * metadata-only Accept headers and page sizes), made concurrently by the benchmark's minimal client, which parses each
 * page and keeps nothing. The operator cannot be ready sooner than these lists take once its process has started;
 * what it takes beyond them is its own. Which lists those are is read from the operator's own "caches synced" log
 * line, so that the floor follows the operator's informers rather than restating them.
 */
import { readFileSync } from 'node:fs';
import { PAGE_SIZE } from '../src/controller/informer.ts';
import { ACCEPT_METADATA_LIST, type ResourceType } from '../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import type { PooledKubeClient } from './pooled-client.ts';

/** One list an informer makes at a start. */
export interface CacheList {
  resource: ResourceType;
  namespace?: string;
  labelSelector?: string;
  metadataOnly: boolean;
}

interface LoggedCache {
  resource: string;
  namespace?: string;
  labelSelector?: string;
  metadataOnly?: boolean;
}

/** The lists of the caches an operator's log says it synced (its first "caches synced" line). */
export function cacheListsFromLog(logText: string): CacheList[] {
  const line = logText.split('\n').find((l) => l.includes('"msg":"caches synced"'));
  if (!line) throw new Error('the operator\'s log has no "caches synced" line');
  const { caches } = JSON.parse(line) as { caches: LoggedCache[] };
  const known = [SVKMS_MIGRATIONS, ...Object.values(RESOURCES)];
  return caches.map((c) => {
    const resource = known.find((r) => r.plural === c.resource);
    if (!resource) throw new Error(`the operator caches ${c.resource}, which bench/list-floor.ts does not know`);
    return { resource, namespace: c.namespace, labelSelector: c.labelSelector, metadataOnly: c.metadataOnly === true };
  });
}

/** {@link cacheListsFromLog} of a log file. */
export function cacheListsOfLogFile(file: string): CacheList[] {
  return cacheListsFromLog(readFileSync(file, 'utf8'));
}

/** One of the floor's lists: how long its pages took and what came over the wire. */
export interface ListFigures {
  /** The collection, its label selector, and `(metadata)` for a metadata-only list. */
  list: string;
  ms: number;
  items: number;
  /** Bytes of the answers' text (uncompressed, as the operator asks for them). */
  bytes: number;
}

/** The floor of a start, and each list's part in it. */
export interface ListFloor {
  ms: number;
  lists: ListFigures[];
}

/** Makes every list at once, page by page (the informers' page size). */
export async function listFloor(client: PooledKubeClient, caches: readonly CacheList[]): Promise<ListFloor> {
  const started = performance.now();
  const lists = await Promise.all(
    caches.map(async (l): Promise<ListFigures> => {
      const figures: ListFigures = { list: `${l.resource.plural}${l.labelSelector ? ` (${l.labelSelector})` : ''}${l.metadataOnly ? ' (metadata)' : ''}`, ms: 0, items: 0, bytes: 0 };
      let cont: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (l.labelSelector) query.set('labelSelector', l.labelSelector);
        if (cont) query.set('continue', cont);
        const text = await client.requestText({ method: 'GET', path: `${client.path(l.resource, l.namespace)}?${query.toString()}`, accept: l.metadataOnly ? ACCEPT_METADATA_LIST : undefined });
        const page = JSON.parse(text) as { metadata?: { continue?: string }; items?: unknown[] };
        figures.bytes += Buffer.byteLength(text);
        figures.items += page.items?.length ?? 0;
        cont = page.metadata?.continue || undefined;
      } while (cont);
      figures.ms = Math.round(performance.now() - started);
      return figures;
    }),
  );
  return { ms: Math.round(performance.now() - started), lists };
}

/** Where the bytes of one migration on the wire are: its metadata's managedFields, its spec, its status by field. */
export interface MigrationWeight {
  bytes: number;
  managedFields: number;
  spec: number;
  status: number;
  statusFields: Record<string, number>;
}

/** Weighs one migration as a list or GET returns it (JSON, without indentation). */
export function weighMigration(m: { metadata?: { managedFields?: unknown }; spec?: unknown; status?: Record<string, unknown> }): MigrationWeight {
  const size = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
  const status = m.status ?? {};
  const statusFields = Object.fromEntries(
    Object.entries(status)
      .map(([k, v]) => [k, size(v)] as const)
      .sort((a, b) => b[1] - a[1]),
  );
  return { bytes: size(m), managedFields: size(m.metadata?.managedFields), spec: size(m.spec), status: size(m.status), statusFields };
}
