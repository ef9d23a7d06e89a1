/**
 * ValuesRendered: the splice-participant and splice-sv-node values, rendered by the shared renderer over the user's
 * base values, are in their ConfigMaps in newSv.namespace (updated when the spec or the base values change). The
 * ConfigMaps reference Secrets; they never contain secret material. Conflicts with base values are reported. A
 * ConfigMap of that name that the operator did not make for this migration is never written.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { BaseValuesSpec, SvKmsMigration } from '../../api/types.ts';
import { renderParticipantValues } from '../../render/participant.ts';
import { renderSvNodeValues } from '../../render/sv-node.ts';
import { parseValuesYaml, RenderProblemsError, type RenderedValues } from '../../render/values.ts';
import { participantDatabaseFromEnv, participantDbConflict, type ParticipantDatabase } from '../../render/db-conflict.ts';
import { targetVersion } from '../../render/target-version.ts';
import { doneWith, stalledOn } from '../decision.ts';
import { CONDITION, MANAGED_BY_LABEL, MIGRATION_LABEL, MIGRATION_NAMESPACE_LABEL, ownedLabels, participantValuesConfigMapName, svNodeValuesConfigMapName, VALUES_KEY } from '../meta.ts';
import type { ClusterView } from '../ports.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';

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

/** The old SV's participant database: as the spec names it, or as its participant Deployment's env says. */
export async function oldParticipantDatabase(m: SvKmsMigration, cluster: ClusterView): Promise<ParticipantDatabase | undefined> {
  if (m.spec.oldSv.participantDatabaseHost) return { host: m.spec.oldSv.participantDatabaseHost };
  if (!m.spec.oldSv.namespace) return undefined;
  for (const w of await cluster.workloads(m.spec.oldSv.namespace, (m.spec.oldSv.workloadSelector ?? {}) as Record<string, string>)) {
    const env = w.spec?.template?.spec?.containers?.find((c) => c.name === 'participant')?.env;
    const db = env ? participantDatabaseFromEnv(env) : undefined;
    if (db) return db;
  }
  return undefined;
}

export interface ValuesObservation {
  participantBase: BaseValues;
  svNodeBase: BaseValues;
  /** The old SV's participant database, when known (spec.oldSv.participantDatabaseHost, or its Deployment's env). */
  oldParticipantDatabase: ParticipantDatabase | undefined;
  /** The values ConfigMaps as they are now, by name. */
  current: Record<string, V1ConfigMap | undefined>;
}

/** Create or update these values ConfigMaps (all made by the operator for this migration). */
export interface WriteValues {
  kind: 'writeValues';
  configMaps: V1ConfigMap[];
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

/** Who a ConfigMap the operator did not make for `m` belongs to, in words; undefined when it is the operator's. */
export function foreignOwner(m: SvKmsMigration, cm: V1ConfigMap): string | undefined {
  const labels = cm.metadata?.labels ?? {};
  if (labels[MIGRATION_LABEL] === m.metadata.name && labels[MIGRATION_NAMESPACE_LABEL] === m.metadata.namespace) return undefined;
  if (labels[MIGRATION_LABEL]) return `SvKmsMigration ${labels[MIGRATION_NAMESPACE_LABEL] ?? '?'}/${labels[MIGRATION_LABEL]}`;
  const helm = cm.metadata?.annotations?.['meta.helm.sh/release-name'];
  if (helm) return `Helm release ${cm.metadata?.annotations?.['meta.helm.sh/release-namespace'] ?? cm.metadata?.namespace}/${helm}`;
  const owner = cm.metadata?.ownerReferences?.[0];
  if (owner) return `${owner.kind} ${owner.name}`;
  if (labels[MANAGED_BY_LABEL]) return `${labels[MANAGED_BY_LABEL]} (label ${MANAGED_BY_LABEL})`;
  return 'someone else (it has no svkms.dev/migration label)';
}

export function decideValues({ m, status, facts }: DecideInput, observed: ValuesObservation): StepDecision<WriteValues> {
  for (const base of [observed.participantBase, observed.svNodeBase]) if (!base.ok) return stalledOn(CONDITION.ValuesRendered, base.reason, base.message);
  const version = facts.version ? { version: facts.version } : {};
  let participant: RenderedValues;
  let svNode: RenderedValues;
  try {
    participant = renderParticipantValues(m, observed.participantBase.ok ? observed.participantBase.values : undefined, version);
    // Once the old SV is offboarded the new SV stops mirroring its votes.
    svNode = renderSvNodeValues(m, observed.svNodeBase.ok ? observed.svNodeBase.values : undefined, { ...version, oldSvOffboarded: status.oldSv?.offboarded === true });
  } catch (err) {
    if (!(err instanceof RenderProblemsError)) throw err;
    return stalledOn(CONDITION.ValuesRendered, 'CannotRender', err.message);
  }
  const conflict = participantDbConflict({
    version: targetVersion(m, version),
    newParticipantValues: observed.participantBase.ok ? observed.participantBase.values : undefined,
    oldParticipantDatabase: observed.oldParticipantDatabase,
    valuesPath: 'spec.newSv.participant.baseValues',
  });
  if (conflict) return stalledOn(CONDITION.ValuesRendered, 'ParticipantDatabaseConflict', `${conflict.path}: ${conflict.message}`);
  const ns = m.spec.newSv.namespace;
  const outputs = [
    { name: participantValuesConfigMapName(m), rendered: participant, chart: 'splice-participant' },
    { name: svNodeValuesConfigMapName(m), rendered: svNode, chart: 'splice-sv-node' },
  ];
  for (const out of outputs) {
    const current = observed.current[out.name];
    const owner = current ? foreignOwner(m, current) : undefined;
    if (owner) {
      return stalledOn(
        CONDITION.ValuesRendered,
        'ConfigMapOwnedElsewhere',
        `ConfigMap ${ns}/${out.name} exists and belongs to ${owner}; the operator does not overwrite it: set spec.output.${out.chart === 'splice-participant' ? 'participantValues' : 'svNodeValues'}.configMapName to a free name, or delete that ConfigMap if it is not needed`,
      );
    }
  }
  const stale = outputs.map((o) => valuesConfigMap(m, o.name, o.rendered, o.chart)).filter((desired) => !upToDate(observed.current[desired.metadata!.name!], desired));
  const conflicts = [...participant.conflicts.map((c) => `participant: ${c}`), ...svNode.conflicts.map((c) => `sv-node: ${c}`)];
  const outputsStatus = {
    outputs: {
      participantValues: { configMapName: outputs[0]!.name, sha256: participant.sha256 },
      svNodeValues: { configMapName: outputs[1]!.name, sha256: svNode.sha256 },
      ...(conflicts.length ? { conflicts } : {}),
    },
  };
  const warnings = [...participant.warnings, ...svNode.warnings];
  const note = `${conflicts.length ? `; the operator overrode base values at ${conflicts.join(', ')}` : ''}${warnings.length ? `; note: ${warnings.join('; ')}` : ''}`;
  const done = doneWith<WriteValues>(CONDITION.ValuesRendered, conflicts.length ? 'RenderedWithOverrides' : 'Rendered', `values in ConfigMaps ${ns}/${outputs[0]!.name} and ${outputs[1]!.name}${note}`, outputsStatus);
  if (stale.length === 0) return done;
  return { ...done, act: { effect: { kind: 'writeValues', configMaps: stale }, checkpoint: false, describe: `writing values ConfigMaps ${stale.map((c) => c.metadata!.name).join(', ')}` } };
}

export const valuesStep: Step<ValuesObservation, WriteValues> = {
  name: 'values',
  condition: CONDITION.ValuesRendered,
  async observe({ m, deps }) {
    const ns = m.spec.newSv.namespace;
    return {
      oldParticipantDatabase: await oldParticipantDatabase(m, deps.cluster),
      participantBase: await readBaseValues(deps.cluster, m, m.spec.newSv.participant.baseValues, 'spec.newSv.participant.baseValues'),
      svNodeBase: await readBaseValues(deps.cluster, m, m.spec.newSv.svNode.baseValues, 'spec.newSv.svNode.baseValues'),
      current: Object.fromEntries(await Promise.all([participantValuesConfigMapName(m), svNodeValuesConfigMapName(m)].map(async (name) => [name, await deps.cluster.configMap(ns, name)] as const))),
    };
  },
  decide: decideValues,
  async act(effect, { deps, log }) {
    for (const cm of effect.configMaps) {
      await deps.actions.applyConfigMap(cm);
      log.info({ configMap: `${cm.metadata!.namespace}/${cm.metadata!.name}`, sha256: cm.metadata!.annotations!['svkms.dev/values-sha256'] }, 'wrote values');
    }
  },
};
