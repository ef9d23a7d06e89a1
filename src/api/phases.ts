/**
 * The phases of a hand-over, in order: the one list from which the CRD's `status.phase` enum, the reconciler's phase
 * table and the benchmark's progress tracking derive.
 */
export const WORKFLOW_PHASES = ['Preparing', 'AwaitingDeployment', 'AwaitingOnboarding', 'TransferringWeight', 'TransferringAssets', 'Offboarding', 'Retiring', 'Completed'] as const;

/** Every value `status.phase` may hold: the workflow's phases, and `Failed` (reserved; the operator stalls instead). */
export const STATUS_PHASES = [...WORKFLOW_PHASES, 'Failed'] as const;

export type WorkflowPhase = (typeof WORKFLOW_PHASES)[number];

/** Phases after `phase` in workflow order. */
export function phasesAfter(phase: WorkflowPhase): readonly WorkflowPhase[] {
  return WORKFLOW_PHASES.slice(WORKFLOW_PHASES.indexOf(phase) + 1);
}
