/**
 * The operator's HTTP endpoint: /healthz (the process answers and its informers make progress — a stuck informer
 * fails it, so the kubelet restarts the pod), /readyz (caches synced — a standby replica is ready too, it serves as
 * soon as it leads), /metrics (Prometheus).
 *
 * `/metrics?name[]=<name>&name[]=…` answers only the metric families named (by the family's name or one of its
 * samples': `x_sum` names the histogram `x`), as the Python Prometheus client's handler does: a reader that needs a
 * few counters (the benchmark polls them several times a second) need not have every per-migration series built and
 * formatted, which at 1000 migrations is some 30,000 series per scrape.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  ready: () => boolean;
  /** Liveness with details (JSON body of /healthz); healthy when absent. */
  health?: () => HealthReport;
}

/** What /healthz answers: 200 when healthy, 500 otherwise, with the details as JSON. */
export interface HealthReport {
  healthy: boolean;
  [detail: string]: unknown;
}

export async function startHealthServer(opts: HealthServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') {
      let report: HealthReport;
      try {
        report = opts.health?.() ?? { healthy: true };
      } catch (err) {
        report = { healthy: false, error: err instanceof Error ? err.message : 'health check failed' };
      }
      return reply(report.healthy ? 200 : 500, `${JSON.stringify(report)}\n`, 'application/json');
    }
    if (path === '/readyz') return opts.ready() ? reply(200, 'ok\n') : reply(503, 'caches not synced\n');
    if (path === '/metrics') {
      const names = url.searchParams.getAll('name[]');
      (names.length > 0 ? namedMetrics(opts.registry, names) : opts.registry.metrics()).then(
        (text) => reply(200, text, opts.registry.contentType),
        (err: Error) => reply(500, `metrics failed: ${err.message}\n`),
      );
      return;
    }
    reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { server, port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Sample-name suffixes of counters, histograms and summaries: `x_sum` is a sample of the family `x`. */
const SAMPLE_SUFFIX = /_(sum|count|bucket|total|created)$/;

/** The exposition of the families named (each once, in the order asked); unknown names are left out. */
async function namedMetrics(registry: Registry, names: string[]): Promise<string> {
  const families = new Set<string>();
  for (const name of names) {
    const family = registry.getSingleMetric(name) ? name : name.replace(SAMPLE_SUFFIX, '');
    if (registry.getSingleMetric(family)) families.add(family);
  }
  const texts = await Promise.all([...families].map((f) => registry.getSingleMetricAsString(f)));
  return texts.map((t) => `${t}\n`).join('');
}
