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
