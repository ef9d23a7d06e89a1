import { describe, it, expect } from '@jest/globals';
import { participantDatabaseFromEnv, participantDbConflict } from '../../../src/render/db-conflict.ts';
import { resolveSpliceVersion } from '../../../src/render/versions.ts';

const v = resolveSpliceVersion;

describe('participantDbConflict', () => {
  const values = (persistence: Record<string, unknown>) => ({ persistence: { schema: 'participant', ...persistence } });

  it('finds the new participant on the old participant\'s Postgres server from 0.6.8 on', () => {
    const problem = participantDbConflict({ version: v('0.6.8'), newParticipantValues: values({ host: 'PG.sv.svc.' }), oldParticipantDatabase: { host: 'pg.sv.svc' } });
    expect(problem).toEqual({ path: 'spec.newSv.participant.baseValues.persistence.host', message: expect.stringContaining('the Postgres server of the old SV\'s participant') });
    expect(problem!.message).toContain('persistence.enableParticipantDbConflictCheck: false');
    expect(participantDbConflict({ version: v('0.6.7'), newParticipantValues: values({ host: 'pg.sv.svc' }), oldParticipantDatabase: { host: 'pg.sv.svc' } })).toBeUndefined();
  });

  it.each([
    ['another host', values({ host: 'pg-new.sv-kms.svc' }), { host: 'pg.sv.svc' }],
    ['another port', values({ host: 'pg.sv.svc', port: 5433 }), { host: 'pg.sv.svc' }],
    ['the check turned off', values({ host: 'pg.sv.svc', enableParticipantDbConflictCheck: false }), { host: 'pg.sv.svc' }],
    ['no pg-init container', values({ host: 'pg.sv.svc', enablePgInitContainer: false }), { host: 'pg.sv.svc' }],
    ['no host in the values', values({}), { host: 'pg.sv.svc' }],
    ['the old server unknown', values({ host: 'pg.sv.svc' }), undefined],
  ])('is no conflict with %s', (_, newValues, old) => {
    expect(participantDbConflict({ version: v('0.7.4'), newParticipantValues: newValues, oldParticipantDatabase: old })).toBeUndefined();
  });

  it('compares ports with the chart default 5432', () => {
    expect(participantDbConflict({ version: v('0.7.4'), newParticipantValues: values({ host: 'pg', port: 5432 }), oldParticipantDatabase: { host: 'pg' } })).toBeDefined();
    expect(participantDbConflict({ version: v('0.7.4'), newParticipantValues: values({ host: 'pg', port: '5433' }), oldParticipantDatabase: { host: 'pg', port: 5433 } })).toBeDefined();
  });
});

describe('participantDatabaseFromEnv', () => {
  it('reads the server the participant chart wrote into the Deployment env', () => {
    expect(participantDatabaseFromEnv([{ name: 'CANTON_PARTICIPANT_POSTGRES_SERVER', value: 'pg' }, { name: 'CANTON_PARTICIPANT_POSTGRES_PORT', value: '5433' }])).toEqual({ host: 'pg', port: 5433 });
    expect(participantDatabaseFromEnv([{ name: 'CANTON_PARTICIPANT_POSTGRES_SERVER', value: 'pg' }])).toEqual({ host: 'pg' });
    expect(participantDatabaseFromEnv([{ name: 'OTHER', value: 'x' }])).toBeUndefined();
  });
});
