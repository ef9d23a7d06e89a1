import { describe, it, expect } from '@jest/globals';
import { safeProperty, safeString } from './safe-text.ts';

const hostile = (): unknown[] => [
  Object.create(null) as unknown,
  { toString: 5 },
  { toString: () => ({}) },
  { [Symbol.toPrimitive]: () => { throw new Error('no'); } },
  new Proxy({}, { get: () => { throw new Error('trap'); } }),
  Object.defineProperty({}, Symbol.toStringTag, { get: () => { throw new Error('tag'); } }),
];

describe('safeString', () => {
  it('is String() for values String() can print', () => {
    for (const v of [undefined, null, 0, -0, NaN, 'x', true, 10n, Symbol('s'), [1, [2]], new Error('boom'), { toString: () => 'custom' }]) {
      expect(safeString(v)).toBe(String(v));
    }
  });

  it('describes values String() throws on, without throwing', () => {
    for (const v of hostile()) expect(() => String(v)).toThrow();
    expect(hostile().map(safeString)).toEqual([
      '[unprintable Object]',
      '[unprintable Object]',
      '[unprintable Object]',
      '[unprintable Object]',
      '[unprintable object]',
      '[unprintable object]',
    ]);
  });
});

describe('safeProperty', () => {
  it('reads properties of objects and functions, nothing of primitives, and survives throwing getters', () => {
    expect(safeProperty({ a: 1 }, 'a')).toBe(1);
    expect(safeProperty(Object.assign(() => {}, { code: 'X' }), 'code')).toBe('X');
    expect(safeProperty('str', 'length')).toBeUndefined();
    expect(safeProperty(null, 'a')).toBeUndefined();
    expect(safeProperty(Object.defineProperty({}, 'message', { get: () => { throw new Error('getter'); } }), 'message')).toBeUndefined();
    expect(safeProperty(hostile()[4], 'message')).toBeUndefined();
  });
});
