/**
 * SpecValid: the spec passes the schema, the CEL rules and the semantic checks (Canton key catalogue, what the
 * sv-node chart can render), and names only namespaces this migration may write to.
 */
import { validateMigration } from '../../api/validate.ts';
import { checkKmsExtraConfig } from '../../render/catalogue.ts';
import { checkSvNodeRenderable } from '../../render/sv-node.ts';
import { ALLOW_FROM_LABEL, CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import type { ClusterView } from '../ports.ts';

/**
 * The confused-deputy rule: a migration may write to its own namespace, or to another namespace the operator serves
 * whose Namespace object is labelled `svkms.dev/allow-migrations-from` with the migration's namespace in the list.
 */
export function namespaceRefusal(cluster: ClusterView, migrationNamespace: string, target: string, field: string): string | undefined {
  if (!cluster.serves(target)) return `${field}: the operator does not serve namespace ${target}; add it to the operator's watched namespaces`;
  if (target === migrationNamespace) return undefined;
  const allowed = (cluster.namespace(target)?.metadata?.labels?.[ALLOW_FROM_LABEL] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (allowed.includes(migrationNamespace)) return undefined;
  return (
    `${field}: namespace ${target} is not the migration's namespace (${migrationNamespace}) and does not allow migrations from it; ` +
    `a cluster admin can allow it with: kubectl label namespace ${target} ${ALLOW_FROM_LABEL}=${migrationNamespace}`
  );
}

export async function checkSpec({ m, deps, draft }: StepContext): Promise<StepResult> {
  const { problems } = validateMigration(m);
  const semantic = problems.length === 0 ? [...checkKmsExtraConfig(m.spec), ...checkSvNodeRenderable(m)] : [];
  const all = [...problems, ...semantic].map((p) => `${p.path}: ${p.message}`);
  const ns = m.metadata.namespace;
  const refusals = [
    namespaceRefusal(deps.cluster, ns, m.spec.newSv.namespace, 'spec.newSv.namespace'),
    m.spec.oldSv.namespace ? namespaceRefusal(deps.cluster, ns, m.spec.oldSv.namespace, 'spec.oldSv.namespace') : undefined,
  ].filter((r): r is string => r !== undefined);
  if (all.length > 0) {
    const message = `the spec is invalid: ${all.join('; ')}`;
    draft.condition(CONDITION.SpecValid, 'False', 'InvalidSpec', message);
    return { kind: 'stalled', reason: 'InvalidSpec', message };
  }
  if (refusals.length > 0) {
    const message = refusals.join('; ');
    draft.condition(CONDITION.SpecValid, 'False', 'NamespaceNotAllowed', message);
    return { kind: 'stalled', reason: 'NamespaceNotAllowed', message };
  }
  draft.condition(CONDITION.SpecValid, 'True', 'Valid', 'the spec is valid');
  return DONE;
}
