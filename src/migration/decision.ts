/**
 * What a step decides, as data: the status it wants (conditions and top-level fields), how the reconcile goes on
 * (done, wait, stalled, retry) and at most one side effect. `decide` functions return these and nothing else, so they
 * are tested in tables without any port.
 */
import type { SvKmsMigrationStatus } from '../api/types.ts';
import type { ConditionType } from './meta.ts';
import type { ConditionStatus, StepResult } from './status-draft.ts';

/** A condition the step asserts. */
export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Top-level status fields a step replaces (each step owns its fields). */
export type StatusPatch = Partial<Omit<SvKmsMigrationStatus, 'conditions' | 'phase' | 'message' | 'observedGeneration'>>;

/**
 * The one side effect a decision asks for. `checkpoint`: the decision's status is written before the effect (a
 * write-ahead record for effects that are not idempotent on their own: votes, transfers, scale-downs), so a crash
 * after the effect cannot make it happen twice.
 */
export interface Effect<E> {
  effect: E;
  checkpoint: boolean;
  /** How the effect is recorded in status.history once made (effects that are not bookkeeping, e.g. a vote request). */
  history?: { effect: 'VoteRequested' | 'TransferSent' | 'TransferAccepted' | 'ScaledDown' | 'KeyGenerated'; id: string };
  /** What the operator is about to do, for status.message while the checkpoint is written. */
  describe: string;
}

/** A Kubernetes Event the decision asks for (sent with the status write of the reconcile). */
export interface EventNote {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Decision<E = never> {
  outcome: StepResult;
  conditions?: ConditionUpdate[];
  /** Top-level fields to replace; a field set to undefined is removed. */
  status?: StatusPatch;
  act?: Effect<E>;
  events?: EventNote[];
}

/** A decision that asserts one condition and reports `outcome`. */
export function decision<E = never>(outcome: StepResult, condition?: ConditionUpdate, status?: StatusPatch, act?: Effect<E>): Decision<E> {
  return { outcome, ...(condition ? { conditions: [condition] } : {}), ...(status ? { status } : {}), ...(act ? { act } : {}) };
}

/** Stalled until a human acts, with `type` False for the same reason. */
export function stalledOn<E = never>(type: ConditionType, reason: string, message: string, requeueAfterMs?: number, status?: StatusPatch): Decision<E> {
  return decision<E>({ kind: 'stalled', reason, message, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) }, { type, status: 'False', reason, message }, status);
}

/** Waiting for the world, with `type` False for `reason`. */
export function waitingOn<E = never>(type: ConditionType, reason: string, message: string, requeueAfterMs?: number, status?: StatusPatch): Decision<E> {
  return decision<E>({ kind: 'wait', message, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) }, { type, status: 'False', reason, message }, status);
}

/** Done, with `type` True for `reason`. */
export function doneWith<E = never>(type: ConditionType, reason: string, message: string, status?: StatusPatch): Decision<E> {
  return decision<E>({ kind: 'done' }, { type, status: 'True', reason, message }, status);
}

/**
 * A step result for the condition `type`: a stalled result also sets the condition False, a retry sets it Unknown;
 * a wait leaves it to the caller.
 */
export function fromResult<E = never>(type: ConditionType, result: StepResult, status?: StatusPatch): Decision<E> {
  if (result.kind === 'stalled') return decision<E>(result, { type, status: 'False', reason: result.reason, message: result.message }, status);
  if (result.kind === 'retry') return decision<E>(result, { type, status: 'Unknown', reason: result.reason, message: result.message }, status);
  return decision<E>(result, undefined, status);
}
