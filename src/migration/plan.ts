/**
 * The next side effect the operator would make, computed by the same steps (observe and decide) against the live
 * cluster and network — reading only: no step acts, no status is written, no Event is sent. What `sv-kms plan` shows.
 */
import type { Logger } from 'pino';
import type { SvKmsMigration } from '../api/types.ts';
import type { MigrationDeps } from './ports.ts';
import { apply, initialFacts, walkSteps } from './reconciler.ts';
import { StatusDraft, type StepResult } from './status-draft.ts';
import type { BoundStep } from './step.ts';
import type { EventNote } from './decision.ts';

export type Plan =
  /** The next side effect, exactly as decided. */
  | { kind: 'effect'; phase: string; step: string; describe: string; checkpoint: boolean; effect: unknown }
  /** Nothing to do now: why (the step that waits or is stalled), or the migration is complete. */
  | { kind: 'none'; phase: string; step?: string; outcome?: Exclude<StepResult, { kind: 'done' }> };

/** Plans the next side effect of `m` at `now`. */
export async function planNext(m: SvKmsMigration, deps: MigrationDeps, opts: { now: Date; signal: AbortSignal; log: Logger }): Promise<Plan> {
  const draft = new StatusDraft(m, opts.now);
  const facts = initialFacts(m, draft);
  const notes: EventNote[] = [];
  const base = { m, generation: draft.generation, now: opts.now, timing: deps.timing, deps, signal: opts.signal, log: opts.log, facts };
  const end = await walkSteps<Plan>(draft, async (step: BoundStep) => {
    const { decision } = await step.run({ ...base, status: draft.status });
    apply(draft, facts, decision, notes);
    if (decision.act) return { kind: 'effect', phase: draft.phase, step: step.name, describe: decision.act.describe, checkpoint: decision.act.checkpoint, effect: decision.act.effect };
    if (decision.outcome.kind !== 'done') return { kind: 'none', phase: draft.phase, step: step.name, outcome: decision.outcome };
    return undefined;
  });
  return end.kind === 'finished' ? { kind: 'none', phase: draft.phase } : end;
}
