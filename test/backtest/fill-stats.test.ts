import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Fill } from '../../src/domain/fill.ts';
import { makeInstrument, fromSteps } from '../../src/domain/instrument.ts';
import { FillStats } from '../../src/backtest/fill-stats.ts';
import { summarize, type MetricsInput } from '../../src/backtest/metrics.ts';

const BTC = makeInstrument('BTC-USD', 'sim');
const AAPL = makeInstrument('AAPL', 'sim');
const inst = (s: string) => (s === 'BTC-USD' ? BTC : AAPL);

function input(fills: Fill[]): MetricsInput {
  return { ts: Float64Array.of(0, 60_000), equity: Float64Array.of(100_000, 100_100), length: 2, startCash: 100_000, fills, exposureBars: 1, intervalMs: 60_000, calendar: '24x7' };
}

/** Random fills on each instrument's grid: scaling in, partial closes, reversals, fees in money units. */
const fillsArb = fc.array(
  fc.record({
    btc: fc.boolean(),
    buy: fc.boolean(),
    lots: fc.integer({ min: 1, max: 500_000 }),
    ticks: fc.integer({ min: 1, max: 10_000_000 }),
    feeUnits: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000_000_000 })),
  }),
  { maxLength: 60 },
).map((xs) => xs.map((x, i): Fill => {
  const i0 = x.btc ? BTC : AAPL;
  return {
    clientOrderId: `C${i}`, execId: `E${i}`, symbol: i0.symbol, side: x.buy ? 'buy' : 'sell',
    qty: fromSteps(x.btc ? x.lots : Math.ceil(x.lots / 1000), i0.lotSize), price: fromSteps(x.ticks, i0.tickSize),
    fee: x.feeUnits / 1e8, liquidity: 'taker', ts: i * 60_000,
  };
}));

describe('streamed fill statistics', () => {
  it('give the summary the same trades, win rate, turnover and fees as the exact BigInt path', () => {
    fc.assert(fc.property(fillsArb, (fills) => {
      const s = new FillStats();
      for (const f of fills) s.add(f, inst(f.symbol));
      const slow = summarize(input(fills));
      if (!s.exact) return; // a reversing fill with a fee: the summary takes the BigInt path
      expect(summarize({ ...input(fills), fillStats: s.result() })).toEqual(slow);
    }), { numRuns: 300 });
  });

  it('step aside (not exact) for a price off the grid or an unknown instrument', () => {
    const off = new FillStats();
    off.add({ clientOrderId: 'a', execId: 'a', symbol: 'BTC-USD', side: 'buy', qty: 1, price: 100.005, fee: 0, liquidity: 'taker', ts: 0 }, BTC);
    expect(off.exact).toBe(false);
    const unknown = new FillStats();
    unknown.add({ clientOrderId: 'a', execId: 'a', symbol: 'X', side: 'buy', qty: 1, price: 1, fee: 0, liquidity: 'taker', ts: 0 }, undefined);
    expect(unknown.exact).toBe(false);
  });

  it('count a winning and a losing round trip after fees', () => {
    const s = new FillStats();
    const f = (side: 'buy' | 'sell', price: number, fee: number): Fill => ({ clientOrderId: 'c', execId: 'e', symbol: 'AAPL', side, qty: 10, price, fee, liquidity: 'taker', ts: 0 });
    s.add(f('buy', 100, 0.5), AAPL);
    s.add(f('sell', 100.1, 0.4), AAPL); // +1.00 gross, -0.90 fees: a win of 0.10
    s.add(f('buy', 100, 0.5), AAPL);
    s.add(f('sell', 100.09, 0.41), AAPL); // +0.90 gross, -0.91 fees: a loss
    s.add(f('buy', 100, 0.5), AAPL);
    s.add(f('sell', 100.1, 0.5), AAPL); // +1.00 gross, -1.00 fees: break-even, not a win
    expect(s.result()).toEqual({ trades: 3, wins: 1, notional: 6002.9, fees: 2.81 });
  });
});
