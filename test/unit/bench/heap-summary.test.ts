import { describe, expect, it } from '@jest/globals';
import { formatHeapSummary, summarizeHeap } from '../../../bench/heap-summary.ts';

// The layout V8 writes: flat node records of node_fields, types and names as indexes.
const snapshot = {
  snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure']] as [string[]] } },
  // prettier-ignore
  nodes: [
    3, 0, 1, 100, 0, // object Migration
    3, 0, 2, 60, 0, // object Migration
    3, 1, 3, 40, 0, // object Map
    2, 2, 4, 500, 0, // string (a secret: never printed)
    5, 3, 5, 32, 0, // closure reconcile
    1, 4, 6, 8, 0, // array (object elements)
    2, 5, 7, 40, 0, // string "Ready" (three copies)
    2, 5, 8, 40, 0,
    2, 5, 9, 40, 0,
  ],
  strings: ['Migration', 'Map', 's3cr3t-value', 'reconcile', '(object elements)', 'Ready'],
};

describe('heap summary', () => {
  it('sums self sizes by type and by constructor, largest first', () => {
    const s = summarizeHeap(snapshot);
    expect(s.totalBytes).toBe(860);
    expect(s.byType).toEqual([
      { name: 'string', count: 4, bytes: 620 },
      { name: 'object', count: 3, bytes: 200 },
      { name: 'closure', count: 1, bytes: 32 },
      { name: 'array', count: 1, bytes: 8 },
    ]);
    expect(s.byConstructor).toEqual([
      { name: 'Migration', count: 2, bytes: 160 },
      { name: 'Map', count: 1, bytes: 40 },
      { name: '(closure) reconcile', count: 1, bytes: 32 },
      { name: '(array) (object elements)', count: 1, bytes: 8 },
    ]);
  });

  it('finds the strings held more than once, and what all copies but one take', () => {
    expect(summarizeHeap(snapshot).duplicated).toEqual([{ name: 'Ready', count: 3, bytes: 80 }]);
  });

  it('never prints what a string holds, unless asked to', () => {
    const text = formatHeapSummary(summarizeHeap(snapshot), 10);
    expect(text).toContain('Migration');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('Ready');
    expect(text).toContain('Strings held more than once: 3 copies of 1 contents, 0.00 MB in all but one copy of each');
    expect(text).toContain('(5 characters; --show-strings prints them)');
    expect(formatHeapSummary(summarizeHeap(snapshot), 10, true)).toContain('"Ready"');
  });
});
