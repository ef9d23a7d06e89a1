/**
 * The SvKmsMigration object as the operator sees it: a defaulted spec (see typegen.ts) and an optional status.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { SvKmsMigrationSpec, SvKmsMigrationStatus } from './types.generated.ts';

export type * from './types.generated.ts';

/** Object metadata as the API server sends it in JSON (timestamps are RFC 3339 strings). */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface SvKmsMigration extends Omit<KubernetesObject, 'metadata'> {
  apiVersion: 'svkms.dev/v1alpha1';
  kind: 'SvKmsMigration';
  metadata: ObjectMeta;
  spec: SvKmsMigrationSpec;
  status?: SvKmsMigrationStatus;
}

export type Phase = NonNullable<SvKmsMigrationStatus['phase']>;
export type KmsProvider = SvKmsMigrationSpec['kms']['provider'];
