/**
 * The SvKmsMigration reconciler: finalizer, then the steps that always hold (valid spec, KMS preflight, key Secrets,
 * rendered values), then the steps of the current phase and of each following phase until one has to wait. Status is
 * written once at the end, only when it changed, guarded by the object's resourceVersion.
 */
import type { Outcome, ReconcileContext, Reconciler } from '../controller/controller.ts';
import type { EventType } from '../controller/events.ts';
import type { Phase, SvKmsMigration } from '../api/types.ts';
import { cloneJson, jsonEqual } from '../util/json.ts';
import { CONDITION, FINALIZER, MIGRATION_LABEL, MIGRATION_NAMESPACE_LABEL, ORPHANED_ANNOTATION, participantValuesConfigMapName, svNodeValuesConfigMapName } from './meta.ts';
import type { MigrationDeps } from './ports.ts';
import { StatusDraft, type StepResult } from './status-draft.ts';
import type { Step, StepContext } from './step.ts';
import { checkSpec } from './steps/spec.ts';
import { kmsPreflight } from './steps/preflight.ts';
import { keySecretStep } from './steps/keys.ts';
import { renderValues } from './steps/values.ts';
import { publishOnboardingInfo } from './steps/onboarding-info.ts';
import { observeDeployment } from './steps/deployment.ts';
import { observeKmsKeys } from './steps/kms-keys.ts';
import { observeDso } from './steps/dso.ts';
import { awaitOnboarding } from './steps/onboarding.ts';
import { transferWeight } from './steps/weight.ts';
import { transferAssets } from './steps/assets.ts';
import { offboardOldSv } from './steps/offboarding.ts';
import { retireOldSv } from './steps/retirement.ts';

/** Steps that hold in every phase: they keep the spec checked, the keys guarded and the values current. */
const ALWAYS: Step[] = [checkSpec, kmsPreflight, keySecretStep('governance'), keySecretStep('identity'), renderValues, publishOnboardingInfo];

/** The phases in order, each with the steps that must be done before the next phase starts. */
export const PHASES: { phase: Phase; steps: Step[] }[] = [
  { phase: 'Preparing', steps: [] },
  { phase: 'AwaitingDeployment', steps: [observeDeployment, observeKmsKeys] },
  { phase: 'AwaitingOnboarding', steps: [observeDso, awaitOnboarding] },
  { phase: 'TransferringWeight', steps: [observeDso, transferWeight] },
  { phase: 'TransferringAssets', steps: [observeDso, transferAssets] },
  { phase: 'Offboarding', steps: [observeDso, offboardOldSv] },
  { phase: 'Retiring', steps: [observeDso, retireOldSv] },
  { phase: 'Completed', steps: [] },
];

/** Retry delay after a status write lost a race (the cache catches up first). */
const CONFLICT_RETRY_MS = 250;

export class TransientStepError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'TransientStepError';
    this.reason = reason;
  }
}

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
    const draft = new StatusDraft(m, ctx.now());
    // The object as last written: checkpoints move its resourceVersion on.
    let current: SvKmsMigration = m;
    let lost = false;
    const write = async (): Promise<boolean> => {
      const rv = await this.deps.actions.writeStatus(current, draft.status);
      if (rv === undefined) {
        lost = true;
        return false;
      }
      current = { ...current, metadata: { ...current.metadata, resourceVersion: rv }, status: cloneJson(draft.status) };
      return true;
    };
    const stepCtx: StepContext = {
      m,
      deps: this.deps,
      draft,
      log: ctx.log,
      signal: ctx.signal,
      checkpoint: () => (ctx.signal.aborted ? Promise.resolve(false) : write()),
      facts: {},
    };
    const paused = m.spec.paused;
    const phaseBefore = draft.phase;
    let blocker: Exclude<StepResult, { kind: 'done' }> | undefined;
    if (!paused) blocker = await this.runSteps(stepCtx);
    if (lost) return { requeueAfterMs: CONFLICT_RETRY_MS };
    draft.summarize(blocker, { paused });
    if (ctx.signal.aborted) return {};

    if (!jsonEqual(m.status ?? {}, draft.status)) {
      if (!jsonEqual(current.status ?? {}, draft.status) && !(await write())) return { requeueAfterMs: CONFLICT_RETRY_MS };
      await this.announce(m, draft, phaseBefore, blocker);
    }
    if (blocker?.kind === 'retry') throw new TransientStepError(blocker.reason, blocker.message);
    if (blocker?.kind === 'stalled') return { requeueAfterMs: blocker.requeueAfterMs ?? this.deps.timing.stalledRecheckMs };
    return blocker?.requeueAfterMs !== undefined ? { requeueAfterMs: blocker.requeueAfterMs } : {};
  }

  /** Runs the always-steps, then phase after phase until a step does not finish. */
  private async runSteps(ctx: StepContext): Promise<Exclude<StepResult, { kind: 'done' }> | undefined> {
    for (const step of ALWAYS) {
      if (ctx.signal.aborted) return undefined;
      const r = await step(ctx);
      if (r.kind !== 'done') return r;
    }
    for (let i = PHASES.findIndex((p) => p.phase === ctx.draft.phase); i >= 0 && i < PHASES.length; i++) {
      ctx.draft.phase = PHASES[i]!.phase;
      for (const step of PHASES[i]!.steps) {
        if (ctx.signal.aborted) return undefined;
        const r = await step(ctx);
        if (r.kind !== 'done') return r;
      }
      if (i + 1 < PHASES.length) ctx.draft.phase = PHASES[i + 1]!.phase;
    }
    return undefined;
  }

  /** One Event per phase change and per changed domain condition; Stalled as a Warning. */
  private async announce(m: SvKmsMigration, draft: StatusDraft, phaseBefore: Phase, blocker: StepResult | undefined): Promise<void> {
    const events: [EventType, string, string][] = [];
    if (draft.phase !== phaseBefore) events.push(['Normal', 'PhaseChanged', `${phaseBefore} → ${draft.phase}`]);
    for (const c of draft.changes()) {
      if (c.type === CONDITION.Ready || c.type === CONDITION.Reconciling) continue;
      if (c.type === CONDITION.Stalled) {
        if (c.status === 'True') events.push(['Warning', c.reason, c.message]);
        continue;
      }
      const failing = c.status !== 'True' && blocker !== undefined && blocker.kind !== 'wait' && 'reason' in blocker && blocker.reason === c.reason;
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
