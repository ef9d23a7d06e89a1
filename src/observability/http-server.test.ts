import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
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
});
