/**
 * The simulated network's shared ledger state: DsoRules (SVs, weights, offboarded SVs), SV onboarding, vote requests
 * with the ⅔ rule, closed vote results, wallets and transfer offers. Pure state transitions; no HTTP here.
 * Behaviour follows research/splice-domain.md §3.4, §4.2–4.4 and §5.
 */
import { createHash } from 'node:crypto';

/** Thrown by a transition the real app would refuse; `status` is the HTTP status the app answers with. */
export class SimRejection extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A node of the network (an SV, or a candidate SV before it is onboarded): one Scan, SV app and wallet. */
export interface SimNode {
  id: string;
  name: string;
  party: string;
  participantId: string;
  user: string;
  /** Identities this node approves for onboarding (its `approvedSvIdentities`). */
  approvedIdentities: { name: string; publicKey: string; rewardWeightBps: number }[];
}

/** An onboarded SV in DsoRules. */
export interface SvEntry {
  name: string;
  weight: number;
  participantId: string;
  joinedAsOfRound: number;
}

/** An open vote request. `cid` changes with every vote (archive + recreate); `trackingCid` is the original cid. */
export interface SimVoteRequest {
  cid: string;
  trackingCid: string | null;
  originalCid: string;
  requesterName: string;
  requesterParty: string;
  action: ActionJson;
  reason: { url: string; body: string };
  voteBefore: number;
  targetEffectiveAt: number | null;
  votes: Map<string, { sv: string; accept: boolean; reason: { url: string; body: string }; optCastAt: string | null }>;
  createdAt: number;
}

/** A closed vote request. */
export interface SimVoteResult {
  request: SimVoteRequest;
  completedAt: number;
  outcome: 'VRO_Accepted' | 'VRO_Rejected' | 'VRO_Expired' | 'VRO_AcceptedButActionFailed';
  /** When an accepted action took effect (the `vote_effective_at` column); null for every other outcome. */
  effectiveAt: number | null;
  /** Why an accepted action failed (`VRO_AcceptedButActionFailed`). */
  failure?: string;
  /** Insertion order (the table's row order). */
  seq: number;
  /** Part of the seeded history (left out of state snapshots). */
  seeded?: boolean;
}

/** A token-standard transfer instruction (pending until the receiver accepts). */
export interface SimTransferInstruction {
  cid: string;
  sender: string;
  receiver: string;
  amount: bigint;
  description: string;
  trackingId: string;
  expiresAtMicros: number;
  status: 'pending' | 'completed' | 'rejected';
  createdAt: number;
}

/**
 * One entry of a wallet's transaction history (the party's tx log): `transfer` when Amulet left the party (or was
 * locked for a pending instruction), `balance_change` when it arrived outside a transfer or a lock was released.
 */
export interface SimHistoryEntry {
  eventId: string;
  at: number;
  type: 'transfer' | 'balance_change';
  choice: string;
  sender?: { party: string; amount: bigint };
  receivers: { party: string; amount: bigint }[];
  transferInstructionCid?: string;
  description?: string;
}

/** A receiver's transfer preapproval. */
export interface SimPreapproval {
  cid: string;
  receiver: string;
  createdAt: number;
  expiresAt: number;
}

/** A transfer offer's lifecycle. */
export interface SimTransferOffer {
  cid: string;
  acceptedCid?: string;
  completedCid?: string;
  sender: string;
  receiver: string;
  amount: bigint;
  description: string;
  expiresAtMicros: number;
  trackingId: string;
  status: 'created' | 'accepted' | 'completed' | 'failed';
  failureKind?: 'expired' | 'rejected' | 'withdrawn';
  withdrawnReason?: string;
  transactionId: string;
}

/** Daml-JSON action (as posted). */
export type ActionJson = { tag: string; value: { dsoAction: { tag: string; value: Record<string, unknown> } } };

/** Onboarding of one candidate. */
export interface SimOnboarding {
  name: string;
  publicKey: string;
  party: string;
  participantId: string;
  cid: string;
  confirmedBy: string[];
  state: 'requested' | 'confirmed' | 'completed';
}

const SCALE = 10_000_000_000n; // Daml Decimal: 10 fractional digits

/** Parses a non-negative Daml decimal string into 1e-10 units. */
export function parseAmount(s: string): bigint {
  const m = /^([0-9]+)(?:\.([0-9]{1,10}))?$/.exec(s);
  if (!m) throw new SimRejection(400, `Invalid decimal amount ${JSON.stringify(s)}`);
  return BigInt(m[1]!) * SCALE + BigInt((m[2] ?? '').padEnd(10, '0'));
}

/** Formats 1e-10 units as a Daml decimal string with 10 fractional digits. */
export function formatAmount(n: bigint): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  return `${neg ? '-' : ''}${a / SCALE}.${(a % SCALE).toString().padStart(10, '0')}`;
}

/** A deterministic party id for a name. */
export function partyFor(name: string): string {
  return `${name.replace(/[^A-Za-z0-9-]/g, '-')}::1220${createHash('sha256').update(name).digest('hex').slice(0, 60)}`;
}

/** ⅔ of the SVs, rounded up: the number of accepting votes a request needs. */
export function votingThreshold(numSvs: number): number {
  return Math.ceil((2 * numSvs) / 3);
}

/** The simulated network state. */
export class SimNetwork {
  readonly nodes: SimNode[];
  readonly svs = new Map<string, SvEntry>();
  readonly offboardedSvs = new Map<string, { name: string; participantId: string }>();
  readonly voteRequests: SimVoteRequest[] = [];
  readonly voteResults: SimVoteResult[] = [];
  readonly onboardings: SimOnboarding[] = [];
  readonly balances = new Map<string, bigint>();
  /** Amulet locked for pending token-standard transfers, by sender. */
  readonly locked = new Map<string, bigint>();
  /** Each party's wallet history, oldest first. */
  readonly history = new Map<string, SimHistoryEntry[]>();
  /** How long the wallet deduplicates token-standard tracking ids and preapproval-send ids (its dedupDuration). */
  readonly dedupWindowMs = 86_400_000;
  readonly offers: SimTransferOffer[] = [];
  readonly transferInstructions: SimTransferInstruction[] = [];
  readonly preapprovals = new Map<string, SimPreapproval>();
  /** Successful preapproval sends by `sender deduplicationId` (one success per id). */
  readonly preapprovalSends = new Map<string, { at: number; amount: bigint; receiver: string }>();
  /** The DsoRules' on-ledger SV right owners (D15); null = the SV-entry weight model. */
  svRightOwners: unknown = null;
  /** When set, every accepted action fails with this description (`VRO_AcceptedButActionFailed`). */
  failActionsWith: string | null = null;
  dsoRulesCid: string;
  #resultSeq = 0;
  round = 10;
  #seq = 0;
  readonly #now: () => number;
  /** Called after every state change, so the server can schedule simulated votes. */
  onVoteRequestCreated: (r: SimVoteRequest) => void = () => {};

  /** `initial` lists each node's opening balance, and its weight when it starts as an onboarded SV. */
  constructor(nodes: SimNode[], initial: { nodeId: string; weight?: number; balance: string }[], now: () => number) {
    this.nodes = nodes;
    this.#now = now;
    for (const i of initial) {
      const n = this.node(i.nodeId);
      if (i.weight !== undefined) this.svs.set(n.party, { name: n.name, weight: i.weight, participantId: n.participantId, joinedAsOfRound: 0 });
    }
    for (const n of nodes) this.balances.set(n.party, parseAmount(initial.find((i) => i.nodeId === n.id)?.balance ?? '0'));
    this.dsoRulesCid = this.newCid();
  }

  /** A fresh contract id. */
  newCid(): string {
    return `00${createHash('sha256').update(`cid-${++this.#seq}`).digest('hex')}`;
  }

  /** The node with id `id` (throws for an unknown id). */
  node(id: string): SimNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no simulated node ${id}`);
    return n;
  }

  /** The node whose party is `party`, if any. */
  nodeByParty(party: string): SimNode | undefined {
    return this.nodes.find((x) => x.party === party);
  }

  /** Current threshold. */
  threshold(): number {
    return votingThreshold(this.svs.size);
  }

  #dsoChanged(): void {
    this.dsoRulesCid = this.newCid();
  }

  // ---- vote requests ----

  /** `DsoRules_RequestVote` as the SV app exercises it for `node`. */
  createVoteRequest(node: SimNode, req: { requester: string; action: unknown; url: string; description: string; expirationMicros: bigint; effectiveTime?: number }): SimVoteRequest {
    this.expire();
    if (req.requester !== node.party) throw new SimRejection(400, `requester ${req.requester} is not this SV's party ${node.party}`);
    const sv = this.svs.get(node.party);
    if (!sv) throw new SimRejection(400, `DAML_FAILURE: requester ${node.party} is not an SV`);
    const action = checkAction(req.action);
    const dup = this.voteRequests.find((r) => r.requesterParty === node.party && JSON.stringify(normalise(r.action)) === JSON.stringify(normalise(action)));
    if (dup) throw new SimRejection(400, `This vote request has already been created ${dup.cid}.`);
    const now = this.#now();
    const voteBefore = now + Number(req.expirationMicros / 1000n);
    if (req.effectiveTime !== undefined && req.effectiveTime < voteBefore) {
      throw new SimRejection(400, 'DAML_FAILURE: template precondition violated: targetEffectiveAt must not be before voteBefore');
    }
    const cid = this.newCid();
    const r: SimVoteRequest = {
      cid,
      trackingCid: null,
      originalCid: cid,
      requesterName: sv.name,
      requesterParty: node.party,
      action,
      reason: { url: req.url, body: req.description },
      voteBefore,
      targetEffectiveAt: req.effectiveTime ?? null,
      votes: new Map([[sv.name, { sv: node.party, accept: true, reason: { url: req.url, body: req.description }, optCastAt: new Date(now).toISOString() }]]),
      createdAt: now,
    };
    this.voteRequests.push(r);
    this.onVoteRequestCreated(r);
    this.settle(r);
    return r;
  }

  /** Casts (or changes) `voter`'s vote on the request with tracking id `trackingCid`. */
  castVote(voterParty: string, trackingCid: string, accept: boolean, reason = { url: '', body: '' }): void {
    this.expire();
    const sv = this.svs.get(voterParty);
    if (!sv) throw new SimRejection(400, `DAML_FAILURE: voter ${voterParty} is not an SV`);
    const r = this.voteRequests.find((x) => x.originalCid === trackingCid);
    if (!r) throw new SimRejection(400, `Vote request not found for tracking-id ${trackingCid}`);
    r.votes.set(sv.name, { sv: voterParty, accept, reason, optCastAt: new Date(this.#now()).toISOString() });
    // Voting archives and recreates the request, remembering the original cid.
    r.cid = this.newCid();
    r.trackingCid = r.originalCid;
    this.settle(r);
  }

  /** Closes `r` when it has passed (and is effective) or can no longer pass. */
  settle(r: SimVoteRequest): void {
    const accepts = [...r.votes.values()].filter((v) => v.accept && this.svs.has(v.sv)).length;
    const rejects = [...r.votes.values()].filter((v) => !v.accept && this.svs.has(v.sv)).length;
    const now = this.#now();
    if (accepts >= this.threshold() && (r.targetEffectiveAt === null || r.targetEffectiveAt <= now)) {
      const failure = this.#execute(r.action);
      if (failure === undefined) this.#close(r, 'VRO_Accepted', now);
      else this.#close(r, 'VRO_AcceptedButActionFailed', null, failure);
    } else if (rejects > this.svs.size - this.threshold()) {
      this.#close(r, 'VRO_Rejected');
    }
  }

  /** Expires requests past `voteBefore` and executes passed requests whose effective time has come. */
  expire(): void {
    const now = this.#now();
    for (const r of [...this.voteRequests]) {
      if (r.targetEffectiveAt !== null && r.targetEffectiveAt <= now) this.settle(r);
      // Past voteBefore a request without ⅔ accepting expires; one with ⅔ waits for its effective time.
      if (this.voteRequests.includes(r) && r.voteBefore <= now && (r.targetEffectiveAt === null || this.#accepts(r) < this.threshold())) this.#close(r, 'VRO_Expired');
    }
  }

  #accepts(r: SimVoteRequest): number {
    return [...r.votes.values()].filter((v) => v.accept && this.svs.has(v.sv)).length;
  }

  #close(r: SimVoteRequest, outcome: SimVoteResult['outcome'], effectiveAt: number | null = null, failure?: string): void {
    this.voteRequests.splice(this.voteRequests.indexOf(r), 1);
    this.voteResults.push({ request: r, completedAt: this.#now(), outcome, effectiveAt, seq: ++this.#resultSeq, ...(failure === undefined ? {} : { failure }) });
  }

  /** Runs an accepted action; returns why it failed (the Daml choice threw), or undefined. */
  #execute(action: ActionJson): string | undefined {
    if (this.failActionsWith !== null) return this.failActionsWith;
    const d = action.value.dsoAction;
    if (d.tag === 'SRARC_UpdateSvRewardWeight') {
      const party = d.value.svParty as string;
      const sv = this.svs.get(party);
      if (!sv) return `DsoRules_UpdateSvRewardWeight: ${party} is not an SV`;
      sv.weight = Number(d.value.newRewardWeight);
    } else if (d.tag === 'SRARC_OffboardSv') {
      const party = d.value.sv as string;
      const sv = this.svs.get(party);
      if (!sv) return `DsoRules_OffboardSv: ${party} is not an SV`;
      if (this.svs.size <= 1) return 'DsoRules_OffboardSv: cannot offboard the last SV';
      this.svs.delete(party);
      this.offboardedSvs.set(party, { name: sv.name, participantId: sv.participantId });
    }
    this.#dsoChanged();
    return undefined;
  }

  /**
   * Adds `count` closed votes of other SVs (`requesterNames`) in bulk, oldest first, spread over the `spanMs` before
   * now: a mix of accepted weight changes, rejected and expired requests, and offboardings. Cheap: no votes are replayed.
   */
  seedVoteResults(count: number, requesterNames: string[], spanMs = 400 * 86_400_000): void {
    const now = this.#now();
    const outcomes: SimVoteResult['outcome'][] = ['VRO_Accepted', 'VRO_Rejected', 'VRO_Expired', 'VRO_Accepted', 'VRO_Rejected'];
    for (let i = 0; i < count; i++) {
      const completedAt = now - spanMs + Math.floor((spanMs * i) / count);
      const name = requesterNames[i % requesterNames.length]!;
      const party = partyFor(name);
      const outcome = outcomes[i % outcomes.length]!;
      const dsoAction =
        i % 7 === 6 ? { tag: 'SRARC_OffboardSv', value: { sv: partyFor(`Gone-${i}`) } } : { tag: 'SRARC_UpdateSvRewardWeight', value: { svParty: party, newRewardWeight: String(1000 + (i % 50_000)) } };
      const cid = `00seed${i.toString(16).padStart(10, '0')}`;
      const request: SimVoteRequest = {
        cid,
        trackingCid: null,
        originalCid: cid,
        requesterName: name,
        requesterParty: party,
        action: { tag: 'ARC_DsoRules', value: { dsoAction } },
        reason: { url: `https://example.com/proposals/${i}`, body: `seeded vote ${i}` },
        voteBefore: completedAt,
        targetEffectiveAt: null,
        votes: new Map([[name, { sv: party, accept: true, reason: { url: '', body: '' }, optCastAt: new Date(completedAt - 3_600_000).toISOString() }]]),
        createdAt: completedAt - 7 * 86_400_000,
      };
      this.voteResults.push({ request, completedAt, outcome, effectiveAt: outcome === 'VRO_Accepted' ? completedAt : null, seq: ++this.#resultSeq, seeded: true });
    }
  }

  // ---- onboarding ----

  /** A sponsor adds `{name, publicKey, rewardWeightBps}` to its approved identities. */
  approveIdentity(nodeId: string, identity: { name: string; publicKey: string; rewardWeightBps: number }): void {
    const n = this.node(nodeId);
    n.approvedIdentities = n.approvedIdentities.filter((a) => a.name !== identity.name).concat([identity]);
    for (const o of this.onboardings) this.#confirmOnboarding(o);
  }

  /** The candidate's SV app asks to join (join-with-key): creates the onboarding request that sponsors confirm. */
  requestOnboarding(candidateId: string, publicKey: string): SimOnboarding {
    const c = this.node(candidateId);
    if (this.svs.has(c.party)) throw new SimRejection(400, `Candidate SV ${c.party} is already an SV`);
    for (const [party, sv] of this.svs) {
      if (sv.name === c.name) throw new SimRejection(400, `Candidate SV ${c.party} cannot use name \`${c.name}\` because it's used by SV with party ID ${party}.`);
    }
    if (!this.nodes.some((n) => this.svs.has(n.party) && n.approvedIdentities.some((a) => a.name === c.name && a.publicKey === publicKey))) {
      throw new SimRejection(401, `Candidate ${c.name} is not approved by this SV`);
    }
    let o = this.onboardings.find((x) => x.name === c.name);
    if (!o) {
      o = { name: c.name, publicKey, party: c.party, participantId: c.participantId, cid: this.newCid(), confirmedBy: [], state: 'requested' };
      this.onboardings.push(o);
    }
    this.#confirmOnboarding(o);
    return o;
  }

  #confirmOnboarding(o: SimOnboarding): void {
    if (o.state !== 'requested') return;
    for (const n of this.nodes) {
      if (!this.svs.has(n.party) || o.confirmedBy.includes(this.svs.get(n.party)!.name)) continue;
      if (n.approvedIdentities.some((a) => a.name === o.name && a.publicKey === o.publicKey)) o.confirmedBy.push(this.svs.get(n.party)!.name);
    }
    if (o.confirmedBy.length < this.threshold()) return;
    // The confirming sponsors' approved weight (they must agree; the first is used).
    const weight = this.nodes.flatMap((n) => n.approvedIdentities).find((a) => a.name === o.name && a.publicKey === o.publicKey)!.rewardWeightBps;
    o.state = 'confirmed';
    o.cid = this.newCid();
    this.svs.set(o.party, { name: o.name, weight, participantId: o.participantId, joinedAsOfRound: this.round });
    this.#dsoChanged();
    o.state = 'completed';
    o.cid = this.dsoRulesCid;
  }

  /** Onboarding status by candidate name or party. */
  onboardingStatus(nameOrParty: string): SimOnboarding | undefined {
    return this.onboardings.find((o) => o.name === nameOrParty || o.party === nameOrParty);
  }

  // ---- wallet ----

  /** Creates a transfer offer from `sender`; a reused tracking id is a 409. */
  createTransferOffer(sender: string, req: { receiver_party_id: string; amount: string; description: string; expires_at: number; tracking_id: string }): SimTransferOffer {
    if (this.offers.some((o) => o.sender === sender && o.trackingId === req.tracking_id)) {
      throw new SimRejection(409, `A transfer offer with tracking id ${req.tracking_id} has already been created`);
    }
    const amount = parseAmount(req.amount);
    if (amount <= 0n) throw new SimRejection(400, 'amount must be positive');
    const offer: SimTransferOffer = {
      cid: this.newCid(),
      sender,
      receiver: req.receiver_party_id,
      amount,
      description: req.description,
      expiresAtMicros: req.expires_at,
      trackingId: req.tracking_id,
      status: 'created',
      transactionId: this.newCid(),
    };
    this.offers.push(offer);
    return offer;
  }

  #move(sender: string, receiver: string, amount: bigint): void {
    const have = this.balances.get(sender) ?? 0n;
    if (have < amount) throw new SimRejection(400, `insufficient funds: ${formatAmount(have)} < ${formatAmount(amount)}`);
    this.balances.set(sender, have - amount);
    this.balances.set(receiver, (this.balances.get(receiver) ?? 0n) + amount);
  }

  /** Adds an entry to the histories of `parties` (the sender's and the receivers' wallets each log it). */
  #log(parties: string[], e: Omit<SimHistoryEntry, 'eventId' | 'at'>): void {
    const entry: SimHistoryEntry = { ...e, eventId: `#${this.newCid()}:0`, at: this.#now() };
    for (const p of new Set(parties)) {
      const h = this.history.get(p) ?? [];
      h.push(entry);
      this.history.set(p, h);
    }
  }

  /** A payment from `sender` to `receiver` that completed at once, in both histories. */
  #logPayment(sender: string, receiver: string, amount: bigint, choice: string, description: string, transferInstructionCid?: string): void {
    this.#log([sender, receiver], { type: 'transfer', choice, sender: { party: sender, amount: -amount }, receivers: [{ party: receiver, amount }], description, ...(transferInstructionCid ? { transferInstructionCid } : {}) });
  }

  /** Reward coupons of earlier rounds collected late by `party`'s wallet automation. */
  creditRewards(party: string, amount: bigint): void {
    this.balances.set(party, (this.balances.get(party) ?? 0n) + amount);
    this.#log([party], { type: 'balance_change', choice: 'AmuletRules_Transfer', receivers: [{ party, amount }] });
  }

  /**
   * A token-standard transfer from `sender`: completes at once when the receiver has a preapproval, else stays a
   * pending instruction until the receiver accepts. A reused tracking id is a 409.
   */
  createTokenStandardTransfer(sender: string, req: { receiver_party_id: string; amount: string; description: string; expires_at: number; tracking_id: string }): SimTransferInstruction {
    // The wallet deduplicates the tracking id as a command id, within its deduplication window only.
    if (this.transferInstructions.some((t) => t.sender === sender && t.trackingId === req.tracking_id && this.#now() - t.createdAt < this.dedupWindowMs)) {
      throw new SimRejection(409, `A transfer with tracking id ${req.tracking_id} has already been created`);
    }
    const amount = parseAmount(req.amount);
    if (amount <= 0n) throw new SimRejection(400, 'amount must be positive');
    if (req.expires_at / 1000 <= this.#now()) throw new SimRejection(400, 'expires_at is in the past');
    const t: SimTransferInstruction = {
      cid: this.newCid(),
      sender,
      receiver: req.receiver_party_id,
      amount,
      description: req.description,
      trackingId: req.tracking_id,
      expiresAtMicros: req.expires_at,
      status: 'pending',
      createdAt: this.#now(),
    };
    if (this.preapprovals.has(t.receiver)) {
      this.#move(sender, t.receiver, amount);
      t.status = 'completed';
      this.#logPayment(sender, t.receiver, amount, 'TransferFactory_Transfer', req.description);
    } else {
      const have = this.balances.get(sender) ?? 0n;
      if (have < amount) throw new SimRejection(400, `insufficient funds for transfer ${req.tracking_id}`);
      // The amount is locked until the receiver accepts or the instruction is rejected, withdrawn or expires.
      this.balances.set(sender, have - amount);
      this.locked.set(sender, (this.locked.get(sender) ?? 0n) + amount);
      this.#log([sender, t.receiver], { type: 'transfer', choice: 'TransferFactory_Transfer', sender: { party: sender, amount: -amount }, receivers: [], transferInstructionCid: t.cid, description: req.description });
    }
    this.transferInstructions.push(t);
    return t;
  }

  /** The receiver accepts a pending token-standard transfer; the locked amount moves. */
  acceptTransferInstruction(receiver: string, cid: string): SimTransferInstruction {
    const t = this.#pendingInstruction(receiver, cid);
    this.locked.set(t.sender, (this.locked.get(t.sender) ?? 0n) - t.amount);
    this.balances.set(t.receiver, (this.balances.get(t.receiver) ?? 0n) + t.amount);
    t.status = 'completed';
    this.#log([t.sender, t.receiver], { type: 'transfer', choice: 'TransferInstruction_Accept', sender: { party: t.sender, amount: 0n }, receivers: [{ party: t.receiver, amount: t.amount }], transferInstructionCid: t.cid });
    return t;
  }

  /** The receiver rejects a pending token-standard transfer; the sender's lock is released. */
  rejectTransferInstruction(receiver: string, cid: string): SimTransferInstruction {
    const t = this.#pendingInstruction(receiver, cid);
    this.locked.set(t.sender, (this.locked.get(t.sender) ?? 0n) - t.amount);
    this.balances.set(t.sender, (this.balances.get(t.sender) ?? 0n) + t.amount);
    t.status = 'rejected';
    this.#log([t.sender, t.receiver], { type: 'balance_change', choice: 'TransferInstruction_Reject', receivers: [{ party: t.sender, amount: t.amount }], transferInstructionCid: t.cid });
    return t;
  }

  #pendingInstruction(receiver: string, cid: string): SimTransferInstruction {
    const t = this.transferInstructions.find((x) => x.cid === cid && x.status === 'pending');
    if (!t) throw new SimRejection(404, `Transfer instruction ${cid} not found`);
    if (t.receiver !== receiver) throw new SimRejection(400, `Transfer instruction ${cid} is not addressed to ${receiver}`);
    return t;
  }

  /** The receiver's wallet creates a transfer preapproval (409 when one exists). */
  createPreapproval(receiver: string): SimPreapproval {
    const existing = this.preapprovals.get(receiver);
    if (existing) throw new SimRejection(409, `A transfer preapproval for ${receiver} already exists: ${existing.cid}`);
    const p = { cid: this.newCid(), receiver, createdAt: this.#now(), expiresAt: this.#now() + 365 * 86_400_000 };
    this.preapprovals.set(receiver, p);
    return p;
  }

  /** A preapproval send: needs the receiver's preapproval; one success per (sender, deduplication id) within 24 h. */
  preapprovalSend(sender: string, req: { receiver_party_id: string; amount: string; deduplication_id: string; description?: string }): void {
    const key = `${sender} ${req.deduplication_id}`;
    const prior = this.preapprovalSends.get(key);
    if (prior && this.#now() - prior.at < this.dedupWindowMs) throw new SimRejection(409, `Command with deduplication id ${req.deduplication_id} was already submitted`);
    if (!this.preapprovals.has(req.receiver_party_id)) throw new SimRejection(400, `Receiver ${req.receiver_party_id} has no transfer preapproval`);
    const amount = parseAmount(req.amount);
    if (amount <= 0n) throw new SimRejection(400, 'amount must be positive');
    this.#move(sender, req.receiver_party_id, amount);
    this.preapprovalSends.set(key, { at: this.#now(), amount, receiver: req.receiver_party_id });
    this.#logPayment(sender, req.receiver_party_id, amount, 'TransferPreapproval_Send', req.description ?? '');
  }

  /** The receiver accepts; the sender's wallet automation then completes (or fails for lack of funds) at once. */
  acceptTransferOffer(receiver: string, cid: string): SimTransferOffer {
    const o = this.offers.find((x) => x.cid === cid && x.status === 'created');
    if (!o) throw new SimRejection(404, `Transfer offer ${cid} not found`);
    if (o.receiver !== receiver) throw new SimRejection(400, `Transfer offer ${cid} is not addressed to ${receiver}`);
    if (o.expiresAtMicros / 1000 <= this.#now()) {
      o.status = 'failed';
      o.failureKind = 'expired';
      throw new SimRejection(400, `Transfer offer ${cid} has expired`);
    }
    o.status = 'accepted';
    o.acceptedCid = this.newCid();
    o.transactionId = this.newCid();
    const acceptedCid = o.acceptedCid;
    const have = this.balances.get(o.sender) ?? 0n;
    if (have < o.amount) {
      o.status = 'failed';
      o.failureKind = 'withdrawn';
      o.withdrawnReason = 'insufficient funds';
    } else {
      this.balances.set(o.sender, have - o.amount);
      this.balances.set(o.receiver, (this.balances.get(o.receiver) ?? 0n) + o.amount);
      this.#logPayment(o.sender, o.receiver, o.amount, 'AcceptedTransferOffer_Complete', o.description);
      o.status = 'completed';
      o.completedCid = this.newCid();
      o.transactionId = this.newCid();
    }
    return { ...o, acceptedCid };
  }
}

/** Validates the Daml-JSON action the simulator understands. */
function checkAction(x: unknown): ActionJson {
  const a = x as ActionJson;
  const d = a?.value?.dsoAction;
  if (a?.tag !== 'ARC_DsoRules' || typeof d?.tag !== 'string' || typeof d.value !== 'object' || d.value === null) {
    throw new SimRejection(400, 'Could not decode action as ActionRequiringConfirmation');
  }
  if (d.tag === 'SRARC_UpdateSvRewardWeight') {
    if (typeof d.value.svParty !== 'string' || typeof d.value.newRewardWeight !== 'string' || !/^[0-9]+$/.test(d.value.newRewardWeight)) {
      throw new SimRejection(400, 'Could not decode SRARC_UpdateSvRewardWeight: svParty must be a party and newRewardWeight an Int64 string');
    }
  } else if (d.tag === 'SRARC_OffboardSv') {
    if (typeof d.value.sv !== 'string') throw new SimRejection(400, 'Could not decode SRARC_OffboardSv: sv must be a party');
  } else {
    throw new SimRejection(400, `the simulator does not implement ${d.tag}`);
  }
  return a;
}

function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normalise((v as Record<string, unknown>)[k])]));
  }
  return v;
}
