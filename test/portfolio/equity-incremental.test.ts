/**
 * Portfolio.equity() is O(1) per change on the hot path: the cash part is kept, and only open
 * positions are summed, in the order the full summation visits them. It must be the same double
 * as the full summation over every currency and every position (`recomputeEquity`, the reference
 * kept verbatim from before), after any sequence of fills, late fees, marks and restores across symbols and
 * currencies, whether or not equity was read in between (the cache is lazy). So are marginUsed()
 * and buyingPower(), which walk the open positions only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { DEFAULT_ACCOUNT, Portfolio, type AccountSettings } from '../../src/portfolio/portfolio.ts';

const INSTS = [
  makeInstrument('AAPL', 'sim'), makeInstrument('BTC-USD', 'sim'), makeInstrument('ETH-USDT-PERP', 'sim'),
  makeInstrument('MSFT', 'sim'), makeInstrument('SOL-USDT', 'sim'), makeInstrument('ETH-USD', 'sim'),
];
const MARGIN: AccountSettings = { ...DEFAULT_ACCOUNT, type: 'margin', leverage: 4, cash: 1_000_000, fxRates: { USDT: 0.9991, USDC: 1 } };
const CASH: AccountSettings = { ...DEFAULT_ACCOUNT, cash: 1_000_000, fxRates: { USDT: 1.0003, USDC: 1 } };

type Op =
  | { readonly k: 'fill'; readonly i: number; readonly buy: boolean; readonly lots: number; readonly ticks: number }
  | { readonly k: 'mark'; readonly i: number; readonly ticks: number }
  | { readonly k: 'flat'; readonly i: number; readonly ticks: number }
  | { readonly k: 'fee'; readonly i: number; readonly cents: number }
  | { readonly k: 'read' }
  | { readonly k: 'restore'; readonly which: number };

const i = fc.integer({ min: 0, max: INSTS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('fill' as const), i, buy: fc.boolean(), lots: fc.integer({ min: 1, max: 50 }), ticks: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('mark' as const), i, ticks: fc.integer({ min: 1, max: 20_000 }) }) },
  // Closing to exactly zero and reopening later is what reorders the open positions.
  { weight: 3, arbitrary: fc.record({ k: fc.constant('flat' as const), i, ticks: fc.integer({ min: 1, max: 20_000 }) }) },
  // A commission booked after its fill (IBKR): cash moves, positions do not.
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fee' as const), i, cents: fc.integer({ min: 1, max: 10_000 }) }) },
  { weight: 3, arbitrary: fc.constant({ k: 'read' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restore' as const), which: fc.integer({ min: 0, max: 2 }) }) },
);

function apply(p: Portfolio, op: Op): void {
  if (op.k === 'read') { p.equity(); return; }
  if (op.k === 'restore') {
    if (op.which === 0) p.restore({ USD: 500_000 }, [{ instrument: INSTS[0]!, qty: 3, avgPrice: 100 }]);
    else if (op.which === 1) p.restore({ USDT: 20_000.5, USD: 400_000 }, [{ instrument: INSTS[2]!, qty: -0.5, avgPrice: 3000.1 }, { instrument: INSTS[1]!, qty: 0.25, avgPrice: 40_000 }]);
    else p.restore({ USD: 1000 }, []);
    return;
  }
  const inst = INSTS[op.i]!;
  if (op.k === 'fee') { p.applyFee(inst, op.cents / 100); return; }
  const price = op.ticks * inst.tickSize;
  if (op.k === 'mark') p.mark(inst.symbol, price);
  else if (op.k === 'flat') {
    const q = p.qty(inst.symbol);
    if (q !== 0) p.applyFill(inst, q > 0 ? 'sell' : 'buy', Math.abs(q), price, 0.01);
  } else p.applyFill(inst, op.buy ? 'buy' : 'sell', op.lots * inst.lotSize, price, 0.01);
}

describe('Portfolio incremental equity', () => {
  for (const [name, settings] of [['margin', MARGIN], ['cash', CASH]] as const) {
    it(`equals the full summation, to the bit, after any fills, marks and restores (${name} account)`, () => {
      fc.assert(fc.property(fc.array(opArb, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
        const p = new Portfolio(settings);
        for (const op of ops) {
          apply(p, op);
          if (op.k === 'read') continue; // reads only warm the cache; checked after the others
          expect(p.equity()).toBe(p.recomputeEquity());
          expect(p.marginUsed()).toBe(p.recomputeMarginUsed());
        }
        expect(p.equity()).toBe(p.recomputeEquity());
      }), { numRuns: 300 });
    });
  }

  it('a mark moves equity only through open positions, and by exactly the position value', () => {
    const p = new Portfolio(MARGIN);
    const btc = INSTS[1]!;
    p.mark('AAPL', 123); // never traded: nothing to mark
    expect(p.equity()).toBe(1_000_000);
    p.applyFill(btc, 'buy', 0.5, 40_000, 1);
    p.mark('BTC-USD', 41_000);
    expect(p.equity()).toBe(p.recomputeEquity());
    expect(p.equity()).toBeCloseTo(1_000_000 - 1 + 500, 6);
    p.applyFill(btc, 'sell', 0.5, 41_000, 1);
    const flat = p.equity();
    p.mark('BTC-USD', 10); // flat again: a mark changes nothing
    expect(p.equity()).toBe(flat);
    expect(p.recomputeEquity()).toBe(flat);
  });
});

describe('Portfolio book handles (the engine marks through its per-symbol slot, no lookup)', () => {
  it('a handle taken before the first fill marks the position once it exists, and survives restore', () => {
    const p = new Portfolio(MARGIN);
    const btc = INSTS[1]!;
    const h = p.handle('BTC-USD');
    expect(p.handle('BTC-USD')).toBe(h); // one per symbol
    p.markAt(h, 39_000); // nothing booked yet: no position appears
    expect(p.positionsList()).toEqual([]);
    expect(p.position('BTC-USD').lastPrice).toBe(0);
    p.applyFill(btc, 'buy', 0.5, 40_000, 0);
    p.markAt(h, 42_000);
    expect(p.position('BTC-USD').lastPrice).toBe(42_000);
    expect(p.equity()).toBe(p.recomputeEquity());
    expect(p.equity()).toBe(1_000_000 + 1000);
    p.restore({ USD: 10_000 }, [{ instrument: btc, qty: 1, avgPrice: 30_000 }]);
    p.markAt(h, 31_000);
    expect(p.position('BTC-USD')).toMatchObject({ qty: 1, lastPrice: 31_000, unrealizedPnl: 1000 });
    expect(p.equity()).toBe(10_000 + 31_000);
    p.restore({ USD: 10_000 }, []);
    p.markAt(h, 1); // the position is gone from the book: the handle marks nothing
    expect(p.position('BTC-USD').lastPrice).toBe(0);
    p.applyFill(btc, 'buy', 1, 2, 0);
    p.markAt(h, 3);
    expect(p.position('BTC-USD').lastPrice).toBe(3);
  });

  it('markAt and mark are the same operation, to the bit, over any sequence', () => {
    fc.assert(fc.property(fc.array(opArb, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
      const byName = new Portfolio(MARGIN);
      const byHandle = new Portfolio(MARGIN);
      const handles = INSTS.map((inst) => byHandle.handle(inst.symbol));
      for (const op of ops) {
        apply(byName, op);
        if (op.k === 'mark') byHandle.markAt(handles[op.i]!, op.ticks * INSTS[op.i]!.tickSize);
        else apply(byHandle, op);
        expect(byHandle.equity()).toBe(byName.equity());
        expect(byHandle.positionsList()).toEqual(byName.positionsList());
      }
    }), { numRuns: 200 });
  });
});
