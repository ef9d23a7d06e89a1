import { describe, expect, it } from '@jest/globals';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { startHealthServer, type HealthReport } from './http-server.ts';

describe('health server', () => {
  it('/healthz answers the report as JSON: 200 when healthy, 500 when not (or when the check throws)', async () => {
    let report: HealthReport | Error = { healthy: true, informers: [{ resource: 'secrets', synced: true, consecutiveFailures: 0, healthy: true }] };
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      ready: () => true,
      health: () => {
        if (report instanceof Error) throw report;
        return report;
      },
    });
    const get = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      return { status: res.status, body: (await res.json()) as HealthReport };
    };
    try {
      expect(await get()).toEqual({ status: 200, body: report });
      report = { healthy: false, informers: [{ resource: 'secrets', synced: true, lastActivityAgeMs: 400_000, consecutiveFailures: 9, healthy: false }] };
      expect(await get()).toEqual({ status: 500, body: report });
      report = new Error('boom');
      expect(await get()).toEqual({ status: 500, body: { healthy: false, error: 'boom' } });
    } finally {
      await server.close();
    }
  });

  it('/metrics answers every family, or with name[] only the families named (by their name or a sample\'s)', async () => {
    const registry = new Registry();
    new Counter({ name: 'x_requests_total', help: 'requests', registers: [registry] }).inc(3);
    new Histogram({ name: 'x_duration_seconds', help: 'durations', buckets: [1], registers: [registry] }).observe(0.5);
    let collected = 0;
    new Gauge({
      name: 'x_per_object',
      help: 'one series per object',
      registers: [registry],
      collect() {
        collected += 1;
        this.set(1);
      },
    });
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, ready: () => true });
    const scrape = async (query = '') => (await fetch(`http://127.0.0.1:${server.port}/metrics${query}`)).text();
    const families = (text: string) => [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    try {
      expect(families(await scrape())).toEqual(['x_requests_total', 'x_duration_seconds', 'x_per_object']);
      expect(collected).toBe(1);
      const named = await scrape('?name[]=x_requests_total&name[]=x_duration_seconds_sum&name[]=x_requests_total&name[]=nope');
      expect(families(named)).toEqual(['x_requests_total', 'x_duration_seconds']);
      expect(named).toContain('x_requests_total 3\n');
      expect(named).toContain('x_duration_seconds_sum 0.5\n');
      // The per-object gauge was not built for it.
      expect(collected).toBe(1);
      expect(families(await scrape('?name[]=x_per_object'))).toEqual(['x_per_object']);
      expect(collected).toBe(2);
    } finally {
      await server.close();
    }
  });
});
