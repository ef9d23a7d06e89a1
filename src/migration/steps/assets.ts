/**
 * AssetsTransferred: once spec.workflow.assetTransfer.approved, the old SV wallet's unlocked balance above `reserve`
 * moves to the new SV (or `receiverPartyId`).
 *
 * Automatic: one transfer offer per attempt, with a tracking id derived from the migration's uid and the attempt, so a
 * repeat can only find the same offer (the wallet refuses a second offer with the same tracking id). The offer is
 * recorded in status (with its amount) before it is sent. When spec.newSv.walletUrl is set, the operator accepts it on
 * the new SV's wallet. Manual: the operator only reports the balance. Done when the balance is at or below the reserve.
 */
import type { TransferStatus } from '../../api/types.ts';
import { ApiError } from '../../splice/errors.ts';
import { CONDITION } from '../meta.ts';
import { DONE, type StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import { decimalCompare, decimalSubtract } from '../../util/decimal.ts';
import { networkFailure } from './network-errors.ts';

/** How long a transfer offer stays open. */
const OFFER_LIFETIME_MS = 24 * 3_600_000;

export function transferTrackingId(uid: string, attempt: number): string {
  return `svkms-${uid}-assets-${attempt}`;
}

export async function transferAssets(ctx: StepContext): Promise<StepResult> {
  const { m, deps, draft, signal } = ctx;
  const gate = m.spec.workflow.assetTransfer;
  const poll = deps.timing.networkPollMs;
  const oldWallet = await deps.splice.oldWallet(m);
  if (!oldWallet.ok) {
    draft.condition(CONDITION.AssetsTransferred, 'False', oldWallet.reason, oldWallet.message);
    return { kind: 'stalled', reason: oldWallet.reason, message: oldWallet.message };
  }
  let unlocked: string;
  try {
    unlocked = (await oldWallet.client.getBalance(signal)).unlocked;
  } catch (err) {
    return failed(ctx, networkFailure(err, `the old SV's wallet (${m.spec.oldSv.walletUrl})`, poll));
  }
  draft.status.assets = { ...draft.status.assets, oldSvBalance: unlocked };
  if (decimalCompare(unlocked, gate.reserve) <= 0) {
    draft.condition(CONDITION.AssetsTransferred, 'True', 'BalanceAtReserve', `the old SV wallet holds ${unlocked}, at or below the reserve of ${gate.reserve}`);
    return DONE;
  }
  if (!gate.approved) {
    const message = `the old SV wallet holds ${unlocked}; set spec.workflow.assetTransfer.approved to true to ${gate.mode === 'Manual' ? 'confirm you transfer it yourself' : `transfer everything above the reserve (${gate.reserve}) to ${gate.receiverPartyId ?? m.spec.newSv.name}`}`;
    draft.condition(CONDITION.AssetsTransferred, 'False', 'AwaitingApproval', message);
    return { kind: 'wait', message };
  }
  if (gate.mode === 'Manual') {
    const message = `manual mode: transfer the old SV wallet's ${unlocked} (keeping ${gate.reserve}) yourself; the operator watches the balance`;
    draft.condition(CONDITION.AssetsTransferred, 'False', 'AwaitingManualTransfer', message);
    return { kind: 'wait', message, requeueAfterMs: poll };
  }

  const receiver = gate.receiverPartyId ?? draft.status.newSv?.partyId;
  if (!receiver) {
    const message = 'the new SV\'s party is not known yet (no agreed Scan view); waiting';
    draft.condition(CONDITION.AssetsTransferred, 'False', 'ReceiverUnknown', message);
    return { kind: 'wait', message, requeueAfterMs: poll };
  }
  const trackingId = transferTrackingId(m.metadata.uid ?? m.metadata.name, gate.attempt);
  const transfers = (draft.status.assets.transfers ??= []);
  let entry = transfers.find((t) => t.trackingId === trackingId);
  try {
    if (entry) {
      const known = await offerStatus(ctx, trackingId);
      if (known) entry.status = known;
    }
    if (entry && (entry.status === 'Failed' || entry.status === 'Expired')) {
      const message = `the transfer offer ${trackingId} ${entry.status.toLowerCase()}; raise spec.workflow.assetTransfer.attempt to ${gate.attempt + 1} to send a new one`;
      draft.condition(CONDITION.AssetsTransferred, 'False', 'TransferFailed', message);
      return { kind: 'stalled', reason: 'TransferFailed', message, requeueAfterMs: deps.timing.stalledRecheckMs };
    }
    if (!entry || entry.status === 'Requesting') {
      // Nothing known for this attempt (or a send whose fate is unknown): record, then send with the recorded amount.
      if (!entry) {
        entry = { trackingId, amount: decimalSubtract(unlocked, gate.reserve), receiverPartyId: receiver, status: 'Requesting' } satisfies TransferStatus;
        transfers.push(entry);
        if (!(await ctx.checkpoint())) return { kind: 'wait', message: 'the migration changed meanwhile', requeueAfterMs: 250 };
      }
      if (signal.aborted) return { kind: 'wait', message: 'stopping' };
      try {
        await oldWallet.client.createTransferOffer(
          { receiver_party_id: entry.receiverPartyId!, amount: entry.amount!, description: `KMS migration of ${m.spec.oldSv.name} to ${m.spec.newSv.name}`, expires_at: new Date(Date.now() + OFFER_LIFETIME_MS), tracking_id: trackingId },
          signal,
        );
        await deps.event(m, 'Normal', 'TransferOffered', `offered ${entry.amount} from ${m.spec.oldSv.name}'s wallet to ${entry.receiverPartyId} (tracking id ${trackingId})`);
      } catch (err) {
        // The wallet refuses a second offer with the same tracking id: the first one exists.
        if (!(err instanceof ApiError && (err.status === 409 || err.status === 429))) throw err;
      }
      entry.status = 'Created';
    }
    if (entry.status === 'Created') await acceptOnNewSv(ctx, trackingId, entry);
  } catch (err) {
    return failed(ctx, networkFailure(err, `transfer ${trackingId}`, poll));
  }
  const message = `transfer offer ${trackingId} of ${entry.amount} is ${entry.status?.toLowerCase()}${entry.status === 'Created' && !m.spec.newSv.walletUrl ? '; accept it in the new SV\'s wallet' : ''}; waiting for the old SV balance (${unlocked}) to reach the reserve`;
  draft.condition(CONDITION.AssetsTransferred, 'False', 'TransferInProgress', message);
  return { kind: 'wait', message, requeueAfterMs: poll };
}

function failed(ctx: StepContext, result: StepResult): StepResult {
  if (result.kind === 'stalled') ctx.draft.condition(CONDITION.AssetsTransferred, 'False', result.reason, result.message);
  return result;
}

/** The wallet's status of the offer, in status terms; undefined when the wallet does not know it. */
async function offerStatus(ctx: StepContext, trackingId: string): Promise<TransferStatus['status'] | undefined> {
  const wallet = await ctx.deps.splice.oldWallet(ctx.m);
  if (!wallet.ok) return undefined;
  try {
    const st = (await wallet.client.getTransferOfferStatus(trackingId, ctx.signal)) as { status: string };
    const map: Record<string, TransferStatus['status']> = { created: 'Created', accepted: 'Accepted', completed: 'Completed', failed: 'Failed' };
    return map[st.status] ?? 'Created';
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Accepts the offer on the new SV's wallet, when the spec gives it. */
async function acceptOnNewSv(ctx: StepContext, trackingId: string, entry: TransferStatus): Promise<void> {
  const access = await ctx.deps.splice.newWallet(ctx.m);
  if (!access?.ok) return;
  const offers = await access.client.listTransferOffers(ctx.signal);
  const offer = offers.find((o) => o.trackingId === trackingId);
  if (!offer) return;
  await access.client.acceptTransferOffer(offer.contractId, ctx.signal);
  entry.status = 'Accepted';
  await ctx.deps.event(ctx.m, 'Normal', 'TransferAccepted', `accepted transfer offer ${trackingId} on ${ctx.m.spec.newSv.name}'s wallet`);
}
