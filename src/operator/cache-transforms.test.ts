import { describe, expect, it } from '@jest/globals';
import { LAST_APPLIED_ANNOTATION, withoutLastApplied } from './cache-transforms.ts';

describe('withoutLastApplied', () => {
  it('drops kubectl\'s copy of the applied manifest and keeps every other annotation', () => {
    const m = { metadata: { name: 'm', annotations: { [LAST_APPLIED_ANNOTATION]: '{"spec":{}}', 'svkms.dev/change-ref': 'pr-1' } }, spec: { a: 1 } };
    expect(withoutLastApplied(m)).toEqual({ metadata: { name: 'm', annotations: { 'svkms.dev/change-ref': 'pr-1' } }, spec: { a: 1 } });
    // The informer's object is not changed in place.
    expect(m.metadata.annotations[LAST_APPLIED_ANNOTATION]).toBe('{"spec":{}}');
  });

  it('returns an object without it as it is', () => {
    const m = { metadata: { name: 'm', annotations: { a: 'b' } } };
    expect(withoutLastApplied(m)).toBe(m);
    const bare = { metadata: { name: 'n' } };
    expect(withoutLastApplied(bare)).toBe(bare);
  });
});
