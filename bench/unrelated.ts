/**
 * A realistic cluster around the migrations (issue 14 §4): Secrets and ConfigMaps the operator has nothing to do with,
 * in namespaces of their own, created before the operator starts. Their creation is timed on its own and is not part
 * of any operator figure.
 */
import { randomBytes } from 'node:crypto';
import { RESOURCES } from '../src/operator/resources.ts';
import { forEachLimited, type PooledKubeClient } from './pooled-client.ts';
import { round } from './stats.ts';

/** Size of each unrelated object's payload. */
export const UNRELATED_PAYLOAD_BYTES = 1024;

export interface UnrelatedFigures {
  secrets: number;
  configMaps: number;
  namespaces: number;
  /** Wall time to create all of them (namespaces included). */
  createSeconds: number;
}

/** Where the `i`-th of `count` objects goes when they are spread evenly over `namespaces` namespaces. */
export function unrelatedNamespace(i: number, count: number, namespaces: number): string {
  const perNamespace = Math.ceil(count / namespaces);
  return `unrelated-${Math.floor(i / perNamespace)}`;
}

/**
 * Creates `namespaces` namespaces `unrelated-<k>` and, spread evenly over them, `count` Opaque Secrets and `count`
 * ConfigMaps with a 1 KB payload each (random bytes; the ConfigMap's as hex text) and labels of some other app.
 */
export async function createUnrelatedObjects(client: PooledKubeClient, count: number, namespaces: number, concurrency: number): Promise<UnrelatedFigures> {
  const started = performance.now();
  const nsNames = [...new Set(Array.from({ length: count }, (_, i) => unrelatedNamespace(i, count, namespaces)))];
  await forEachLimited(nsNames, concurrency, async (name) => {
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team: 'other' } } } });
  });
  const indexes = Array.from({ length: count }, (_, i) => i);
  await forEachLimited(indexes, concurrency, async (i) => {
    const namespace = unrelatedNamespace(i, count, namespaces);
    const labels = { 'app.kubernetes.io/name': `other-app-${i % 10}`, 'app.kubernetes.io/managed-by': 'Helm' };
    await client.request({
      method: 'POST',
      path: client.path(RESOURCES.secrets, namespace),
      body: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: `other-secret-${i}`, namespace, labels }, data: { payload: randomBytes(UNRELATED_PAYLOAD_BYTES).toString('base64') } },
    });
    await client.request({
      method: 'POST',
      path: client.path(RESOURCES.configMaps, namespace),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `other-config-${i}`, namespace, labels }, data: { 'settings.txt': randomBytes(UNRELATED_PAYLOAD_BYTES / 2).toString('hex') } },
    });
  });
  return { secrets: count, configMaps: count, namespaces: nsNames.length, createSeconds: round((performance.now() - started) / 1000, 1) };
}
