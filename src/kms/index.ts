/**
 * KMS preflight and key observation behind one interface: `kmsProbeFor(provider)`.
 */
import { createAwsKmsProbe } from './aws.ts';
import { createGcpKmsProbe } from './gcp.ts';
import type { KmsProbe } from './types.ts';

export type { KmsCallRecord, KmsClientOptions, KmsCredentials, KmsFailure, KmsPreflightReport, KmsProbe } from './types.ts';
export { KmsError } from './types.ts';
export { createAwsKmsProbe } from './aws.ts';
export { createGcpKmsProbe } from './gcp.ts';

/** The production probe for a provider: real SDK clients, TLS, credentials as given (or ambient). */
export function kmsProbeFor(provider: 'aws' | 'gcp'): KmsProbe {
  return provider === 'aws' ? createAwsKmsProbe() : createGcpKmsProbe();
}
