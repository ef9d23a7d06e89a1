import { describe, expect, it } from '@jest/globals';
import * as payloads from './daml-payloads.ts';
import type { BodyValidator } from './http.ts';

// The validators compile on first use, so a schema that strict mode refuses would only fail when the operator first
// reads that answer: each is compiled here, and must refuse an empty object with the field it misses.
describe('Daml payload validators', () => {
  const validators: [string, BodyValidator<unknown>][] = Object.entries(payloads)
    .filter(([name]) => name.startsWith('validate'))
    .map(([name, v]) => [name, v as BodyValidator<unknown>]);

  it('exports the five validators the clients use', () => {
    expect(validators.map(([name]) => name).sort()).toEqual([
      'validateBalanceDecimals',
      'validateDsoInfoPayloads',
      'validateTransferOffersPayloads',
      'validateVoteRequestsPayloads',
      'validateVoteResultsPayloads',
    ]);
  });

  it.each(validators)('%s compiles in strict mode and names what an empty answer lacks', (_name, validate) => {
    expect(validate({})).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toContain('required');
  });

  it('keeps the errors of the last check, and clears them on a valid body', () => {
    const v = payloads.validateBalanceDecimals;
    expect(v({ effective_unlocked_qty: 'x', effective_locked_qty: '1', total_holding_fees: '0' })).toBe(false);
    expect(v.errors?.[0]?.instancePath).toBe('/effective_unlocked_qty');
    expect(v({ effective_unlocked_qty: '1.5', effective_locked_qty: '1', total_holding_fees: '0' })).toBe(true);
    expect(v.errors).toBeNull();
  });
});
