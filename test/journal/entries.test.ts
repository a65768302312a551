/**
 * Venue-initiated entries (funding, liquidations) in the store: the ledger's books after each, the
 * newest entry's venue time, and the ids booked, so a restart asks the venue only for what came
 * after and books none of what it already booked twice.
 */
import { describe, expect, it } from 'vitest';
import { ENTRY_IDS_KEPT, StoreStateSchema, emptyState, reduce, type EntryData } from '../../src/journal/state.ts';
import type { JournalRecord } from '../../src/journal/journal.ts';

const rec = (seq: number, data: EntryData): JournalRecord => ({ seq, ts: 0, kind: 'entry', data, prevHash: '', hash: '' });
const funding = (id: string, ts: number, cash: number, qty: number): EntryData => ({
  entry: { entryId: id, symbol: 'BTC/USDT:USDT', ts, kind: 'funding', amount: -1.5 },
  book: { position: { symbol: 'BTC/USDT:USDT', qty, avgPrice: 50_000 }, cash: { USDT: cash } },
});

describe('store: account entries', () => {
  it('takes the books after the entry, its time and its id', () => {
    const s = emptyState('abc123', 'okx', 'u1');
    reduce(s, rec(1, funding('b1', 1000, 9998.5, 2)));
    reduce(s, rec(2, funding('b2', 900, 9997, 2)));
    expect(s.cash).toEqual({ USDT: 9997 });
    expect(s.positions['BTC/USDT:USDT']).toEqual({ symbol: 'BTC/USDT:USDT', qty: 2, avgPrice: 50_000 });
    expect(s.entries.lastTs).toBe(1000); // the newest, not the last written
    expect(s.entries.ids).toEqual(['b1', 'b2']);
  });

  it('a liquidation that closed the position removes it; a repeated id is kept once', () => {
    const s = emptyState('abc123', 'okx', 'u1');
    reduce(s, rec(1, funding('b1', 1000, 9998.5, 2)));
    reduce(s, rec(2, { entry: { entryId: 'liq1', symbol: 'BTC/USDT:USDT', ts: 2000, kind: 'liquidation', amount: -25 }, book: { position: { symbol: 'BTC/USDT:USDT', qty: 0, avgPrice: 0 }, cash: { USDT: 4000 } } }));
    reduce(s, rec(3, { entry: { entryId: 'liq1', symbol: 'BTC/USDT:USDT', ts: 2000, kind: 'liquidation', amount: -25 }, book: { position: null, cash: { USDT: 4000 } } }));
    expect(s.positions['BTC/USDT:USDT']).toBeUndefined();
    expect(s.entries.ids).toEqual(['b1', 'liq1']);
  });

  it('keeps only the newest ids', () => {
    const s = emptyState('abc123', 'okx', 'u1');
    for (let i = 0; i < ENTRY_IDS_KEPT + 5; i++) reduce(s, rec(i + 1, funding(`b${i}`, i, 100, 1)));
    expect(s.entries.ids.length).toBe(ENTRY_IDS_KEPT);
    expect(s.entries.ids[0]).toBe('b5');
  });

  it('a store written before entries existed reads with none', () => {
    const { entries: _drop, ...old } = emptyState('abc123', 'alpaca', 'a1');
    expect(StoreStateSchema.parse(old).entries).toEqual({ lastTs: null, ids: [] });
  });
});
