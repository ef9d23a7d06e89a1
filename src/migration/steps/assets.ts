/**
 * AssetsTransferred: once spec.workflow.assetTransfer.approved, the old SV wallet's unlocked balance above `reserve`
 * moves to the new SV (or `receiverPartyId`).
 *
 * Automatic: one transfer per attempt, with a tracking id derived from the migration's uid and the attempt, so a
 * repeat can only find the same transfer (the wallet refuses a second one with the same tracking id). The transfer is
 * recorded in status (with its amount) before it is sent. When spec.newSv.walletUrl is set, the operator accepts the
 * offer on the new SV's wallet. Manual: the operator only reports the balance. Done when the balance is at or below
 * the reserve; every transfer record reaches the state the wallet reports.
 */
import type { TransferStatus } from '../../api/types.ts';
import { decimalCompare, decimalSubtract } from '../../util/decimal.ts';
import { decision, doneWith, fromResult, stalledOn, waitingOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { Access, TransferOrder, TransferState, WalletPort } from '../ports.ts';
import { observed, type DecideInput, type Observed, type Step, type StepDecision } from '../step.ts';
import { networkFailure } from './network-errors.ts';

/** How long a transfer offer stays open. */
export const OFFER_LIFETIME_MS = 24 * 3_600_000;

export function transferTrackingId(uid: string, attempt: number): string {
  return `svkms-${uid}-assets-${attempt}`;
}

const STATE_TO_STATUS: Record<TransferState, NonNullable<TransferStatus['status']>> = {
  created: 'Created',
  accepted: 'Accepted',
  completed: 'Completed',
  failed: 'Failed',
  expired: 'Expired',
};

function isFinal(t: TransferStatus): boolean {
  return t.status === 'Completed' || t.status === 'Failed' || t.status === 'Expired';
}

export interface WalletReads {
  unlocked: string;
  /** The sender wallet's state of each transfer record that is not final (undefined: it knows none). */
  states: Record<string, TransferState | undefined>;
  /** Offers the new SV's wallet can accept, by tracking id (when spec.newSv.walletUrl is set). */
  incoming: Record<string, string | undefined>;
}

export type AssetsObservation = { kind: 'noAccess'; reason: string; message: string } | { kind: 'read'; reads: Observed<WalletReads> };

export type AssetsEffect = { kind: 'sendTransfer'; order: TransferOrder } | { kind: 'acceptOffer'; trackingId: string; contractId: string };

function updatedTransfers(transfers: readonly TransferStatus[] | undefined, states: WalletReads['states']): TransferStatus[] {
  return (transfers ?? []).map((t) => {
    const state = t.trackingId ? states[t.trackingId] : undefined;
    return state && !isFinal(t) ? { ...t, status: STATE_TO_STATUS[state] } : t;
  });
}

export function decideAssets({ m, status, timing, now }: DecideInput, observation: AssetsObservation): StepDecision<AssetsEffect> {
  const gate = m.spec.workflow.assetTransfer;
  const poll = timing.networkPollMs;
  if (observation.kind === 'noAccess') {
    // Manual transfer without wallet credentials: the operator cannot see the balance, so the approval is the
    // confirmation that the assets have moved.
    if (gate.mode !== 'Manual') return stalledOn(CONDITION.AssetsTransferred, observation.reason, observation.message);
    if (gate.approved) return doneWith(CONDITION.AssetsTransferred, 'ConfirmedByUser', 'manual mode without wallet credentials: spec.workflow.assetTransfer.approved confirms that the old SV\'s assets were moved');
    return waitingOn(CONDITION.AssetsTransferred, 'AwaitingApproval', `manual mode without wallet credentials (${observation.message}): transfer the old SV wallet's balance yourself, then set spec.workflow.assetTransfer.approved to true to confirm`);
  }
  if (!observation.reads.ok) return fromResult(CONDITION.AssetsTransferred, networkFailure(observation.reads.error, `the old SV's wallet (${m.spec.oldSv.walletUrl})`, poll));
  const { unlocked, states, incoming } = observation.reads.value;
  let transfers = updatedTransfers(status.assets?.transfers, states);
  const assets = (): { assets: NonNullable<typeof status.assets> } => ({ assets: { ...status.assets, oldSvBalance: unlocked, ...(transfers.length ? { transfers } : {}) } });
  if (decimalCompare(unlocked, gate.reserve) <= 0) {
    return doneWith(CONDITION.AssetsTransferred, 'BalanceAtReserve', `the old SV wallet holds ${unlocked}, at or below the reserve of ${gate.reserve}`, assets());
  }
  if (!gate.approved) {
    const message = `the old SV wallet holds ${unlocked}; set spec.workflow.assetTransfer.approved to true to ${gate.mode === 'Manual' ? 'confirm you transfer it yourself' : `transfer everything above the reserve (${gate.reserve}) to ${gate.receiverPartyId ?? m.spec.newSv.name}`}`;
    return waitingOn(CONDITION.AssetsTransferred, 'AwaitingApproval', message, undefined, assets());
  }
  if (gate.mode === 'Manual') {
    return waitingOn(CONDITION.AssetsTransferred, 'AwaitingManualTransfer', `manual mode: transfer the old SV wallet's ${unlocked} (keeping ${gate.reserve}) yourself; the operator watches the balance`, poll, assets());
  }
  const receiver = gate.receiverPartyId ?? status.newSv?.partyId;
  if (!receiver) return waitingOn(CONDITION.AssetsTransferred, 'ReceiverUnknown', 'the new SV\'s party is not known yet (no agreed Scan view); waiting', poll, assets());
  const trackingId = transferTrackingId(m.metadata.uid ?? m.metadata.name, gate.attempt);
  let entry = transfers.find((t) => t.trackingId === trackingId);
  if (entry && (entry.status === 'Failed' || entry.status === 'Expired')) {
    const message = `the transfer ${trackingId} ${entry.status.toLowerCase()}; raise spec.workflow.assetTransfer.attempt to ${gate.attempt + 1} to send a new one`;
    return stalledOn(CONDITION.AssetsTransferred, 'TransferFailed', message, timing.stalledRecheckMs, assets());
  }
  if (!entry || (entry.status === 'Requesting' && states[trackingId] === undefined)) {
    // Nothing known for this attempt (or a send whose fate is unknown): record, then send with the recorded amount.
    if (!entry) {
      entry = { trackingId, amount: decimalSubtract(unlocked, gate.reserve), receiverPartyId: receiver, status: 'Requesting' };
      transfers = [...transfers, entry];
    }
    const order: TransferOrder = {
      receiverPartyId: entry.receiverPartyId ?? receiver,
      amount: entry.amount!,
      description: `KMS migration of ${m.spec.oldSv.name} to ${m.spec.newSv.name}`,
      expiresAt: new Date(now.getTime() + OFFER_LIFETIME_MS),
      trackingId,
    };
    const message = `sending ${order.amount} from ${m.spec.oldSv.name}'s wallet to ${order.receiverPartyId} (tracking id ${trackingId})`;
    return { ...waitingOn<AssetsEffect>(CONDITION.AssetsTransferred, 'TransferInProgress', message, poll, assets()), act: { effect: { kind: 'sendTransfer', order }, checkpoint: true, describe: message, history: { effect: 'TransferSent', id: trackingId } } };
  }
  const offer = incoming[trackingId];
  const message = `transfer ${trackingId} of ${entry.amount} is ${entry.status?.toLowerCase()}${entry.status === 'Created' && !m.spec.newSv.walletUrl ? '; accept it in the new SV\'s wallet' : ''}; waiting for the old SV balance (${unlocked}) to reach the reserve`;
  const waiting = waitingOn<AssetsEffect>(CONDITION.AssetsTransferred, 'TransferInProgress', message, poll, assets());
  if (entry.status === 'Created' && offer) return { ...waiting, act: { effect: { kind: 'acceptOffer', trackingId, contractId: offer }, checkpoint: false, describe: `accepting transfer ${trackingId} on ${m.spec.newSv.name}'s wallet`, history: { effect: 'TransferAccepted', id: trackingId } } };
  return decision(waiting.outcome, waiting.conditions?.[0], waiting.status);
}

async function readWallets(oldWallet: WalletPort, newWallet: Access<WalletPort> | undefined, transfers: readonly TransferStatus[], signal: AbortSignal): Promise<WalletReads> {
  const unlocked = await oldWallet.unlockedBalance(signal);
  const states: WalletReads['states'] = {};
  const incoming: WalletReads['incoming'] = {};
  for (const t of transfers) {
    if (!t.trackingId || isFinal(t)) continue;
    states[t.trackingId] = await oldWallet.transferState(t.trackingId, signal);
    if (newWallet?.ok && states[t.trackingId] === 'created') incoming[t.trackingId] = await newWallet.client.incomingOffer(t.trackingId, signal);
  }
  return { unlocked, states, incoming };
}

export const assetsStep: Step<AssetsObservation, AssetsEffect> = {
  name: 'assetTransfer',
  condition: CONDITION.AssetsTransferred,
  async observe({ m, deps, status, signal }) {
    const oldWallet = await deps.splice.oldWallet(m);
    if (!oldWallet.ok) return { kind: 'noAccess', reason: oldWallet.reason, message: oldWallet.message };
    const newWallet = await deps.splice.newWallet(m);
    return { kind: 'read', reads: await observed(() => readWallets(oldWallet.client, newWallet, status.assets?.transfers ?? [], signal)) };
  },
  decide: decideAssets,
  async act(effect, { m, deps, signal }) {
    if (effect.kind === 'sendTransfer') {
      const wallet = await deps.splice.oldWallet(m);
      if (!wallet.ok) return false;
      const sent = await wallet.client.sendTransfer(effect.order, signal);
      if (sent === 'created') {
        await deps.event(m, 'Normal', 'TransferOffered', `offered ${effect.order.amount} from ${m.spec.oldSv.name}'s wallet to ${effect.order.receiverPartyId} (tracking id ${effect.order.trackingId})`);
      }
      return sent === 'created';
    }
    const wallet = await deps.splice.newWallet(m);
    if (!wallet?.ok) return false;
    await wallet.client.acceptOffer(effect.contractId, signal);
    await deps.event(m, 'Normal', 'TransferAccepted', `accepted transfer ${effect.trackingId} on ${m.spec.newSv.name}'s wallet`);
  },
};
