/**
 * Portfolio.equity() is cached between changes (it is read many times per change: the strategy's
 * account(), buying power, the collector, the sim's costing). Every change that moves it must
 * drop the cache: a fill, a restore, a new price on an open position. A reference computed from
 * scratch on a fresh portfolio fed the same operations must agree at every step, to the bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { DEFAULT_ACCOUNT, Portfolio } from '../../src/portfolio/portfolio.ts';

const INSTS = [makeInstrument('AAPL', 'sim'), makeInstrument('BTC-USD', 'sim'), makeInstrument('ETH-USDT-PERP', 'sim')];
const ACCOUNT = { ...DEFAULT_ACCOUNT, type: 'margin' as const, leverage: 4, cash: 1_000_000 };

type Op =
  | { readonly k: 'fill'; readonly i: number; readonly buy: boolean; readonly lots: number; readonly ticks: number }
  | { readonly k: 'mark'; readonly i: number; readonly ticks: number }
  | { readonly k: 'restore' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('fill' as const), i: fc.integer({ min: 0, max: 2 }), buy: fc.boolean(), lots: fc.integer({ min: 1, max: 50 }), ticks: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ k: fc.constant('mark' as const), i: fc.integer({ min: 0, max: 2 }), ticks: fc.integer({ min: 1, max: 20_000 }) }),
  fc.constant({ k: 'restore' as const }),
);

function apply(p: Portfolio, op: Op): void {
  if (op.k === 'restore') { p.restore({ USD: 500_000 }, [{ instrument: INSTS[0]!, qty: 3, avgPrice: 100 }]); return; }
  const inst = INSTS[op.i]!;
  const price = op.ticks * inst.tickSize;
  if (op.k === 'mark') p.mark(inst.symbol, price);
  else p.applyFill(inst, op.buy ? 'buy' : 'sell', op.lots * inst.lotSize, price, 0.01);
}

describe('Portfolio equity cache', () => {
  it('equals equity computed afresh after every fill, mark and restore', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const cached = new Portfolio(ACCOUNT);
      for (let n = 0; n < ops.length; n++) {
        apply(cached, ops[n]!);
        const before = cached.equity();
        expect(cached.equity()).toBe(before); // a second read is the cached one
        // The same operations on a fresh portfolio, read only once at the end: nothing cached.
        const fresh = new Portfolio(ACCOUNT);
        for (let m = 0; m <= n; m++) apply(fresh, ops[m]!);
        expect(before).toBe(fresh.equity());
      }
    }), { numRuns: 200 });
  });
});
