/**
 * The simulator's perpetuals: funding booked at exact interval boundaries only while a position is
 * open (the spec's constant rate or a schedule), and liquidation when the mark (the last event's
 * price) reaches the maintenance margin: position closed at the mark, fee charged, working orders
 * canceled, an entry pushed to the entries sink. Reduce-only on a perpetual.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument, type Instrument } from '../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import type { Bar } from '../../src/domain/market.ts';
import type { OrderRequest } from '../../src/domain/order.ts';
import type { AccountEntry, ExecutionReport } from '../../src/ports/index.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import { SimVenue, type SimVenueOptions } from '../../src/venues/sim/sim-venue.ts';

const SYM = 'BTC/USDT:USDT';
type Req = OrderRequest extends infer R ? (R extends OrderRequest ? Omit<R, 'symbol'> : never) : never;
const H8 = 8 * 3_600_000;
const MIN = 60_000;
/** A funding boundary: 2024-03-04 08:00 UTC. */
const B = Date.UTC(2024, 2, 4, 8);
const ACCOUNT = { ...DEFAULT_ACCOUNT, currency: 'USDT', cash: 10_000, type: 'margin' as const, fxRates: { USDT: 1 } };

function venue(inst: Instrument, opts: Partial<SimVenueOptions> = {}) {
  const v = new SimVenue({ instruments: new InstrumentRegistry([inst]), account: ACCOUNT, ...opts });
  const reports: ExecutionReport[] = [];
  const entries: AccountEntry[] = [];
  v.connect((r) => reports.push(r), undefined, (e) => entries.push(e));
  let n = 0;
  return {
    v, reports, entries,
    submit(req: Req, ts: number): string {
      const id = `o${++n}`;
      v.submit({ clientOrderId: id, request: { symbol: SYM, ...req } as OrderRequest, ts });
      return id;
    },
    bar(ts: number, close: number, open = close, low = Math.min(open, close), high = Math.max(open, close)): void {
      const b: Bar = { kind: 'bar', symbol: SYM, ts, open, high, low, close, volume: 1_000 };
      v.onMarketData(b);
    },
  };
}

describe('funding in the simulator', () => {
  const inst = makeInstrument(SYM, 'sim', { perp: { leverage: 10 } });

  it('books funding at each boundary only while a position is open, at the mark before the boundary', () => {
    const h = venue(inst);
    h.bar(B - 3 * MIN, 60_000);
    h.submit({ side: 'buy', type: 'market', qty: 0.1 }, B - 3 * MIN);
    h.bar(B - 2 * MIN, 60_000); // fills 0.1 at 60,000
    h.bar(B - MIN, 60_100);
    expect(h.entries).toEqual([]); // no boundary crossed yet
    h.bar(B, 60_200); // the first event at the boundary: funding at the mark before it (60,100)
    expect(h.entries).toHaveLength(1);
    expect(h.entries[0]).toMatchObject({ kind: 'funding', symbol: SYM, currency: 'USDT', rate: 0.0001, markPrice: 60_100, ts: B });
    expect(h.entries[0]!.amount).toBeCloseTo(-0.1 * 60_100 * 0.0001, 10); // long pays: -0.601
    h.bar(B + MIN, 60_300);
    expect(h.entries).toHaveLength(1); // once per boundary
    const cash = h.v.snapshot().cash['USDT']!;
    expect(cash).toBeCloseTo(10_000 - 0.601, 8);
    // Closed before the next boundary: nothing more.
    h.submit({ side: 'sell', type: 'market', qty: 0.1 }, B + MIN);
    h.bar(B + 2 * MIN, 60_300);
    h.bar(B + H8, 60_300);
    h.bar(B + 2 * H8 + MIN, 60_300);
    expect(h.entries).toHaveLength(1);
  });

  it('a short receives; a gap over two boundaries books both; a schedule gives the rate in force at each boundary', () => {
    const h = venue(inst, { fundingRates: { [SYM]: [{ ts: B + H8, rate: -0.0003 }] } });
    h.bar(B - 2 * MIN, 50_000);
    h.submit({ side: 'sell', type: 'market', qty: 0.2 }, B - 2 * MIN);
    h.bar(B - MIN, 50_000);
    h.bar(B + H8 + 5 * MIN, 51_000); // gap: the boundaries B and B + 8h both at the last mark, 50,000
    expect(h.entries.map((e) => [e.ts, e.rate])).toEqual([[B, 0.0001], [B + H8, -0.0003]]);
    expect(h.entries[0]!.amount).toBeCloseTo(0.2 * 50_000 * 0.0001, 10); // short receives 1
    expect(h.entries[1]!.amount).toBeCloseTo(-0.2 * 50_000 * 0.0003, 10); // negative rate: the short pays 3
    expect(new Set(h.entries.map((e) => e.entryId)).size).toBe(2);
  });

  it('a position opened after a boundary pays nothing for it; bookFunding books on demand and null when flat', () => {
    const h = venue(inst);
    expect(h.v.bookFunding(SYM, 0.0001, 60_000, B)).toBeNull();
    h.bar(B - MIN, 60_000);
    h.submit({ side: 'buy', type: 'market', qty: 0.1 }, B - MIN);
    h.bar(B + MIN, 60_000); // filled after the boundary
    h.bar(B + 2 * MIN, 60_000);
    expect(h.entries).toEqual([]);
    const e = h.v.bookFunding(SYM, 0.0002, 61_000, B + 3 * MIN);
    expect(e).toMatchObject({ kind: 'funding', amount: -0.1 * 61_000 * 0.0002, rate: 0.0002, markPrice: 61_000 });
    expect(h.entries).toEqual([e]);
    expect(h.v.snapshot().account.funding).toBeCloseTo(-1.22, 10);
  });
});

describe('liquidation in the simulator', () => {
  const iso = makeInstrument(SYM, 'sim', { perp: { leverage: 10, marginMode: 'isolated', fundingRate: 0 } });

  it('a 10x isolated long is liquidated when the mark closes through 54,271.36: closed at the mark, fee charged, orders canceled, entry emitted', () => {
    const h = venue(iso);
    h.bar(B - 10 * MIN, 60_000);
    h.submit({ side: 'buy', type: 'market', qty: 1 }, B - 10 * MIN);
    h.bar(B - 9 * MIN, 60_000); // long 1 at 60,000; liquidation price 60,000 x 0.9 / 0.995
    expect(h.v.snapshot().positions[0]!.liquidationPrice).toBeCloseTo(54_271.36, 2);
    const tp = h.submit({ side: 'sell', type: 'limit', qty: 1, limitPrice: 70_000, reduceOnly: true }, B - 9 * MIN);
    const add = h.submit({ side: 'buy', type: 'limit', qty: 0.1, limitPrice: 40_000 }, B - 9 * MIN);
    h.bar(B - 8 * MIN, 55_000);
    h.bar(B - 7 * MIN, 54_500, 55_000, 54_000); // the low went through, the mark (close) did not
    expect(h.entries).toEqual([]);
    h.bar(B - 6 * MIN, 54_200);
    expect(h.entries).toHaveLength(1);
    const e = h.entries[0]!;
    expect(e).toMatchObject({ kind: 'liquidation', symbol: SYM, trade: { qty: -1, price: 54_200 }, markPrice: 54_200, ts: B - 6 * MIN });
    expect(e.amount).toBeCloseTo(-54_200 * 0.0005, 10); // -27.1
    const snap = h.v.snapshot();
    expect(snap.positions.find((p) => p.symbol === SYM)?.qty ?? 0).toBe(0);
    expect(snap.cash['USDT']).toBeCloseTo(10_000 - 5_800 - 27.1, 8);
    expect(snap.account.liquidations).toBe(1);
    expect(snap.orders).toEqual([]);
    for (const id of [tp, add]) expect(h.reports.filter((r) => r.clientOrderId === id).map((r) => r.kind === 'canceled' ? r.reason : r.kind)).toEqual(['accepted', 'liquidation']);
    // Flat now: later bars book nothing, funding included.
    h.bar(B + MIN, 40_000);
    expect(h.entries).toHaveLength(1);
  });

  it('a cross short is liquidated when the mark rises through (entry + cash) / 1.005', () => {
    const cross = makeInstrument(SYM, 'sim', { perp: { leverage: 10, fundingRate: 0 } });
    const h = venue(cross);
    h.bar(B - 10 * MIN, 60_000);
    h.submit({ side: 'sell', type: 'market', qty: 1 }, B - 10 * MIN);
    h.bar(B - 9 * MIN, 60_000); // liq (60,000 + 10,000) / 1.005 = 69,651.74
    h.bar(B - 8 * MIN, 69_600);
    expect(h.entries).toEqual([]);
    h.bar(B - 7 * MIN, 69_700);
    expect(h.entries.map((e) => e.kind)).toEqual(['liquidation']);
    expect(h.entries[0]!.trade).toEqual({ qty: 1, price: 69_700 });
  });
});

describe('reduce-only on a perpetual', () => {
  const inst = makeInstrument(SYM, 'sim', { perp: { leverage: 10, fundingRate: 0 } });
  it('is refused when it would add, fills only what reduces, and is canceled once nothing is left', () => {
    const h = venue(inst);
    h.bar(B - 10 * MIN, 60_000);
    const bad = h.submit({ side: 'sell', type: 'market', qty: 0.1, reduceOnly: true }, B - 10 * MIN);
    expect(h.reports.find((r) => r.clientOrderId === bad)?.kind).toBe('rejected');
    h.submit({ side: 'buy', type: 'market', qty: 0.3 }, B - 10 * MIN);
    h.bar(B - 9 * MIN, 60_000);
    const a = h.submit({ side: 'sell', type: 'limit', qty: 0.3, limitPrice: 61_000, reduceOnly: true }, B - 9 * MIN);
    const b = h.submit({ side: 'sell', type: 'market', qty: 0.3 }, B - 9 * MIN);
    h.bar(B - 8 * MIN, 60_000); // the plain sell closes the long first
    h.bar(B - 7 * MIN, 61_500, 61_500, 61_500, 61_500);
    expect(h.reports.filter((r) => r.clientOrderId === b && r.kind === 'fill')).toHaveLength(1);
    expect(h.reports.filter((r) => r.clientOrderId === a).map((r) => r.kind)).toEqual(['accepted', 'canceled']);
  });
});
