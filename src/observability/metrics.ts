/**
 * Prometheus metrics (prom-client) served on /metrics. One registry per process; names carry the `svkms_` prefix.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly queueAdds: Counter<'controller'>;
  readonly queueLatency: Histogram<'controller'>;
  readonly leader: Gauge;
  readonly cacheFetches: Counter<'resource'>;
  readonly kubeRequests: Counter<'verb' | 'resource' | 'code'>;
  readonly kubeRequestDuration: Histogram<'verb' | 'resource'>;
  readonly kmsCalls: Counter<'provider' | 'operation' | 'outcome'>;
  readonly kmsCallDuration: Histogram<'provider' | 'operation'>;
  readonly spliceCalls: Counter<'api' | 'operation' | 'outcome'>;
  readonly spliceCallDuration: Histogram<'api' | 'operation'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'svkms_process_' });
    this.reconcileTotal = new Counter({ name: 'svkms_reconcile_total', help: 'Reconciles by result (success, requeue, error, terminal).', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'svkms_reconcile_errors_total', help: 'Reconciles that failed.', labelNames: ['controller'], registers });
    this.reconcileDuration = new Histogram({
      name: 'svkms_reconcile_duration_seconds',
      help: 'Time of one reconcile.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'svkms_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['controller'], registers });
    this.queueAdds = new Counter({ name: 'svkms_workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['controller'], registers });
    this.queueLatency = new Histogram({
      name: 'svkms_workqueue_queue_duration_seconds',
      help: 'Time a key waits in the queue before a worker takes it.',
      labelNames: ['controller'],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60],
      registers,
    });
    this.leader = new Gauge({ name: 'svkms_leader', help: '1 while this replica is the leader.', registers });
    this.cacheFetches = new Counter({ name: 'svkms_cache_fetches_total', help: 'GETs of objects the operator did not make, on first read or after they changed (scoped caches).', labelNames: ['resource'], registers });
    this.kubeRequests = new Counter({ name: 'svkms_kube_requests_total', help: 'Kubernetes API requests by verb, resource and HTTP code.', labelNames: ['verb', 'resource', 'code'], registers });
    this.kubeRequestDuration = new Histogram({
      name: 'svkms_kube_request_duration_seconds',
      help: 'Kubernetes API request latency (watches excluded).',
      labelNames: ['verb', 'resource'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.kmsCalls = new Counter({ name: 'svkms_kms_calls_total', help: 'KMS API calls by provider, operation and outcome.', labelNames: ['provider', 'operation', 'outcome'], registers });
    this.kmsCallDuration = new Histogram({ name: 'svkms_kms_call_duration_seconds', help: 'KMS API call latency.', labelNames: ['provider', 'operation'], registers });
    this.spliceCalls = new Counter({ name: 'svkms_splice_calls_total', help: 'Splice API calls (Scan, SV app, wallet) by outcome.', labelNames: ['api', 'operation', 'outcome'], registers });
    this.spliceCallDuration = new Histogram({ name: 'svkms_splice_call_duration_seconds', help: 'Splice API call latency.', labelNames: ['api', 'operation'], registers });
  }

  /** Registers `svkms_ready`: 1 while `ready()` (the caches are synced, as /readyz answers), read on each scrape. */
  reportReadiness(ready: () => boolean): void {
    new Gauge({
      name: 'svkms_ready',
      help: '1 while the operator is ready (its caches are synced; /readyz answers 200), else 0.',
      registers: [this.registry],
      collect() {
        this.set(ready() ? 1 : 0);
      },
    });
  }
}
