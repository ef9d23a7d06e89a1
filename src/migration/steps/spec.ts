/**
 * SpecValid: the spec passes the schema, the CEL rules and the semantic checks (Canton key catalogue, what the
 * sv-node chart can render), and names only namespaces this migration may write to.
 */
import { createHash } from 'node:crypto';
import { validateMigration } from '../../api/validate.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import { checkKmsExtraConfig } from '../../render/catalogue.ts';
import { checkSvNodeRenderable } from '../../render/sv-node.ts';
import { doneWith, stalledOn } from '../decision.ts';
import { ALLOW_FROM_LABEL, CONDITION } from '../meta.ts';
import type { SvKmsMigration } from '../../api/types.ts';
import type { ClusterView } from '../ports.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';

/** What the cluster says about a namespace the spec names. */
export interface NamespaceAccess {
  namespace: string;
  field: string;
  /** The operator is configured to serve it. */
  served: boolean;
  /** Namespaces its `svkms.dev/allow-migrations-from` label lets in. */
  allowsFrom: string[];
}

export interface SpecObservation {
  namespaces: NamespaceAccess[];
}

/** Reads what the confused-deputy rule needs about one namespace. */
export function namespaceAccess(cluster: ClusterView, namespace: string, field: string): NamespaceAccess {
  const allowsFrom = (cluster.namespace(namespace)?.metadata?.labels?.[ALLOW_FROM_LABEL] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { namespace, field, served: cluster.serves(namespace), allowsFrom };
}

/**
 * The confused-deputy rule: a migration may write to its own namespace, or to another namespace the operator serves
 * whose Namespace object is labelled `svkms.dev/allow-migrations-from` with the migration's namespace in the list.
 */
export function namespaceRefusal(access: NamespaceAccess, migrationNamespace: string): string | undefined {
  const { namespace: target, field } = access;
  if (!access.served) return `${field}: the operator does not serve namespace ${target}; add it to the operator's watched namespaces`;
  if (target === migrationNamespace || access.allowsFrom.includes(migrationNamespace)) return undefined;
  return (
    `${field}: namespace ${target} is not the migration's namespace (${migrationNamespace}) and does not allow migrations from it; ` +
    `a cluster admin can allow it with: kubectl label namespace ${target} ${ALLOW_FROM_LABEL}=${migrationNamespace}`
  );
}

/** What validating a spec found: problems (schema, CEL, semantic) and warnings, as `path: message`. */
interface SpecCheck {
  problems: string[];
  warnings: string[];
}

/**
 * Spec checks by migration uid, with a digest of what they read (the spec changes only with a new generation). The
 * oldest entry goes first past the bound (a deleted migration's entry is never read again).
 */
const checked = new BoundedMap<string, { digest: string; check: SpecCheck }>(20_000);

/**
 * The spec's checks. They are as costly as an admission (ajv, every CEL rule) and what they read changes only with
 * the generation, so a migration's result is kept (per uid, with a digest of what was checked) and a reconcile that
 * only follows the network does not validate the spec again.
 */
export function checkSpec(m: SvKmsMigration): SpecCheck {
  // Only what admission validates: identity and spec, not the status.
  const subject = { apiVersion: m.apiVersion, kind: m.kind, metadata: { name: m.metadata.name, namespace: m.metadata.namespace }, spec: m.spec };
  const digest = createHash('sha256').update(JSON.stringify(subject)).digest('base64');
  const uid = m.metadata.uid ?? `${m.metadata.namespace}/${m.metadata.name}`;
  const held = checked.get(uid);
  if (held?.digest === digest) return held.check;
  const { problems, warnings } = validateMigration(subject);
  const semantic = problems.length === 0 ? [...checkKmsExtraConfig(m.spec), ...checkSvNodeRenderable(m)] : [];
  const check = { problems: [...problems, ...semantic].map((p) => `${p.path}: ${p.message}`), warnings: warnings.map((w) => `${w.path}: ${w.message}`) };
  // Re-inserted, so a migration whose spec changed counts as the newest.
  checked.delete(uid);
  checked.set(uid, { digest, check });
  return check;
}

export function decideSpec({ m }: DecideInput, observed: SpecObservation): StepDecision<never> {
  const { problems: all, warnings } = checkSpec(m);
  if (all.length > 0) return stalledOn(CONDITION.SpecValid, 'InvalidSpec', `the spec is invalid: ${all.join('; ')}`);
  const refusals = observed.namespaces.map((a) => namespaceRefusal(a, m.metadata.namespace)).filter((r): r is string => r !== undefined);
  if (refusals.length > 0) return stalledOn(CONDITION.SpecValid, 'NamespaceNotAllowed', refusals.join('; '));
  if (warnings.length > 0) {
    return doneWith(CONDITION.SpecValid, 'ValidWithWarnings', `the spec is valid; not checked by the operator (the API server did at admission): ${warnings.join('; ')}`);
  }
  return doneWith(CONDITION.SpecValid, 'Valid', 'the spec is valid');
}

export const specStep: Step<SpecObservation> = {
  name: 'spec',
  observe: ({ m, deps }) =>
    Promise.resolve({
      namespaces: [
        namespaceAccess(deps.cluster, m.spec.newSv.namespace, 'spec.newSv.namespace'),
        ...(m.spec.oldSv.namespace ? [namespaceAccess(deps.cluster, m.spec.oldSv.namespace, 'spec.oldSv.namespace')] : []),
      ],
    }),
  decide: decideSpec,
};
