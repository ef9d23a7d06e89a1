/**
 * The Splice network simulator: N SVs (plus candidate nodes) of one network behind one HTTP port, each with a Scan,
 * an SV app and a wallet under `/<node-id>/api/{scan,sv,validator}/...`, a client-credentials token endpoint and JWKS,
 * and a control API (`/control/<method>`, and the same methods on the returned object) for tests and the demo.
 * It serves the behaviour of one Splice version (`version`: 0.4.15 or 0.6.12; vote results ordering and paging differ)
 * and validates every request and response against THAT version's upstream OpenAPI specs; violations are recorded
 * in `violations` and printed (tests assert it stays empty). The network clock is `now()` (tests move it with
 * `advanceTime` or pass their own clock), so vote expiry and effective times can pass days in a test.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimIdp } from './jwt.ts';
import type { SimClient } from './jwt.ts';
import { partyFor, parseAmount, SimNetwork, SimRejection, formatAmount } from './network.ts';
import type { SimNode, SimVoteRequest } from './network.ts';
import { SpliceSpecs, upstreamDirFor } from './openapi.ts';
import type { MatchedOperation, SimApp } from './openapi.ts';
import {
  historyItem,
  dsoInfo,
  preapprovalLookup,
  transferInstructionContract,
  transferInstructionResult,
  transferOfferContract,
  transferOfferStatus,
  voteRequestContract,
  voteResult,
} from './render.ts';
import type { ScanLie } from './render.ts';
import { queryVoteResults } from './vote-results.ts';
import type { SimVersion, VoteResultsRequest } from './vote-results.ts';

export type { SimVersion } from './vote-results.ts';

export type { ScanLie } from './render.ts';

/** Options of {@link startSpliceSim}. */
export interface SpliceSimOptions {
  /** Onboarded SVs; their node ids are `sv-1`, `sv-2`, ... */
  svs: { name: string; weightBps: number; balance?: string }[];
  /** Nodes that run but are not (yet) SVs, e.g. the new KMS SV; ids `cand-1`, ... */
  candidates?: { name: string; balance?: string }[];
  /** Audiences of the SV app and the wallet (validator app). */
  audiences?: { sv?: string; wallet?: string };
  /** Simulated SVs vote on every new request after `delayMs` (default: they wait for `castVote`). */
  autoVote?: { accept: boolean; delayMs: number };
  /** Extra OAuth2 clients (e.g. one whose user has no party). */
  clients?: SimClient[];
  /** Which Splice version to behave as and validate against (default 0.4.15). */
  version?: SimVersion;
  /**
   * Extra ledger API users of a node (primary party = the node's SV party): e.g. the SV app's own user, which has no
   * wallet install (`wallet: false`: every wallet endpoint but user-status answers 404 "No wallet found for user").
   * Each node's default user (`SimNodeInfo.user`) is a wallet user.
   */
  users?: { nodeId: string; clientId: string; clientSecret: string; user: string; wallet: boolean }[];
  /** What the wallets report in `GET /v0/feature-support` (default: both, as 0.4.15 and 0.6.12 do on a current DSO). */
  walletFeatures?: { tokenStandard: boolean; preapprovalDescription: boolean };
  /** Closed votes of other SVs to seed the history with (built in bulk at start; 10,000 takes milliseconds). */
  seedVoteResults?: { count: number; requesters?: string[] };
  /**
   * MainNet-like governance (configs-repo process, research §4): the simulated SVs vote down at once a weight change
   * whose reason URL is empty.
   */
  mainNetRules?: boolean;
  /** The network clock (default `Date.now`); `advanceTime` adds to it. */
  now?: () => number;
}

/** Input of {@link SpliceSim.createVoteRequestAs}: a vote request made from outside the operator. */
export interface HandVoteRequest {
  action: unknown;
  url: string;
  description: string;
  expirationMs: number;
  /** Epoch milliseconds on the network clock; omitted = effective at threshold. */
  effectiveAtMs?: number;
}

/**
 * A fault injected into matching requests. `times` defaults to 1; `'always'` keeps it. `hang`: never answered;
 * `hold`: kept until {@link SpliceSim.releaseHeld}, then served as usual whether or not its client is still there (a
 * request that reached the wallet before its sender died takes effect all the same).
 */
export interface SimFault {
  nodeId?: string;
  app?: SimApp;
  operationId?: string;
  kind: 'latency' | 'status' | 'malformed' | 'hang' | 'hold';
  ms?: number;
  status?: number;
  retryAfterSeconds?: number;
  times?: number | 'always';
}

/** One node's endpoints and credentials (test credentials, generated per run). */
export interface SimNodeInfo {
  id: string;
  name: string;
  party: string;
  user: string;
  clientId: string;
  clientSecret: string;
  scanUrl: string;
  svAppUrl: string;
  walletUrl: string;
}

/** Side-effecting request counts per node and operation. */
export type SimCounts = Record<string, Record<string, { attempts: number; succeeded: number }>>;

/** Every request matched to an operation (reads included, whatever the answer), per node, app and operation id. */
export type SimRequestCounts = Record<string, Partial<Record<SimApp, Record<string, number>>>>;

/** A running simulator. */
export interface SpliceSim {
  /** The Splice version simulated. */
  version: SimVersion;
  baseUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  audiences: { sv: string; wallet: string };
  nodes: SimNodeInfo[];
  /** Node by id or SV name. */
  node(idOrName: string): SimNodeInfo;
  /** Spec violations seen so far (requests the clients sent wrong, responses the sim got wrong). */
  violations: string[];
  idp: SimIdp;
  // control
  approveCandidate(identity: { name: string; publicKey: string; rewardWeightBps: number }, byNodeIds?: string[]): void;
  requestOnboarding(candidateId: string, publicKey: string): { state: string; confirmedBy: string[] };
  castVote(nodeId: string, trackingCid: string, accept: boolean): void;
  /** All SVs that have not voted on the request vote `accept`. */
  voteAll(trackingCid: string, accept: boolean): void;
  acceptOffer(nodeId: string, offerCid: string): void;
  injectFault(fault: SimFault): void;
  clearFaults(): void;
  /** Serves the requests a `hold` fault kept; resolves with their answers' statuses once each was answered. */
  releaseHeld(): Promise<number[]>;
  lieScan(nodeId: string, lie: ScanLie | null): void;
  advanceTime(ms: number): void;
  /** The network clock (epoch ms). */
  now(): number;
  /** Creates a vote request as `nodeId`'s SV (another SV, or the old SV acting outside the operator); its tracking id. */
  createVoteRequestAs(nodeId: string, request: HandVoteRequest): string;
  /** Makes every accepted action fail with `description` (`VRO_AcceptedButActionFailed`); null restores success. */
  failActions(description: string | null): void;
  /** Sets the DsoRules' on-ledger SV right owners (D15); null removes them. */
  setSvRightOwners(value: unknown): void;
  /** The receiver (`nodeId`'s party) accepts a pending token-standard transfer. */
  acceptTransferInstruction(nodeId: string, cid: string): void;
  /** The receiver (`nodeId`'s party) rejects a pending token-standard transfer (the sender's lock is released). */
  rejectTransferInstruction(nodeId: string, cid: string): void;
  /** `nodeId`'s wallet collects `amount` of reward coupons of earlier rounds (what arrives after the weight moved). */
  creditRewards(nodeId: string, amount: string): void;
  /** Gives `nodeId`'s party a transfer preapproval (as its wallet would). */
  createPreapproval(nodeId: string): void;
  counts(): SimCounts;
  /** Requests received per node, app and operation, reads included (counts() has only the side-effecting ones). */
  requests(): SimRequestCounts;
  state(): SimStateSnapshot;
  stop(): Promise<void>;
}

/** The whole state, as plain JSON. */
export interface SimStateSnapshot {
  svs: { party: string; name: string; weight: number }[];
  offboardedSvs: { party: string; name: string }[];
  /** `createdAt`: when the SV app created the request (epoch ms on the network clock). */
  voteRequests: { cid: string; trackingCid: string; requester: string; action: unknown; votes: Record<string, boolean>; createdAt: number }[];
  voteResults: { trackingCid: string; action: unknown; outcome: string }[];
  balances: Record<string, string>;
  offers: { cid: string; trackingId: string; sender: string; receiver: string; amount: string; status: string }[];
  transferInstructions: { cid: string; trackingId: string; sender: string; receiver: string; amount: string; status: string }[];
  preapprovals: string[];
  onboardings: { name: string; state: string; confirmedBy: string[] }[];
}

const CONTROL_METHODS = [
  'approveCandidate',
  'requestOnboarding',
  'castVote',
  'voteAll',
  'acceptOffer',
  'injectFault',
  'clearFaults',
  'releaseHeld',
  'lieScan',
  'advanceTime',
  'now',
  'createVoteRequestAs',
  'failActions',
  'setSvRightOwners',
  'acceptTransferInstruction',
  'rejectTransferInstruction',
  'creditRewards',
  'createPreapproval',
  'counts',
  'requests',
  'state',
] as const;

/** What the SV app and Scan report as their version (`GET /version`). */
const VERSION_INFO: Record<SimVersion, { version: string; commit_ts: string }> = {
  '0.4.15': { version: '0.4.15', commit_ts: '2025-09-05T12:00:00Z' },
  '0.6.12': { version: '0.6.12', commit_ts: '2026-07-13T12:00:00Z' },
};

const specsByVersion = new Map<SimVersion, Promise<SpliceSpecs>>();

/** Starts the simulator on 127.0.0.1 with a random port. */
export async function startSpliceSim(options: SpliceSimOptions): Promise<SpliceSim> {
  const version: SimVersion = options.version ?? '0.4.15';
  let specsPromise = specsByVersion.get(version);
  if (!specsPromise) specsByVersion.set(version, (specsPromise = SpliceSpecs.load(upstreamDirFor(version))));
  const specs = await specsPromise;
  const walletFeatures = options.walletFeatures ?? { tokenStandard: true, preapprovalDescription: true };
  const audiences = { sv: options.audiences?.sv ?? 'https://sv.sim.example.com/api', wallet: options.audiences?.wallet ?? 'https://wallet.sim.example.com/api' };
  let clockOffset = 0;
  const baseClock = options.now ?? Date.now;
  const now = () => baseClock() + clockOffset;

  const mkNode = (id: string, name: string): SimNode => ({ id, name, party: partyFor(name), participantId: `PAR::${name}::1220${id}`, user: `${id}-operator@clients`, approvedIdentities: [] });
  const svNodes = options.svs.map((s, i) => mkNode(`sv-${i + 1}`, s.name));
  const candNodes = (options.candidates ?? []).map((c, i) => mkNode(`cand-${i + 1}`, c.name));
  const nodes = [...svNodes, ...candNodes];
  const net = new SimNetwork(
    nodes,
    [
      ...options.svs.map((s, i) => ({ nodeId: `sv-${i + 1}`, weight: s.weightBps, balance: s.balance ?? '0' })),
      ...(options.candidates ?? []).map((c, i) => ({ nodeId: `cand-${i + 1}`, balance: c.balance ?? '0' })),
    ],
    now,
  );
  if (options.seedVoteResults) {
    const requesters = options.seedVoteResults.requesters ?? ['Other-1', 'Other-2', 'Other-3', 'Other-4', 'Other-5', 'Other-6'];
    net.seedVoteResults(options.seedVoteResults.count, requesters);
  }

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp = await SimIdp.create(baseUrl);
  const userParty = new Map<string, string>();
  const walletUsers = new Set<string>();
  const nodeInfos: SimNodeInfo[] = nodes.map((n) => {
    const clientSecret = randomBytes(16).toString('hex');
    idp.addClient({ clientId: `${n.id}-operator`, clientSecret, user: n.user });
    userParty.set(n.user, n.party);
    walletUsers.add(n.user);
    const url = `${baseUrl}/${n.id}`;
    return { id: n.id, name: n.name, party: n.party, user: n.user, clientId: `${n.id}-operator`, clientSecret, scanUrl: url, svAppUrl: url, walletUrl: url };
  });
  for (const c of options.clients ?? []) idp.addClient(c);
  for (const u of options.users ?? []) {
    idp.addClient({ clientId: u.clientId, clientSecret: u.clientSecret, user: u.user });
    userParty.set(u.user, net.node(u.nodeId).party);
    if (u.wallet) walletUsers.add(u.user);
  }

  const violations: string[] = [];
  const violation = (msg: string) => {
    violations.push(msg);
    console.error(`splice-sim SPEC VIOLATION: ${msg}`);
  };
  const faults: (SimFault & { left: number })[] = [];
  const lies = new Map<string, { lie: ScanLie; snapshot?: unknown }>();
  const counts: SimCounts = {};
  const requestCounts: SimRequestCounts = {};
  /**
   * The simulated SVs' automatic votes not cast yet, with when they are due on the network clock. They are cast on a
   * real-time timer, and by `advanceTime` when it moves the clock past them: the votes come before the close, however
   * fast a test moves time.
   */
  const autoVotes = new Map<NodeJS.Timeout, { dueAt: number; cast: () => void }>();
  const hanging = new Set<ServerResponse>();
  /** Requests a `hold` fault keeps, and the status each was answered with, once released. */
  const held: { res: ServerResponse; release: () => void; answered: Promise<number> }[] = [];
  const onAnswer = new WeakMap<ServerResponse, (status: number) => void>();

  net.onVoteRequestCreated = (r: SimVoteRequest) => {
    if (options.mainNetRules && r.action.value.dsoAction.tag === 'SRARC_UpdateSvRewardWeight' && r.reason.url.trim() === '') {
      // "a weight vote without a matching PR should be voted down by default": every other SV rejects at once.
      queueMicrotask(() => {
        for (const n of svNodes) {
          if (n.party === r.requesterParty || !net.svs.has(n.party) || !net.voteRequests.includes(r)) continue;
          net.castVote(n.party, r.originalCid, false, { url: '', body: 'no configs-repo PR linked in the reason URL' });
        }
      });
      return;
    }
    const av = options.autoVote;
    if (!av) return;
    for (const n of svNodes) {
      if (n.party === r.requesterParty) continue;
      const cast = () => {
        autoVotes.delete(t);
        if (net.voteRequests.some((x) => x.originalCid === r.originalCid) && net.svs.has(n.party)) net.castVote(n.party, r.originalCid, av.accept);
      };
      const t = setTimeout(cast, av.delayMs);
      autoVotes.set(t, { dueAt: now() + av.delayMs, cast });
    }
  };

  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

  const handlers: Record<string, (node: SimNode, m: MatchedOperation, body: unknown, party: string | undefined) => Reply> = {
    'scan:getVersion': () => ({ status: 200, body: VERSION_INFO[version] }),
    'sv:getVersion': () => ({ status: 200, body: VERSION_INFO[version] }),
    'scan:lookupTransferPreapprovalByParty': (_n, m) => {
      const p = net.preapprovals.get(m.params.party!);
      return p ? { status: 200, body: preapprovalLookup(p) } : { status: 404, body: { error: `No TransferPreapproval found for party: ${m.params.party}` } };
    },
    'wallet:createTokenStandardTransfer': (_n, _m, body, party) => ({
      status: 200,
      body: transferInstructionResult(net.createTokenStandardTransfer(party!, body as Parameters<SimNetwork['createTokenStandardTransfer']>[1])),
    }),
    'wallet:acceptTokenStandardTransfer': (_n, m, _b, party) => ({ status: 200, body: transferInstructionResult(net.acceptTransferInstruction(party!, m.params.contract_id!)) }),
    'wallet:featureSupport': () => ({ status: 200, body: { token_standard: walletFeatures.tokenStandard, transfer_preapproval_description: walletFeatures.preapprovalDescription } }),
    'wallet:listTransactions': (_n, _m, body, party) => {
      const b = body as { page_size: number; begin_after_id?: string };
      const newestFirst = [...(net.history.get(party!) ?? [])].reverse();
      const from = b.begin_after_id ? newestFirst.findIndex((e) => e.eventId === b.begin_after_id) + 1 : 0;
      return { status: 200, body: { items: newestFirst.slice(from, from + b.page_size).map((e) => historyItem(version, e)) } };
    },
    'wallet:listTokenStandardTransfers': (_n, _m, _b, party) => ({
      status: 200,
      body: { transfers: net.transferInstructions.filter((t) => t.status === 'pending' && (t.sender === party || t.receiver === party)).map(transferInstructionContract) },
    }),
    'wallet:createTransferPreapproval': (_n, _m, _b, party) => {
      const existing = net.preapprovals.get(party!);
      if (existing) return { status: 409, body: { transfer_preapproval_contract_id: existing.cid } };
      return { status: 200, body: { transfer_preapproval_contract_id: net.createPreapproval(party!).cid } };
    },
    'wallet:transferPreapprovalSend': (_n, _m, body, party) => {
      net.preapprovalSend(party!, body as Parameters<SimNetwork['preapprovalSend']>[1]);
      return { status: 200 };
    },
    'scan:getDsoInfo': (node) => ({ status: 200, body: dsoInfo(net, node, lies.get(node.id)) }),
    'sv:getDsoInfo': (node) => ({ status: 200, body: dsoInfo(net, node) }),
    'scan:listDsoRulesVoteRequests': () => ({ status: 200, body: { dso_rules_vote_requests: net.voteRequests.map(voteRequestContract) } }),
    'sv:listDsoRulesVoteRequests': () => ({ status: 200, body: { dso_rules_vote_requests: net.voteRequests.map(voteRequestContract) } }),
    'scan:listVoteRequestResults': (_n, _m, body) => ({ status: 200, body: voteResultsAnswer(body) }),
    'sv:listVoteRequestResults': (_n, _m, body) => ({ status: 200, body: voteResultsAnswer(body) }),
    'sv:lookupDsoRulesVoteRequest': (_n, m) => {
      const r = net.voteRequests.find((x) => x.cid === m.params.vote_request_contract_id);
      return r ? { status: 200, body: { dso_rules_vote_request: voteRequestContract(r) } } : { status: 404, body: { error: 'VoteRequest contract not found.' } };
    },
    'sv:listVoteRequestsByTrackingCid': (_n, _m, body) => {
      const ids = (body as { vote_request_contract_ids: string[] }).vote_request_contract_ids;
      return { status: 200, body: { vote_requests: net.voteRequests.filter((r) => ids.includes(r.originalCid)).map(voteRequestContract) } };
    },
    'sv:createVoteRequest': (node, _m, body) => {
      const b = body as { requester: string; action: unknown; url: string; description: string; expiration: { microseconds?: unknown }; effectiveTime?: string };
      const micro = b.expiration.microseconds;
      if (typeof micro !== 'string' || !/^[0-9]+$/.test(micro)) throw new SimRejection(400, 'Could not decode expiration as RelTime: microseconds must be an Int64 string');
      net.createVoteRequest(node, { requester: b.requester, action: b.action, url: b.url, description: b.description, expirationMicros: BigInt(micro), effectiveTime: b.effectiveTime ? Date.parse(b.effectiveTime) : undefined });
      return { status: 200 };
    },
    'sv:castVote': (node, _m, body) => {
      const b = body as { vote_request_contract_id: string; is_accepted: boolean; reason_url: string; reason_description: string };
      net.castVote(node.party, b.vote_request_contract_id, b.is_accepted, { url: b.reason_url, body: b.reason_description });
      return { status: 201 };
    },
    'sv:isAuthorized': () => ({ status: 200 }),
    'sv:getSvOnboardingStatus': (_n, m) => {
      const o = net.onboardingStatus(m.params.candidate_party_id_or_name!);
      if (!o) return { status: 200, body: { state: 'unknown' } };
      if (o.state === 'requested') return { status: 200, body: { state: 'requested', name: o.name, contract_id: o.cid, confirmed_by: o.confirmedBy, required_num_confirmations: net.threshold() } };
      return { status: 200, body: { state: o.state, name: o.name, contract_id: o.cid } };
    },
    'wallet:userStatus': (_n, _m, _b, party) => ({ status: 200, body: { party_id: party, user_onboarded: true, user_wallet_installed: true, has_featured_app_right: false } }),
    'wallet:getBalance': (_n, _m, _b, party) => ({
      status: 200,
      body: { round: net.round, effective_unlocked_qty: formatAmount(net.balances.get(party!) ?? 0n), effective_locked_qty: formatAmount(net.locked.get(party!) ?? 0n), total_holding_fees: formatAmount(0n) },
    }),
    'wallet:createTransferOffer': (_n, _m, body, party) => {
      const o = net.createTransferOffer(party!, body as Parameters<SimNetwork['createTransferOffer']>[1]);
      return { status: 200, body: { offer_contract_id: o.cid } };
    },
    'wallet:listTransferOffers': (_n, _m, _b, party) => ({ status: 200, body: { offers: net.offers.filter((o) => o.status === 'created' && (o.sender === party || o.receiver === party)).map(transferOfferContract) } }),
    'wallet:getTransferOfferStatus': (_n, m, _b, party) => {
      const o = net.offers.find((x) => x.trackingId === m.params.tracking_id && (x.sender === party || x.receiver === party));
      return o ? { status: 200, body: transferOfferStatus(o) } : { status: 404, body: { error: `No transfer offer with tracking id ${m.params.tracking_id}` } };
    },
    'wallet:acceptTransferOffer': (_n, m, _b, party) => ({ status: 200, body: { accepted_offer_contract_id: net.acceptTransferOffer(party!, m.params.contract_id!).acceptedCid! } }),
  };

  function voteResultsAnswer(body: unknown) {
    net.expire();
    const { page, nextPageToken } = queryVoteResults(version, net.voteResults, body as VoteResultsRequest);
    return { dso_rules_vote_results: page.map(voteResult), ...(nextPageToken === undefined ? {} : { next_page_token: nextPageToken }) };
  }

  const send = (res: ServerResponse, reply: Reply) => {
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['content-type'] = 'application/json';
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    onAnswer.get(res)?.(reply.status);
  };

  const control = {
    approveCandidate(identity: { name: string; publicKey: string; rewardWeightBps: number }, byNodeIds?: string[]) {
      for (const id of byNodeIds ?? svNodes.map((n) => n.id)) net.approveIdentity(id, identity);
    },
    requestOnboarding(candidateId: string, publicKey: string) {
      const o = net.requestOnboarding(candidateId, publicKey);
      return { state: o.state, confirmedBy: [...o.confirmedBy] };
    },
    castVote(nodeId: string, trackingCid: string, accept: boolean) {
      net.castVote(net.node(nodeId).party, trackingCid, accept);
    },
    voteAll(trackingCid: string, accept: boolean) {
      for (const n of svNodes) {
        const r = net.voteRequests.find((x) => x.originalCid === trackingCid);
        if (!r) return;
        const sv = net.svs.get(n.party);
        if (sv && !r.votes.has(sv.name)) net.castVote(n.party, trackingCid, accept);
      }
    },
    acceptOffer(nodeId: string, offerCid: string) {
      net.acceptTransferOffer(net.node(nodeId).party, offerCid);
    },
    injectFault(fault: SimFault) {
      faults.push({ ...fault, left: fault.times === 'always' ? Number.POSITIVE_INFINITY : (fault.times ?? 1) });
    },
    clearFaults() {
      faults.length = 0;
      lies.clear();
    },
    releaseHeld(): Promise<number[]> {
      const released = held.splice(0);
      for (const h of released) h.release();
      return Promise.all(released.map((h) => h.answered));
    },
    lieScan(nodeId: string, lie: ScanLie | null) {
      if (lie === null) lies.delete(nodeId);
      else lies.set(nodeId, { lie, snapshot: lie.kind === 'stale' ? dsoInfo(net, net.node(nodeId)) : undefined });
    },
    advanceTime(ms: number) {
      // The automatic votes due before the new time are cast first, at the time they were due or earlier.
      for (const [t, vote] of [...autoVotes]) {
        if (vote.dueAt > now() + ms) continue;
        clearTimeout(t);
        vote.cast();
      }
      clockOffset += ms;
      net.expire();
    },
    now() {
      return now();
    },
    createVoteRequestAs(nodeId: string, request: HandVoteRequest) {
      const n = net.node(nodeId);
      const r = net.createVoteRequest(n, {
        requester: n.party,
        action: request.action,
        url: request.url,
        description: request.description,
        expirationMicros: BigInt(Math.round(request.expirationMs)) * 1000n,
        effectiveTime: request.effectiveAtMs,
      });
      return r.originalCid;
    },
    failActions(description: string | null) {
      net.failActionsWith = description;
    },
    setSvRightOwners(value: unknown) {
      net.svRightOwners = value ?? null;
      net.dsoRulesCid = net.newCid();
    },
    acceptTransferInstruction(nodeId: string, cid: string) {
      net.acceptTransferInstruction(net.node(nodeId).party, cid);
    },
    rejectTransferInstruction(nodeId: string, cid: string) {
      net.rejectTransferInstruction(net.node(nodeId).party, cid);
    },
    creditRewards(nodeId: string, amount: string) {
      net.creditRewards(net.node(nodeId).party, parseAmount(amount));
    },
    createPreapproval(nodeId: string) {
      net.createPreapproval(net.node(nodeId).party);
    },
    counts(): SimCounts {
      return structuredClone(counts);
    },
    requests(): SimRequestCounts {
      return structuredClone(requestCounts);
    },
    state(): SimStateSnapshot {
      net.expire();
      return {
        svs: [...net.svs.entries()].map(([party, s]) => ({ party, name: s.name, weight: s.weight })),
        offboardedSvs: [...net.offboardedSvs.entries()].map(([party, s]) => ({ party, name: s.name })),
        voteRequests: net.voteRequests.map((r) => ({ cid: r.cid, trackingCid: r.originalCid, requester: r.requesterName, action: r.action, votes: Object.fromEntries([...r.votes].map(([k, v]) => [k, v.accept])), createdAt: r.createdAt })),
        voteResults: net.voteResults
          .filter((v) => !v.seeded)
          .reverse()
          .map((v) => ({ trackingCid: v.request.originalCid, action: v.request.action, outcome: v.outcome })),
        balances: Object.fromEntries([...net.balances].map(([p, b]) => [p, formatAmount(b)])),
        offers: net.offers.map((o) => ({ cid: o.cid, trackingId: o.trackingId, sender: o.sender, receiver: o.receiver, amount: formatAmount(o.amount), status: o.status })),
        transferInstructions: net.transferInstructions.map((t) => ({ cid: t.cid, trackingId: t.trackingId, sender: t.sender, receiver: t.receiver, amount: formatAmount(t.amount), status: t.status })),
        preapprovals: [...net.preapprovals.keys()],
        onboardings: net.onboardings.map((o) => ({ name: o.name, state: o.state, confirmedBy: [...o.confirmedBy] })),
      };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    if (url.pathname === '/oauth/token' && method === 'POST') {
      const r = await idp.token(new URLSearchParams(raw));
      return send(res, { status: r.status, body: r.body });
    }
    if (url.pathname === '/.well-known/jwks.json') return send(res, { status: 200, body: idp.jwks });
    const ctl = /^\/control\/([A-Za-z]+)$/.exec(url.pathname);
    if (ctl && method === 'POST') {
      const name = ctl[1] as (typeof CONTROL_METHODS)[number];
      if (!CONTROL_METHODS.includes(name)) return send(res, { status: 404, body: { error: `unknown control method ${name}` } });
      const args = raw === '' ? [] : (JSON.parse(raw) as unknown[]);
      try {
        const out = await (control[name] as (...a: unknown[]) => unknown)(...args);
        return send(res, { status: 200, body: { result: out ?? null } });
      } catch (err) {
        return send(res, { status: err instanceof SimRejection ? err.status : 500, body: { error: (err as Error).message } });
      }
    }
    const m = /^\/([a-z0-9-]+)(\/api\/(scan|sv|validator)\/.*)$/.exec(url.pathname);
    const node = m ? nodes.find((n) => n.id === m[1]) : undefined;
    if (!m || !node) return send(res, { status: 404, body: { error: `no such endpoint ${url.pathname}` } });
    const app: SimApp = m[3] === 'validator' ? 'wallet' : (m[3] as SimApp);
    const path = m[2]!;
    const op = specs.match(app, method, path);
    if (!op) {
      violation(`${method} ${path} on ${node.id} is not an operation of the upstream ${app} specs`);
      return send(res, { status: 404, body: { error: `no such operation ${method} ${path}` } });
    }
    const perApp = ((requestCounts[node.id] ??= {})[app] ??= {});
    perApp[op.operationId] = (perApp[op.operationId] ?? 0) + 1;
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        violation(`${op.operationId} on ${node.id}: request body is not JSON`);
        return send(res, { status: 400, body: { error: 'request body is not JSON' } });
      }
    }
    const reqProblems = specs.validateRequest(op, { method, path, headers: lowerHeaders(req), query: Object.fromEntries(url.searchParams), body });
    if (reqProblems.length > 0) {
      violation(`${op.operationId} request from client to ${node.id} does not match upstream: ${reqProblems.join('; ')}`);
      return send(res, { status: 400, body: { error: `invalid request: ${reqProblems.join('; ')}` } });
    }
    const sideEffect = method !== 'GET' && !['getTransferOfferStatus', 'listVoteRequestResults', 'listVoteRequestsByTrackingCid', 'countVoteRequestResults'].includes(op.operationId);
    const count = sideEffect ? ((counts[node.id] ??= {})[op.operationId] ??= { attempts: 0, succeeded: 0 }) : undefined;
    if (count) count.attempts++;

    const fault = faults.find((f) => f.left > 0 && (f.nodeId === undefined || f.nodeId === node.id) && (f.app === undefined || f.app === app) && (f.operationId === undefined || f.operationId === op.operationId));
    if (fault) {
      fault.left--;
      if (fault.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (fault.kind === 'hold') {
        const answered = new Promise<number>((resolve) => onAnswer.set(res, resolve));
        await new Promise<void>((release) => held.push({ res, release, answered }));
      }
      if (fault.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms ?? 100));
      if (fault.kind === 'status') {
        const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
        return send(res, { status: fault.status ?? 503, body: { error: 'injected fault' }, headers });
      }
      if (fault.kind === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"truncated": ');
        return;
      }
    }

    // Authentication and authorization like the real apps: admin SV endpoints and all wallet endpoints.
    let party: string | undefined;
    const needsAuth = app === 'wallet' || (app === 'sv' && path.startsWith('/api/sv/v0/admin/'));
    if (needsAuth) {
      const check = await idp.verify(req.headers.authorization, app === 'sv' ? audiences.sv : audiences.wallet);
      if (!check.ok) return reply(op, { status: check.status, body: { error: check.error } });
      party = userParty.get(check.user);
      if (party !== node.party) {
        return reply(op, { status: 403, body: { error: app === 'sv' ? `Authorization Failed for ${node.party}` : `User ${check.user} is not onboarded on this validator` } });
      }
      if (app === 'wallet' && !walletUsers.has(check.user)) {
        // D1: only the validator's wallet users have a wallet install; user-status still answers.
        if (op.operationId === 'userStatus') return reply(op, { status: 200, body: { party_id: party, user_onboarded: false, user_wallet_installed: false, has_featured_app_right: false } });
        return reply(op, { status: 404, body: { error: `No wallet found for user ${check.user}` } });
      }
    }
    const handler = handlers[`${app}:${op.operationId}`];
    if (!handler) return reply(op, { status: 501, body: { error: `${op.operationId} is not simulated` } });
    let out: Reply;
    try {
      out = handler(node, op, body, party);
    } catch (err) {
      if (!(err instanceof SimRejection)) throw err;
      out = { status: err.status, body: { error: err.message } };
    }
    if (count && out.status < 300) count.succeeded++;
    return reply(op, out);

    function reply(o: MatchedOperation, r: Reply) {
      const problems = specs.validateResponse(o, r.status, r.body);
      if (problems.length > 0) violation(`${o.operationId} ${r.status} response from ${node!.id} does not match upstream: ${problems.join('; ')}`);
      send(res, r);
    }
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((err: unknown) => {
      violation(`simulator crashed on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, { status: 500, body: { error: 'simulator error' } });
    });
  });

  const sim: SpliceSim = {
    version,
    baseUrl,
    tokenUrl: `${baseUrl}/oauth/token`,
    jwksUrl: `${baseUrl}/.well-known/jwks.json`,
    audiences,
    nodes: nodeInfos,
    node(idOrName) {
      const n = nodeInfos.find((x) => x.id === idOrName || x.name === idOrName);
      if (!n) throw new Error(`no simulated node ${idOrName}`);
      return n;
    },
    violations,
    idp,
    ...control,
    async stop() {
      for (const t of autoVotes.keys()) clearTimeout(t);
      for (const r of hanging) r.destroy();
      for (const h of held.splice(0)) h.res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sim;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
