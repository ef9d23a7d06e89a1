/** bench/list-floor.ts: the lists of a start as the operator's log gives them, and the weight of one migration. */
import { describe, expect, it } from '@jest/globals';
import { cacheListsFromLog, weighMigration } from '../../../bench/list-floor.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../../src/operator/resources.ts';

const synced = (caches: object[]) => JSON.stringify({ level: 'info', msg: 'caches synced', informers: caches.length, caches });

describe('cacheListsFromLog', () => {
  it('reads the caches of the first "caches synced" line: resource, namespace, selector, metadata only', () => {
    const log = [
      JSON.stringify({ level: 'info', msg: 'sv-kms-operator starting' }),
      synced([
        { resource: 'svkmsmigrations', objects: 3, notKept: 0, syncedInMs: 40 },
        { resource: 'secrets', labelSelector: 'a!=b', metadataOnly: true, objects: 0, notKept: 5, syncedInMs: 20 },
        { resource: 'configmaps', namespace: 'sv', labelSelector: 'a=b', objects: 2, notKept: 0, syncedInMs: 10 },
      ]),
      synced([{ resource: 'namespaces' }]),
    ].join('\n');
    expect(cacheListsFromLog(log)).toEqual([
      { resource: SVKMS_MIGRATIONS, namespace: undefined, labelSelector: undefined, metadataOnly: false },
      { resource: RESOURCES.secrets, namespace: undefined, labelSelector: 'a!=b', metadataOnly: true },
      { resource: RESOURCES.configMaps, namespace: 'sv', labelSelector: 'a=b', metadataOnly: false },
    ]);
  });

  it('says so when the log has no such line, or names a resource it does not know', () => {
    expect(() => cacheListsFromLog('{"msg":"sv-kms-operator starting"}')).toThrow(/no "caches synced" line/);
    expect(() => cacheListsFromLog(synced([{ resource: 'widgets' }]))).toThrow(/caches widgets, which bench\/list-floor.ts does not know/);
  });
});

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
