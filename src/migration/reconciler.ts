/**
 * The SvKmsMigration reconciler: finalizer, then the steps that always hold (valid spec, KMS preflight, key Secrets,
 * rendered values), then the steps of the current phase and of each following phase until one has to wait. Each step
 * observes, decides (pure) and performs at most one effect; an effect that must not happen twice is preceded by a
 * checkpoint (the decision's status written first). Status is written once at the end, only when it changed, guarded
 * by the object's resourceVersion.
 */
import type { Outcome, ReconcileContext, Reconciler } from '../controller/controller.ts';
import type { EventType } from '../controller/events.ts';
import type { Phase, SvKmsMigration } from '../api/types.ts';
import { WORKFLOW_PHASES, type WorkflowPhase } from '../api/phases.ts';
import { cloneJson, jsonEqual } from '../util/json.ts';
import { CHANGE_REF_ANNOTATION, CONDITION, FINALIZER, HISTORY_LIMIT, MIGRATION_LABEL, RECONCILE_REQUESTED_ANNOTATION, MIGRATION_NAMESPACE_LABEL, ORPHANED_ANNOTATION, participantValuesConfigMapName, svNodeValuesConfigMapName } from './meta.ts';
import type { MigrationDeps } from './ports.ts';
import { StatusDraft, type SavedDraft, type StepResult } from './status-draft.ts';
import type { Effect, EventNote } from './decision.ts';
import { bindStep, type ActContext, type BoundStep, type Facts, type ObserveContext, type StepDecision } from './step.ts';
import { effectFailure } from './steps/network-errors.ts';
import { specStep } from './steps/spec.ts';
import { versionStep } from './steps/version.ts';
import { preflightStep } from './steps/preflight.ts';
import { accessStep } from './steps/access.ts';
import { keySecretStep } from './steps/keys.ts';
import { valuesStep } from './steps/values.ts';
import { onboardingInfoStep } from './steps/onboarding-info.ts';
import { deploymentStep } from './steps/deployment.ts';
import { kmsKeysStep } from './steps/kms-keys.ts';
import { dsoStep } from './steps/dso.ts';
import { onboardingStep } from './steps/onboarding.ts';
import { weightStep } from './steps/weight.ts';
import { assetsStep, sweepStep } from './steps/assets.ts';
import { offboardingStep } from './steps/offboarding.ts';
import { retirementStep } from './steps/retirement.ts';
import { governanceInfoStep } from './steps/governance-info.ts';

/** Steps that hold in every phase: they keep the spec checked, the keys guarded and the values current. */
const ALWAYS: BoundStep[] = [
  bindStep(specStep),
  bindStep(versionStep),
  bindStep(preflightStep),
  bindStep(accessStep),
  bindStep(keySecretStep('governance')),
  bindStep(keySecretStep('identity')),
  bindStep(valuesStep),
  bindStep(onboardingInfoStep),
];

/** The steps that must be done in each phase before the next one starts; the order is WORKFLOW_PHASES. */
const PHASE_STEPS: Record<WorkflowPhase, BoundStep[]> = {
  Preparing: [bindStep(governanceInfoStep('onboarding'))],
  AwaitingDeployment: [bindStep(deploymentStep), bindStep(kmsKeysStep)],
  AwaitingOnboarding: [bindStep(dsoStep), bindStep(governanceInfoStep('onboarding')), bindStep(onboardingStep)],
  TransferringWeight: [bindStep(dsoStep), bindStep(governanceInfoStep('weightTransfer')), bindStep(weightStep)],
  TransferringAssets: [bindStep(dsoStep), bindStep(assetsStep)],
  Offboarding: [bindStep(dsoStep), bindStep(governanceInfoStep('offboarding')), bindStep(offboardingStep)],
  Retiring: [bindStep(dsoStep), bindStep(sweepStep), bindStep(retirementStep)],
  Completed: [],
};

/** The phases in order with their steps (for tests and tools). */
export const PHASES: readonly { phase: WorkflowPhase; steps: readonly BoundStep[] }[] = WORKFLOW_PHASES.map((phase) => ({ phase, steps: PHASE_STEPS[phase] }));

/** Retry delay after a status write lost a race (the cache catches up first). */
export const CONFLICT_RETRY_MS = 250;

export class TransientStepError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'TransientStepError';
    this.reason = reason;
  }
}

type Blocker = Exclude<StepResult, { kind: 'done' }>;

/** How a run of the steps ended. */
type RunEnd = { kind: 'finished'; blocker?: Blocker } | { kind: 'conflict' } | { kind: 'aborted' };

export class MigrationReconciler implements Reconciler<SvKmsMigration> {
  private readonly deps: MigrationDeps;

  constructor(deps: MigrationDeps) {
    this.deps = deps;
  }

  async reconcile(m: SvKmsMigration, ctx: ReconcileContext): Promise<Outcome> {
    if (m.metadata.deletionTimestamp) return this.finalize(m, ctx);
    if (!m.metadata.finalizers?.includes(FINALIZER)) {
      // First, so that a deletion always passes through finalize; the update re-triggers this reconcile.
      await this.deps.actions.addFinalizer(m, FINALIZER);
      return {};
    }
    const now = ctx.now();
    const draft = new StatusDraft(m, now);
    const writer = new StatusWriter(this.deps, m);
    const phaseBefore = draft.phase;
    const paused = m.spec.paused === true;
    const notes: EventNote[] = [];
    const end: RunEnd = paused ? { kind: 'finished' } : await this.runSteps(m, draft, writer, ctx, now, notes);
    if (end.kind === 'conflict') return { requeueAfterMs: CONFLICT_RETRY_MS };
    if (end.kind === 'aborted' || ctx.signal.aborted) return {};
    const blocker = end.blocker;
    draft.summarize(blocker, { paused });

    if (!jsonEqual(m.status ?? {}, draft.status)) {
      if (!(await writer.write(draft))) return { requeueAfterMs: CONFLICT_RETRY_MS };
      await this.announce(m, draft, phaseBefore, blocker, notes);
    }
    if (blocker?.kind === 'retry') throw new TransientStepError(blocker.reason, blocker.message);
    if (blocker?.kind === 'stalled') return { requeueAfterMs: blocker.requeueAfterMs ?? this.deps.timing.stalledRecheckMs };
    return blocker?.requeueAfterMs !== undefined ? { requeueAfterMs: blocker.requeueAfterMs } : {};
  }

  /**
   * Runs the always-steps, then phase after phase until a step does not finish. A checkpointed effect (a vote request,
   * a transfer, a scale-down: what must not happen twice) is made only if the same effect is decided again on fresh
   * reads of the network (see {@link recheck}): observations may come from reads shared with other migrations, up to a
   * poll interval old.
   */
  private async runSteps(m: SvKmsMigration, draft: StatusDraft, writer: StatusWriter, ctx: ReconcileContext, now: Date, notes: EventNote[]): Promise<RunEnd> {
    const facts = initialFacts(m, draft);
    const places = walkFrom(draft.phase);
    const base = { m, generation: draft.generation, now, timing: this.deps.timing, deps: this.deps, signal: ctx.signal, log: ctx.log, facts };
    const actCtx: ActContext = { m, deps: this.deps, signal: ctx.signal, log: ctx.log, now };
    /** The step that established this reconcile's DSO facts, and the reconcile as it was just before it. */
    let network: Mark | undefined;
    const save = (at: number): Mark => ({ at, draft: draft.save(), facts: { ...facts }, notes: notes.length });

    /**
     * Decides again, on fresh network reads, from the step that established the DSO facts (or the acting step itself)
     * to the acting step `at`: nothing is acted on while doing so. `same`: the acting step asks for the same effect
     * again (its fresh decision replaces the first one). Otherwise the fresh decisions stand in the draft, and `end`
     * says how the reconcile goes on (undefined: on to the next step, the fresh decision found nothing to do).
     */
    const recheck = async (from: Mark, at: number, effect: unknown): Promise<Recheck> => {
      draft.restore(from.draft);
      for (const key of Object.keys(facts) as (keyof Facts)[]) delete facts[key];
      Object.assign(facts, from.facts);
      notes.length = from.notes;
      const fresh = { ...base, deps: { ...this.deps, splice: this.deps.splice.fresh() } };
      for (let i = from.at; i <= at; i++) {
        if (ctx.signal.aborted) return { kind: 'other', end: { kind: 'aborted' } };
        const place = places[i]!;
        if (place.phase) draft.phase = place.phase;
        const again = await place.step.run({ ...fresh, status: draft.status });
        if (i === at && again.act && again.decision.act && sameEffect(again.decision.act.effect, effect)) return { kind: 'same', decision: again.decision, act: again.act };
        apply(draft, facts, again.decision, notes);
        const { outcome } = again.decision;
        if (again.decision.act) {
          // Another effect than the one decided on shared reads: none this time; the next reconcile decides again.
          const blocker: Blocker = outcome.kind === 'done' ? { kind: 'wait', message: again.decision.act.describe, requeueAfterMs: this.deps.timing.networkPollMs } : outcome;
          return { kind: 'other', end: { kind: 'finished', blocker } };
        }
        if (outcome.kind !== 'done') return { kind: 'other', end: { kind: 'finished', blocker: outcome } };
      }
      // The acting step is done after all (e.g. the network shows the effect already): the walk goes on from it.
      return { kind: 'other', end: undefined };
    };

    const runOne = async (step: BoundStep, at: number): Promise<RunEnd | undefined> => {
      if (ctx.signal.aborted) return { kind: 'aborted' };
      const observeCtx: ObserveContext = { ...base, status: draft.status };
      let { decision, act } = await step.run(observeCtx);
      // Observing and deciding leave the draft as it was: saved now, it is the reconcile just before this step.
      if (decision.facts?.dso && !network) network = save(at);
      if (act && decision.act?.checkpoint) {
        const again = await recheck(network ?? save(at), at, decision.act.effect);
        if (again.kind === 'other') return again.end;
        ({ decision, act } = again);
      }
      apply(draft, facts, decision, notes);
      if (act && decision.act) {
        if (decision.act.checkpoint) {
          draft.summarize({ kind: 'wait', message: decision.act.describe }, { paused: false });
          if (ctx.signal.aborted) return { kind: 'aborted' };
          if (!(await writer.write(draft))) return { kind: 'conflict' };
        }
        if (ctx.signal.aborted) return { kind: 'aborted' };
        try {
          const made = await act(actCtx);
          if (made !== false && decision.act.history) record(draft, m, now, decision.act.history);
        } catch (err) {
          const failed = effectFailure(err, decision.act.describe, this.deps.timing.networkPollMs);
          if (failed.kind === 'stalled' && step.condition) draft.condition(step.condition, 'False', failed.reason, failed.message);
          return { kind: 'finished', blocker: failed };
        }
      }
      return decision.outcome.kind === 'done' ? undefined : { kind: 'finished', blocker: decision.outcome };
    };
    return walkSteps(draft, runOne, places);
  }

  /**
   * The Events of a reconcile: the steps' own (keys generated, the announcement, votes closing short), one per phase
   * change, and one per domain condition change that is news — every failure (Warning), every wait and every change
   * of reason, and a condition that became True after being False or Unknown. A check that passes the first time it
   * is made (the spec valid, the preflight passed, a key adopted, the values rendered) gets none: the status shows it,
   * and a first pass through Preparing would otherwise write an Event per check. Stalled=True is a Warning.
   */
  private async announce(m: SvKmsMigration, draft: StatusDraft, phaseBefore: Phase, blocker: StepResult | undefined, notes: readonly EventNote[]): Promise<void> {
    const events: [EventType, string, string][] = notes.map((n) => [n.type, n.reason, n.message]);
    if (draft.phase !== phaseBefore) events.push(['Normal', 'PhaseChanged', `${phaseBefore} → ${draft.phase}`]);
    for (const c of draft.changes()) {
      if (c.type === CONDITION.Ready || c.type === CONDITION.Reconciling) continue;
      if (c.type === CONDITION.Stalled) {
        if (c.status === 'True') events.push(['Warning', c.reason, c.message]);
        continue;
      }
      const failing = c.status !== 'True' && blocker !== undefined && blocker.kind !== 'wait' && 'reason' in blocker && blocker.reason === c.reason;
      if (!failing && c.status === 'True' && c.previous === undefined) continue;
      events.push([failing ? 'Warning' : 'Normal', c.reason, `${c.type}=${c.status}: ${c.message}`]);
    }
    // Independent writes that never fail the reconcile: sent together, not one round trip after another.
    await Promise.all(events.map(([type, reason, message]) => this.deps.event(m, type, reason, message)));
  }

  /**
   * The migration is being deleted: everything it created stays (keys above all). The finalizer only marks the objects
   * it made as belonging to a deleted migration, and records that in an Event.
   */
  private async finalize(m: SvKmsMigration, ctx: ReconcileContext): Promise<Outcome> {
    if (!m.metadata.finalizers?.includes(FINALIZER)) return {};
    const ns = m.spec.newSv.namespace;
    const mark = { [ORPHANED_ANNOTATION]: `${m.metadata.namespace}/${m.metadata.name}` };
    const ours = (labels: Record<string, string> | undefined) => labels?.[MIGRATION_LABEL] === m.metadata.name && labels?.[MIGRATION_NAMESPACE_LABEL] === m.metadata.namespace;
    const kept: string[] = [];
    for (const name of [m.spec.newSv.governanceKey.secretName, m.spec.newSv.identityKey.secretName]) {
      const s = await this.deps.cluster.secret(ns, name);
      if (s && ours(s.metadata?.labels)) {
        if (s.metadata?.annotations?.[ORPHANED_ANNOTATION] === undefined) await this.deps.actions.annotate('Secret', ns, name, mark);
        kept.push(`Secret ${ns}/${name}`);
      }
    }
    for (const name of [participantValuesConfigMapName(m), svNodeValuesConfigMapName(m)]) {
      const cm = await this.deps.cluster.configMap(ns, name);
      if (cm && ours(cm.metadata?.labels)) {
        if (cm.metadata?.annotations?.[ORPHANED_ANNOTATION] === undefined) await this.deps.actions.annotate('ConfigMap', ns, name, mark);
        kept.push(`ConfigMap ${ns}/${name}`);
      }
    }
    await this.deps.event(m, 'Normal', 'MigrationDeleted', `the migration is deleted; kept ${kept.join(', ') || 'nothing (nothing was created)'} and the network state as they are`);
    ctx.log.info({ kept }, 'finalized; removing the finalizer');
    await this.deps.actions.removeFinalizer(m, FINALIZER);
    return {};
  }
}

/** What deciding again on fresh reads found: the same effect (with its fresh decision), or how the reconcile goes on. */
type Recheck = { kind: 'same'; decision: StepDecision<unknown>; act: (ctx: ActContext) => Promise<void | boolean> } | { kind: 'other'; end: RunEnd | undefined };

/** Where a re-check starts: a step's index in the walk, and the reconcile's draft, facts and Events just before it. */
interface Mark {
  at: number;
  draft: SavedDraft;
  facts: Facts;
  notes: number;
}

/** Two effects are the same when their data are (as JSON: a date by its time). */
export function sameEffect(a: unknown, b: unknown): boolean {
  return jsonEqual(cloneJson(a), cloneJson(b));
}

/** Adds a side effect to status.history (bounded), with the change that approved the spec, when annotated. */
function record(draft: StatusDraft, m: SvKmsMigration, now: Date, entry: NonNullable<Effect<unknown>['history']>): void {
  const change = m.metadata.annotations?.[CHANGE_REF_ANNOTATION];
  const history = [...(draft.status.history ?? []), { time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), ...entry, generation: draft.generation, ...(change ? { change } : {}) }];
  draft.status.history = history.slice(-HISTORY_LIMIT);
}

/** One place in a reconcile's walk: a step, and the phase it belongs to (none for the always-steps). */
export interface Place {
  step: BoundStep;
  phase?: WorkflowPhase;
}

/** The walk of a reconcile that starts in `phase`: the always-steps, then the steps of that phase and of each following one. */
export function walkFrom(phase: Phase): Place[] {
  const start = Math.max(WORKFLOW_PHASES.indexOf(phase as WorkflowPhase), 0);
  return [...ALWAYS.map((step) => ({ step })), ...WORKFLOW_PHASES.slice(start).flatMap((p) => PHASE_STEPS[p].map((step) => ({ step, phase: p })))];
}

/**
 * Walks the steps in order — the always-steps, then the steps of the current phase and of each following one — until
 * `visit` ends the walk; `draft.phase` follows the walk (Completed once every step is done). Shared by the reconciler
 * and the planner; `visit` gets each step's index in `places`.
 */
export async function walkSteps<End>(draft: StatusDraft, visit: (step: BoundStep, at: number) => Promise<End | undefined>, places: readonly Place[] = walkFrom(draft.phase)): Promise<End | { kind: 'finished' }> {
  for (const [at, place] of places.entries()) {
    if (place.phase) draft.phase = place.phase;
    const end = await visit(place.step, at);
    if (end) return end;
  }
  draft.phase = WORKFLOW_PHASES[WORKFLOW_PHASES.length - 1]!;
  return { kind: 'finished' };
}

/** The facts a reconcile starts from: a new reconcile request redoes every cached check (acknowledged in status). */
export function initialFacts(m: SvKmsMigration, draft: StatusDraft): Facts {
  const requested = m.metadata.annotations?.[RECONCILE_REQUESTED_ANNOTATION];
  const facts: Facts = requested !== undefined && requested !== draft.status.lastHandledReconcileAt ? { recheck: true } : {};
  if (requested !== undefined) draft.status.lastHandledReconcileAt = requested;
  return facts;
}

/** Applies a decision to the draft: its conditions, its status fields, its facts. */
export function apply(draft: StatusDraft, facts: Facts, decision: StepDecision<unknown>, events: EventNote[]): void {
  for (const c of decision.conditions ?? []) draft.condition(c.type, c.status, c.reason, c.message);
  for (const [key, value] of Object.entries(decision.status ?? {})) {
    const field = key as keyof typeof draft.status;
    if (value === undefined) delete draft.status[field];
    else (draft.status as Record<string, unknown>)[field] = cloneJson(value);
  }
  if (decision.facts) Object.assign(facts, decision.facts);
  events.push(...(decision.events ?? []));
}

/** Writes status guarded by the resourceVersion it last saw, moving it on after each write (checkpoints). */
class StatusWriter {
  private current: SvKmsMigration;
  private readonly deps: MigrationDeps;

  constructor(deps: MigrationDeps, m: SvKmsMigration) {
    this.deps = deps;
    this.current = m;
  }

  /** False on a conflict: the object changed meanwhile and the reconcile must start over from fresh state. */
  async write(draft: StatusDraft): Promise<boolean> {
    if (jsonEqual(this.current.status ?? {}, draft.status)) return true;
    const rv = await this.deps.actions.writeStatus(this.current, draft.status);
    if (rv === undefined) return false;
    this.current = { ...this.current, metadata: { ...this.current.metadata, resourceVersion: rv }, status: cloneJson(draft.status) };
    return true;
  }
}
