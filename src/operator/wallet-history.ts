/**
 * Where a token-standard transfer or a preapproval send stands, read from the sender wallet's history. Neither has a
 * status-by-tracking-id endpoint (transfer offers do), and the wallet deduplicates their ids only within the
 * validator's deduplication window (24 h by default, `HttpWalletHandler`'s `dedupDuration`), so the history is the
 * durable record: the operator puts the tracking id into every transfer's description, and the wallet keeps the
 * description on the entry that created the transfer (`TransferResponseItem.description`).
 *
 * What this relies on (wallet-internal.yaml of 0.4.15 and 0.6.12, and the wallet's tx-log parser upstream):
 * - a send that moved Amulet to the receiver at once (a preapproval send, or a token-standard transfer to a receiver
 *   with a preapproval) is one `transfer` entry, with the description, whose `receivers` include the receiver;
 * - a token-standard transfer that waits for the receiver is a `transfer` entry with the description and the
 *   `transfer_instruction_cid`, that moved nothing yet (the amount is locked); its acceptance is a later `transfer`
 *   entry with the same instruction cid whose `receivers` include the receiver; a rejection, withdrawal or expiry
 *   unlocks the amount: a `balance_change` entry with the same instruction cid;
 * - pages come newest first, and the next page starts after the last entry's event id.
 * Only the entries' structure is read (type, receivers, instruction cid), not choice names, which differ by version.
 */
import type { TransferState } from '../migration/ports.ts';
import type { WalletHistoryEntry } from '../splice/wallet.ts';
import { decimalCompare } from '../util/decimal.ts';

/** Entries per history page. */
export const HISTORY_PAGE_SIZE = 100;
/** At most this many pages are read per lookup (a hand-over's transfers are recent; older entries are not searched). */
export const HISTORY_MAX_PAGES = 20;
/** Entries this much older than the recorded request time are still searched (the ledger's and our clocks differ). */
export const HISTORY_CLOCK_SKEW_MS = 10 * 60_000;

/** The wallet operation the reader pages through. */
export type HistoryPages = (page: { pageSize: number; beginAfterId?: string }, signal: AbortSignal) => Promise<WalletHistoryEntry[]>;

/** The sender's history back to `since` (minus the skew), at most {@link HISTORY_MAX_PAGES} pages, newest first. */
export async function readHistory(list: HistoryPages, since: Date | undefined, signal: AbortSignal): Promise<WalletHistoryEntry[]> {
  const entries: WalletHistoryEntry[] = [];
  const oldest = since === undefined ? undefined : since.getTime() - HISTORY_CLOCK_SKEW_MS;
  let after: string | undefined;
  for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
    const items = await list({ pageSize: HISTORY_PAGE_SIZE, ...(after === undefined ? {} : { beginAfterId: after }) }, signal);
    entries.push(...items);
    const last = items.at(-1);
    if (!last || items.length < HISTORY_PAGE_SIZE || (oldest !== undefined && last.date.getTime() < oldest)) break;
    after = last.eventId;
  }
  return entries;
}

/** Whether the entry moved a positive amount to someone other than its sender. */
function paidOut(e: WalletHistoryEntry): boolean {
  return e.type === 'transfer' && e.receivers.some((r) => r.party !== e.sender && decimalCompare(r.amount, '0') > 0);
}

/**
 * The state of the transfer whose description carries `trackingId`, from the sender's history; undefined when no
 * entry carries it (never sent, not yet in the history, or older than what was searched).
 */
export function transferStateFromHistory(entries: readonly WalletHistoryEntry[], trackingId: string): TransferState | undefined {
  const created = entries.filter((e) => e.type === 'transfer' && e.description?.includes(trackingId));
  if (created.length === 0) return undefined;
  if (created.some(paidOut)) return 'completed';
  const cid = created.find((e) => e.transferInstructionCid !== undefined)?.transferInstructionCid;
  if (cid === undefined) return 'created';
  const closing = entries.filter((e) => e.transferInstructionCid === cid && !created.includes(e));
  if (closing.some(paidOut)) return 'completed';
  if (closing.some((e) => e.type === 'balance_change')) return 'failed';
  return 'created';
}

/**
 * The reason text of a token-standard transfer instruction (`transfer.meta.values["splice.lfdecentralizedtrust.org/reason"]`),
 * where the wallet puts the description. `TextMap` is a JSON object in the wallet's contract encoding; a list of pairs
 * is read too.
 */
export const REASON_META_KEY = 'splice.lfdecentralizedtrust.org/reason';

export function instructionReason(payload: Record<string, unknown>): string | undefined {
  const transfer = payload.transfer as { meta?: { values?: unknown } } | undefined;
  const values = transfer?.meta?.values;
  if (Array.isArray(values)) {
    const pair = values.find((p): p is [string, string] => Array.isArray(p) && p[0] === REASON_META_KEY && typeof p[1] === 'string');
    return pair?.[1];
  }
  if (values !== null && typeof values === 'object') {
    const v = (values as Record<string, unknown>)[REASON_META_KEY];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}
