/**
 * AssetsTransferred and AssetsSwept: the old SV wallet's unlocked balance above `reserve` moves to the new SV (or
 * `receiverPartyId`) once spec.workflow.assetTransfer.approved; after offboarding, one final sweep moves what arrived
 * late (reward coupons of rounds before the weight moved), behind the same gate, before the old SV is retired.
 *
 * Automatic: one transfer per purpose and attempt, with a tracking id derived from the migration's uid, the purpose and
 * the attempt, written into status (with its amount and method) before it is sent and carried in its description.
 * The method is chosen when the transfer is recorded (spec.workflow.assetTransfer.method, Auto by default):
 * a preapproval send when the receiver has a transfer preapproval, else a token-standard transfer when the old SV's
 * wallet supports it, else a transfer offer. At most once per intent across crashes:
 * - offers: the wallet deduplicates tracking ids for ever and reports an offer's state by tracking id;
 * - token-standard transfers and preapproval sends: the wallet deduplicates only within its window (24 h) and has no
 *   lookup by id; their state comes from the wallet's history (src/operator/wallet-history.ts). A send whose fate is
 *   unknown is repeated (same id) only within {@link RESEND_WINDOW_MS} of being recorded; after that the step stalls
 *   (TransferOutcomeUnknown) instead of risking a second payment.
 * When spec.newSv.walletUrl is set, the operator accepts the offer or instruction on the new SV's wallet.
 * Done when this attempt's transfer completed, or, with none recorded, when the balance is at or below the reserve.
 * Manual: the operator only reports the balance; the sweep is left to the user.
 */
import type { SvKmsMigrationStatus, TransferStatus } from '../../api/types.ts';
import { agree } from '../../splice/scan-quorum.ts';
import type { ScanView } from '../../splice/scan-quorum.ts';
import { decimalCompare, decimalSubtract } from '../../util/decimal.ts';
import { decision, doneWith, fromResult, stalledOn, waitingOn } from '../decision.ts';
import { CONDITION, type ConditionType } from '../meta.ts';
import type { Access, TransferMethod, TransferOrder, TransferRef, TransferState, WalletFeatures, WalletPort } from '../ports.ts';
import { observed, type DecideInput, type Observed, type Step, type StepDecision } from '../step.ts';
import { humanDuration } from '../vote-timing.ts';
import { defaultQuorum } from './dso.ts';
import { networkFailure } from './network-errors.ts';

/** How long a transfer offer or token-standard transfer can be accepted. */
export const OFFER_LIFETIME_MS = 24 * 3_600_000;
/**
 * How long after recording a token-standard transfer or preapproval send the operator may send it again when the
 * wallet's history does not show it: well inside the wallet's 24 h deduplication window, so a repeat can only be
 * refused as a duplicate, never paid twice.
 */
export const RESEND_WINDOW_MS = 12 * 3_600_000;

export type TransferPurpose = 'Transfer' | 'Sweep';

const PURPOSES: Record<TransferPurpose, { condition: ConditionType; idPart: string; what: string }> = {
  Transfer: { condition: CONDITION.AssetsTransferred, idPart: 'assets', what: 'transfer' },
  Sweep: { condition: CONDITION.AssetsSwept, idPart: 'sweep', what: 'final sweep' },
};

export function transferTrackingId(uid: string, attempt: number, purpose: TransferPurpose = 'Transfer'): string {
  return `svkms-${uid}-${PURPOSES[purpose].idPart}-${attempt}`;
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

/** Records made before methods were recorded were transfer offers. */
function methodOf(t: TransferStatus): TransferMethod {
  return t.method ?? 'TransferOffer';
}

function refOf(t: TransferStatus): TransferRef {
  return { trackingId: t.trackingId, method: methodOf(t), ...(t.requestedAt ? { requestedAt: new Date(t.requestedAt) } : {}) };
}

/** What a new send may use: read only when this purpose and attempt has no transfer recorded yet. */
export interface SendOptions {
  features: WalletFeatures;
  /** Each Scan's answer to whether the receiver has a transfer preapproval. */
  receiverPreapproval: ScanView<boolean>[];
}

export interface WalletReads {
  unlocked: string;
  /** The sender wallet's state of each transfer record that is not final (undefined: it shows none). */
  states: Record<string, TransferState | undefined>;
  /** Contracts the new SV's wallet can accept, by tracking id (when spec.newSv.walletUrl is set). */
  incoming: Record<string, string | undefined>;
  sendOptions?: SendOptions;
}

export type AssetsObservation = { kind: 'noAccess'; reason: string; message: string } | { kind: 'read'; reads: Observed<WalletReads> };

export type AssetsEffect = { kind: 'sendTransfer'; order: TransferOrder } | { kind: 'acceptTransfer'; trackingId: string; method: TransferMethod; contractId: string };

function updatedTransfers(transfers: readonly TransferStatus[] | undefined, states: WalletReads['states']): TransferStatus[] {
  return (transfers ?? []).map((t) => {
    const state = states[t.trackingId];
    return state && !isFinal(t) ? { ...t, status: STATE_TO_STATUS[state] } : t;
  });
}

/** The method for a new send, or why none can be used. */
export function chooseMethod(requested: 'Auto' | TransferMethod, options: SendOptions, quorum: number): { method: TransferMethod } | { reason: string; message: string } {
  const agreed = agree(options.receiverPreapproval, quorum, (v) => v);
  const hasPreapproval = 'agreed' in agreed && agreed.agreed;
  if (requested === 'TransferPreapproval' && !hasPreapproval) {
    return {
      reason: 'ReceiverHasNoPreapproval',
      message: 'spec.workflow.assetTransfer.method is TransferPreapproval but the Scans do not agree that the receiver has a transfer preapproval; create one on the receiver\'s wallet (POST /api/validator/v0/wallet/transfer-preapproval) or set the method to Auto',
    };
  }
  if (requested === 'TokenStandard' && !options.features.tokenStandard) {
    return { reason: 'TransferMethodUnsupported', message: 'spec.workflow.assetTransfer.method is TokenStandard but the old SV\'s wallet does not support token-standard transfers (GET /api/validator/v0/feature-support); set the method to Auto' };
  }
  if (requested !== 'Auto') return { method: requested };
  if (hasPreapproval && options.features.preapprovalDescription) return { method: 'TransferPreapproval' };
  return { method: options.features.tokenStandard ? 'TokenStandard' : 'TransferOffer' };
}

/** A transfer decision for `purpose` (the hand-over, or the final sweep). */
export function decideTransfer(purpose: TransferPurpose, { m, status, timing, now }: DecideInput, observation: AssetsObservation): StepDecision<AssetsEffect> {
  const { condition, what } = PURPOSES[purpose];
  const gate = m.spec.workflow.assetTransfer;
  const poll = timing.networkPollMs;
  const manual = gate.mode === 'Manual';
  if (observation.kind === 'noAccess') {
    if (!manual) return stalledOn(condition, observation.reason, observation.message);
    // Manual transfer without wallet credentials: the operator cannot see the balance, so the approval is the
    // confirmation that the assets have moved.
    if (purpose === 'Sweep') return doneWith(condition, 'LeftToUser', `manual mode without wallet credentials (${observation.message}): move what arrived late on the old SV's wallet yourself before retiring it`);
    if (gate.approved) return doneWith(condition, 'ConfirmedByUser', 'manual mode without wallet credentials: spec.workflow.assetTransfer.approved confirms that the old SV\'s assets were moved');
    return waitingOn(condition, 'AwaitingApproval', `manual mode without wallet credentials (${observation.message}): transfer the old SV wallet's balance yourself, then set spec.workflow.assetTransfer.approved to true to confirm`);
  }
  if (!observation.reads.ok) return fromResult(condition, networkFailure(observation.reads.error, `the old SV's wallet (${m.spec.oldSv.walletUrl})`, poll));
  const { unlocked, states, incoming, sendOptions } = observation.reads.value;
  let transfers = updatedTransfers(status.assets?.transfers, states);
  const assets = (): Pick<SvKmsMigrationStatus, 'assets'> => ({ assets: { ...status.assets, oldSvBalance: unlocked, ...(transfers.length ? { transfers } : {}) } });
  const trackingId = transferTrackingId(m.metadata.uid ?? m.metadata.name, gate.attempt, purpose);
  let entry = transfers.find((t) => t.trackingId === trackingId);
  const aboveReserve = decimalCompare(unlocked, gate.reserve) > 0;

  if (entry?.status === 'Completed') {
    const left = aboveReserve ? `; ${unlocked} is on it now${purpose === 'Transfer' ? ', what arrived late is swept after offboarding' : ''}` : '';
    return doneWith(condition, 'TransferCompleted', `the ${what} ${trackingId} of ${entry.amount} to ${entry.receiverPartyId} completed${left}`, assets());
  }
  if (!entry && !aboveReserve) {
    return doneWith(condition, purpose === 'Sweep' ? 'NothingLate' : 'BalanceAtReserve', `the old SV wallet holds ${unlocked}, at or below the reserve of ${gate.reserve}`, assets());
  }
  if (!gate.approved) {
    const message = `the old SV wallet holds ${unlocked}; set spec.workflow.assetTransfer.approved to true to ${manual ? 'confirm you transfer it yourself' : `transfer everything above the reserve (${gate.reserve}) to ${gate.receiverPartyId ?? m.spec.newSv.name}`}`;
    return waitingOn(condition, 'AwaitingApproval', message, undefined, assets());
  }
  if (manual) {
    if (purpose === 'Sweep') return doneWith(condition, 'LeftToUser', `manual mode: ${unlocked} is on the old SV's wallet (reserve ${gate.reserve}); move what arrived late yourself before retiring it`, assets());
    return waitingOn(condition, 'AwaitingManualTransfer', `manual mode: transfer the old SV wallet's ${unlocked} (keeping ${gate.reserve}) yourself; the operator watches the balance`, poll, assets());
  }
  const receiver = gate.receiverPartyId ?? status.newSv?.partyId;
  if (!receiver) return waitingOn(condition, 'ReceiverUnknown', 'the new SV\'s party is not known yet (no agreed Scan view); waiting', poll, assets());
  if (entry && (entry.status === 'Failed' || entry.status === 'Expired')) {
    const message = `the ${what} ${trackingId} ${entry.status.toLowerCase()}; raise spec.workflow.assetTransfer.attempt to ${gate.attempt + 1} to send a new one`;
    return stalledOn(condition, 'TransferFailed', message, timing.stalledRecheckMs, assets());
  }

  const send = (t: TransferStatus, message: string): StepDecision<AssetsEffect> => {
    const order: TransferOrder = {
      ...refOf(t),
      receiverPartyId: t.receiverPartyId ?? receiver,
      amount: t.amount!,
      description: `KMS migration of ${m.spec.oldSv.name} to ${m.spec.newSv.name}: ${what} [${t.trackingId}]`,
      expiresAt: t.expiresAt ? new Date(t.expiresAt) : new Date(now.getTime() + OFFER_LIFETIME_MS),
    };
    const waiting = waitingOn<AssetsEffect>(condition, 'TransferInProgress', message, poll, assets());
    return { ...waiting, act: { effect: { kind: 'sendTransfer', order }, checkpoint: true, describe: message, history: { effect: 'TransferSent', id: t.trackingId } } };
  };

  if (!entry) {
    if (!sendOptions) return waitingOn(condition, 'TransferInProgress', `reading the old SV's wallet features before the ${what}`, poll, assets());
    const chosen = chooseMethod(gate.method ?? 'Auto', sendOptions, defaultQuorum(m));
    if ('reason' in chosen) return stalledOn(condition, chosen.reason, chosen.message, timing.stalledRecheckMs, assets());
    entry = {
      trackingId,
      purpose,
      method: chosen.method,
      amount: decimalSubtract(unlocked, gate.reserve),
      receiverPartyId: receiver,
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + OFFER_LIFETIME_MS).toISOString(),
      status: 'Requesting',
    };
    transfers = [...transfers, entry];
    return send(entry, `sending ${entry.amount} from ${m.spec.oldSv.name}'s wallet to ${receiver} as ${chosen.method} (tracking id ${trackingId})`);
  }
  if (entry.status === 'Requesting' && states[trackingId] === undefined) {
    // A send whose fate is unknown (the operator stopped between the record and the answer, or the history lags).
    const method = methodOf(entry);
    const since = entry.requestedAt ? now.getTime() - Date.parse(entry.requestedAt) : 0;
    if (method !== 'TransferOffer' && since >= RESEND_WINDOW_MS) {
      const message =
        `the ${what} ${trackingId} (${method}) was recorded ${humanDuration(since)} ago and the old SV wallet's history does not show it; the wallet deduplicates its id for only 24 h, ` +
        `so the operator does not send it again: check the old SV wallet's transactions, and if nothing was sent raise spec.workflow.assetTransfer.attempt to ${gate.attempt + 1}`;
      return stalledOn(condition, 'TransferOutcomeUnknown', message, timing.stalledRecheckMs, assets());
    }
    return send(entry, `sending ${entry.amount} from ${m.spec.oldSv.name}'s wallet to ${entry.receiverPartyId ?? receiver} as ${method} again, same tracking id ${trackingId} (the wallet refuses a duplicate)`);
  }
  const contract = incoming[trackingId];
  const method = methodOf(entry);
  const canAccept = entry.status === 'Created' && contract !== undefined;
  if (!canAccept && entry.status === 'Created' && method === 'TokenStandard' && entry.expiresAt && Date.parse(entry.expiresAt) <= now.getTime()) {
    const message =
      `the ${what} ${trackingId} was not accepted before it expired at ${entry.expiresAt}; its amount stays locked on the old SV's wallet until it is withdrawn ` +
      `(POST /api/validator/v0/wallet/token-standard/transfers/<contract id>/withdraw on the old SV's wallet); then raise spec.workflow.assetTransfer.attempt to ${gate.attempt + 1}`;
    return stalledOn(condition, 'TransferNotAccepted', message, timing.stalledRecheckMs, assets());
  }
  const acceptHint = entry.status === 'Created' && !m.spec.newSv.walletUrl ? `; accept it in the receiver's wallet before ${entry.expiresAt ?? 'it expires'}` : '';
  const message = `${what} ${trackingId} of ${entry.amount} (${method}) is ${entry.status?.toLowerCase()}${acceptHint}; the old SV wallet holds ${unlocked}`;
  const waiting = waitingOn<AssetsEffect>(condition, 'TransferInProgress', message, poll, assets());
  if (canAccept) {
    const describe = `accepting ${what} ${trackingId} on ${m.spec.newSv.name}'s wallet`;
    return { ...waiting, act: { effect: { kind: 'acceptTransfer', trackingId, method, contractId: contract }, checkpoint: false, describe, history: { effect: 'TransferAccepted', id: trackingId } } };
  }
  return decision(waiting.outcome, waiting.conditions?.[0], waiting.status);
}

async function readWallets(
  oldWallet: WalletPort,
  newWallet: Access<WalletPort> | undefined,
  transfers: readonly TransferStatus[],
  newSend: (() => Promise<SendOptions>) | undefined,
  signal: AbortSignal,
): Promise<WalletReads> {
  const unlocked = await oldWallet.unlockedBalance(signal);
  const states: WalletReads['states'] = {};
  const incoming: WalletReads['incoming'] = {};
  for (const t of transfers) {
    if (isFinal(t)) continue;
    states[t.trackingId] = await oldWallet.transferState(refOf(t), signal);
    if (newWallet?.ok && states[t.trackingId] === 'created') incoming[t.trackingId] = await newWallet.client.incomingTransfer(refOf(t), signal);
  }
  return { unlocked, states, incoming, ...(newSend ? { sendOptions: await newSend() } : {}) };
}

/** The step for `purpose`: the hand-over transfer (TransferringAssets) or the final sweep (Retiring). */
export function transferStep(purpose: TransferPurpose): Step<AssetsObservation, AssetsEffect> {
  const { condition, what } = PURPOSES[purpose];
  return {
    name: purpose === 'Transfer' ? 'assetTransfer' : 'assetSweep',
    condition,
    async observe({ m, deps, status, signal }) {
      const oldWallet = await deps.splice.oldWallet(m);
      if (!oldWallet.ok) return { kind: 'noAccess', reason: oldWallet.reason, message: oldWallet.message };
      const newWallet = await deps.splice.newWallet(m);
      const gate = m.spec.workflow.assetTransfer;
      const receiver = gate.receiverPartyId ?? status.newSv?.partyId;
      const trackingId = transferTrackingId(m.metadata.uid ?? m.metadata.name, gate.attempt, purpose);
      const unrecorded = gate.approved && gate.mode !== 'Manual' && receiver !== undefined && !status.assets?.transfers?.some((t) => t.trackingId === trackingId);
      const newSend = unrecorded
        ? async (): Promise<SendOptions> => ({ features: await oldWallet.client.features(signal), receiverPreapproval: await deps.splice.transferPreapproval(m, receiver, signal) })
        : undefined;
      return { kind: 'read', reads: await observed(() => readWallets(oldWallet.client, newWallet, status.assets?.transfers ?? [], newSend, signal)) };
    },
    decide: (input, observation) => decideTransfer(purpose, input, observation),
    async act(effect, { m, deps, signal }) {
      if (effect.kind === 'sendTransfer') {
        const wallet = await deps.splice.oldWallet(m);
        if (!wallet.ok) return false;
        const sent = await wallet.client.sendTransfer(effect.order, signal);
        if (sent === 'created') {
          await deps.event(m, 'Normal', 'TransferSent', `sent ${effect.order.amount} from ${m.spec.oldSv.name}'s wallet to ${effect.order.receiverPartyId} as ${effect.order.method} (${what}, tracking id ${effect.order.trackingId})`);
        }
        return sent === 'created';
      }
      const wallet = await deps.splice.newWallet(m);
      if (!wallet?.ok) return false;
      await wallet.client.acceptTransfer(effect.method, effect.contractId, signal);
      await deps.event(m, 'Normal', 'TransferAccepted', `accepted ${what} ${effect.trackingId} on ${m.spec.newSv.name}'s wallet`);
    },
  };
}

export const assetsStep = transferStep('Transfer');
export const sweepStep = transferStep('Sweep');

/** The hand-over transfer's decision (kept for the decision tables). */
export const decideAssets = (input: DecideInput, observation: AssetsObservation): StepDecision<AssetsEffect> => decideTransfer('Transfer', input, observation);
