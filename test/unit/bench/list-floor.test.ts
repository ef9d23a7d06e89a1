/** bench/list-floor.ts: the weight of one migration, by part. */
import { describe, expect, it } from '@jest/globals';
import { weighMigration } from '../../../bench/list-floor.ts';

describe('weighMigration', () => {
  it('weighs the object, its managedFields, spec and status, the status by field, heaviest first', () => {
    const m = {
      apiVersion: 'svkms.dev/v1alpha1',
      metadata: { name: 'm', managedFields: [{ manager: 'sv-kms-operator' }] },
      spec: { a: 1 },
      status: { phase: 'Preparing', conditions: [{ type: 'Ready', message: 'x'.repeat(100) }] },
    };
    const w = weighMigration(m);
    expect(w.bytes).toBe(JSON.stringify(m).length);
    expect(w.managedFields).toBe('[{"manager":"sv-kms-operator"}]'.length);
    expect(w.spec).toBe('{"a":1}'.length);
    expect(w.status).toBe(JSON.stringify(m.status).length);
    expect(Object.keys(w.statusFields)).toEqual(['conditions', 'phase']);
    expect(w.statusFields.phase).toBe('"Preparing"'.length);
  });

  it('counts bytes, not characters', () => {
    expect(weighMigration({ spec: { s: 'é' } }).spec).toBe('{"s":"é"}'.length + 1);
  });

  it('weighs a migration without status or managedFields as zero there', () => {
    expect(weighMigration({ spec: {} })).toEqual({ bytes: 11, managedFields: 0, spec: 2, status: 0, statusFields: {} });
  });
});
