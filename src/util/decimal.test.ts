import { describe, expect, it } from '@jest/globals';
import { decimalCompare, decimalSubtract } from './decimal.ts';
import { durationMs } from './duration.ts';

describe('decimal amounts', () => {
  it('subtracts exactly where floating point would not', () => {
    expect(decimalSubtract('0.3', '0.1')).toBe('0.2');
    expect(decimalSubtract('1000000000000.0000000001', '0.0000000001')).toBe('1000000000000');
    expect(decimalSubtract('10', '10')).toBe('0');
    expect(decimalSubtract('1', '2.5')).toBe('-1.5');
  });

  it('compares', () => {
    expect(decimalCompare('10.0', '10')).toBe(0);
    expect(decimalCompare('9.9999999999', '10')).toBe(-1);
    expect(decimalCompare('123456789012345.5', '123456789012345.4')).toBe(1);
  });

  it('refuses what is not a decimal', () => {
    expect(() => decimalCompare('1e3', '1')).toThrow(RangeError);
    expect(() => decimalSubtract('NaN', '1')).toThrow(RangeError);
  });
});

describe('durationMs', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['168h', 604_800_000],
    ['7d', 604_800_000],
  ])('%s', (text, ms) => expect(durationMs(text)).toBe(ms));

  it('refuses compound and unknown units', () => {
    expect(() => durationMs('1h30m')).toThrow(RangeError);
    expect(() => durationMs('5y')).toThrow(RangeError);
  });
});
