/**
 * What the migration workflow needs from the outside world, as interfaces: reads of the cluster (answered from the
 * informer caches), the few writes it makes, the KMS probe, events. The workflow knows nothing of HTTP or watches;
 * src/operator/ implements these ports.
 */
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { KmsProbe } from '../kms/types.ts';
import type { EventType } from '../controller/events.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import type { ScanView } from '../splice/scan-quorum.ts';
import type { DsoState } from '../splice/scan.ts';
import type { OnboardingStatus, SvAppClient } from '../splice/sv-app.ts';
import type { WalletClient } from '../splice/wallet.ts';

/**
 * Reads of cluster state, from caches. Objects the operator did not make are fetched on first read (and cached by
 * resourceVersion), so these reads are asynchronous; a Namespace's labels come from a cache.
 */
export interface ClusterView {
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  deployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** The Namespace's metadata (labels). */
  namespace(name: string): V1Namespace | undefined;
  /** Deployments and StatefulSets in `namespace` whose labels include `selector`. */
  workloads(namespace: string, selector: Record<string, string>): Promise<(V1Deployment | V1StatefulSet)[]>;
  /** Whether the operator is configured to serve `namespace`. */
  serves(namespace: string): boolean;
}

/** Writes the workflow makes. Each checks the world first and is safe to repeat. */
export interface ClusterActions {
  /** Creates a Secret; never updates one. Returns false when it already existed (nothing written). */
  createSecret(secret: V1Secret): Promise<boolean>;
  /** Creates the ConfigMap or updates its data and labels to the given ones. */
  applyConfigMap(configMap: V1ConfigMap): Promise<void>;
  /** Adds annotations to an object (metadata only). */
  annotate(kind: 'Secret' | 'ConfigMap', namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  addFinalizer(m: SvKmsMigration, finalizer: string): Promise<void>;
  removeFinalizer(m: SvKmsMigration, finalizer: string): Promise<void>;
  /**
   * Writes the status, guarded by the object's resourceVersion. Returns the new resourceVersion, or undefined on a
   * conflict (the object changed meanwhile): the caller reconciles again from fresh state.
   */
  writeStatus(m: SvKmsMigration, status: SvKmsMigrationStatus): Promise<string | undefined>;
  /** Sets a Deployment's or StatefulSet's replicas to 0 through its scale subresource. */
  scaleToZero(kind: 'Deployment' | 'StatefulSet', namespace: string, name: string): Promise<void>;
}

/** The SV app operations the workflow uses (on the old SV, with its OAuth2 client). */
export type SvAppApi = Pick<SvAppClient, 'createVoteRequest' | 'listVoteRequests' | 'listVoteResults' | 'getIdentity' | 'checkAuthorization'>;
/** The wallet operations the workflow uses. */
export type WalletApi = Pick<WalletClient, 'getBalance' | 'getUserStatus' | 'createTransferOffer' | 'getTransferOfferStatus' | 'listTransferOffers' | 'acceptTransferOffer'>;

/** An authenticated client, or why it cannot be had (missing Secret or key): a human must act. */
export type Access<T> = { ok: true; client: T } | { ok: false; reason: string; message: string };

/** The Splice network as the workflow sees it. */
export interface SpliceAccess {
  /** DSO state from every Scan in spec.network.scanUrls (failures included, per Scan). */
  dsoViews(m: SvKmsMigration, signal: AbortSignal): Promise<ScanView<DsoState>[]>;
  /** The sponsor's view of the new SV's onboarding (public endpoint of spec.newSv.svNode.sponsorApiUrl). */
  onboardingStatus(m: SvKmsMigration, signal: AbortSignal): Promise<OnboardingStatus>;
  oldSvApp(m: SvKmsMigration): Promise<Access<SvAppApi>>;
  oldWallet(m: SvKmsMigration): Promise<Access<WalletApi>>;
  /** The new SV's wallet, when spec.newSv.walletUrl is set. */
  newWallet(m: SvKmsMigration): Promise<Access<WalletApi> | undefined>;
}

/** How often the workflow looks again at things that change outside the cluster (no watch tells it). */
export interface Timing {
  /** While waiting for Canton's keys to appear in the KMS. */
  kmsKeysPollMs: number;
  /** A KMS preflight that needs a human (credentials, key ring, permissions). */
  preflightRecheckMs: number;
  /** Any other stalled migration. */
  stalledRecheckMs: number;
  /** While waiting for the Deployments (their changes also trigger reconciles). */
  deploymentRecheckMs: number;
  /** While waiting for the network: onboarding, votes, transfers. */
  networkPollMs: number;
}

export const DEFAULT_TIMING: Timing = {
  kmsKeysPollMs: 30_000,
  preflightRecheckMs: 60_000,
  stalledRecheckMs: 5 * 60_000,
  deploymentRecheckMs: 5 * 60_000,
  networkPollMs: 30_000,
};

export interface MigrationDeps {
  timing: Timing;
  cluster: ClusterView;
  actions: ClusterActions;
  kmsProbe(provider: 'aws' | 'gcp'): KmsProbe;
  splice: SpliceAccess;
  event(m: SvKmsMigration, type: EventType, reason: string, message: string): Promise<void>;
  /** Registers a secret value with the scrubber, so it can never reach logs, events or status. */
  registerSecret(value: string): void;
  /** Per-call KMS hooks (metrics). */
  kmsCallHook?: Parameters<KmsProbe['preflight']>[2];
}
