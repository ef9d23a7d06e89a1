/**
 * The generic controller runtime against the real API server: informers, the controller loop, leader election and
 * events. The reconciled kind here is a plain ConfigMap: the runtime knows nothing of migrations.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { eventually } from '../support/operator-harness.ts';
import { KubeClient, RUNTIME_RESOURCES, type KubeObject, type RequestRecord, type ResourceType } from '../../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../../src/controller/kube-access.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { Informer } from '../../src/controller/informer.ts';
import { Controller, type ReconcileContext } from '../../src/controller/controller.ts';
import { LeaderElector, type LeaseObject } from '../../src/controller/leader-election.ts';
import { KubeEventRecorder } from '../../src/controller/events.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** The runtime knows only Events and Leases; the kind reconciled here is named by the test, as an operator would. */
const RESOURCES = { ...RUNTIME_RESOURCES, configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true } satisfies ResourceType };
const silent = pino({ level: 'silent' });
let kc: KubeConfig;
let namespace: string;
let client: KubeClient;

const configMap = (name: string, data: Record<string, string>): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

beforeAll(async () => {
  kc = testKubeConfig();
  namespace = await createTestNamespace(kc, 'runtime');
  client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'runtime-test' });
});

describe('Informer', () => {
  let informer: Informer<ConfigMap>;
  afterAll(async () => informer?.stop());

  it('lists existing objects, then follows adds, updates and deletes', async () => {
    await client.create(RESOURCES.configMaps, namespace, configMap('before', { a: '1' }));
    informer = new Informer<ConfigMap>(client, { resource: RESOURCES.configMaps, namespace, logger: silent });
    const seen: string[] = [];
    informer.on((type, obj) => seen.push(`${type}:${obj.metadata?.name}`));
    informer.start();
    await informer.waitForSync();
    expect(informer.get(namespace, 'before')?.data).toEqual({ a: '1' });

    await client.create(RESOURCES.configMaps, namespace, configMap('after', { b: '2' }));
    await client.patch(RESOURCES.configMaps, namespace, 'before', { data: { a: '3' } }, 'merge');
    await client.delete(RESOURCES.configMaps, namespace, 'after');
    await eventually(() => seen.includes('delete:after'), 'the delete event');
    expect(seen).toEqual(['add:before', 'add:after', 'update:before', 'delete:after']);
    expect(informer.get(namespace, 'before')?.data).toEqual({ a: '3' });
    expect(informer.get(namespace, 'after')).toBeUndefined();
    expect(informer.get(namespace, 'before')?.kind).toBe('ConfigMap');
  });
});

describe('Controller', () => {
  it('reconciles every object, one at a time per key, and again after each change', async () => {
    const informer = new Informer<ConfigMap>(client, { resource: RESOURCES.configMaps, namespace, labelSelector: 'test=controller', logger: silent });
    const inFlight = new Set<string>();
    const reconciled: string[] = [];
    let overlap = false;
    const controller = new Controller<ConfigMap>({
      name: 'test',
      primary: [informer],
      logger: silent,
      workers: 4,
      reconciler: {
        async reconcile(obj: ConfigMap, _ctx: ReconcileContext) {
          const key = obj.metadata!.name!;
          if (inFlight.has(key)) overlap = true;
          inFlight.add(key);
          await new Promise((r) => setTimeout(r, 30));
          reconciled.push(`${key}=${obj.data?.v}`);
          inFlight.delete(key);
          return {};
        },
      },
    });
    informer.start();
    await informer.waitForSync();
    const stop = new AbortController();
    const running = controller.run(stop.signal, new AbortController().signal);
    for (const name of ['x', 'y']) {
      await client.create(RESOURCES.configMaps, namespace, { ...configMap(name, { v: '1' }), metadata: { name, namespace, labels: { test: 'controller' } } });
    }
    for (let v = 2; v <= 5; v++) await client.patch(RESOURCES.configMaps, namespace, 'x', { data: { v: String(v) } }, 'merge');
    await eventually(() => reconciled.includes('x=5') && reconciled.includes('y=1'), 'reconciles of the last versions');
    stop.abort();
    await running;
    await informer.stop();
    expect(overlap).toBe(false);
    // Level-triggered: intermediate versions may be merged, the last one is always seen.
    expect(reconciled.filter((r) => r.startsWith('x=')).at(-1)).toBe('x=5');
  });

  it('gives the event loop a turn between reconciles, even when they make no I/O (probes are answered while a big queue drains)', async () => {
    const count = 60;
    await Promise.all(
      Array.from({ length: count }, (_, i) => client.create(RESOURCES.configMaps, namespace, { ...configMap(`q${i}`, {}), metadata: { name: `q${i}`, namespace, labels: { test: 'fair' } } })),
    );
    const informer = new Informer<ConfigMap>(client, { resource: RESOURCES.configMaps, namespace, labelSelector: 'test=fair', logger: silent });
    informer.start();
    await informer.waitForSync();
    let reconciled = 0;
    let immediateSaw: number | undefined;
    const controller = new Controller<ConfigMap>({
      name: 'fair',
      primary: [informer],
      logger: silent,
      workers: 4,
      reconciler: {
        // Served from the cache: no await that waits for I/O.
        async reconcile() {
          // An immediate, not a timer: a 1 ms timer may not be due yet after many fair turns on a fast machine.
          if (reconciled === 0) setImmediate(() => (immediateSaw = reconciled));
          reconciled += 1;
          return {};
        },
      },
    });
    const stop = new AbortController();
    const running = controller.run(stop.signal, new AbortController().signal);
    await eventually(() => reconciled === count && immediateSaw !== undefined, 'every object reconciled');
    stop.abort();
    await running;
    await informer.stop();
    // A callback queued at the first reconcile ran while the queue was still draining, not after the last reconcile.
    expect(immediateSaw).toBeLessThan(count / 2);
  });

  it('retries a failing reconcile with backoff until it succeeds, and then no more', async () => {
    const informer = new Informer<ConfigMap>(client, { resource: RESOURCES.configMaps, namespace, labelSelector: 'test=retry', logger: silent });
    // The queue's clock is the test's: a retry happens only when the test moves time, so "no more retries" is exact.
    const clock = new FakeClock();
    let attempts = 0;
    const controller = new Controller<ConfigMap>({
      name: 'retry',
      primary: [informer],
      logger: silent,
      queueOptions: { baseDelayMs: 20, clock },
      reconciler: {
        async reconcile() {
          attempts += 1;
          if (attempts < 3) throw new Error('transient');
          return {};
        },
      },
    });
    informer.start();
    await informer.waitForSync();
    const stop = new AbortController();
    const running = controller.run(stop.signal, new AbortController().signal);
    await client.create(RESOURCES.configMaps, namespace, { ...configMap('r', {}), metadata: { name: 'r', namespace, labels: { test: 'retry' } } });
    await eventually(() => attempts === 1 && clock.pendingTimers() === 1, 'the first attempt, failed, with its retry scheduled');
    clock.advance(19);
    expect(attempts).toBe(1); // not before its backoff
    clock.advance(1);
    await eventually(() => attempts === 2 && clock.pendingTimers() === 1, 'the second attempt');
    clock.advance(39);
    expect(attempts).toBe(2); // the delay doubled
    clock.advance(1);
    await eventually(() => attempts === 3, 'the third attempt');
    // Success: nothing is scheduled any more, however far time moves.
    await eventually(() => clock.pendingTimers() === 0, 'no retry pending');
    clock.advance(10 * 60_000);
    expect(attempts).toBe(3);
    stop.abort();
    await running;
    await informer.stop();
  });
});

describe('LeaderElector', () => {
  const timing = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };


  it('lets exactly one of two candidates lead, and hands over once the dead leader\'s lease expired', async () => {
    const leading = new Set<string>();
    const signals = new Map<string, AbortSignal>();
    const lost: string[] = [];
    const seenBy = new Map<string, string>();
    const mk = (identity: string) =>
      new LeaderElector(client, {
        namespace,
        name: 'test-lease',
        identity,
        ...timing,
        logger: silent,
        onLost: () => lost.push(identity),
        onNewLeader: (leader) => seenBy.set(identity, leader),
        onStartedLeading: (signal) => {
          leading.add(identity);
          signals.set(identity, signal);
          signal.addEventListener('abort', () => leading.delete(identity));
        },
      });
    const a = mk('a');
    const b = mk('b');
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await eventually(() => leading.has('a'), 'a leading');
    const runB = b.run(stopB.signal);
    // b has looked at the lease and found a holding it: it must not lead.
    await eventually(() => seenBy.get('b') === 'a', 'b seeing a as the leader');
    expect([...leading]).toEqual(['a']);

    // "Kill" a: its client loses the API server (requests fail), so it can neither renew nor release.
    const lease = (await client.get<LeaseObject>(RESOURCES.leases, namespace, 'test-lease'))!;
    expect(lease.spec?.holderIdentity).toBe('a');
    (a as unknown as { client: KubeClient }).client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'dead', timeoutMs: 1 });
    await eventually(() => leading.has('b') && !leading.has('a'), 'b taking over', 20_000);
    expect(signals.get('a')!.aborted).toBe(true);
    expect(lost).toEqual(['a']);
    await runA; // a lost the lease: it stops campaigning by itself
    // b took the lease only after a's last renewal had expired (times on the Lease, written by the candidates).
    const taken = (await client.get<LeaseObject>(RESOURCES.leases, namespace, 'test-lease'))!;
    // (a may have renewed once more after `lease` was read: that only makes the true gap larger.)
    const lastRenewOfA = Date.parse(lease.spec!.renewTime!);
    expect(taken.spec?.holderIdentity).toBe('b');
    expect(Date.parse(taken.spec!.acquireTime!) - lastRenewOfA).toBeGreaterThanOrEqual(timing.leaseDurationMs);
    stopA.abort();
    stopB.abort();
    await Promise.all([runA, runB]);
  });

  it('releases the lease on graceful stop so the standby takes over without waiting for it to expire', async () => {
    const leading: string[] = [];
    const mk = (identity: string) =>
      new LeaderElector(client, { namespace, name: 'release-lease', identity, leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 200, logger: silent, onStartedLeading: () => leading.push(identity) });
    const stopA = new AbortController();
    const runA = mk('a').run(stopA.signal);
    await eventually(() => leading.includes('a'), 'a leading');
    const stopB = new AbortController();
    const runB = mk('b').run(stopB.signal);
    const held = (await client.get<LeaseObject>(RESOURCES.leases, namespace, 'release-lease'))!;
    expect(held.spec?.holderIdentity).toBe('a');
    stopA.abort();
    await runA;
    await eventually(() => leading.includes('b'), 'b leading after release', 25_000);
    // b's term began before a's 30 s lease could have run out (from a renewal at least as late as `held`'s): the
    // release, not the expiry, let it in.
    const taken = (await client.get<LeaseObject>(RESOURCES.leases, namespace, 'release-lease'))!;
    expect(taken.spec?.holderIdentity).toBe('b');
    expect(Date.parse(taken.spec!.acquireTime!)).toBeLessThan(Date.parse(held.spec!.renewTime!) + 30_000);
    stopB.abort();
    await runB;
  });
});

describe('KubeEventRecorder', () => {
  it('records an Event on the object and aggregates repeats into a count', async () => {
    const cm = await client.create<ConfigMap>(RESOURCES.configMaps, namespace, configMap('evented', {}));
    const recorder = new KubeEventRecorder(client, { component: 'test', instance: 'test-0', scrub: (t) => t.replace('hunter2', '[REDACTED]') });
    await recorder.event(cm, 'Warning', 'SomethingOff', 'password hunter2 rejected');
    await recorder.event(cm, 'Warning', 'SomethingOff', 'password hunter2 rejected');
    const events = (await client.list<KubeObject & { reason?: string; message?: string; count?: number; involvedObject?: { uid?: string } }>(RESOURCES.events, namespace)).items.filter(
      (e) => e.involvedObject?.uid === cm.metadata?.uid,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: 'SomethingOff', message: 'password [REDACTED] rejected', count: 2, type: 'Warning' });
  });
});

describe('KubeClient', () => {
  it('counts every request by verb and resource', async () => {
    const requests: RequestRecord[] = [];
    const counted = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'runtime-test', onRequest: (r) => requests.push(r) });
    const cm = await counted.create(RESOURCES.configMaps, namespace, configMap('counted', { a: '1' }));
    await counted.get(RESOURCES.configMaps, namespace, 'counted');
    const list = await counted.list(RESOURCES.configMaps, namespace);
    await counted.watch(RESOURCES.configMaps, namespace, { resourceVersion: list.resourceVersion, timeoutSeconds: 1, inactivityMs: 30_000, signal: new AbortController().signal }, () => undefined);
    await counted.patch(RESOURCES.configMaps, namespace, 'counted', { data: { a: '2' } }, 'merge');
    await counted.replace(RESOURCES.configMaps, namespace, 'counted', { ...configMap('counted', { a: '3' }) });
    await new KubeEventRecorder(counted, { component: 'test', instance: 'test-0' }).event(cm, 'Normal', 'Counted', 'counted');
    await counted.delete(RESOURCES.configMaps, namespace, 'counted');
    expect(requests.map((r) => `${r.verb}:${r.resource}:${r.status}`)).toEqual([
      'create:configmaps:201',
      'get:configmaps:200',
      'list:configmaps:200',
      'watch:configmaps:200',
      'patch:configmaps:200',
      'update:configmaps:200',
      'create:events:201',
      'delete:configmaps:200',
    ]);
    expect(requests.every((r) => r.seconds >= 0 && r.startedAt > 0)).toBe(true);
  });
});
