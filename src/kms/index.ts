/**
 * KMS preflight and key observation behind one interface: `kmsProbeFor(provider)`.
 *
 * The provider modules (and their SDKs, which weigh tens of megabytes each) are loaded on first use: an operator that
 * serves only AWS migrations never loads the Google Cloud client, and the reverse.
 */
import type { KmsProbe } from './types.ts';

export type { KmsCallRecord, KmsClientOptions, KmsCredentials, KmsFailure, KmsPreflightReport, KmsProbe } from './types.ts';
export { KmsError } from './types.ts';

const loaded: Partial<Record<'aws' | 'gcp', Promise<KmsProbe>>> = {};

function load(provider: 'aws' | 'gcp'): Promise<KmsProbe> {
  return (loaded[provider] ??= provider === 'aws' ? import('./aws.ts').then((m) => m.createAwsKmsProbe()) : import('./gcp.ts').then((m) => m.createGcpKmsProbe()));
}

/** The production probe for a provider: real SDK clients, TLS, credentials as given (or ambient). */
export function kmsProbeFor(provider: 'aws' | 'gcp'): KmsProbe {
  return {
    preflight: async (spec, creds, opts) => (await load(provider)).preflight(spec, creds, opts),
    countCantonKeys: async (spec, creds, opts) => (await load(provider)).countCantonKeys(spec, creds, opts),
  };
}
