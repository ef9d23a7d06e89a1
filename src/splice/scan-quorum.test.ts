import { describe, it, expect } from '@jest/globals';
import { agree, canonicalJson } from './scan-quorum.ts';
import type { ScanView } from './scan-quorum.ts';

type State = { svs: Map<string, number>; offboarded: string[] };
const view = (url: string, svs: [string, number][], offboarded: string[] = []): ScanView<State> => ({ url, ok: true, value: { svs: new Map(svs), offboarded } });
const failed = (url: string, msg: string): ScanView<State> => ({ url, ok: false, error: new Error(msg) });
const weights = (s: State) => ({ a: s.svs.get('a') ?? null, b: s.svs.get('b') ?? null });

describe('agree', () => {
  it('agrees when quorum views project equally, even if unrelated fields differ', () => {
    const r = agree([view('s1', [['a', 5], ['b', 0]]), view('s2', [['b', 0], ['a', 5], ['c', 9]]), view('s3', [['a', 1]])], 2, weights);
    expect(r).toMatchObject({ agreed: { a: 5, b: 0 }, agreeing: ['s1', 's2'] });
    expect(r.summary).toContain('2 of 3 Scans agree');
    expect(r.summary).toContain('s3 said {"a":1,"b":null}');
  });

  it('reports a disagreement naming what each Scan said, including errors', () => {
    const r = agree([view('s1', [['a', 5]]), view('s2', [['a', 6]]), failed('s3', 'HTTP 503')], 2, weights);
    expect('disagreement' in r).toBe(true);
    if (!('disagreement' in r)) return;
    expect(r.disagreement).toEqual([
      { url: 's1', view: { a: 5, b: null } },
      { url: 's2', view: { a: 6, b: null } },
      { url: 's3', error: 'Error: HTTP 503' },
    ]);
    expect(r.summary).toMatch(/^no 2 of 3 Scans agree: s1 said .*; s2 said .*; s3 failed \(Error: HTTP 503\)$/);
  });

  it('treats two groups both reaching a low quorum as ambiguous', () => {
    const r = agree([view('s1', [['a', 1]]), view('s2', [['a', 2]])], 1, weights);
    expect('disagreement' in r).toBe(true);
    expect(r.summary).toContain('2 different answers each reach quorum 1');
  });

  it('cannot agree with fewer answering Scans than the quorum', () => {
    const r = agree([view('s1', [['a', 1]]), failed('s2', 'down'), failed('s3', 'down')], 2, weights);
    expect('disagreement' in r).toBe(true);
  });

  it('a projection that throws counts as that Scan failing', () => {
    const r = agree([view('s1', [['a', 1]]), view('s2', [['a', 1]]), view('s3', [])], 2, (s) => {
      if (s.svs.size === 0) throw new Error('no SVs');
      return s.svs.get('a');
    });
    expect(r).toMatchObject({ agreed: 1, agreeing: ['s1', 's2'] });
    expect(r.summary).toContain('s3 failed (projection failed: no SVs)');
  });

  it('rejects a non-positive quorum', () => {
    expect(() => agree([], 0, weights)).toThrow(RangeError);
  });

  it('canonicalJson is independent of key and Map insertion order', () => {
    expect(canonicalJson({ x: new Map([['b', 1], ['a', 2]]), y: 1 })).toBe(canonicalJson({ y: 1, x: new Map([['a', 2], ['b', 1]]) }));
    expect(canonicalJson(new Map([['a', 1]]))).not.toBe(canonicalJson(new Map([['a', 2]])));
  });
});
