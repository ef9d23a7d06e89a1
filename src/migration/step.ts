/** The shape of one workflow step: it reads through the ports, may make one kind of change, and reports. */
import type { Logger } from 'pino';
import type { SvKmsMigration } from '../api/types.ts';
import type { MigrationDeps } from './ports.ts';
import type { StatusDraft, StepResult } from './status-draft.ts';

/** What the network agreed on, as far as the workflow needs it (read once per reconcile). */
export interface DsoFacts {
  newSv: { partyId: string; weight: number } | null;
  oldSv: { partyId: string; weight: number } | null;
  oldSvOffboarded: boolean;
  votingThreshold: number;
}

export interface StepContext {
  m: SvKmsMigration;
  deps: MigrationDeps;
  draft: StatusDraft;
  log: Logger;
  /** Aborts when this replica must stop acting (leadership lost). */
  signal: AbortSignal;
  /**
   * Writes the draft status now, before a side effect, so that a crash after the side effect cannot make it happen
   * twice (the record says it may have happened; the next reconcile looks before it acts). False when the object
   * changed meanwhile: the step must not go on.
   */
  checkpoint(): Promise<boolean>;
  /** Facts read in this reconcile, shared by its steps. */
  facts: { dso?: DsoFacts };
}

export type Step = (ctx: StepContext) => Promise<StepResult>;
