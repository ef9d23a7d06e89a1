import { describe, it, expect } from '@jest/globals';
import {
  decodeVoteAction,
  describeAction,
  InvalidWeightError,
  offboardSvAction,
  parseWeightBps,
  relTimeFromMillis,
  sameAction,
  updateSvRewardWeightAction,
} from './daml-json.ts';

describe('parseWeightBps', () => {
  it.each([
    [0, 0],
    [10000, 10000],
    ['10000', 10000],
    ['165_5000', 1655000],
    ['10_2500', 102500],
    [' 42 ', 42],
    [1655000, 1655000],
    [BigInt(7), 7],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('accepts %p as %p', (input, expected) => {
    expect(parseWeightBps(input)).toBe(expected);
  });

  it.each([
    [1.5, /not an integer/],
    ['1.5', /not a non-negative integer/],
    [-1, /negative/],
    ['-1', /not a non-negative integer/],
    [Number.NaN, /not an integer/],
    [Number.POSITIVE_INFINITY, /not an integer/],
    ['', /not a non-negative integer/],
    ['abc', /not a non-negative integer/],
    ['0100', /not a non-negative integer/],
    ['1e6', /not a non-negative integer/],
    [Number.MAX_SAFE_INTEGER + 1, /larger than/],
    ['9007199254740993', /larger than/],
    [2n ** 60n, /larger than/],
    [null, /got null/],
    [undefined, /got undefined/],
    [{}, /got object/],
  ])('rejects %p', (input, message) => {
    expect(() => parseWeightBps(input)).toThrow(InvalidWeightError);
    expect(() => parseWeightBps(input)).toThrow(message);
  });

  it('names the field in the error', () => {
    expect(() => parseWeightBps('x', 'spec.weight')).toThrow(/^spec\.weight "x"/);
  });
});

describe('vote actions', () => {
  it('encodes SRARC_UpdateSvRewardWeight exactly as the SV UI does (Int64 as string)', () => {
    expect(JSON.stringify(updateSvRewardWeightAction('sv::1220ab', 165_5000))).toBe(
      '{"tag":"ARC_DsoRules","value":{"dsoAction":{"tag":"SRARC_UpdateSvRewardWeight","value":{"svParty":"sv::1220ab","newRewardWeight":"1655000"}}}}',
    );
  });

  it('encodes SRARC_OffboardSv exactly as the SV UI does', () => {
    expect(JSON.stringify(offboardSvAction('old::1220'))).toBe(
      '{"tag":"ARC_DsoRules","value":{"dsoAction":{"tag":"SRARC_OffboardSv","value":{"sv":"old::1220"}}}}',
    );
  });

  it('refuses to encode an unsafe weight', () => {
    expect(() => updateSvRewardWeightAction('p', -5)).toThrow(InvalidWeightError);
    expect(() => updateSvRewardWeightAction('p', 0.5)).toThrow(InvalidWeightError);
  });

  it('encodes RelTime in microseconds as a string', () => {
    expect(relTimeFromMillis(168 * 3600 * 1000)).toEqual({ microseconds: '604800000000' });
    expect(() => relTimeFromMillis(-1)).toThrow();
  });

  it('sameAction ignores key order and string/number weights, but not different parties, weights or tags', () => {
    const a = updateSvRewardWeightAction('p1', 100);
    const reordered = { value: { dsoAction: { value: { newRewardWeight: 100, svParty: 'p1' }, tag: 'SRARC_UpdateSvRewardWeight' } }, tag: 'ARC_DsoRules' };
    expect(sameAction(a, reordered)).toBe(true);
    expect(sameAction(a, updateSvRewardWeightAction('p1', 101))).toBe(false);
    expect(sameAction(a, updateSvRewardWeightAction('p2', 100))).toBe(false);
    expect(sameAction(offboardSvAction('p1'), offboardSvAction('p1'))).toBe(true);
    expect(sameAction(offboardSvAction('p1'), offboardSvAction('p2'))).toBe(false);
    expect(sameAction(a, offboardSvAction('p1'))).toBe(false);
  });

  it('decodes actions it issues and ignores others', () => {
    const a = updateSvRewardWeightAction('p1', 100);
    expect(decodeVoteAction(JSON.parse(JSON.stringify(a)))).toEqual(a);
    expect(decodeVoteAction(offboardSvAction('x'))).toEqual(offboardSvAction('x'));
    expect(decodeVoteAction({ tag: 'ARC_AmuletRules', value: {} })).toBeUndefined();
    expect(decodeVoteAction({ tag: 'ARC_DsoRules', value: { dsoAction: { tag: 'SRARC_UpdateSvRewardWeight', value: { svParty: 'p', newRewardWeight: '-1' } } } })).toBeUndefined();
    expect(describeAction(a)).toBe('SRARC_UpdateSvRewardWeight(p1 := 100)');
  });
});
