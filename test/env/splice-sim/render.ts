/**
 * Renders simulator state as the Splice apps' JSON (GetDsoInfoResponse, VoteRequest contracts, vote results,
 * transfer offers), in the Daml-LF JSON encoding (Int64 as strings, Maps as `[key, value]` lists).
 */
import type { SimHistoryEntry, SimNetwork, SimNode, SimPreapproval, SimTransferInstruction, SimTransferOffer, SimVoteRequest, SimVoteResult } from './network.ts';
import { formatAmount } from './network.ts';

const PKG = 'a1b2c3d4e5f6';
export const DSO_PARTY = 'DSO::1220dso0000000000000000000000000000000000000000000000000000000000';

const iso = (ms: number) => new Date(ms).toISOString();

function contract(template: string, cid: string, payload: Record<string, unknown>, createdAt = 0) {
  return { template_id: `${PKG}:${template}`, contract_id: cid, payload, created_event_blob: 'AAEC', created_at: iso(createdAt) };
}

const withState = (c: ReturnType<typeof contract>) => ({ contract: c, domain_id: 'global-domain::1220abcd' });

/** How a lying Scan distorts its view. */
export type ScanLie = { kind: 'stale' } | { kind: 'forge'; weights?: Record<string, number>; dropSvs?: string[] };

/** `GetDsoInfoResponse` as served by `node`'s Scan or SV app. */
export function dsoInfo(net: SimNetwork, node: SimNode, lie?: { lie: ScanLie; snapshot?: unknown }): unknown {
  if (lie?.lie.kind === 'stale' && lie.snapshot !== undefined) return structuredClone(lie.snapshot);
  let svs = [...net.svs.entries()];
  if (lie?.lie.kind === 'forge') {
    const f = lie.lie;
    svs = svs.filter(([, sv]) => !(f.dropSvs ?? []).includes(sv.name)).map(([p, sv]) => [p, { ...sv, weight: f.weights?.[sv.name] ?? sv.weight }]);
  }
  const svList = svs.map(([party, sv]) => [
    party,
    { name: sv.name, joinedAsOfRound: { number: String(sv.joinedAsOfRound) }, svRewardWeight: String(sv.weight), participantId: sv.participantId },
  ]);
  return {
    sv_user: node.user,
    sv_party_id: node.party,
    dso_party_id: DSO_PARTY,
    voting_threshold: net.threshold(),
    latest_mining_round: withState(contract('Splice.Round:OpenMiningRound', `00round${net.round}`, { dso: DSO_PARTY, round: { number: String(net.round) } })),
    amulet_rules: withState(contract('Splice.AmuletRules:AmuletRules', '00amuletrules', { dso: DSO_PARTY })),
    dso_rules: withState(
      contract('Splice.DsoRules:DsoRules', net.dsoRulesCid, {
        dso: DSO_PARTY,
        epoch: '1',
        svs: svList,
        offboardedSvs: [...net.offboardedSvs.entries()].map(([party, o]) => [party, { name: o.name, participantId: o.participantId }]),
        dsoDelegate: svList[0]?.[0] ?? DSO_PARTY,
        isDevNet: false,
        ...(net.svRightOwners === null ? {} : { svRightOwners: net.svRightOwners }),
      }),
    ),
    sv_node_states: svs.map(([party, sv]) => withState(contract('Splice.DSO.SvState:SvNodeState', `00state${party.length}${sv.name}`, { dso: DSO_PARTY, sv: party, svName: sv.name }))),
  };
}

/** A `VoteRequest` payload. */
export function voteRequestPayload(r: SimVoteRequest): Record<string, unknown> {
  return {
    dso: DSO_PARTY,
    requester: r.requesterName,
    action: r.action,
    reason: r.reason,
    voteBefore: iso(r.voteBefore),
    votes: [...r.votes.entries()].map(([name, v]) => [name, v]),
    trackingCid: r.trackingCid,
    targetEffectiveAt: r.targetEffectiveAt === null ? null : iso(r.targetEffectiveAt),
  };
}

/** A `VoteRequest` contract. */
export function voteRequestContract(r: SimVoteRequest) {
  return contract('Splice.DsoRules:VoteRequest', r.cid, voteRequestPayload(r), r.createdAt);
}

/** A `DsoRules_CloseVoteRequestResult`. */
export function voteResult(v: SimVoteResult): Record<string, unknown> {
  return {
    request: voteRequestPayload(v.request),
    completedAt: iso(v.completedAt),
    offboardedVoters: [],
    abstainingSvs: [],
    outcome:
      v.outcome === 'VRO_Accepted'
        ? { tag: 'VRO_Accepted', value: { effectiveAt: iso(v.effectiveAt ?? v.completedAt) } }
        : v.outcome === 'VRO_AcceptedButActionFailed'
          ? { tag: v.outcome, value: { description: v.failure ?? 'action failed' } }
          : { tag: v.outcome, value: {} },
  };
}

/** A `TransferOffer` contract. */
export function transferOfferContract(o: SimTransferOffer) {
  return contract('Splice.Wallet.TransferOffer:TransferOffer', o.cid, {
    sender: o.sender,
    receiver: o.receiver,
    amount: { amount: formatAmount(o.amount), unit: 'AmuletUnit' },
    description: o.description,
    expiresAt: iso(Math.floor(o.expiresAtMicros / 1000)),
    trackingId: o.trackingId,
  });
}

/** `GetTransferOfferStatusResponse`. */
export function transferOfferStatus(o: SimTransferOffer): Record<string, unknown> {
  if (o.status === 'failed') return { status: 'failed', failure_kind: o.failureKind ?? 'withdrawn', ...(o.withdrawnReason ? { withdrawn_reason: o.withdrawnReason } : {}) };
  const cid = o.status === 'created' ? o.cid : o.status === 'accepted' ? o.acceptedCid! : o.completedCid!;
  return { status: o.status, contract_id: cid, transaction_id: o.transactionId };
}

/** `TransferInstructionResultResponse` of a token-standard transfer create. */
export function transferInstructionResult(t: SimTransferInstruction): Record<string, unknown> {
  const output = t.status === 'completed' ? { receiver_holding_cids: [`${t.cid}h`] } : t.status === 'pending' ? { transfer_instruction_cid: t.cid } : {};
  return { output, sender_change_cids: [], meta: {} };
}

/**
 * A `Splice.AmuletTransferInstruction:AmuletTransferInstruction` contract (the fields a wallet shows). The wallet puts
 * the description into the transfer's metadata under the reason key; `Metadata.values` is a `TextMap`, a JSON object.
 */
export function transferInstructionContract(t: SimTransferInstruction) {
  return contract('Splice.AmuletTransferInstruction:AmuletTransferInstruction', t.cid, {
    transfer: {
      sender: t.sender,
      receiver: t.receiver,
      amount: formatAmount(t.amount),
      requestedAt: iso(t.createdAt),
      executeBefore: iso(Math.floor(t.expiresAtMicros / 1000)),
      meta: { values: { 'splice.lfdecentralizedtrust.org/reason': t.description } },
    },
    status: { tag: 'TransferPendingReceiverAcceptance', value: {} },
  });
}

/** One wallet history item (`ListTransactionsResponseItem`) as `version`'s wallet serves it. */
export function historyItem(version: string, e: SimHistoryEntry) {
  const legacy = version.startsWith('0.4.');
  const amount = (n: bigint) => formatAmount(n < 0n ? -n : n);
  const base = {
    transaction_type: e.type,
    transaction_subtype: { template_id: `${PKG}:Splice.AmuletRules:AmuletRules`, choice: e.choice },
    event_id: e.eventId,
    date: iso(e.at),
    receivers: e.receivers.map((r) => ({ party: r.party, amount: amount(r.amount) })),
    ...(e.transferInstructionCid ? { transfer_instruction_cid: e.transferInstructionCid } : {}),
    ...(legacy ? { amulet_price: '0.005' } : {}),
  };
  if (e.type === 'balance_change') return base;
  return {
    ...base,
    sender: { party: e.sender!.party, amount: amount(e.sender!.amount) },
    holding_fees: '0.0',
    app_rewards_used: '0.0',
    validator_rewards_used: '0.0',
    sv_rewards_used: '0.0',
    ...(legacy ? { provider: e.sender!.party } : { development_fund_coupons_used: '0.0' }),
    ...(e.description ? { description: e.description } : {}),
  };
}

/** `LookupTransferPreapprovalByPartyResponse`. */
export function preapprovalLookup(p: SimPreapproval) {
  return {
    transfer_preapproval: withState(
      contract('Splice.AmuletRules:TransferPreapproval', p.cid, { dso: DSO_PARTY, receiver: p.receiver, provider: p.receiver, validFrom: iso(p.createdAt), lastRenewedAt: iso(p.createdAt), expiresAt: iso(p.expiresAt) }, p.createdAt),
    ),
  };
}
