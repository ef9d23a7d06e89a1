/**
 * OldSvRetired: once spec.workflow.retirement.approved, the old SV's Deployments and StatefulSets in
 * spec.oldSv.namespace (those matching oldSv.workloadSelector) are scaled to zero. Nothing is deleted: the old SV's
 * data, keys and releases stay, and scaling back up is `kubectl scale`. Each workload and its former replica count are
 * recorded in status before it is scaled.
 */
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { decision, doneWith, stalledOn, waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';

export type Workload = V1Deployment | V1StatefulSet;

export function kindOf(w: Workload): 'Deployment' | 'StatefulSet' {
  return (w as { kind?: string }).kind === 'StatefulSet' ? 'StatefulSet' : 'Deployment';
}

export interface RetirementObservation {
  workloads: Workload[];
}

/** Scale these workloads of the old SV to zero (their former replicas are recorded first). */
export interface ScaleDown {
  kind: 'scaleDown';
  namespace: string;
  workloads: { kind: 'Deployment' | 'StatefulSet'; name: string; replicas: number }[];
}

/** How soon to look again while workloads scale down (their watch events usually come first). */
const SCALING_RECHECK_MS = 1000;

export function decideRetirement({ m, status, facts, timing }: DecideInput, { workloads }: RetirementObservation): StepDecision<ScaleDown> {
  const gate = m.spec.workflow.retirement;
  const namespace = m.spec.oldSv.namespace;
  if (!gate.approved) {
    return waitingOn(CONDITION.OldSvRetired, 'AwaitingApproval', `the old SV is offboarded; set spec.workflow.retirement.approved to true to scale its workloads${namespace ? ` in ${namespace}` : ''} to zero`);
  }
  if (!namespace) {
    return stalledOn(
      CONDITION.OldSvRetired,
      'OldSvNamespaceUnknown',
      'spec.oldSv.namespace is not set: the operator cannot tell where the old SV runs; set it, or retire the old SV yourself and set it to an empty namespace you own',
    );
  }
  if (!facts.dso?.oldSvOffboarded || facts.dso.oldSv) {
    // Never take down an SV the network still counts on.
    return waitingOn(CONDITION.OldSvRetired, 'OldSvStillAnSv', `the Scans do not show ${m.spec.oldSv.name} offboarded; it is not retired while it is still an SV`, timing.networkPollMs);
  }
  const running = workloads.filter((w) => (w.spec?.replicas ?? 1) > 0);
  const stillUp = workloads.filter((w) => (w.spec?.replicas ?? 1) > 0 || (w.status?.replicas ?? 0) > 0);
  if (running.length === 0 && stillUp.length === 0) {
    return doneWith(CONDITION.OldSvRetired, 'ScaledToZero', `the old SV's ${workloads.length} workload(s) in ${namespace} run no replicas; nothing was deleted`);
  }
  const message = `scaling the old SV down: ${stillUp.map((w) => `${kindOf(w)}/${w.metadata?.name}`).join(', ')} still running`;
  const waiting = waitingOn<ScaleDown>(CONDITION.OldSvRetired, 'ScalingDown', message, running.length > 0 ? SCALING_RECHECK_MS : timing.deploymentRecheckMs);
  if (running.length === 0) return waiting;
  const recorded = status.retirement?.scaled ?? [];
  const toRecord = running.map((w) => `${kindOf(w)}/${w.metadata!.name}=${w.spec?.replicas ?? 1}`).filter((r) => !recorded.some((s) => s.startsWith(`${r.split('=')[0]}=`)));
  return {
    ...decision<ScaleDown>(waiting.outcome, waiting.conditions?.[0], toRecord.length ? { retirement: { ...status.retirement, scaled: [...recorded, ...toRecord] } } : undefined),
    act: {
      effect: { kind: 'scaleDown', namespace, workloads: running.map((w) => ({ kind: kindOf(w), name: w.metadata!.name!, replicas: w.spec?.replicas ?? 1 })) },
      checkpoint: true,
      describe: `scaling ${running.map((w) => `${kindOf(w)}/${w.metadata?.name}`).join(', ')} in ${namespace} to zero`,
      history: { effect: 'ScaledDown', id: running.map((w) => `${namespace}/${kindOf(w)}/${w.metadata?.name}`).join(', ') },
    },
  };
}

export const retirementStep: Step<RetirementObservation, ScaleDown> = {
  name: 'retirement',
  condition: CONDITION.OldSvRetired,
  observe: async ({ m, deps }) => ({ workloads: m.spec.oldSv.namespace ? await deps.cluster.workloads(m.spec.oldSv.namespace, (m.spec.oldSv.workloadSelector ?? {}) as Record<string, string>) : [] }),
  decide: decideRetirement,
  async act(effect, { m, deps }) {
    for (const w of effect.workloads) {
      await deps.actions.scaleToZero(w.kind, effect.namespace, w.name);
      await deps.event(m, 'Normal', 'ScaledDown', `scaled ${w.kind}/${w.name} in ${effect.namespace} to 0 (was ${w.replicas})`);
    }
  },
};
