/**
 * OldSvRetired: once spec.workflow.retirement.approved, the old SV's Deployments and StatefulSets in
 * spec.oldSv.namespace (those matching oldSv.workloadSelector) are scaled to zero. Nothing is deleted: the old SV's
 * data, keys and releases stay, and scaling back up is `kubectl scale`. Each workload and its former replica count are
 * recorded in status before it is scaled.
 */
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';

function kindOf(w: V1Deployment | V1StatefulSet): 'Deployment' | 'StatefulSet' {
  return (w as { kind?: string }).kind === 'StatefulSet' ? 'StatefulSet' : 'Deployment';
}

export async function retireOldSv(ctx: StepContext): Promise<StepResult> {
  const { m, deps, draft } = ctx;
  const gate = m.spec.workflow.retirement;
  const namespace = m.spec.oldSv.namespace;
  if (!gate.approved) {
    const message = `the old SV is offboarded; set spec.workflow.retirement.approved to true to scale its workloads${namespace ? ` in ${namespace}` : ''} to zero`;
    draft.condition(CONDITION.OldSvRetired, 'False', 'AwaitingApproval', message);
    return { kind: 'wait', message };
  }
  if (!namespace) {
    const message = 'spec.oldSv.namespace is not set: the operator cannot tell where the old SV runs; set it, or retire the old SV yourself and set it to an empty namespace you own';
    draft.condition(CONDITION.OldSvRetired, 'False', 'OldSvNamespaceUnknown', message);
    return { kind: 'stalled', reason: 'OldSvNamespaceUnknown', message };
  }
  if (!ctx.facts.dso?.oldSvOffboarded || ctx.facts.dso.oldSv) {
    // Never take down an SV the network still counts on.
    const message = `the Scans do not show ${m.spec.oldSv.name} offboarded; it is not retired while it is still an SV`;
    draft.condition(CONDITION.OldSvRetired, 'False', 'OldSvStillAnSv', message);
    return { kind: 'wait', message, requeueAfterMs: deps.timing.networkPollMs };
  }
  const workloads = await deps.cluster.workloads(namespace, (m.spec.oldSv.workloadSelector ?? {}) as Record<string, string>);
  const scaled = ((draft.status.retirement ??= {}).scaled ??= []);
  const running = workloads.filter((w) => (w.spec?.replicas ?? 1) > 0);
  for (const w of running) {
    const id = `${kindOf(w)}/${w.metadata!.name}`;
    if (!scaled.some((s) => s.startsWith(`${id}=`))) {
      scaled.push(`${id}=${w.spec?.replicas ?? 1}`);
      if (!(await ctx.checkpoint())) return { kind: 'wait', message: 'the migration changed meanwhile', requeueAfterMs: 250 };
    }
    if (ctx.signal.aborted) return { kind: 'wait', message: 'stopping' };
    await deps.actions.scaleToZero(kindOf(w), namespace, w.metadata!.name!);
    await deps.event(m, 'Normal', 'ScaledDown', `scaled ${id} in ${namespace} to 0 (was ${w.spec?.replicas ?? 1})`);
  }
  const stillUp = workloads.filter((w) => (w.spec?.replicas ?? 1) > 0 || (w.status?.replicas ?? 0) > 0);
  if (running.length > 0 || stillUp.length > 0) {
    const message = `scaling the old SV down: ${stillUp.map((w) => `${kindOf(w)}/${w.metadata?.name}`).join(', ') || 'requested'} still running`;
    draft.condition(CONDITION.OldSvRetired, 'False', 'ScalingDown', message);
    return { kind: 'wait', message, requeueAfterMs: deps.timing.deploymentRecheckMs };
  }
  draft.condition(CONDITION.OldSvRetired, 'True', 'ScaledToZero', `the old SV's ${workloads.length} workload(s) in ${namespace} run no replicas; nothing was deleted`);
  return DONE;
}
