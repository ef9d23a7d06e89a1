/**
 * The SvKmsMigration object as the operator sees it: a defaulted spec (see typegen.ts) and an optional status.
 */
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { SvKmsMigrationSpec, SvKmsMigrationStatus } from './types.generated.ts';

export type * from './types.generated.ts';

export interface SvKmsMigration extends KubernetesObject {
  apiVersion: 'svkms.dev/v1alpha1';
  kind: 'SvKmsMigration';
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: SvKmsMigrationSpec;
  status?: SvKmsMigrationStatus;
}

export type Phase = NonNullable<SvKmsMigrationStatus['phase']>;
export type KmsProvider = SvKmsMigrationSpec['kms']['provider'];
