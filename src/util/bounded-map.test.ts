import { describe, expect, it } from '@jest/globals';
import { BoundedMap } from './bounded-map.ts';

describe('BoundedMap', () => {
  it('drops the oldest entry when a new key would pass the bound, never on an update', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    m.set('a', 3); // an update: nothing dropped
    expect([...m]).toEqual([['a', 3], ['b', 2]]);
    m.set('c', 4);
    expect([...m]).toEqual([['b', 2], ['c', 4]]);
    expect(m.size).toBe(2);
  });
});
