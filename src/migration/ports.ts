/**
 * What the migration workflow needs from the outside world, as interfaces: reads of the cluster (answered from the
 * informer caches), the few writes it makes, the KMS probe, events. The workflow knows nothing of HTTP or watches;
 * src/operator/ implements these ports.
 */
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { KmsProbe, KmsProvider } from '../kms/types.ts';
import type { EventType } from '../controller/events.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';
import type { ScanView } from '../splice/scan-quorum.ts';
import type { DsoState } from '../splice/scan.ts';
import type { VoteAction } from '../splice/daml-json.ts';
import type { VoteRequest } from '../splice/vote-requests.ts';

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
  /**
   * Pods in `namespace` whose labels include `selector`, read live (not cached: only a participant that does not start
   * is looked at this way); undefined when the operator may not list Pods there (its RBAC leaves Pods out).
   */
  pods(namespace: string, selector: Record<string, string>): Promise<V1Pod[] | undefined>;
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

/** An authenticated client, or why it cannot be had (missing Secret or key): a human must act. */
export type Access<T> = { ok: true; client: T } | { ok: false; reason: string; message: string };

/** How a closed vote ended, in the workflow's terms. */
export type VoteOutcome = 'accepted' | 'rejected' | 'expired' | 'actionFailed';

/** A vote the network has closed. */
export interface ClosedVote {
  trackingCid: string | null;
  /** undefined: an outcome this operator does not know (reported, never acted on). */
  outcome: VoteOutcome | undefined;
  /** The raw outcome, and for `actionFailed` what the ledger said. */
  detail: string;
  closedAt: string;
  votesFor: number;
  votesAgainst: number;
}

/** Which closed vote is wanted: the intent's action, requested by `requesterName`, tagged `tag` in its reason. */
export interface VoteLookup {
  action: VoteAction;
  requesterName: string;
  tag: string;
  /** The request's tracking cid, when it was seen open. */
  trackingCid?: string;
}

/** A vote request to create. */
export interface NewVoteRequest {
  requesterPartyId: string;
  action: VoteAction;
  reasonUrl: string;
  description: string;
  expirationMs: number;
  /** When the action takes effect; absent: as soon as the threshold is reached. */
  effectiveAt?: Date;
}

/** Governance through an SV's app (the old SV's, with its OAuth2 client). */
export interface GovernancePort {
  /** The SV's own party. */
  identity(signal: AbortSignal): Promise<{ partyId: string }>;
  /** Resolves when the app lets this client act for the SV; throws NotAuthorized (403) or an auth error otherwise. */
  verifyAuthorized(signal: AbortSignal): Promise<void>;
  openVoteRequests(signal: AbortSignal): Promise<VoteRequest[]>;
  /** The closed vote matching `lookup`, however deep in the network's history; undefined when there is none (yet). */
  findClosedVote(lookup: VoteLookup, signal: AbortSignal): Promise<ClosedVote | undefined>;
  /** `exists`: the app already has an open request of this SV for this action (its duplicate answer). */
  requestVote(request: NewVoteRequest, signal: AbortSignal): Promise<'created' | 'exists'>;
}

/**
 * Votes as the network publishes them (the Scans, no credentials), for votes requested by someone else: answers are
 * what `scanQuorum` Scans agree on; a disagreement is thrown as a transient error.
 */
export interface NetworkVotesPort {
  openVoteRequests(signal: AbortSignal): Promise<VoteRequest[]>;
  findClosedVote(lookup: VoteLookup, signal: AbortSignal): Promise<ClosedVote | undefined>;
}

/** Where a transfer stands, as the sender's wallet knows it. */
export type TransferState = 'created' | 'accepted' | 'completed' | 'failed' | 'expired';

/**
 * How Amulet moves between wallets: a transfer offer (legacy, deprecated upstream since 0.4.11), a token-standard
 * transfer (the receiver accepts, or it completes at once), or a send to the receiver's transfer preapproval.
 */
export type TransferMethod = 'TransferOffer' | 'TokenStandard' | 'TransferPreapproval';

/** A transfer the operator sent (or may have sent), as recorded in status. */
export interface TransferRef {
  trackingId: string;
  method: TransferMethod;
  /** When the send was first recorded: the sender's history is searched back to about then. */
  requestedAt?: Date;
}

/** A transfer of Amulet to send. */
export interface TransferOrder extends TransferRef {
  receiverPartyId: string;
  /** Decimal string. */
  amount: string;
  /** Carries the tracking id, so the wallets' histories and the receiver's list show which intent it was. */
  description: string;
  expiresAt: Date;
}

/** What an SV's wallet can send with (its validator's packages). */
export interface WalletFeatures {
  tokenStandard: boolean;
  /** A preapproval send keeps its description (so the history shows which intent it was). */
  preapprovalDescription: boolean;
}

/** An SV's wallet (validator app, as a wallet user of the SV party). */
export interface WalletPort {
  /** Whether the client's user is onboarded and has a wallet install on this validator. */
  userStatus(signal: AbortSignal): Promise<{ onboarded: boolean; walletInstalled: boolean; partyId: string }>;
  /** Unlocked Amulet, as a decimal string. */
  unlockedBalance(signal: AbortSignal): Promise<string>;
  /** The wallet's features (none on a wallet that predates feature reporting). */
  features(signal: AbortSignal): Promise<WalletFeatures>;
  /** undefined: the wallet shows no transfer with this id (for ledger methods: within the history it searched). */
  transferState(ref: TransferRef, signal: AbortSignal): Promise<TransferState | undefined>;
  /**
   * `exists`: the wallet refused the id as a duplicate (the first send counts). Offers are deduplicated by the wallet
   * for ever; token-standard transfers and preapproval sends only within the validator's deduplication window (24 h).
   */
  sendTransfer(order: TransferOrder, signal: AbortSignal): Promise<'created' | 'exists'>;
  /** On the receiving wallet: the contract to accept for this transfer (an offer or instruction), while it is open. */
  incomingTransfer(ref: TransferRef, signal: AbortSignal): Promise<string | undefined>;
  acceptTransfer(method: TransferMethod, contractId: string, signal: AbortSignal): Promise<void>;
}

/** A candidate's onboarding as its sponsor reports it. */
export interface OnboardingProgress {
  state: string;
  confirmations?: { have: number; need: number };
}

/**
 * The Splice network as the workflow sees it. The Scans' DSO state and version may be answered from reads shared with
 * the other migrations on the same network: up to `Timing.networkPollMs` old for the DSO state (longer for the
 * version). Good enough to observe and wait on; an effect is decided again on {@link SpliceAccess.fresh} reads first.
 */
export interface SpliceAccess {
  /** DSO state from every Scan in spec.network.scanUrls (failures included, per Scan); possibly shared, see above. */
  dsoViews(m: SvKmsMigration, signal: AbortSignal): Promise<ScanView<DsoState>[]>;
  /** The Splice version each Scan reports (`GET /api/scan/version`); possibly shared, see above. */
  scanVersions(m: SvKmsMigration, signal: AbortSignal): Promise<ScanView<string>[]>;
  /**
   * The same network, every read of it made now: no answer comes from a read made before (the Scans' quorum still
   * decides). What the reconciler decides an effect again on, just before making it.
   */
  fresh(): SpliceAccess;
  /** The sponsor's view of the new SV's onboarding (public endpoint of spec.newSv.svNode.sponsorApiUrl). */
  onboardingStatus(m: SvKmsMigration, signal: AbortSignal): Promise<OnboardingProgress>;
  oldSvApp(m: SvKmsMigration): Promise<Access<GovernancePort>>;
  /** The votes as the Scans of spec.network agree on them. */
  networkVotes(m: SvKmsMigration): NetworkVotesPort;
  oldWallet(m: SvKmsMigration): Promise<Access<WalletPort>>;
  /** The new SV's wallet, when spec.newSv.walletUrl is set. */
  newWallet(m: SvKmsMigration): Promise<Access<WalletPort> | undefined>;
  /** Whether `party` has a transfer preapproval, as each Scan of spec.network says. */
  transferPreapproval(m: SvKmsMigration, party: string, signal: AbortSignal): Promise<ScanView<boolean>[]>;
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
  kmsProbe(provider: KmsProvider): KmsProbe;
  splice: SpliceAccess;
  event(m: SvKmsMigration, type: EventType, reason: string, message: string): Promise<void>;
  /** Registers a secret value with the scrubber, so it can never reach logs, events or status. */
  registerSecret(value: string): void;
  /** Per-call KMS hooks (metrics). */
  kmsCallHook?: Parameters<KmsProbe['preflight']>[2];
}
