/**
 * metav1.Condition handling, as apimachinery's meta.SetStatusCondition: lastTransitionTime changes only when the
 * status flips; reason, message and observedGeneration are always updated.
 */

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/** Returns the new list and whether anything changed. The input list is not modified. */
export function setCondition(conditions: readonly Condition[] | undefined, next: ConditionInput, now: Date): { conditions: Condition[]; changed: boolean } {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const existing = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = existing && existing.status === next.status ? existing.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const merged: Condition = { ...next, lastTransitionTime };
  const changed =
    !existing ||
    existing.status !== merged.status ||
    existing.reason !== merged.reason ||
    existing.message !== merged.message ||
    existing.observedGeneration !== merged.observedGeneration;
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return { conditions: list, changed };
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}
