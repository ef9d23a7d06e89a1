import { describe, expect, it } from '@jest/globals';
import { WorkQueue } from './queue.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';

describe('WorkQueue', () => {
  it('merges adds of a waiting key', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key in flight to a second worker, and re-queues it when done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a'); // arrives while a worker holds it
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first!);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('backs off per key exponentially, capped, and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000, clock, burst: 1000 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      let waited = 0;
      while (q.len() === 0) {
        clock.advance(10);
        waited += 10;
        if (waited > 5000) throw new Error('never added');
      }
      delays.push(clock.now() - start);
      q.done((await q.get())!);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.numRequeues('k')).toBe(6);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('keeps the earliest of several delayed adds', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 5000);
    q.addAfter('k', 1000);
    q.addAfter('k', 3000);
    clock.advance(999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    clock.advance(10_000);
    expect(q.len()).toBe(1);
  });

  it('limits the overall retry rate with a token bucket', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ baseDelayMs: 1, clock, qps: 10, burst: 2 });
    for (const k of ['a', 'b', 'c', 'd']) q.addRateLimited(k);
    clock.advance(1);
    expect(q.len()).toBe(2); // burst
    clock.advance(100);
    expect(q.len()).toBe(3);
    clock.advance(100);
    expect(q.len()).toBe(4);
  });

  it('releases waiting workers on shutdown', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('x');
    expect(q.len()).toBe(0);
  });
});
