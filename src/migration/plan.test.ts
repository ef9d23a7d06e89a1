/**
 * The planner: the next side effect by the operator's own steps, and nothing done — no write, no request, no Event.
 */
import { describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { FakeWorld, keySecret, migration, NS, participantEnv, PARTY, T0 } from '../../test/support/migration-fixtures.ts';
import type { SvKmsMigration } from '../api/types.ts';
import { planNext } from './plan.ts';
import { SV_APP_DEPLOYMENT } from './steps/deployment.ts';

const opts = { now: T0, signal: new AbortController().signal, log: pino({ level: 'silent' }) };

/** A world in which the migration is prepared and deployed, the new SV onboarded. */
async function preparedWorld(m: SvKmsMigration): Promise<FakeWorld> {
  const world = new FakeWorld();
  world.secrets.set(`${NS}/${m.spec.newSv.governanceKey.secretName}`, await keySecret('governance', m.spec.newSv.governanceKey.secretName));
  world.secrets.set(`${NS}/${m.spec.newSv.identityKey.secretName}`, await keySecret('identity', m.spec.newSv.identityKey.secretName));
  const deployment = (name: string, container: string, env: unknown[]) => ({ metadata: { name, namespace: NS, generation: 1 }, spec: { selector: {}, template: { spec: { containers: [{ name: container, env: env as never }] } } }, status: { observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] } });
  world.deployments.set(`${NS}/participant-1`, deployment('participant-1', 'participant', participantEnv(m)));
  world.deployments.set(`${NS}/${SV_APP_DEPLOYMENT}`, deployment(SV_APP_DEPLOYMENT, SV_APP_DEPLOYMENT, []));
  return world;
}

/** The values ConfigMaps as the operator wrote them (what planning would ask for first otherwise). */
async function withValuesWritten(world: FakeWorld, m: SvKmsMigration): Promise<void> {
  const first = await planNext(m, world.deps(), opts);
  if (first.kind !== 'effect') return;
  const effect = first.effect as { kind: string; configMaps?: { metadata?: { namespace?: string; name?: string } }[] };
  for (const cm of effect.configMaps ?? []) world.configMaps.set(`${cm.metadata!.namespace}/${cm.metadata!.name}`, cm);
}

describe('planning the next side effect', () => {
  it('a fresh migration: its first effect is the governance key Secret, and nothing is done', async () => {
    const world = new FakeWorld();
    const plan = await planNext(migration(), world.deps(), opts);
    expect(plan).toMatchObject({ kind: 'effect', phase: 'Preparing', step: 'governanceKey', checkpoint: false, effect: { kind: 'generateKey', name: 'splice-app-sv-cometbft-governance-key' } });
    expect([world.writes, world.events, world.secrets.has(`${NS}/splice-app-sv-cometbft-governance-key`)]).toEqual([[], [], false]);
  });

  it('an open weight gate: the vote request, exactly, and nothing sent', async () => {
    const m = migration((x) => (x.spec.workflow.weightTransfer.approved = true));
    const world = await preparedWorld(m);
    world.setDso({ newWeight: 0 });
    m.status = { phase: 'TransferringWeight', oldSv: { partyId: PARTY.old, originalRewardWeight: 10_000 }, conditions: [{ type: 'KmsKeysObserved', status: 'True', reason: 'KeysFound', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' }] };
    await withValuesWritten(world, m);
    const plan = await planNext(m, world.deps(), opts);
    expect(plan).toMatchObject({ kind: 'effect', phase: 'TransferringWeight', step: 'weightTransfer', checkpoint: true, effect: { kind: 'requestVote', label: 'UpdateSvRewardWeight(Acme-2:=10000)' } });
    expect(world.governance.requests).toEqual([]);
    expect(world.writes).toEqual([]);
  });

  it('nothing to do: says which step waits and why', async () => {
    const m = migration();
    const world = await preparedWorld(m);
    world.setDso({ newWeight: 0 });
    m.status = { phase: 'TransferringWeight', oldSv: { partyId: PARTY.old, originalRewardWeight: 10_000 }, conditions: [{ type: 'KmsKeysObserved', status: 'True', reason: 'KeysFound', message: '', lastTransitionTime: '2026-11-01T00:00:00Z' }] };
    await withValuesWritten(world, m);
    const plan = await planNext(m, world.deps(), opts);
    expect(plan).toMatchObject({ kind: 'none', phase: 'TransferringWeight', step: 'weightTransfer', outcome: { kind: 'wait', message: expect.stringContaining('spec.workflow.weightTransfer.approved') } });
  });

  it('a completed migration has nothing to do', async () => {
    const m = migration();
    const world = await preparedWorld(m);
    world.setDso({ newWeight: 10_000, oldWeight: null, oldOffboarded: true });
    m.status = { phase: 'Completed', oldSv: { partyId: PARTY.old, originalRewardWeight: 10_000 } };
    await withValuesWritten(world, m);
    expect(await planNext(m, world.deps(), opts)).toEqual({ kind: 'none', phase: 'Completed' });
  });
});
