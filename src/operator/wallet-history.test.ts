/**
 * Reading a transfer's state from the sender wallet's history: a table of histories (newest first) and the paging
 * bound by the recorded request time.
 */
import { describe, expect, it } from '@jest/globals';
import type { WalletHistoryEntry } from '../splice/wallet.ts';
import { HISTORY_MAX_PAGES, HISTORY_PAGE_SIZE, instructionReason, readHistory, transferStateFromHistory } from './wallet-history.ts';

const OLD = 'Acme-1::1220aaaa';
const NEW = 'Acme-2::1220bbbb';
const T = 'svkms-uid-assets-1';
let seq = 0;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 10, minute));
const entry = (e: Partial<WalletHistoryEntry>): WalletHistoryEntry => ({ eventId: `e${seq++}`, date: at(0), type: 'transfer', sender: OLD, receivers: [], ...e });
const created = (cid?: string) => entry({ description: `hand-over [${T}]`, ...(cid ? { transferInstructionCid: cid } : {}) });
const paid = (extra: Partial<WalletHistoryEntry> = {}) => entry({ receivers: [{ party: NEW, amount: '990.5' }], ...extra });
const rewards = () => entry({ type: 'balance_change', receivers: [{ party: OLD, amount: '3' }] });

describe('transferStateFromHistory', () => {
  const rows: [string, WalletHistoryEntry[], string | undefined][] = [
    ['no entry carries the id: unknown', [rewards(), paid({ description: 'someone else [svkms-uid-assets-2]' })], undefined],
    ['a preapproval send (or an instant token-standard transfer) paid out: completed', [paid({ description: `hand-over [${T}]` })], 'completed'],
    ['an instruction created, nothing closed yet: created', [rewards(), created('i1')], 'created'],
    ['the receiver accepted (a later entry with the instruction paid out): completed', [paid({ transferInstructionCid: 'i1' }), rewards(), created('i1')], 'completed'],
    ['rejected, withdrawn or expired (the lock released): failed', [entry({ type: 'balance_change', transferInstructionCid: 'i1' }), created('i1')], 'failed'],
    ['a closing entry of another instruction does not count', [entry({ type: 'balance_change', transferInstructionCid: 'i2' }), created('i1')], 'created'],
    ['an entry with the id that moved nothing and names no instruction: created', [created()], 'created'],
    ['a self-transfer (merge) with the id is not a payment', [entry({ description: `hand-over [${T}]`, receivers: [{ party: OLD, amount: '5' }] })], 'created'],
    ['a zero amount is not a payment', [entry({ description: `hand-over [${T}]`, receivers: [{ party: NEW, amount: '0.0' }] })], 'created'],
  ];
  it.each(rows)('%s', (_n, entries, expected) => expect(transferStateFromHistory(entries, T)).toBe(expected));
});

describe('readHistory', () => {
  const signal = new AbortController().signal;
  /** A history of `n` entries, one a minute, newest first, served in pages. */
  const history = (n: number, newest = 1000) => {
    const all = Array.from({ length: n }, (_, i) => entry({ eventId: `h${i}`, date: at(newest - i) }));
    const asked: { pageSize: number; beginAfterId?: string }[] = [];
    const list = async (page: { pageSize: number; beginAfterId?: string }) => {
      asked.push(page);
      const from = page.beginAfterId === undefined ? 0 : all.findIndex((e) => e.eventId === page.beginAfterId) + 1;
      return all.slice(from, from + page.pageSize);
    };
    return { list, asked };
  };

  it('stops at a short page', async () => {
    const h = history(150);
    expect(await readHistory(h.list, undefined, signal)).toHaveLength(150);
    expect(h.asked).toEqual([{ pageSize: HISTORY_PAGE_SIZE }, { pageSize: HISTORY_PAGE_SIZE, beginAfterId: 'h99' }]);
  });

  it('stops once a page reaches past the request time (with the skew)', async () => {
    const h = history(1000);
    // Entries are a minute apart from minute 1000 down: minute 850 is entry 150, the skew adds 10 minutes.
    const entries = await readHistory(h.list, at(850), signal);
    expect(h.asked).toHaveLength(2);
    expect(entries.at(-1)!.date.getTime()).toBeLessThan(at(840).getTime());
  });

  it('reads at most the page bound', async () => {
    const h = history(HISTORY_PAGE_SIZE * (HISTORY_MAX_PAGES + 5));
    await readHistory(h.list, undefined, signal);
    expect(h.asked).toHaveLength(HISTORY_MAX_PAGES);
  });
});

describe('instructionReason', () => {
  const key = 'splice.lfdecentralizedtrust.org/reason';
  it.each([
    ['a TextMap as an object', { transfer: { meta: { values: { [key]: 'r' } } } }, 'r'],
    ['a list of pairs', { transfer: { meta: { values: [['other', 'x'], [key, 'r']] } } }, 'r'],
    ['no meta', { transfer: {} }, undefined],
    ['a non-string reason', { transfer: { meta: { values: { [key]: 5 } } } }, undefined],
  ] as const)('%s', (_n, payload, expected) => expect(instructionReason(payload as Record<string, unknown>)).toBe(expected));
});
