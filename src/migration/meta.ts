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
  OldSvOffboarded: 'OldSvOffboarded',
  OldSvRetired: 'OldSvRetired',
  ScanAgreement: 'ScanAgreement',
} as const;
export type ConditionType = (typeof CONDITION)[keyof typeof CONDITION];
