/**
 * The status a reconcile is building: a copy of the observed status that steps change, and the kstatus summary
 * (Ready / Reconciling / Stalled) computed from what the steps reported.
 */
import { setCondition, type Condition } from '../controller/conditions.ts';
import type { Phase, SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import { CONDITION, type ConditionType } from './meta.ts';
import { cloneJson } from '../util/json.ts';

export type ConditionStatus = Condition['status'];

/** What a step found: done, waiting for the world (with an optional re-check), or stuck until a human acts. */
export type StepResult =
  | { kind: 'done' }
  | { kind: 'wait'; message: string; requeueAfterMs?: number }
  | { kind: 'stalled'; reason: string; message: string; requeueAfterMs?: number }
  /** A passing failure (network, throttling): status is written, then the reconcile retries with backoff. */
  | { kind: 'retry'; reason: string; message: string };

export const DONE: StepResult = { kind: 'done' };

/** A draft as it was at one point of a reconcile (see {@link StatusDraft.save}). */
export interface SavedDraft {
  readonly status: SvKmsMigrationStatus;
  readonly transitions: number;
}

/** A condition set to a new status or reason in this reconcile; `previous` is its status before, when it had one. */
export interface ConditionChange {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  previous?: ConditionStatus;
}

export class StatusDraft {
  readonly status: SvKmsMigrationStatus;
  readonly generation: number;
  private readonly now: Date;
  private readonly transitions: ConditionChange[] = [];

  constructor(m: SvKmsMigration, now: Date) {
    this.status = cloneJson(m.status ?? {});
    this.generation = m.metadata.generation ?? 0;
    this.now = now;
  }

  get phase(): Phase {
    return this.status.phase ?? 'Preparing';
  }

  set phase(p: Phase) {
    this.status.phase = p;
  }

  condition(type: ConditionType, status: ConditionStatus, reason: string, message: string): void {
    const before = this.status.conditions?.find((c) => c.type === type);
    const { conditions } = setCondition(this.status.conditions, { type, status, reason, message, observedGeneration: this.generation }, this.now);
    this.status.conditions = conditions;
    if (!before || before.status !== status || before.reason !== reason) this.transitions.push({ type, status, reason, message, ...(before ? { previous: before.status } : {}) });
  }

  /** The draft as it is now, to go back to with {@link restore} (a decision made again from an earlier step). */
  save(): SavedDraft {
    return { status: cloneJson(this.status), transitions: this.transitions.length };
  }

  /** Goes back to a saved draft: its status, and the condition changes made until then. */
  restore(saved: SavedDraft): void {
    const status = this.status as Record<string, unknown>;
    for (const key of Object.keys(status)) delete status[key];
    Object.assign(status, cloneJson(saved.status));
    this.transitions.length = saved.transitions;
  }

  /** Condition changes made in this reconcile (for Events). */
  changes(): readonly ConditionChange[] {
    return this.transitions;
  }

  /**
   * Sets Ready, Reconciling and Stalled (kstatus) and the human message from the outcome of this reconcile.
   * `blocker` is the first step that did not finish.
   */
  summarize(blocker: Exclude<StepResult, { kind: 'done' }> | undefined, opts: { paused: boolean }): void {
    this.status.observedGeneration = this.generation;
    // The phase the conditions and the message name is written too: a migration held up by an always-step before the
    // walk reached a phase (a refused wallet user, a failed KMS preflight) is in Preparing, not without a phase
    // (`kubectl get` and the phase metric read status.phase).
    this.status.phase = this.phase;
    const completed = this.phase === 'Completed';
    if (opts.paused) {
      this.condition(CONDITION.Reconciling, 'False', 'Paused', 'spec.paused is true: no side effects until it is false');
      this.condition(CONDITION.Stalled, 'False', 'Paused', 'paused by the user');
      this.condition(CONDITION.Ready, completed ? 'True' : 'False', completed ? 'Completed' : 'Paused', completed ? 'the migration is complete' : 'the migration is paused');
      this.status.message = 'Paused: set spec.paused to false to continue.';
      this.reassert();
      return;
    }
    if (blocker?.kind === 'stalled') {
      this.condition(CONDITION.Stalled, 'True', blocker.reason, blocker.message);
      this.condition(CONDITION.Reconciling, 'False', blocker.reason, 'waiting for the problem above to be fixed');
    } else {
      this.condition(CONDITION.Stalled, 'False', 'NotStalled', 'nothing needs a human right now');
      if (completed) this.condition(CONDITION.Reconciling, 'False', 'Completed', 'the migration is complete');
      else this.condition(CONDITION.Reconciling, 'True', blocker?.kind === 'retry' ? blocker.reason : this.phase, blocker ? blocker.message : `phase ${this.phase}`);
    }
    this.condition(CONDITION.Ready, completed ? 'True' : 'False', completed ? 'Completed' : this.phase, completed ? 'the migration is complete' : `in phase ${this.phase}`);
    this.status.message = completed ? 'Completed.' : blocker ? `${this.phase}: ${blocker.message}` : `${this.phase}.`;
    this.reassert();
  }

  /**
   * Every condition is re-asserted at the current generation: a condition that turned True at an earlier generation
   * still holds now, and `kubectl wait --for=condition=X` compares observedGeneration with the object's generation.
   */
  private reassert(): void {
    for (const c of this.status.conditions ?? []) c.observedGeneration = this.generation;
  }
}
