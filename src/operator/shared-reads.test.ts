import { describe, expect, it } from '@jest/globals';
import { SharedReads } from './shared-reads.ts';

describe('reads shared across migrations', () => {
  it('one load per key within the TTL, one in flight, fresh after it', async () => {
    let t = 0;
    const reads = new SharedReads(() => t);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([reads.get('scan-1', 1000, load), reads.get('scan-1', 1000, load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    t = 999;
    expect(await reads.get('scan-1', 1000, load)).toBe(1);
    expect(await reads.get('scan-2', 1000, load)).toBe(2);
    t = 1000;
    expect(await reads.get('scan-1', 1000, load)).toBe(3);
    expect(reads.loads).toBe(3);
  });

  it('does not keep failures', async () => {
    const reads = new SharedReads(() => 0);
    await expect(reads.get('k', 1000, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await reads.get('k', 1000, async () => 'up')).toBe('up');
  });
});

describe('a fresh read', () => {
  it('reads now within the TTL, and its answer is what the shared reads see next', async () => {
    let t = 0;
    const reads = new SharedReads(() => t);
    let scan = 'weight not moved';
    let loads = 0;
    const load = async () => {
      loads++;
      return scan;
    };
    expect(await reads.get('dso scan-1', 30_000, load)).toBe('weight not moved');
    scan = 'weight moved';
    t = 10_000;
    // Within the TTL a shared read keeps the answer of 10 s ago; a fresh one asks the Scan.
    expect(await reads.get('dso scan-1', 30_000, load)).toBe('weight not moved');
    expect(await reads.refresh('dso scan-1', 30_000, load)).toBe('weight moved');
    expect(loads).toBe(2);
    // The fresh answer replaced the kept one, with its own age.
    t = 39_999;
    expect(await reads.get('dso scan-1', 30_000, load)).toBe('weight moved');
    expect(loads).toBe(2);
    t = 40_000;
    await reads.get('dso scan-1', 30_000, load);
    expect(loads).toBe(3);
  });

  it('does not join a request already in flight, which the shared reads then join instead', async () => {
    const reads = new SharedReads(() => 0);
    const pending: ((v: string) => void)[] = [];
    const load = () => new Promise<string>((resolve) => pending.push(resolve));
    const early = reads.get('k', 1000, load);
    const fresh = reads.refresh('k', 1000, load);
    const later = reads.get('k', 1000, load);
    expect(pending).toHaveLength(2);
    pending[0]!('before the change');
    pending[1]!('after the change');
    expect(await Promise.all([early, fresh, later])).toEqual(['before the change', 'after the change', 'after the change']);
  });

  it('a failed fresh read is not kept', async () => {
    const reads = new SharedReads(() => 0);
    expect(await reads.get('k', 1000, async () => 'old')).toBe('old');
    await expect(reads.refresh('k', 1000, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await reads.get('k', 1000, async () => 'up')).toBe('up');
  });
});
