import { describe, expect, it } from '@jest/globals';
import { MigrationWatchIndex } from './watch-map.ts';
import { awsTestMigration } from '../../test/support/migrations.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { validateMigration } from '../api/validate.ts';

const obj = (namespace: string, name: string) => ({ metadata: { namespace, name } });

/** A defaulted migration (as the API server stores it). */
function migration(i: number): SvKmsMigration {
  const m = awsTestMigration(`m${i}`, `team-${i}`, 'http://127.0.0.1:1');
  m.spec.newSv.namespace = `new-${i}`;
  m.spec.oldSv.namespace = `old-${i}`;
  const { migration: defaulted, problems } = validateMigration(m);
  if (!defaulted) throw new Error(JSON.stringify(problems));
  defaulted.metadata = m.metadata;
  return defaulted;
}

describe('MigrationWatchIndex', () => {
  it('names the migrations an object concerns, and forgets a deleted or changed migration', () => {
    const index = new MigrationWatchIndex();
    const m = migration(1);
    index.upsert(m);
    const ref = [{ namespace: 'team-1', name: 'm1' }];
    expect(index.secretRefs(obj('team-1', 'aws-kms-credentials'))).toEqual(ref);
    expect(index.secretRefs(obj('team-1', m.spec.oldSv.auth!.clientSecretRef.name))).toEqual(ref);
    expect(index.secretRefs(obj('new-1', m.spec.newSv.governanceKey.secretName))).toEqual(ref);
    expect(index.secretRefs(obj('new-1', m.spec.newSv.identityKey.secretName))).toEqual(ref);
    expect(index.secretRefs(obj('team-1', m.spec.newSv.governanceKey.secretName))).toEqual([]); // wrong namespace
    expect(index.configMapRefs(obj('new-1', 'm1-participant-values'))).toEqual(ref);
    expect(index.configMapRefs(obj('new-1', 'm1-sv-node-values'))).toEqual(ref);
    expect(index.workloadRefs(obj('new-1', m.spec.newSv.participant.releaseName))).toEqual(ref);
    expect(index.workloadRefs(obj('new-1', 'sv-app'))).toEqual(ref);
    expect(index.workloadRefs(obj('old-1', 'anything'))).toEqual(ref); // the old SV's selector may match any workload
    expect(index.workloadRefs(obj('new-1', 'unrelated'))).toEqual([]);
    expect(index.namespaceRefs({ metadata: { name: 'new-1' } })).toEqual(ref);
    expect(index.namespaceRefs({ metadata: { name: 'old-1' } })).toEqual(ref);

    const renamed = structuredClone(m);
    renamed.spec.kms.credentials = { secretRef: { name: 'other-credentials' } } as SvKmsMigration['spec']['kms']['credentials'];
    index.upsert(renamed);
    expect(index.secretRefs(obj('team-1', 'aws-kms-credentials'))).toEqual([]);
    expect(index.secretRefs(obj('team-1', 'other-credentials'))).toEqual(ref);
    index.remove(m.metadata);
    expect(index.secretRefs(obj('team-1', 'other-credentials'))).toEqual([]);
    expect(index.size()).toBe(0);
  });

  it('says whether some migration names an object exactly when it names migrations for it (what the caches keep)', () => {
    const index = new MigrationWatchIndex();
    const m = migration(1);
    index.upsert(m);
    const objects = [
      ['team-1', 'aws-kms-credentials'],
      ['new-1', m.spec.newSv.governanceKey.secretName],
      ['team-1', m.spec.newSv.governanceKey.secretName],
      ['new-1', m.spec.newSv.participant.releaseName],
      ['new-1', 'sv-app'],
      ['old-1', 'anything'],
      ['new-1', 'unrelated'],
      ['elsewhere', 'aws-kms-credentials'],
    ].map(([ns, name]) => obj(ns!, name!));
    for (const o of objects) {
      expect([o.metadata, index.namesSecret(o)]).toEqual([o.metadata, index.secretRefs(o).length > 0]);
      expect([o.metadata, index.namesConfigMap(o)]).toEqual([o.metadata, index.configMapRefs(o).length > 0]);
      expect([o.metadata, index.namesWorkload(o)]).toEqual([o.metadata, index.workloadRefs(o).length > 0]);
    }
    expect(objects.filter(index.namesSecret)).toHaveLength(2);
    expect(objects.filter(index.namesWorkload)).toHaveLength(3);
    index.remove(m.metadata);
    expect(objects.some((o) => index.namesSecret(o) || index.namesConfigMap(o) || index.namesWorkload(o))).toBe(false);
  });

  it('answers the same as a scan of every migration, for 1000 migrations sharing namespaces', () => {
    const index = new MigrationWatchIndex();
    const all = Array.from({ length: 1000 }, (_, i) => {
      const m = migration(i);
      m.spec.newSv.namespace = `new-${i % 10}`; // ten migrations' outputs per namespace
      m.spec.output.participantValues.configMapName = `pv-${i}`;
      m.spec.newSv.governanceKey.secretName = `gov-${i}`;
      index.upsert(m);
      return m;
    });
    expect(index.size()).toBe(1000);
    const scan = (ns: string, name: string) =>
      all.filter((m) => m.spec.newSv.namespace === ns && (m.spec.newSv.governanceKey.secretName === name || m.spec.newSv.identityKey.secretName === name)).map((m) => m.metadata.name).sort();
    for (const [ns, name] of [['new-3', 'gov-413'], ['new-3', 'gov-414'], ['new-7', all[7]!.spec.newSv.identityKey.secretName]] as const) {
      expect(index.secretRefs(obj(ns, name)).map((r) => r.name).sort()).toEqual(scan(ns, name));
    }
    expect(index.secretRefs(obj('new-7', all[7]!.spec.newSv.identityKey.secretName))).toHaveLength(100);
  });
});
