/**
 * The shape of one workflow step (STYLE §1): `observe` reads through the ports and writes nothing; `decide` is a pure
 * function of the spec, the status built so far, the observations and the time, returning a {@link Decision}; `act`
 * performs the one side effect the decision asked for (after a write-ahead checkpoint when the decision says so).
 *
 * # Guarantees
 * - `decide` never touches a port, so every decision is tested in tables with no cluster and no network.
 * - A reconcile performs at most one effect: after `act` the reconcile ends and the next one observes its result.
 */
import type { Logger } from 'pino';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import type { Decision } from './decision.ts';
import type { ResolvedSpliceVersion } from '../render/versions.ts';
import type { ConditionType } from './meta.ts';
import type { MigrationDeps, Timing } from './ports.ts';

/** What the network agreed on, as far as the workflow needs it (read once per reconcile). */
export interface DsoFacts {
  newSv: { partyId: string; weight: number } | null;
  oldSv: { partyId: string; weight: number } | null;
  oldSvOffboarded: boolean;
  votingThreshold: number;
  /** Names of the SVs (DsoRules.svs), to tell who has not voted. */
  svNames: string[];
  /** The DSO rules keep reward weight with on-ledger SV right owners (announced upstream), not on the SV entries. */
  svRightOwners: boolean;
}

/** Facts established by earlier steps of the same reconcile. */
export interface Facts {
  dso?: DsoFacts;
  /** The user asked for every cached check to be redone (svkms.dev/reconcile-requested-at changed). */
  recheck?: boolean;
  /** The Splice version the values are rendered for (set by the version step, before the values). */
  version?: ResolvedSpliceVersion;
}

/** Everything a decision may depend on. */
export interface DecideInput {
  m: SvKmsMigration;
  /** The status as the steps before this one left it (read-only). */
  status: Readonly<SvKmsMigrationStatus>;
  /** metadata.generation of the object being reconciled. */
  generation: number;
  now: Date;
  timing: Timing;
  facts: Readonly<Facts>;
}

/** What observing may use: the ports, and the same inputs as the decision. */
export interface ObserveContext extends DecideInput {
  deps: MigrationDeps;
  signal: AbortSignal;
  log: Logger;
}

/** What acting may use. */
export interface ActContext {
  m: SvKmsMigration;
  deps: MigrationDeps;
  signal: AbortSignal;
  log: Logger;
  now: Date;
}

/** A decision that may also establish facts for the steps after it. */
export type StepDecision<E> = Decision<E> & { facts?: Facts };

export interface Step<O = unknown, E = never> {
  /** For logs and tests. */
  readonly name: string;
  /** The condition a failed effect is reported on. */
  readonly condition?: ConditionType;
  observe(ctx: ObserveContext): Promise<O>;
  decide(input: DecideInput, observed: O): StepDecision<E>;
  /** The one effect; throws on failure. Resolves false when there was nothing to do after all (not recorded). */
  act?(effect: E, ctx: ActContext): Promise<void | boolean>;
}

/** A failure while observing, kept as data for `decide` (which maps it to a result). */
export type Observed<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs a read; a thrown error becomes data. */
export async function observed<T>(read: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A step with no observation of its own. */
export const NOTHING_TO_OBSERVE = (): Promise<undefined> => Promise.resolve(undefined);

/**
 * A step with its types closed over, as the phase table holds it: `run` observes, decides and returns the decision
 * with the act bound to its effect.
 */
export interface BoundStep {
  readonly name: string;
  readonly condition?: ConditionType;
  run(ctx: ObserveContext): Promise<{ decision: StepDecision<unknown>; act?: (ctx: ActContext) => Promise<void | boolean> }>;
}

/** Binds a step's observation and effect types. */
export function bindStep<O, E>(step: Step<O, E>): BoundStep {
  return {
    name: step.name,
    ...(step.condition ? { condition: step.condition } : {}),
    async run(ctx) {
      const decision = step.decide(ctx, await step.observe(ctx));
      const act = decision.act && step.act?.bind(step);
      if (!decision.act || !act) return { decision };
      const effect = decision.act.effect;
      return { decision, act: (actCtx) => act(effect, actCtx) };
    },
  };
}
