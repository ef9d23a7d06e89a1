/**
 * The operator's HTTP endpoint: /healthz (the process answers and its informers make progress — a stuck informer
 * fails it, so the kubelet restarts the pod), /readyz (caches synced — a standby replica is ready too, it serves as
 * soon as it leads), /metrics (Prometheus).
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
    const path = (req.url ?? '/').split('?')[0];
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
      opts.registry.metrics().then(
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
