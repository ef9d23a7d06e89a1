/** The shape of one workflow step: it reads through the ports, may make one kind of change, and reports. */
import type { Logger } from 'pino';
import type { SvKmsMigration } from '../api/types.ts';
import type { MigrationDeps } from './ports.ts';
import type { StatusDraft, StepResult } from './status-draft.ts';

export interface StepContext {
  m: SvKmsMigration;
  deps: MigrationDeps;
  draft: StatusDraft;
  log: Logger;
  /** Aborts when this replica must stop acting (leadership lost). */
  signal: AbortSignal;
}

export type Step = (ctx: StepContext) => Promise<StepResult>;
