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

/** Makes every list of {@link OPERATOR_CACHE_LISTS} at once, page by page (the informers' page size); ms taken. */
export async function listFloorMs(client: PooledKubeClient): Promise<number> {
  const started = performance.now();
  await Promise.all(
    OPERATOR_CACHE_LISTS.map(async (l) => {
      let cont: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (l.labelSelector) query.set('labelSelector', l.labelSelector);
        if (cont) query.set('continue', cont);
        const page = await client.request<{ metadata?: { continue?: string } }>({ method: 'GET', path: `${client.path(l.resource)}?${query.toString()}`, accept: l.metadataOnly ? ACCEPT_METADATA_LIST : undefined });
        cont = page.metadata?.continue || undefined;
      } while (cont);
    }),
  );
  return performance.now() - started;
}
