/**
 * How the workflow's decision tables state what a decision must be: the outcome, the condition it sets (type, status,
 * reason, message) and the effect it asks for.
 */
import { expect } from '@jest/globals';
import type { StepDecision } from '../../src/migration/step.ts';

export interface ExpectedDecision {
  outcome: string;
  condition?: string;
  reason?: string;
  status?: string;
  message?: RegExp;
  /** The effect's kind, or null for none. */
  effect?: string | null;
}

export function expectDecision(d: StepDecision<{ kind: string }>, e: ExpectedDecision): void {
  expect(d.outcome.kind).toBe(e.outcome);
  if (e.condition) {
    const c = d.conditions?.find((x) => x.type === e.condition);
    expect(c).toBeDefined();
    if (e.reason) expect(c?.reason).toBe(e.reason);
    if (e.status) expect(c?.status).toBe(e.status);
    if (e.message) expect(c?.message).toMatch(e.message);
  } else if (e.reason) {
    expect('reason' in d.outcome ? d.outcome.reason : undefined).toBe(e.reason);
  }
  if (e.effect !== undefined) expect(d.act?.effect.kind ?? null).toBe(e.effect);
}
