/**
 * Fixtures for the workflow's table tests: a defaulted migration, decision inputs, DSO facts, and in-memory ports
 * (cluster, actions, Splice governance and wallets, KMS probe) that record every write and request, so the reconciler
 * runs end to end with no server and tests assert exactly which effects happened.
 */
import pino from 'pino';
import type { V1ConfigMap, V1Deployment, V1Namespace, V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import { validateMigration } from '../../src/api/validate.ts';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../../src/api/types.ts';
import type { EventType } from '../../src/controller/events.ts';
import type { ReconcileContext } from '../../src/controller/controller.ts';
import type { KmsPreflightReport, KmsProbe } from '../../src/kms/types.ts';
import { KEY_KIND_INFO, type KeyKind } from '../../src/keys/key-kinds.ts';
import { keySecretManifest } from '../../src/keys/secret-manifest.ts';
import { DEFAULT_TIMING, type ClosedVote, type GovernancePort, type MigrationDeps, type NewVoteRequest, type TransferMethod, type TransferOrder, type TransferRef, type TransferState, type WalletFeatures, type WalletPort } from '../../src/migration/ports.ts';
import type { DecideInput, DsoFacts } from '../../src/migration/step.ts';
import type { ScanView } from '../../src/splice/scan-quorum.ts';
import type { DsoState, OffboardedSvInfo, SvInfo } from '../../src/splice/scan.ts';
import type { VoteRequest } from '../../src/splice/vote-requests.ts';
import { cloneJson } from '../../src/util/json.ts';
import { sameAction } from '../../src/splice/daml-json.ts';
import { exampleMigration } from './migrations.ts';
import { expectedKmsConfig, expectedLiteralEnv, KMS_ENV_VAR } from '../../src/render/participant.ts';

export const T0 = new Date('2026-11-02T10:00:00Z');
export const NS = 'sv-kms';
export const PARTY = { old: 'Acme-1::1220aaaa', new: 'Acme-2::1220bbbb', other: 'Other-1::1220cccc', dso: 'DSO::1220dddd' } as const;
export const OLD_WEIGHT = 10_000;

/** The AWS example, defaulted as the API server would, with identity metadata; `patch` edits it. */
export function migration(patch?: (m: SvKmsMigration) => void): SvKmsMigration {
  const raw = exampleMigration('aws');
  raw.metadata = { name: 'acme', namespace: NS };
  raw.spec.newSv.namespace = NS;
  raw.spec.oldSv.namespace = 'sv';
  raw.spec.network.name = 'Local';
  const { migration: m, problems } = validateMigration(raw);
  if (!m) throw new Error(`fixture migration invalid: ${JSON.stringify(problems)}`);
  m.metadata = { ...m.metadata, uid: '0f0e0d0c-uid', generation: 1, resourceVersion: '1', finalizers: ['svkms.dev/bookkeeping'] };
  patch?.(m);
  return m;
}

/** The decision input for `m`, with the given status and facts. */
export function input(m: SvKmsMigration, opts: { status?: SvKmsMigrationStatus; dso?: DsoFacts; now?: Date } = {}): DecideInput {
  return { m, status: opts.status ?? {}, generation: m.metadata.generation ?? 1, now: opts.now ?? T0, timing: DEFAULT_TIMING, facts: opts.dso ? { dso: opts.dso } : {} };
}

/** Agreed DSO facts: both SVs onboarded with the given weights (null: not an SV). */
export function facts(opts: { newWeight?: number | null; oldWeight?: number | null; oldOffboarded?: boolean; threshold?: number; svRightOwners?: boolean } = {}): DsoFacts {
  const newWeight = opts.newWeight === undefined ? 0 : opts.newWeight;
  const oldWeight = opts.oldWeight === undefined ? OLD_WEIGHT : opts.oldWeight;
  return {
    newSv: newWeight === null ? null : { partyId: PARTY.new, weight: newWeight },
    oldSv: oldWeight === null ? null : { partyId: PARTY.old, weight: oldWeight },
    oldSvOffboarded: opts.oldOffboarded ?? false,
    votingThreshold: opts.threshold ?? 3,
    svRightOwners: opts.svRightOwners ?? false,
    svNames: ['Other-1', ...(oldWeight === null ? [] : ['Acme-1']), ...(newWeight === null ? [] : ['Acme-2'])].sort(),
  };
}

/** A DSO state a Scan could report, matching {@link facts}. */
export function dsoState(opts: { newWeight?: number | null; oldWeight?: number | null; oldOffboarded?: boolean } = {}): DsoState {
  const f = facts(opts);
  const svs = new Map<string, SvInfo>([[PARTY.other, { name: 'Other-1', svRewardWeight: 10_000, participantId: 'PAR::other', joinedAsOfRound: 0 }]]);
  if (f.oldSv) svs.set(PARTY.old, { name: 'Acme-1', svRewardWeight: f.oldSv.weight, participantId: 'PAR::old', joinedAsOfRound: 0 });
  if (f.newSv) svs.set(PARTY.new, { name: 'Acme-2', svRewardWeight: f.newSv.weight, participantId: 'PAR::new', joinedAsOfRound: 10 });
  const offboardedSvs = new Map<string, OffboardedSvInfo>(f.oldSvOffboarded ? [[PARTY.old, { name: 'Acme-1', participantId: 'PAR::old' }]] : []);
  return { dsoPartyId: PARTY.dso, dsoRulesContractId: 'cid-rules', votingThreshold: 3, svs, offboardedSvs };
}

/** A valid key Secret of `kind`. */
export async function keySecret(kind: KeyKind, name: string, namespace = NS): Promise<V1Secret> {
  return keySecretManifest(kind, await KEY_KIND_INFO[kind].generate(), { name, namespace });
}

/** An open vote request as the SV app lists it. */
export function openVote(action: unknown, opts: { requester?: string; accepts?: number; rejects?: number; trackingCid?: string; voteBefore?: string; effectiveAt?: string } = {}): VoteRequest {
  const votes = [
    ...Array.from({ length: opts.accepts ?? 1 }, (_, i) => ({ svName: `SV-${i}`, svParty: `SV-${i}::1220`, accept: true, reasonUrl: '', reasonBody: '', castAt: null })),
    ...Array.from({ length: opts.rejects ?? 0 }, (_, i) => ({ svName: `SV-r${i}`, svParty: `SV-r${i}::1220`, accept: false, reasonUrl: '', reasonBody: '', castAt: null })),
  ];
  return {
    contractId: opts.trackingCid ?? 'cid-vote-1',
    trackingCid: opts.trackingCid ?? 'cid-vote-1',
    requesterName: opts.requester ?? 'Acme-1',
    action,
    decodedAction: undefined,
    votes,
    voteBefore: opts.voteBefore ?? '2026-11-09T10:00:00Z',
    targetEffectiveAt: opts.effectiveAt ?? null,
    reasonUrl: '',
    reasonBody: '',
  };
}

/** A closed vote as the governance port returns it. */
export function closedVote(outcome: ClosedVote['outcome'], opts: Partial<ClosedVote> = {}): ClosedVote {
  return { trackingCid: 'cid-vote-1', outcome, detail: outcome ?? 'VRO_Unknown', closedAt: '2026-11-05T10:00:00Z', votesFor: 4, votesAgainst: 0, ...opts };
}

/** The old SV's app in memory: open requests, closed votes by lookup tag, and the requests it received. */
export class FakeGovernance implements GovernancePort {
  open: VoteRequest[] = [];
  /** Closed votes by the tag in their reason (what the real app's reason text carries). */
  closed = new Map<string, ClosedVote>();
  readonly requests: NewVoteRequest[] = [];
  /** Thrown by the next call of any method (once). */
  failNext: Error | undefined;
  /** Whether the app answers a request as a duplicate. */
  duplicate = false;

  private fail(): void {
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
  async identity(): Promise<{ partyId: string }> {
    this.fail();
    return { partyId: PARTY.old };
  }
  /** Thrown by verifyAuthorized (the client's user may not act for the SV). */
  refuse: Error | undefined;
  async verifyAuthorized(): Promise<void> {
    this.fail();
    if (this.refuse) throw this.refuse;
  }
  async openVoteRequests(): Promise<VoteRequest[]> {
    this.fail();
    return this.open;
  }
  async findClosedVote(lookup: { tag: string }): Promise<ClosedVote | undefined> {
    this.fail();
    return this.closed.get(lookup.tag);
  }
  async requestVote(request: NewVoteRequest): Promise<'created' | 'exists'> {
    this.fail();
    // As the SV app: a second open request of the same SV for the same action is refused as a duplicate.
    if (this.duplicate || this.open.some((o) => sameAction(o.action, request.action) && o.requesterName === 'Acme-1')) return 'exists';
    this.requests.push(request);
    if (!this.listLag) this.open.push(openVote(request.action, { trackingCid: `cid-${this.requests.length}`, accepts: 1 }));
    return 'created';
  }
  /** Whether created requests stay out of the open list (the app's store lags). */
  listLag = false;
}

/** A wallet in memory: balance, transfers by tracking id, incoming offers, and every send/accept. */
export class FakeWallet implements WalletPort {
  unlocked = '1000.0';
  states = new Map<string, TransferState>();
  incoming = new Map<string, string>();
  readonly sent: TransferOrder[] = [];
  readonly accepted: string[] = [];
  featureSet: WalletFeatures = { tokenStandard: true, preapprovalDescription: true };
  failNext: Error | undefined;

  private fail(): void {
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
  user = { onboarded: true, walletInstalled: true, partyId: PARTY.old };
  async features(): Promise<WalletFeatures> {
    this.fail();
    return this.featureSet;
  }
  async userStatus(): Promise<{ onboarded: boolean; walletInstalled: boolean; partyId: string }> {
    this.fail();
    return this.user;
  }
  async unlockedBalance(): Promise<string> {
    this.fail();
    return this.unlocked;
  }
  async transferState(ref: TransferRef): Promise<TransferState | undefined> {
    this.fail();
    return this.states.get(ref.trackingId);
  }
  async sendTransfer(order: TransferOrder): Promise<'created' | 'exists'> {
    this.fail();
    if (this.states.has(order.trackingId)) return 'exists';
    this.sent.push(order);
    this.states.set(order.trackingId, 'created');
    return 'created';
  }
  async incomingTransfer(ref: TransferRef): Promise<string | undefined> {
    this.fail();
    return this.incoming.get(ref.trackingId);
  }
  async acceptTransfer(_method: TransferMethod, contractId: string): Promise<void> {
    this.fail();
    this.accepted.push(contractId);
    // An accepted transfer is no longer open to accept.
    for (const [id, cid] of this.incoming) if (cid === contractId) this.incoming.delete(id);
  }
}

type Workload = V1Deployment | V1StatefulSet;

/** The whole outside world of one migration, in memory. */
export class FakeWorld {
  /** The KMS credentials the example names are there. */
  readonly secrets = new Map<string, V1Secret>([
    [`${NS}/aws-kms-credentials`, { metadata: { name: 'aws-kms-credentials', namespace: NS }, data: { accessKeyId: Buffer.from('AKIAFAKE').toString('base64'), secretAccessKey: Buffer.from('fake-secret').toString('base64') } }],
  ]);
  readonly configMaps = new Map<string, V1ConfigMap>();
  readonly deployments = new Map<string, V1Deployment>();
  /** The old SV's namespace lets migrations from the test namespace in. */
  readonly namespaces = new Map<string, V1Namespace>([['sv', { metadata: { name: 'sv', labels: { 'svkms.dev/allow-migrations-from': NS } } }]]);
  readonly workloads: Workload[] = [];
  /** Pods the cluster shows; undefined: the operator may not list them (RBAC). */
  pods: V1Pod[] | undefined = [];
  readonly served = new Set<string>([NS, 'sv']);
  /** What the Scans answer now (a fresh read). */
  dso: ScanView<DsoState>[] = [1, 2, 3].map((i) => ({ url: `https://scan-${i}`, ok: true as const, value: dsoState({ newWeight: null }) }));
  /**
   * What a shared read answers when it differs from {@link dso}: the Scans' answer of up to a poll interval ago, kept
   * for the other migrations on the network. A fresh read replaces it, as the operator's shared reads do.
   */
  sharedDso: ScanView<DsoState>[] | undefined;
  /** DSO reads by kind: shared (possibly {@link sharedDso}) and fresh. */
  readonly dsoReads = { shared: 0, fresh: 0 };
  onboarding: { state: string; confirmations?: { have: number; need: number } } = { state: 'requested', confirmations: { have: 1, need: 3 } };
  readonly governance = new FakeGovernance();
  readonly oldWallet = new FakeWallet();
  newWallet: FakeWallet | undefined;
  preflight: KmsPreflightReport = { ok: true, verified: ['credentials accepted'], notVerified: [] };
  cantonKeys = 3;
  /** Whether the receiver of the asset transfer has a transfer preapproval (every Scan says the same). */
  receiverPreapproval = false;
  /** What the Scans answer to GET /version. */
  spliceVersion = '0.7.4';
  /** Every write, in order: `kind verb name`. */
  readonly writes: string[] = [];
  readonly events: { type: EventType; reason: string; message: string }[] = [];
  /** The migration's stored status and resourceVersion (what writeStatus writes). */
  stored: SvKmsMigration | undefined;
  /** Makes the next status write fail with a conflict. */
  conflictNext = false;
  /** Aborts this controller when the next status write (a checkpoint) has been made: a crash right after it. */
  crashAfterNextWrite: AbortController | undefined;
  preflightCalls = 0;

  setDso(state: Parameters<typeof dsoState>[0]): void {
    this.dso = this.dso.map((v) => ({ url: v.url, ok: true as const, value: dsoState(state) }));
  }

  /** The Scans now answer `state`, while the shared reads still hold their answer from before (`sharedDso`). */
  changeDso(state: Parameters<typeof dsoState>[0] | ScanView<DsoState>[]): void {
    this.sharedDso = this.dso;
    this.dso = Array.isArray(state) ? state : this.dso.map((v) => ({ url: v.url, ok: true as const, value: dsoState(state) }));
  }

  private splice(fresh: boolean): MigrationDeps['splice'] {
    return {
      dsoViews: async () => {
        if (fresh) {
          this.dsoReads.fresh++;
          this.sharedDso = undefined;
          return this.dso;
        }
        this.dsoReads.shared++;
        return this.sharedDso ?? this.dso;
      },
      scanVersions: async () => this.dso.map((v) => ({ url: v.url, ok: true as const, value: this.spliceVersion })),
      onboardingStatus: async () => this.onboarding,
      oldSvApp: async () => ({ ok: true, client: this.governance }),
      // The Scans publish the same votes the old SV's app lists.
      networkVotes: () => ({ openVoteRequests: () => this.governance.openVoteRequests(), findClosedVote: (lookup) => this.governance.findClosedVote(lookup) }),
      oldWallet: async () => ({ ok: true, client: this.oldWallet }),
      newWallet: async () => (this.newWallet ? { ok: true, client: this.newWallet } : undefined),
      transferPreapproval: async () => this.dso.map((v) => ({ url: v.url, ok: true as const, value: this.receiverPreapproval })),
      fresh: () => this.splice(true),
    };
  }

  deps(): MigrationDeps {
    const key = (ns: string, name: string) => `${ns}/${name}`;
    const probe: KmsProbe = {
      preflight: async () => {
        this.preflightCalls++;
        return this.preflight;
      },
      countCantonKeys: async () => this.cantonKeys,
    };
    return {
      timing: DEFAULT_TIMING,
      cluster: {
        secret: async (ns, name) => this.secrets.get(key(ns, name)),
        configMap: async (ns, name) => this.configMaps.get(key(ns, name)),
        deployment: async (ns, name) => this.deployments.get(key(ns, name)),
        namespace: (name) => this.namespaces.get(name),
        workloads: async (ns) => this.workloads.filter((w) => w.metadata?.namespace === ns),
        pods: async (ns) => (this.pods === undefined ? undefined : this.pods.filter((p) => p.metadata?.namespace === ns)),
        serves: (ns) => this.served.has(ns),
      },
      actions: {
        createSecret: async (s) => {
          const k = key(s.metadata!.namespace!, s.metadata!.name!);
          if (this.secrets.has(k)) return false;
          this.secrets.set(k, cloneJson(s));
          this.writes.push(`Secret create ${s.metadata!.name}`);
          return true;
        },
        applyConfigMap: async (cm) => {
          this.configMaps.set(key(cm.metadata!.namespace!, cm.metadata!.name!), cloneJson(cm));
          this.writes.push(`ConfigMap apply ${cm.metadata!.name}`);
        },
        annotate: async (kind, _ns, name) => {
          this.writes.push(`${kind} annotate ${name}`);
        },
        addFinalizer: async () => {
          this.writes.push('SvKmsMigration addFinalizer');
        },
        removeFinalizer: async () => {
          this.writes.push('SvKmsMigration removeFinalizer');
        },
        writeStatus: async (m, status) => {
          if (this.conflictNext) {
            this.conflictNext = false;
            return undefined;
          }
          const rv = String(Number(m.metadata.resourceVersion ?? '0') + 1);
          this.stored = { ...cloneJson(m), metadata: { ...m.metadata, resourceVersion: rv }, status: cloneJson(status) };
          this.writes.push('SvKmsMigration status');
          this.crashAfterNextWrite?.abort();
          this.crashAfterNextWrite = undefined;
          return rv;
        },
        scaleToZero: async (kind, ns, name) => {
          const w = this.workloads.find((x) => x.metadata?.namespace === ns && x.metadata?.name === name);
          if (w?.spec) w.spec.replicas = 0;
          this.writes.push(`${kind} scale ${name}`);
        },
      },
      kmsProbe: () => probe,
      splice: this.splice(false),
      event: async (_m, type, reason, message) => {
        this.events.push({ type, reason, message });
      },
      registerSecret: () => undefined,
    };
  }
}

/** A reconcile context with a fixed clock. */
export function reconcileContext(now: Date = T0, signal: AbortSignal = new AbortController().signal): ReconcileContext {
  return { signal, log: pino({ level: 'silent' }), reconcileId: 'test', now: () => now };
}

/** HOCON `path = value` lines for a JSON object (strings quoted). */
function hoconLines(value: Record<string, unknown>, prefix: string): string {
  return Object.entries(value)
    .map(([k, v]) => (v !== null && typeof v === 'object' ? hoconLines(v as Record<string, unknown>, `${prefix}.${k}`) : `${prefix}.${k} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`))
    .join('\n');
}

/** The participant container env the chart makes of the rendered values (the KMS config and the literal env vars). */
export function participantEnv(m: SvKmsMigration): { name: string; value: string }[] {
  const kms = hoconLines({ provider: 'kms', kms: expectedKmsConfig(m) }, 'canton.participants.participant.crypto');
  return [{ name: KMS_ENV_VAR, value: kms }, ...Object.entries(expectedLiteralEnv(m)).map(([name, value]) => ({ name, value }))];
}
