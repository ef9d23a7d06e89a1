import { describe, expect, it } from '@jest/globals';
import { setCondition, type Condition } from './conditions.ts';

const t0 = new Date('2026-11-01T10:00:00.123Z');
const t1 = new Date('2026-11-01T11:00:00Z');

describe('setCondition', () => {
  it('adds a condition with the transition time (whole seconds, as the API stores it)', () => {
    const { conditions, changed } = setCondition([], { type: 'Ready', status: 'False', reason: 'Preparing', message: 'm', observedGeneration: 1 }, t0);
    expect(changed).toBe(true);
    expect(conditions).toEqual([{ type: 'Ready', status: 'False', reason: 'Preparing', message: 'm', observedGeneration: 1, lastTransitionTime: '2026-11-01T10:00:00Z' }]);
  });

  it('keeps lastTransitionTime when only reason, message or generation change', () => {
    const start: Condition[] = [{ type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1, lastTransitionTime: '2026-11-01T10:00:00Z' }];
    const { conditions, changed } = setCondition(start, { type: 'Ready', status: 'False', reason: 'B', message: 'b', observedGeneration: 2 }, t1);
    expect(changed).toBe(true);
    expect(conditions[0]!.lastTransitionTime).toBe('2026-11-01T10:00:00Z');
    expect(start[0]!.reason).toBe('A');
  });

  it('moves lastTransitionTime when the status flips', () => {
    const start: Condition[] = [{ type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1, lastTransitionTime: '2026-11-01T10:00:00Z' }];
    expect(setCondition(start, { type: 'Ready', status: 'True', reason: 'A', message: 'a', observedGeneration: 1 }, t1).conditions[0]!.lastTransitionTime).toBe('2026-11-01T11:00:00Z');
  });

  it('reports no change for the same condition', () => {
    const start: Condition[] = [{ type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1, lastTransitionTime: '2026-11-01T10:00:00Z' }];
    expect(setCondition(start, { type: 'Ready', status: 'False', reason: 'A', message: 'a', observedGeneration: 1 }, t1).changed).toBe(false);
  });
});
