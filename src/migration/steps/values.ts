/**
 * ValuesRendered: the splice-participant and splice-sv-node values, rendered by the shared renderer over the user's
 * base values, are in their ConfigMaps in newSv.namespace (updated when the spec or the base values change). The
 * ConfigMaps reference Secrets; they never contain secret material. Conflicts with base values are reported.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { BaseValuesSpec, SvKmsMigration } from '../../api/types.ts';
import { renderParticipantValues } from '../../render/participant.ts';
import { renderSvNodeValues } from '../../render/sv-node.ts';
import { parseValuesYaml, RenderProblemsError, type RenderedValues } from '../../render/values.ts';
import { CONDITION, ownedLabels, participantValuesConfigMapName, svNodeValuesConfigMapName, VALUES_KEY } from '../meta.ts';
import type { ClusterView } from '../ports.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';

type BaseValues = { ok: true; values: Record<string, unknown> | undefined } | { ok: false; reason: string; message: string };

/** The user's base values from the ConfigMap in the migration's namespace. */
export async function readBaseValues(cluster: ClusterView, m: SvKmsMigration, spec: BaseValuesSpec | undefined, field: string): Promise<BaseValues> {
  if (!spec) return { ok: true, values: undefined };
  const ns = m.metadata.namespace;
  const { name, key } = spec.configMapRef;
  const cm = await cluster.configMap(ns, name);
  if (!cm) return { ok: false, reason: 'BaseValuesNotFound', message: `${field}: ConfigMap ${ns}/${name} does not exist; create it or remove ${field}` };
  const text = cm.data?.[key];
  if (text === undefined) return { ok: false, reason: 'BaseValuesKeyMissing', message: `${field}: ConfigMap ${ns}/${name} has no key "${key}" (has: ${Object.keys(cm.data ?? {}).join(', ') || 'none'})` };
  try {
    return { ok: true, values: parseValuesYaml(text) };
  } catch (err) {
    return { ok: false, reason: 'BaseValuesInvalid', message: `${field}: ConfigMap ${ns}/${name} key "${key}": ${(err as Error).message}` };
  }
}

function valuesConfigMap(m: SvKmsMigration, name: string, rendered: RenderedValues, chart: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: m.spec.newSv.namespace,
      labels: { ...(m.spec.output.labels ?? {}), ...ownedLabels(m), 'app.kubernetes.io/component': `${chart}-values` },
      annotations: { 'svkms.dev/values-sha256': rendered.sha256, 'svkms.dev/chart': chart },
    },
    data: { [VALUES_KEY]: rendered.yaml },
  };
}

function upToDate(current: V1ConfigMap | undefined, desired: V1ConfigMap): boolean {
  if (!current) return false;
  if (current.data?.[VALUES_KEY] !== desired.data?.[VALUES_KEY]) return false;
  const labels = current.metadata?.labels ?? {};
  return Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v);
}

export async function renderValues({ m, deps, draft, log }: StepContext): Promise<StepResult> {
  const participantBase = await readBaseValues(deps.cluster, m, m.spec.newSv.participant.baseValues, 'spec.newSv.participant.baseValues');
  const svNodeBase = await readBaseValues(deps.cluster, m, m.spec.newSv.svNode.baseValues, 'spec.newSv.svNode.baseValues');
  for (const base of [participantBase, svNodeBase]) {
    if (!base.ok) {
      draft.condition(CONDITION.ValuesRendered, 'False', base.reason, base.message);
      return { kind: 'stalled', reason: base.reason, message: base.message };
    }
  }
  let participant: RenderedValues;
  let svNode: RenderedValues;
  try {
    participant = renderParticipantValues(m, participantBase.ok ? participantBase.values : undefined);
    svNode = renderSvNodeValues(m, svNodeBase.ok ? svNodeBase.values : undefined);
  } catch (err) {
    if (!(err instanceof RenderProblemsError)) throw err;
    draft.condition(CONDITION.ValuesRendered, 'False', 'CannotRender', err.message);
    return { kind: 'stalled', reason: 'CannotRender', message: err.message };
  }
  const outputs = [
    { name: participantValuesConfigMapName(m), rendered: participant, chart: 'splice-participant' },
    { name: svNodeValuesConfigMapName(m), rendered: svNode, chart: 'splice-sv-node' },
  ];
  for (const out of outputs) {
    const desired = valuesConfigMap(m, out.name, out.rendered, out.chart);
    if (!upToDate(await deps.cluster.configMap(m.spec.newSv.namespace, out.name), desired)) {
      await deps.actions.applyConfigMap(desired);
      log.info({ configMap: `${m.spec.newSv.namespace}/${out.name}`, sha256: out.rendered.sha256 }, 'wrote values');
    }
  }
  const conflicts = [...participant.conflicts.map((c) => `participant: ${c}`), ...svNode.conflicts.map((c) => `sv-node: ${c}`)];
  draft.status.outputs = {
    participantValues: { configMapName: outputs[0]!.name, sha256: participant.sha256 },
    svNodeValues: { configMapName: outputs[1]!.name, sha256: svNode.sha256 },
    ...(conflicts.length ? { conflicts } : {}),
  };
  const note = conflicts.length ? `; the operator overrode base values at ${conflicts.join(', ')}` : '';
  draft.condition(
    CONDITION.ValuesRendered,
    'True',
    conflicts.length ? 'RenderedWithOverrides' : 'Rendered',
    `values in ConfigMaps ${m.spec.newSv.namespace}/${outputs[0]!.name} and ${outputs[1]!.name}${note}`,
  );
  return DONE;
}
