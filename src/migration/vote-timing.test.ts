/** Vote timing by default: 5 business days open, effective a day after close; coarse durations for messages. */
import { describe, expect, it } from '@jest/globals';
import { addBusinessDays, humanDuration, voteTiming } from './vote-timing.ts';

describe('business days', () => {
  it.each([
    ['Monday + 5 = next Monday', '2026-11-02T10:00:00Z', 5, '2026-11-09T10:00:00.000Z'],
    ['Wednesday + 5 = next Wednesday', '2026-11-04T10:00:00Z', 5, '2026-11-11T10:00:00.000Z'],
    ['Friday + 1 = Monday', '2026-11-06T10:00:00Z', 1, '2026-11-09T10:00:00.000Z'],
    ['Saturday + 1 = Monday', '2026-11-07T10:00:00Z', 1, '2026-11-09T10:00:00.000Z'],
    ['Sunday + 5 = Friday', '2026-11-08T23:00:00Z', 5, '2026-11-13T23:00:00.000Z'],
    ['0 days', '2026-11-07T10:00:00Z', 0, '2026-11-07T10:00:00.000Z'],
  ])('%s', (_n, from, days, to) => expect(addBusinessDays(new Date(from), days).toISOString()).toBe(to));
});

describe('vote timing', () => {
  const now = new Date('2026-11-06T10:00:00Z'); // a Friday
  it('by default: 5 business days open, effective one day after close', () => {
    const t = voteTiming({}, now);
    expect(t.voteBefore.toISOString()).toBe('2026-11-13T10:00:00.000Z');
    expect(t.expirationMs).toBe(7 * 86_400_000);
    expect(t.effectiveAt?.toISOString()).toBe('2026-11-14T10:00:00.000Z');
  });
  it('as the spec says', () => {
    const t = voteTiming({ voteExpiration: '48h', effectiveAt: '2026-12-01T00:00:00Z' }, now);
    expect([t.expirationMs, t.voteBefore.toISOString(), t.effectiveAt?.toISOString()]).toEqual([172_800_000, '2026-11-08T10:00:00.000Z', '2026-12-01T00:00:00.000Z']);
  });
  it('at threshold only when asked', () => {
    expect(voteTiming({ effectiveAtThreshold: true }, now).effectiveAt).toBeUndefined();
  });
});

describe('durations in messages', () => {
  it.each([
    [0, '0m'],
    [59 * 60_000, '59m'],
    [3 * 3_600_000 + 59 * 60_000, '3h'],
    [27 * 3_600_000, '1d3h'],
    [-5, '0m'],
  ])('%i ms', (ms, text) => expect(humanDuration(ms)).toBe(text));
});
