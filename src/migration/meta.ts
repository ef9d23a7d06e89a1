/**
 * Names the migration workflow uses on the cluster: labels, annotations, the finalizer, derived object names, and the
 * condition types and reasons of DESIGN §4.
 */
import type { SvKmsMigration } from '../api/types.ts';

export const OPERATOR_NAME = 'sv-kms-operator';
export const FINALIZER = 'svkms.dev/bookkeeping';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MIGRATION_LABEL = 'svkms.dev/migration';
export const MIGRATION_NAMESPACE_LABEL = 'svkms.dev/migration-namespace';
/** Annotation on objects the operator made for a migration that has since been deleted (they are kept). */
export const ORPHANED_ANNOTATION = 'svkms.dev/migration-deleted';
/**
 * Label on a Namespace that lets migrations from other namespaces write there (comma-separated namespace names).
 * Only someone who may label Namespaces can grant it, so a user of one namespace cannot reach into another.
 */
export const ALLOW_FROM_LABEL = 'svkms.dev/allow-migrations-from';
/**
 * Annotation that asks for a reconcile now, with every cached check (KMS preflight, Splice access and version) redone —
 * as Flux's `reconcile.fluxcd.io/requestedAt`: set it to any new value (e.g. the time).
 */
export const RECONCILE_REQUESTED_ANNOTATION = 'svkms.dev/reconcile-requested-at';
/** Annotation naming the change that approved the current spec (e.g. the Git commit); recorded with each side effect. */
export const CHANGE_REF_ANNOTATION = 'svkms.dev/change-ref';
/** How many side effects status.history keeps. */
export const HISTORY_LIMIT = 50;

/** Labels on every object the operator creates for `m`. */
export function ownedLabels(m: SvKmsMigration): Record<string, string> {
  return { [MANAGED_BY_LABEL]: OPERATOR_NAME, [MIGRATION_LABEL]: m.metadata.name, [MIGRATION_NAMESPACE_LABEL]: m.metadata.namespace };
}

export function participantValuesConfigMapName(m: SvKmsMigration): string {
  return m.spec.output.participantValues.configMapName ?? `${m.metadata.name}-participant-values`;
}

export function svNodeValuesConfigMapName(m: SvKmsMigration): string {
  return m.spec.output.svNodeValues.configMapName ?? `${m.metadata.name}-sv-node-values`;
}

/** The key in the values ConfigMaps. */
export const VALUES_KEY = 'values.yaml';

export const CONDITION = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  SpecValid: 'SpecValid',
  KmsPreflightPassed: 'KmsPreflightPassed',
  SpliceAccessVerified: 'SpliceAccessVerified',
  SpliceVersionResolved: 'SpliceVersionResolved',
  GovernanceKeyReady: 'GovernanceKeyReady',
  IdentityKeyReady: 'IdentityKeyReady',
  ValuesRendered: 'ValuesRendered',
  NewSvDeployed: 'NewSvDeployed',
  KmsKeysObserved: 'KmsKeysObserved',
  NewSvOnboarded: 'NewSvOnboarded',
  WeightTransferred: 'WeightTransferred',
  AssetsTransferred: 'AssetsTransferred',
  AssetsSwept: 'AssetsSwept',
  OldSvOffboarded: 'OldSvOffboarded',
  OldSvRetired: 'OldSvRetired',
  ScanAgreement: 'ScanAgreement',
} as const;
export type ConditionType = (typeof CONDITION)[keyof typeof CONDITION];
