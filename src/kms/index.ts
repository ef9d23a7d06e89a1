/**
 * KMS preflight and key observation behind one interface: `kmsProbeFor(provider)`.
 *
 * The provider modules (and their SDKs, which weigh tens of megabytes each) are loaded on first use: an operator that
 * serves only AWS migrations never loads the Google Cloud client, and the reverse.
 */
import type { KmsProbe, KmsProvider } from './types.ts';

export type { KmsCallRecord, KmsClientOptions, KmsCredentials, KmsFailure, KmsPreflightReport, KmsProbe, KmsProvider } from './types.ts';
export { KmsError } from './types.ts';

/** How each provider's probe is loaded: one entry per provider, checked by the compiler. */
const PROBE_LOADERS: Record<KmsProvider, () => Promise<KmsProbe>> = {
  aws: () => import('./aws.ts').then((m) => m.createAwsKmsProbe()),
  gcp: () => import('./gcp.ts').then((m) => m.createGcpKmsProbe()),
};

const loaded: Partial<Record<KmsProvider, Promise<KmsProbe>>> = {};

function load(provider: KmsProvider): Promise<KmsProbe> {
  return (loaded[provider] ??= PROBE_LOADERS[provider]());
}

/** The production probe for a provider: real SDK clients, TLS, credentials as given (or ambient). */
export function kmsProbeFor(provider: KmsProvider): KmsProbe {
  return {
    preflight: async (spec, creds, opts) => (await load(provider)).preflight(spec, creds, opts),
    countCantonKeys: async (spec, creds, opts) => (await load(provider)).countCantonKeys(spec, creds, opts),
  };
}
