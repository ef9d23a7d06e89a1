/**
 * The operator's caches of Secrets, ConfigMaps, Deployments and StatefulSets, scoped to what it needs (issue 14 §1).
 *
 * The objects the operator made carry its labels (src/migration/meta.ts: ownedLabels) and are cached whole by an
 * informer with the label selector `app.kubernetes.io/managed-by=sv-kms-operator`. Every other object of the kind —
 * among them the few the migrations name (credentials and user-provided key Secrets, base-values ConfigMaps, the
 * participant and sv-app Deployments, the old SV's workloads) — is known only by its metadata (a metadata-only
 * informer with the complementary selector `managed-by!=sv-kms-operator`), which tells when it changes; its contents
 * are fetched by a GET the first time a reconcile reads it, and kept while its resourceVersion stays the same. So no
 * content of an object no migration reads (the other Secrets of a namespace, of the cluster) ever enters the process.
 * Nor does its metadata: the metadata informers keep only what some migration names (their `keep`, from the watch
 * index) and know the rest by name alone, so a cluster's thousands of unrelated Secrets cost a name each. An object
 * named after the informer saw it (a new migration, a changed spec) is read by a GET at its first read, which brings it
 * into the informer's cache (`Informer.admit`): the same one GET a first read makes anyway.
 *
 * Why not one informer per named object (a `metadata.name` field selector): N migrations name 5-7 objects each, and
 * each would be a watch connection of its own; the metadata informers are a fixed handful whatever N is.
 */
import { withoutManagedFields, type Informer } from '../controller/informer.ts';
import type { KubeClient, KubeObject, ResourceType } from '../controller/kube-client.ts';
import { MANAGED_BY_LABEL, OPERATOR_NAME } from '../migration/meta.ts';

/** Label selectors of the two halves: what the operator made, and everything else. */
export const OWNED_SELECTOR = `${MANAGED_BY_LABEL}=${OPERATOR_NAME}`;
export const NOT_OWNED_SELECTOR = `${MANAGED_BY_LABEL}!=${OPERATOR_NAME}`;

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export interface ScopedKindOptions<T extends KubeObject> {
  client: KubeClient;
  resource: ResourceType;
  /** Full informers of the objects the operator made (one per served namespace, or one for all); may be empty. */
  owned: Informer<T>[];
  /** Metadata-only informers of every other object of the kind. */
  metadata: Informer<KubeObject>[];
  /** Called once per GET (tests and the benchmark count them). */
  onFetch?: (namespace: string, name: string) => void;
}

/** Reads of one kind: from the owned cache, else by metadata plus a GET cached by resourceVersion. */
export class ScopedKind<T extends KubeObject> {
  private readonly opts: ScopedKindOptions<T>;
  /** Contents of objects that were read, while their resourceVersion matches the metadata informer's. */
  private readonly contents = new Map<string, T>();
  /** GETs in flight, so concurrent reads of one object make one request. */
  private readonly inflight = new Map<string, Promise<T | undefined>>();

  constructor(opts: ScopedKindOptions<T>) {
    this.opts = opts;
    for (const informer of opts.metadata) {
      // A changed or deleted object's old contents are of no use any more: drop them at once.
      informer.on((type, obj) => {
        const k = key(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
        const held = this.contents.get(k);
        if (held && (type === 'delete' || held.metadata?.resourceVersion !== obj.metadata?.resourceVersion)) this.contents.delete(k);
      });
    }
  }

  /** Number of objects whose contents are held (besides the owned ones). */
  heldContents(): number {
    return this.contents.size;
  }

  async get(namespace: string, name: string, signal?: AbortSignal): Promise<T | undefined> {
    for (const i of this.opts.owned) {
      const found = i.get(namespace, name);
      if (found) return found;
    }
    const meta = this.metadataOf(namespace, name);
    if (meta) return this.contentsOf(namespace, name, meta.metadata?.resourceVersion ?? '', signal);
    // Known by name only (no migration named it when the informer saw it): read it, and the informer keeps it now.
    if (this.opts.metadata.some((i) => i.exists(namespace, name))) return this.contentsOf(namespace, name, '', signal);
    return undefined;
  }

  /** Objects in `namespace` whose labels include every pair of `selector`. */
  async select(namespace: string, selector: Record<string, string>, signal?: AbortSignal): Promise<T[]> {
    const matches = (o: KubeObject) => Object.entries(selector).every(([k, v]) => o.metadata?.labels?.[k] === v);
    // Objects known by name only have no labels here: read each once, which brings it into the informer's cache.
    await Promise.all(this.opts.metadata.flatMap((i) => i.notKept(namespace)).map((name) => this.contentsOf(namespace, name, '', signal)));
    const owned = this.opts.owned.flatMap((i) => i.list(namespace)).filter(matches);
    const others = this.opts.metadata.flatMap((i) => i.list(namespace)).filter(matches);
    const fetched = await Promise.all(others.map((o) => this.contentsOf(namespace, o.metadata?.name ?? '', o.metadata?.resourceVersion ?? '', signal)));
    const out: T[] = [...owned];
    for (const o of fetched) if (o !== undefined) out.push(o);
    return out;
  }

  private metadataOf(namespace: string, name: string): KubeObject | undefined {
    for (const i of this.opts.metadata) {
      const found = i.get(namespace, name);
      if (found) return found;
    }
    return undefined;
  }

  private async contentsOf(namespace: string, name: string, resourceVersion: string, signal?: AbortSignal): Promise<T | undefined> {
    const k = key(namespace, name);
    const held = this.contents.get(k);
    // A held copy as new as the metadata (or newer: a GET may run ahead of the watch) is current.
    if (held && !olderThan(held.metadata?.resourceVersion, resourceVersion)) return held;
    let pending = this.inflight.get(k);
    if (!pending) {
      this.opts.onFetch?.(namespace, name);
      // Kept as the informers keep theirs: without managedFields.
      pending = this.opts.client
        .get<T>(this.opts.resource, namespace, name, { signal })
        .then((o) => o && withoutManagedFields(o))
        .finally(() => this.inflight.delete(k));
      this.inflight.set(k, pending);
    }
    const obj = await pending;
    if (obj) for (const i of this.opts.metadata) i.admit(obj);
    // Keep it only while the metadata informer still knows the object (it may have been deleted meanwhile).
    if (obj && this.metadataOf(namespace, name)) this.contents.set(k, obj);
    else this.contents.delete(k);
    return obj;
  }
}

/**
 * Whether resourceVersion `a` is older than `b`. resourceVersions are opaque strings, but the API server's are
 * decimal etcd revisions; when either is not, only equality counts as current.
 */
function olderThan(a: string | undefined, b: string): boolean {
  if (a === b) return false;
  if (a === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return a.length !== b.length ? a.length < b.length : a < b;
}
