/**
 * Wires the operator: Kubernetes client with request metrics, shared informers for the served namespaces, the
 * migration controller, leader election, the health/metrics endpoint, the secret scrubber and the logger.
 */
import { hostname } from 'node:os';
import type { DestinationStream } from 'pino';
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import { Controller } from '../controller/controller.ts';
import { KubeEventRecorder } from '../controller/events.ts';
import type { KubeAccess } from '../controller/kube-access.ts';
import type { Informer, InformerChoices } from '../controller/informer.ts';
import { KubeClient, type KubeObject, type RequestRecord, type ResourceType } from '../controller/kube-client.ts';
import { Manager } from '../controller/manager.ts';
import { kmsProbeFor, type KmsProbe, type KmsProvider } from '../kms/index.ts';
import { MigrationReconciler } from '../migration/reconciler.ts';
import { DEFAULT_TIMING, type MigrationDeps, type Timing } from '../migration/ports.ts';
import { OPERATOR_NAME } from '../migration/meta.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { OperatorMetrics } from '../observability/metrics.ts';
import { registerMigrationMetrics } from '../observability/migration-metrics.ts';
import { startHealthServer } from '../observability/http-server.ts';
import { secretScrubber } from '../observability/secret-scrubber.ts';
import { clusterActions, clusterView, type Caches } from './cluster-port.ts';
import { spliceAccess } from './splice-port.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from './resources.ts';
import { MigrationWatchIndex } from './watch-map.ts';
import { withoutLastApplied } from './cache-transforms.ts';
import { NOT_OWNED_SELECTOR, OWNED_SELECTOR, ScopedKind } from './scoped-cache.ts';

export interface OperatorConfig {
  /** The API server and credentials (controller/kube-access.ts). */
  kubeAccess: KubeAccess;
  /** Namespaces to serve: 'all', or a list. */
  namespaces: 'all' | string[];
  metricsPort: number;
  metricsHost?: string;
  /** Leader election on a Lease; undefined: this process always leads. */
  leaderElection?: { namespace: string; name: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  workers?: number;
  logLevel?: string;
  logDestination?: DestinationStream;
  /** KMS probes per provider; the real SDK clients by default (tests inject ones pointed at moto or the GCP fake). */
  kmsProbe?: (provider: KmsProvider) => KmsProbe;
  resyncMs?: number;
  /** Re-check intervals of outside state (tests shorten them). */
  timing?: Partial<Timing>;
  /**
   * Backoff of a failed reconcile, per migration: doubling from `baseDelayMs` up to `maxDelayMs` (defaults 200 ms and
   * 5 min; a failure is a passing one — the network, a throttled KMS — and the work queue is the only retry).
   */
  retryBackoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /** The time the workflow sees (tests pass days with a fake clock shared with the simulated network). */
  now?: () => Date;
  /** Called on every Kubernetes API request (tests count writes). */
  onRequest?: (r: RequestRecord) => void;
  /**
   * Called once when this replica lost the leader lease, after everything it started was aborted and the operator
   * stopped (`done` resolves). `sv-kms run` exits the process there (the Deployment restarts it); tests observe it.
   */
  onLeadershipLost?: (reason: string) => void;
}

export interface RunningOperator {
  port: number;
  logger: Logger;
  metrics: OperatorMetrics;
  isLeader(): boolean;
  /** Graceful stop: finish in-flight reconciles, release the lease. */
  stop(): Promise<void>;
  /** Resolves when the operator has stopped. */
  done: Promise<void>;
}

export async function startOperator(cfg: OperatorConfig): Promise<RunningOperator> {
  const logger = createLogger({ level: cfg.logLevel ?? 'info', destination: cfg.logDestination });
  const metrics = new OperatorMetrics();
  const client = new KubeClient(cfg.kubeAccess, {
    fieldManager: OPERATOR_NAME,
    onRequest: (r) => {
      metrics.kubeRequests.inc({ verb: r.verb, resource: r.subresource ? `${r.resource}/${r.subresource}` : r.resource, code: String(r.status) });
      if (r.verb !== 'watch') metrics.kubeRequestDuration.observe({ verb: r.verb, resource: r.resource }, r.seconds);
      cfg.onRequest?.(r);
    },
  });
  let leading = false;
  const manager = new Manager({
    client,
    logger,
    leaderElection: cfg.leaderElection && {
      ...cfg.leaderElection,
      identity: cfg.leaderElection.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
    },
    onLeaderChange: (l) => {
      leading = l;
      metrics.leader.set(l ? 1 : 0);
    },
    onLost: cfg.onLeadershipLost,
  });

  const scopes: (string | undefined)[] = cfg.namespaces === 'all' ? [undefined] : cfg.namespaces;
  const per = <T extends KubeObject>(res: ResourceType, labelSelector?: string, opts: InformerChoices = {}) => scopes.map((ns) => manager.informer<T>(res, ns, labelSelector, opts));
  const migrations = per<SvKmsMigration>(SVKMS_MIGRATIONS, undefined, { transform: withoutLastApplied });
  const index = new MigrationWatchIndex();
  for (const informer of migrations) informer.on((type, m) => (type === 'delete' ? index.remove(m.metadata) : index.upsert(m)));
  // What each kind is watched with (scoped-cache.ts): the operator's own objects whole, the rest by metadata only,
  // kept only when a migration names them.
  const owned = <T extends KubeObject>(res: ResourceType) => per<T>(res, OWNED_SELECTOR);
  const scoped = <T extends KubeObject>(resource: ResourceType, ownedInformers: Informer<T>[], keep: (o: KubeObject) => boolean) => {
    const metadata = per<KubeObject>(resource, NOT_OWNED_SELECTOR, { metadataOnly: true, keep });
    const informers = [...(ownedInformers as unknown as Informer<KubeObject>[]), ...metadata];
    return { kind: new ScopedKind<T>({ client, resource, owned: ownedInformers, metadata, onFetch: () => metrics.cacheFetches.inc({ resource: resource.plural }) }), informers };
  };
  // The operator makes Secrets and ConfigMaps, never workloads: those have no "owned" informer.
  const secrets = scoped<V1Secret & KubeObject>(RESOURCES.secrets, owned(RESOURCES.secrets), index.namesSecret);
  const configMaps = scoped<V1ConfigMap & KubeObject>(RESOURCES.configMaps, owned(RESOURCES.configMaps), index.namesConfigMap);
  const deployments = scoped<V1Deployment & KubeObject>(RESOURCES.deployments, [], index.namesWorkload);
  const statefulSets = scoped<V1StatefulSet & KubeObject>(RESOURCES.statefulSets, [], index.namesWorkload);
  const namespaces = manager.informer<V1Namespace & KubeObject>(RESOURCES.namespaces, undefined, undefined, { metadataOnly: true });
  const caches: Caches = { secrets: secrets.kind, configMaps: configMaps.kind, deployments: deployments.kind, statefulSets: statefulSets.kind, namespaces };
  // Writes on behalf of reconciles (and their Events) run under the leadership term: none is sent after it ended.
  const term = () => manager.leadershipSignal();
  const events = new KubeEventRecorder(client, { component: OPERATOR_NAME, instance: hostname(), scrub: (t) => secretScrubber.scrub(t), logger, signal: term });
  const listMigrations = () => migrations.flatMap((i) => i.list());
  registerMigrationMetrics(metrics.registry, listMigrations);
  metrics.reportReadiness(() => manager.synced());
  const probe = cfg.kmsProbe ?? kmsProbeFor;
  const cluster = clusterView(caches, cfg.namespaces, client);
  const registerSecret = (v: string) => secretScrubber.register(v);
  const timing = { ...DEFAULT_TIMING, ...cfg.timing };
  const deps: MigrationDeps = {
    timing,
    cluster,
    splice: spliceAccess({
      cluster,
      registerSecret,
      // Migrations on one network share each Scan's DSO answer for a poll interval. An effect is never made on such an
      // answer: the reconciler decides it again on fresh reads of the Scans first (SpliceAccess.fresh).
      dsoTtlMs: timing.networkPollMs,
      onCall: (c) => {
        metrics.spliceCalls.inc({ api: c.api, operation: c.operation, outcome: c.outcome });
        metrics.spliceCallDuration.observe({ api: c.api, operation: c.operation }, c.seconds);
      },
    }),
    actions: clusterActions(client, term),
    kmsProbe: probe,
    event: (m, type, reason, message) => events.event(m, type, reason, message),
    registerSecret,
    kmsCallHook: {
      onCall: (c) => {
        metrics.kmsCalls.inc({ provider: c.provider, operation: c.operation, outcome: c.outcome });
        metrics.kmsCallDuration.observe({ provider: c.provider, operation: c.operation }, c.seconds);
      },
    },
  };
  const watch = <T extends KubeObject>(informers: Informer<T>[], map: (obj: KubeObject) => { namespace: string; name: string }[]) =>
    informers.map((informer) => ({ informer: informer as unknown as Informer<KubeObject>, map }));
  const controller = new Controller<SvKmsMigration>({
    name: 'svkmsmigration',
    primary: migrations,
    watches: [
      ...watch(secrets.informers, index.secretRefs),
      ...watch(configMaps.informers, index.configMapRefs),
      ...watch(deployments.informers, index.workloadRefs),
      ...watch(statefulSets.informers, index.workloadRefs),
      ...watch([namespaces], index.namespaceRefs),
    ],
    reconciler: new MigrationReconciler(deps),
    workers: cfg.workers ?? 4,
    resyncMs: cfg.resyncMs,
    logger,
    ...(cfg.retryBackoff ? { queueOptions: cfg.retryBackoff } : {}),
    ...(cfg.now ? { now: cfg.now } : {}),
    hooks: {
      onReconcile: (result, seconds) => {
        metrics.reconcileTotal.inc({ controller: 'svkmsmigration', result });
        if (result === 'error') metrics.reconcileErrors.inc({ controller: 'svkmsmigration' });
        metrics.reconcileDuration.observe({ controller: 'svkmsmigration' }, seconds);
      },
      queue: {
        onAdd: () => metrics.queueAdds.inc({ controller: 'svkmsmigration' }),
        onDepth: (d) => metrics.queueDepth.set({ controller: 'svkmsmigration' }, d),
        onLatency: (s) => metrics.queueLatency.observe({ controller: 'svkmsmigration' }, s),
      },
    },
  });
  manager.add(controller);

  const health = await startHealthServer({
    port: cfg.metricsPort,
    host: cfg.metricsHost,
    registry: metrics.registry,
    ready: () => manager.synced(),
    health: () => ({ ...manager.health() }),
  });
  const stopper = new AbortController();
  logger.info({ namespaces: cfg.namespaces, port: health.port, leaderElection: Boolean(cfg.leaderElection) }, 'sv-kms-operator starting');
  const done = manager.run(stopper.signal).finally(() => health.close());
  return {
    port: health.port,
    logger,
    metrics,
    isLeader: () => leading,
    stop: async () => {
      stopper.abort();
      await done;
    },
    done,
  };
}
