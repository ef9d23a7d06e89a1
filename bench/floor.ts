/**
 * The floor: the operator's writes for N migrations made by a minimal client with nothing else to do — no watches,
 * no caches, no rendering, no key generation, no KMS (payloads are copied from what the operator wrote), at the
 * operator's concurrency. The time it takes is what the API server and etcd need for the same write set, which the
 * operator cannot beat.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeObject, type ResourceType } from '../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../src/controller/kube-access.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import { FINALIZER } from '../src/migration/meta.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../src/api/types.ts';
import { applyMigrations, type Applied } from './apply.ts';
import type { BenchCluster } from './cluster.ts';
import type { PooledKubeClient } from './pooled-client.ts';

/** Writes the floor mirrors, as "verb resource" keys of svkms_kube_requests_total. */
export const MIRRORED_WRITES = ['patch svkmsmigrations', 'create secrets', 'create configmaps', 'update svkmsmigrations/status', 'create events', 'patch events'] as const;
export type MirroredWrite = (typeof MIRRORED_WRITES)[number];

/** Successful writes of the operator over all N migrations, by kind. */
export type WritePlan = Partial<Record<MirroredWrite, number>>;

/** Payloads copied from one migration the operator handled. */
export interface FloorTemplates {
  /** The key Secrets (governance, identity). */
  secrets: KubeObject[];
  /** The values ConfigMaps (participant, sv-node). */
  configMaps: KubeObject[];
  status: SvKmsMigrationStatus;
  event: KubeObject;
}

/** The three kinds of write the floor makes. */
export interface FloorWriter {
  create(res: ResourceType, namespace: string, body: KubeObject): Promise<KubeObject>;
  mergePatch(res: ResourceType, namespace: string, name: string, patch: unknown): Promise<KubeObject>;
  replaceStatus(namespace: string, name: string, body: KubeObject): Promise<KubeObject>;
}

/** Writes through the benchmark's pooled keep-alive client. */
export function pooledWriter(client: PooledKubeClient): FloorWriter {
  return {
    create: (res, ns, body) => client.request({ method: 'POST', path: client.path(res, ns), body }),
    mergePatch: (res, ns, name, patch) => client.request({ method: 'PATCH', path: client.path(res, ns, name), body: patch, contentType: 'application/merge-patch+json' }),
    replaceStatus: (ns, name, body) => client.request({ method: 'PUT', path: client.path(SVKMS_MIGRATIONS, ns, name, 'status'), body }),
  };
}

/** Writes through the operator's own KubeClient (src/controller/kube-client.ts), i.e. with its connection handling. */
export function kubeClientWriter(kc: KubeConfig): FloorWriter {
  const client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'sv-kms-bench-floor' });
  return {
    create: (res, ns, body) => client.create(res, ns, body),
    mergePatch: (res, ns, name, patch) => client.patch(res, ns, name, patch, 'merge'),
    replaceStatus: (ns, name, body) => client.replace(SVKMS_MIGRATIONS, ns, name, body, 'status'),
  };
}

/** The share of `total` writes that migration `i` of `n` makes, so that the floor makes exactly `total` in all. */
export function shareOf(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}

/** A copy of a template object named for migration `m` (the `index`-th of its kind). */
function copyFor(template: KubeObject, m: SvKmsMigration, name: string): KubeObject {
  const { metadata, ...rest } = template as KubeObject & Record<string, unknown>;
  const labels = { ...(metadata?.labels ?? {}) };
  if ('svkms.dev/migration-namespace' in labels) labels['svkms.dev/migration-namespace'] = m.metadata.namespace;
  return { ...rest, metadata: { name, namespace: m.metadata.namespace, labels, annotations: metadata?.annotations } };
}

function nth(templates: KubeObject[], j: number, m: SvKmsMigration): KubeObject {
  const t = templates[j % templates.length]!;
  const name = j < templates.length ? t.metadata!.name! : `${t.metadata!.name}-${j}`;
  return copyFor(t, m, name);
}

/** The writes of one migration, in the operator's order: finalizer, key Secrets, values, status, Events. */
async function writeOne(w: FloorWriter, m: SvKmsMigration, counts: Record<MirroredWrite, number>, t: FloorTemplates): Promise<void> {
  const ns = m.metadata.namespace;
  const name = m.metadata.name;
  let obj = m as unknown as KubeObject;
  for (let j = 0; j < counts['patch svkmsmigrations']; j++) {
    obj = await w.mergePatch(SVKMS_MIGRATIONS, ns, name, { metadata: { finalizers: [FINALIZER], resourceVersion: obj.metadata?.resourceVersion } });
  }
  for (let j = 0; j < counts['create secrets']; j++) await w.create(RESOURCES.secrets, ns, nth(t.secrets, j, m));
  for (let j = 0; j < counts['create configmaps']; j++) await w.create(RESOURCES.configMaps, ns, nth(t.configMaps, j, m));
  for (let j = 0; j < counts['update svkmsmigrations/status']; j++) {
    obj = await w.replaceStatus(ns, name, { ...obj, status: t.status } as KubeObject);
  }
  let lastEvent: string | undefined;
  for (let j = 0; j < counts['create events']; j++) {
    const e = copyFor(t.event, m, `${name}.bench${j.toString(16)}`);
    Object.assign(e, { involvedObject: { ...(t.event as { involvedObject?: object }).involvedObject, namespace: ns, uid: m.metadata.uid } });
    lastEvent = (await w.create(RESOURCES.events, ns, e)).metadata?.name;
  }
  for (let j = 0; j < counts['patch events'] && lastEvent; j++) await w.mergePatch(RESOURCES.events, ns, lastEvent, { count: j + 2 });
}

/** A FIFO whose consumers wait for items; `close` ends the waiting. */
class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((v: T | undefined) => void)[] = [];
  private closed = false;
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  }
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
  next(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface FloorOptions {
  cluster: BenchCluster;
  writer: FloorWriter;
  plan: WritePlan;
  templates: FloorTemplates;
  workers: number;
  applyConcurrency: number;
  motoEndpoint: string;
  onProgress?: (done: number) => void;
  /**
   * Backlog mode: apply all migrations first (not timed), then time only the writes. Otherwise the clock starts with
   * the first apply and the workers take each migration as soon as it is created, as the operator does.
   */
  backlog?: boolean;
}

export interface FloorResult {
  /** From the first apply to the last migration's last write. */
  totalMs: number;
  /** Per migration: apply (backlog: start) → its last write done. */
  latenciesMs: number[];
  /** Writes made (excluding the applies). */
  writes: number;
}

/** Applies N migrations and, with `workers` concurrent chains, makes the operator's writes for each. */
export async function runFloor(opts: FloorOptions): Promise<FloorResult> {
  const n = opts.cluster.namespaces.length;
  const queue = new AsyncQueue<Applied & { index: number }>();
  const latencies: number[] = [];
  let writes = 0;
  let applied = 0;
  const backlog: (Applied & { index: number })[] = [];
  const enqueue = (a: Applied) => (opts.backlog ? backlog.push({ ...a, index: applied++ }) : queue.push({ ...a, index: applied++ }));
  if (opts.backlog) await applyMigrations(opts.cluster.client, opts.cluster.namespaces, opts.motoEndpoint, opts.applyConcurrency, enqueue);
  const started = performance.now();
  let lastDone = started;
  const worker = async () => {
    for (;;) {
      const item = await queue.next();
      if (!item) return;
      const counts = Object.fromEntries(MIRRORED_WRITES.map((k) => [k, shareOf(opts.plan[k] ?? 0, n, item.index)])) as Record<MirroredWrite, number>;
      await writeOne(opts.writer, item.migration, counts, opts.templates);
      writes += Object.values(counts).reduce((a, b) => a + b, 0);
      lastDone = performance.now();
      latencies.push(lastDone - item.appliedAt);
      opts.onProgress?.(latencies.length);
    }
  };
  const workers = Array.from({ length: opts.workers }, worker);
  if (opts.backlog) for (const item of backlog) queue.push({ ...item, appliedAt: started });
  else await applyMigrations(opts.cluster.client, opts.cluster.namespaces, opts.motoEndpoint, opts.applyConcurrency, enqueue);
  queue.close();
  await Promise.all(workers);
  return { totalMs: lastDone - started, latenciesMs: latencies, writes };
}
