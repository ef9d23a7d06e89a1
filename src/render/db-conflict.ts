/**
 * The participant database-conflict check of Splice 0.6.8+ (research D6): the splice-participant chart's pg-init
 * container refuses to create the participant database when the Postgres server already holds any `participant%`
 * database (`persistence.enableParticipantDbConflictCheck`, default true; see the 0.6.12 chart's
 * `templates/participant.yaml` and `tests/participant-db-conflict-check_test.yaml`). A new SV whose participant uses
 * the old SV's Postgres server therefore never starts. This module predicts that from values, purely.
 */
import type { Problem } from '../api/validate.ts';
import { isPlainObject } from '../util/json.ts';
import type { ResolvedSpliceVersion } from './versions.ts';

/** The Postgres server a participant uses. */
export interface ParticipantDatabase {
  host: string;
  /** Absent: the chart's default, 5432. */
  port?: number;
}

/** The participant chart's default `persistence.port`. */
export const DEFAULT_POSTGRES_PORT = 5432;

/** The env vars the participant chart sets from `persistence.host` / `persistence.port` (0.4.15 and 0.6.12). */
export const PARTICIPANT_DB_HOST_ENV = 'CANTON_PARTICIPANT_POSTGRES_SERVER';
export const PARTICIPANT_DB_PORT_ENV = 'CANTON_PARTICIPANT_POSTGRES_PORT';

function port(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/**
 * The database server a participant Deployment uses, read from its container env (the chart writes
 * `persistence.host`/`port` into {@link PARTICIPANT_DB_HOST_ENV}/{@link PARTICIPANT_DB_PORT_ENV}); undefined when
 * the host is not a literal value. For the operator: the old SV's participant Deployment in oldSv.namespace.
 */
export function participantDatabaseFromEnv(env: readonly { name: string; value?: string }[]): ParticipantDatabase | undefined {
  const host = env.find((e) => e.name === PARTICIPANT_DB_HOST_ENV)?.value;
  if (!host) return undefined;
  const p = port(env.find((e) => e.name === PARTICIPANT_DB_PORT_ENV)?.value);
  return p === undefined ? { host } : { host, port: p };
}

function sameServer(a: ParticipantDatabase, b: ParticipantDatabase): boolean {
  const norm = (h: string) => h.trim().toLowerCase().replace(/\.$/, '');
  return norm(a.host) === norm(b.host) && (a.port ?? DEFAULT_POSTGRES_PORT) === (b.port ?? DEFAULT_POSTGRES_PORT);
}

/** What {@link participantDbConflict} looks at. */
export interface DbConflictInput {
  version: ResolvedSpliceVersion;
  /** The new participant's (merged or base) splice-participant values. */
  newParticipantValues: Record<string, unknown> | undefined;
  /** The old SV's participant database: spec.oldSv.participantDatabaseHost, or read from its Deployment. */
  oldParticipantDatabase: ParticipantDatabase | undefined;
  /** How to name the new values in the problem, e.g. `spec.newSv.participant.baseValues`. */
  valuesPath?: string;
}

/**
 * The problem, if the new participant would hit the 0.6.8+ database-conflict check: the version has it, the new
 * values enable pg-init and the check (both default on), and name the old participant's Postgres server (host
 * compared case-insensitively; ports when both are known, 5432 by default). Undefined otherwise, or when either
 * server is unknown.
 */
export function participantDbConflict(input: DbConflictInput): Problem | undefined {
  const { version, newParticipantValues: values, oldParticipantDatabase: old } = input;
  if (!version.features.participantDbConflictCheck || !old || !values) return undefined;
  const persistence = isPlainObject(values.persistence) ? values.persistence : {};
  if (typeof persistence.host !== 'string' || persistence.host === '') return undefined;
  if (persistence.enablePgInitContainer === false || persistence.enableParticipantDbConflictCheck === false) return undefined;
  const next: ParticipantDatabase = { host: persistence.host, ...(port(persistence.port) === undefined ? {} : { port: port(persistence.port)! }) };
  if (!sameServer(next, old)) return undefined;
  return {
    path: `${input.valuesPath ?? 'spec.newSv.participant.baseValues'}.persistence.host`,
    message:
      `is "${persistence.host}", the Postgres server of the old SV's participant: from Splice 0.6.8 (target ${version.version}) the ` +
      'splice-participant chart refuses to create a participant database on a server that already holds one (participant%), so the ' +
      'new participant would never start. Give the new SV its own Postgres server, or, once nothing of the old participant is ' +
      'left on it, set persistence.enableParticipantDbConflictCheck: false in the base values',
  };
}
