/**
 * The load N migrations on one network put on its Scans (issue 14): Scan requests per minute ≤ 2 × the number of
 * Scans × (60 s / poll interval), for 100 migrations. Counted, on a simulated clock (test/support/scan-load.ts), never
 * timed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SpliceSim } from '../env/splice-sim/index.ts';
import { NEW_SV, OLD_SV, OLD_WEIGHT, startTestNetwork, wireToNetwork } from '../support/network.ts';
import { measureScanLoad } from '../support/scan-load.ts';
import { FakeWorld, migration } from '../support/migration-fixtures.ts';
import { spliceAccess } from '../../src/operator/splice-port.ts';
import { findSvByName } from '../../src/splice/scan.ts';

const POLL_MS = 30_000;
let sim: SpliceSim;

beforeAll(async () => {
  sim = await startTestNetwork();
});

afterAll(async () => {
  await sim?.stop();
  expect(sim?.violations ?? []).toEqual([]);
});

describe('Scan requests for many migrations on one network', () => {
  it('100 migrations waiting on the network read each Scan once per poll interval, within the target', async () => {
    const load = await measureScanLoad(sim, { migrations: 100, pollMs: POLL_MS, dsoTtlMs: POLL_MS, measureMs: 5 * 60_000 });
    // Every migration really polled the Scans: each pass agreed on the DSO state and waits for the new SV.
    expect(load.passes).toBe(100 * 10);
    expect(new Set(load.outcomes.map((o) => o.requeueAfterMs))).toEqual(new Set([POLL_MS]));
    for (const m of load.migrations) {
      expect(m.status?.phase).toBe('AwaitingOnboarding');
      expect(m.status?.splice?.source).toBe('Network');
      expect(m.status?.conditions?.find((c) => c.type === 'ScanAgreement')?.status).toBe('True');
      expect(m.status?.conditions?.find((c) => c.type === 'NewSvOnboarded')?.reason).toBe('AwaitingOnboarding');
    }
    // In 5 minutes: one DSO read per Scan per poll interval for all 100, and one version read per Scan.
    expect(load.requests).toEqual({ getDsoInfo: load.scans * 10, getVersion: load.scans });
    expect(load.perMinute).toBeLessThanOrEqual(load.target);
  });

  it('without sharing, the Scans would see every migration: 10 already exceed the target', async () => {
    const load = await measureScanLoad(sim, { migrations: 10, pollMs: POLL_MS, dsoTtlMs: 0 });
    expect(load.requests).toEqual({ getDsoInfo: 10 * load.scans * (60_000 / POLL_MS) });
    expect(load.perMinute).toBeGreaterThan(load.target);
  });

  it('a fresh read asks every Scan again within the poll interval, and the shared reads then answer with it', async () => {
    let clock = 0;
    const requests: string[] = [];
    const splice = spliceAccess({ cluster: new FakeWorld().deps().cluster, registerSecret: () => undefined, dsoTtlMs: POLL_MS, now: () => clock, onCall: (c) => requests.push(c.operation) });
    const m = wireToNetwork(migration(), sim);
    const oldWeights = async (views: Awaited<ReturnType<typeof splice.dsoViews>>) => views.map((v) => (v.ok ? findSvByName(v.value, OLD_SV)?.svRewardWeight : v.error.message));
    const scans = m.spec.network.scanUrls.length;
    expect(await oldWeights(await splice.dsoViews(m, new AbortController().signal))).toEqual(Array(scans).fill(OLD_WEIGHT));
    sim.lieScan('sv-2', { kind: 'forge', weights: { [OLD_SV]: 0, [NEW_SV]: OLD_WEIGHT } });
    try {
      clock = POLL_MS - 1;
      // Shared: the answer of a poll interval ago, no request.
      expect(await oldWeights(await splice.dsoViews(m, new AbortController().signal))).toEqual(Array(scans).fill(OLD_WEIGHT));
      expect(requests).toHaveLength(scans);
      // Fresh: every Scan asked now.
      const fresh = await oldWeights(await splice.fresh().dsoViews(m, new AbortController().signal));
      expect(fresh).toEqual([OLD_WEIGHT, 0, OLD_WEIGHT, OLD_WEIGHT]);
      expect(requests).toEqual(Array(2 * scans).fill('getDsoInfo'));
      // The fresh answer is the shared one now.
      expect(await oldWeights(await splice.dsoViews(m, new AbortController().signal))).toEqual(fresh);
      expect(requests).toHaveLength(2 * scans);
    } finally {
      sim.lieScan('sv-2', null);
    }
  });
});
