/**
 * The floor of a start: the lists the operator's caches make at a start (src/operator/operator.ts: the same
 * collections, label selectors, metadata-only Accept headers and page sizes), made concurrently by the benchmark's
 * minimal client, which parses each page and keeps nothing. The operator cannot be ready sooner than these lists take
 * once its process has started; what it takes beyond them is its own.
 */
import { PAGE_SIZE } from '../src/controller/informer.ts';
import { ACCEPT_METADATA_LIST, type ResourceType } from '../src/controller/kube-client.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import { NOT_OWNED_SELECTOR, OWNED_SELECTOR } from '../src/operator/scoped-cache.ts';
import type { PooledKubeClient } from './pooled-client.ts';

interface CacheList {
  resource: ResourceType;
  labelSelector?: string;
  metadataOnly: boolean;
}

/** What the operator's informers list when it serves all namespaces (one informer each). */
export const OPERATOR_CACHE_LISTS: readonly CacheList[] = [
  { resource: SVKMS_MIGRATIONS, metadataOnly: false },
  { resource: RESOURCES.secrets, labelSelector: OWNED_SELECTOR, metadataOnly: false },
  { resource: RESOURCES.secrets, labelSelector: NOT_OWNED_SELECTOR, metadataOnly: true },
  { resource: RESOURCES.configMaps, labelSelector: OWNED_SELECTOR, metadataOnly: false },
  { resource: RESOURCES.configMaps, labelSelector: NOT_OWNED_SELECTOR, metadataOnly: true },
  { resource: RESOURCES.deployments, labelSelector: NOT_OWNED_SELECTOR, metadataOnly: true },
  { resource: RESOURCES.statefulSets, labelSelector: NOT_OWNED_SELECTOR, metadataOnly: true },
  { resource: RESOURCES.namespaces, metadataOnly: true },
];

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

/** Makes every list of {@link OPERATOR_CACHE_LISTS} at once, page by page (the informers' page size). */
export async function listFloor(client: PooledKubeClient): Promise<ListFloor> {
  const started = performance.now();
  const lists = await Promise.all(
    OPERATOR_CACHE_LISTS.map(async (l): Promise<ListFigures> => {
      const figures: ListFigures = { list: `${l.resource.plural}${l.labelSelector ? ` (${l.labelSelector})` : ''}${l.metadataOnly ? ' (metadata)' : ''}`, ms: 0, items: 0, bytes: 0 };
      let cont: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (l.labelSelector) query.set('labelSelector', l.labelSelector);
        if (cont) query.set('continue', cont);
        const text = await client.requestText({ method: 'GET', path: `${client.path(l.resource)}?${query.toString()}`, accept: l.metadataOnly ? ACCEPT_METADATA_LIST : undefined });
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
