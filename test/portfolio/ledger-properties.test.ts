/**
 * Property test of the ledger (src/portfolio/portfolio.ts) against a model written here with BigInt
 * money: random orders on three instrument grids (equity, crypto with 0.00001 lots, a 0.05-tick
 * contract with a multiplier of 10), each filled in one to four partial fills at prices on the tick
 * grid, buys and sells that flip positions long -> short -> long, and fees.
 *
 * The model's rules (average cost):
 * - Money is integers of 1e-8 (domain/money.ts). A fill's notional is price x qty x multiplier, exact.
 * - Adding to a position (or opening one) adds the notional to its cost.
 * - Reducing it realizes (exit notional - the closed share of the cost); the closed share of the cost
 *   is cost x closed / open, rounded half away from zero to 1e-8 (the only rounding there is).
 * - A fill that crosses zero closes the whole position, then opens the rest at the fill price: after a
 *   flip the average price is the flip fill's price, and nothing of the old cost carries over.
 * - Flat means cost 0, average price 0.
 * - Cash = start - sum of buy notional + sum of sell notional - sum of fees (spot instruments).
 * - Equity at a mark = cash + sum of qty x mark x multiplier.
 * And one check that needs no rounding rule at all: whenever a symbol is flat, its realized P&L is
 * exactly the sum of its sell notional minus the sum of its buy notional.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeInstrument, type Instrument } from '../../src/domain/instrument.ts';
import { DEFAULT_ACCOUNT, Portfolio } from '../../src/portfolio/portfolio.ts';

const SCALE = 100_000_000n; // money units per currency unit

interface Grid {
  readonly inst: Instrument;
  /** Tick, lot and multiplier as exact fractions: value of one tick x one lot in money units = unitNum / unitDen. */
  readonly tickNum: bigint; readonly tickDen: bigint;
  readonly lotDen: bigint; // lot = 1 / lotDen
  readonly mult: bigint;
  readonly maxLots: number;
  readonly maxTicks: number;
}

const GRIDS: readonly Grid[] = [
  { inst: makeInstrument('AAPL', 'sim'), tickNum: 1n, tickDen: 100n, lotDen: 1n, mult: 1n, maxLots: 400, maxTicks: 50_000 },
  { inst: makeInstrument('BTC-USD', 'sim'), tickNum: 1n, tickDen: 100n, lotDen: 100_000n, mult: 1n, maxLots: 200_000, maxTicks: 10_000_000 },
  { inst: makeInstrument('ES', 'sim', { assetClass: 'equity', tickSize: 0.05, lotSize: 1, minQty: 1, multiplier: 10 }), tickNum: 5n, tickDen: 100n, lotDen: 1n, mult: 10n, maxLots: 100, maxTicks: 4000 },
];

/** Exact notional of `ticks` x `lots` in money units (always whole for these grids; asserted). */
function notional(g: Grid, ticks: bigint, lots: bigint): bigint {
  const num = ticks * g.tickNum * lots * g.mult * SCALE;
  const den = g.tickDen * g.lotDen;
  if (num % den !== 0n) throw new Error('model: notional is not whole money units');
  return num / den;
}

function divRoundHalfAway(n: bigint, d: bigint): bigint {
  const neg = (n < 0n) !== (d < 0n);
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  return neg ? -q : q;
}

/** A decimal string of steps / den, parsed by JS: the double nearest the decimal. */
const dec = (steps: bigint, den: bigint): number => {
  const neg = steps < 0n;
  const a = neg ? -steps : steps;
  const digits = den.toString().length - 1;
  const int = a / den;
  const frac = (a % den).toString().padStart(digits, '0');
  return Number(`${neg ? '-' : ''}${int}${digits > 0 ? `.${frac}` : ''}`);
};
const cash$ = (m: bigint): number => dec(m, SCALE);

interface ModelPos { lots: bigint; cost: bigint; realized: bigint; fees: bigint; buys: bigint; sells: bigint; last: bigint }

interface Part { readonly lots: number; readonly ticks: number; readonly fee: number }
interface OrderArb { readonly sym: number; readonly side: 'buy' | 'sell'; readonly parts: readonly Part[] }

const orderArb: fc.Arbitrary<OrderArb> = fc.integer({ min: 0, max: GRIDS.length - 1 }).chain((sym) => {
  const g = GRIDS[sym]!;
  return fc.record({
    sym: fc.constant(sym),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    // One order, one to four partial fills (each at its own price: a sweep of the book).
    parts: fc.array(fc.record({
      lots: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: g.maxLots })),
      ticks: fc.integer({ min: 1, max: g.maxTicks }),
      fee: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50_000 })), // in 1e-4 of a dollar
    }), { minLength: 1, maxLength: 4 }),
  });
});

const START = 1_000_000;
let flips = 0;
let flatChecks = 0;
let partialCloses = 0;

describe('ledger properties (BigInt model)', () => {
  it('position, average price, realized P&L, fees, cash and equity match the model exactly', () => {
    fc.assert(fc.property(
      fc.array(orderArb, { minLength: 1, maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: GRIDS.length, maxLength: GRIDS.length }),
      (orders, marks) => {
        const p = new Portfolio({ ...DEFAULT_ACCOUNT, type: 'margin', leverage: 100, cash: START });
        let cash = BigInt(START) * SCALE;
        let realizedTotal = 0n;
        let feesTotal = 0n;
        const model: ModelPos[] = GRIDS.map(() => ({ lots: 0n, cost: 0n, realized: 0n, fees: 0n, buys: 0n, sells: 0n, last: 0n }));

        for (const o of orders) {
          const g = GRIDS[o.sym]!;
          const m = model[o.sym]!;
          const dir = o.side === 'buy' ? 1n : -1n;
          for (const part of o.parts) {
            const lots = BigInt(part.lots);
            const ticks = BigInt(part.ticks);
            const value = notional(g, ticks, lots);
            const fee = BigInt(part.fee) * (SCALE / 10_000n);
            const price = dec(ticks * g.tickNum, g.tickDen);
            const qty = dec(lots, g.lotDen);
            let realized = 0n;
            let flipped = false;
            if (m.lots === 0n || (m.lots > 0n) === (dir > 0n)) {
              m.cost += dir * value;
              m.lots += dir * lots;
            } else {
              const open = m.lots < 0n ? -m.lots : m.lots;
              const posDir = m.lots > 0n ? 1n : -1n;
              const closed = lots < open ? lots : open;
              const costClosed = divRoundHalfAway(m.cost * closed, open);
              realized = posDir * notional(g, ticks, closed) - costClosed;
              m.cost -= costClosed;
              m.lots -= posDir * closed;
              if (closed < open) partialCloses++;
              const rest = lots - closed;
              if (rest > 0n) {
                m.cost = dir * notional(g, ticks, rest);
                m.lots = dir * rest;
                flipped = true;
                flips++;
              }
              if (m.lots === 0n) m.cost = 0n;
            }
            m.realized += realized;
            m.fees += fee;
            m.last = ticks;
            if (dir > 0n) m.buys += value;
            else m.sells += value;
            realizedTotal += realized;
            feesTotal += fee;
            cash += -dir * value - fee;

            const eff = p.applyFill(g.inst, o.side, qty, price, dec(BigInt(part.fee), 10_000n));

            // The fill's own effect.
            expect(eff.realized).toBe(cash$(realized));
            expect(eff.positionQty).toBe(dec(m.lots, g.lotDen));
            // The position.
            const pos = p.position(g.inst.symbol);
            expect(pos.qty).toBe(dec(m.lots, g.lotDen));
            expect(p.lots(g.inst.symbol)).toBe(Number(m.lots));
            expect(pos.realizedPnl).toBe(cash$(m.realized));
            expect(pos.fees).toBe(cash$(m.fees));
            if (m.lots === 0n) {
              expect(pos.avgPrice).toBe(0);
              // No rounding rule involved: flat means every cost share was booked, and only once.
              expect(m.realized).toBe(m.sells - m.buys);
              expect(pos.realizedPnl).toBe(cash$(m.sells - m.buys));
              flatChecks++;
            } else {
              // Average price = cost / (qty x multiplier), computed exactly and compared to float precision.
              const avgExact = Number((m.cost * g.lotDen * 1_000_000_000n) / (m.lots * g.mult * SCALE)) / 1e9;
              expect(Math.abs(pos.avgPrice - avgExact)).toBeLessThan(1e-6 * Math.max(1, Math.abs(avgExact)));
              if (flipped) expect(pos.avgPrice).toBeCloseTo(price, 9);
            }
            // The account.
            expect(p.cashIn('USD')).toBe(cash$(cash));
            const acct = p.account();
            expect(acct.realizedPnl).toBe(cash$(realizedTotal));
            expect(acct.fees).toBe(cash$(feesTotal));
          }
        }
        // Cash is start - buys + sells - fees, whatever happened in between.
        const buys = model.reduce((a, x) => a + x.buys, 0n);
        const sells = model.reduce((a, x) => a + x.sells, 0n);
        expect(p.cashIn('USD')).toBe(cash$(BigInt(START) * SCALE - buys + sells - feesTotal));

        // Equity at a mark: the ledger's is a float sum of exact parts, so within float precision (far inside a cent).
        let equity = cash;
        GRIDS.forEach((g, i) => {
          const mark = BigInt(1 + (marks[i]! % g.maxTicks));
          p.mark(g.inst.symbol, dec(mark * g.tickNum, g.tickDen));
          equity += model[i]!.lots === 0n ? 0n : (model[i]!.lots > 0n ? 1n : -1n) * notional(g, mark, model[i]!.lots < 0n ? -model[i]!.lots : model[i]!.lots);
          // Unrealized = value at the mark - cost.
          const m = model[i]!;
          const unreal = m.lots === 0n ? 0n : (m.lots > 0n ? 1n : -1n) * notional(g, mark, m.lots < 0n ? -m.lots : m.lots) - m.cost;
          expect(Math.abs(p.position(g.inst.symbol).unrealizedPnl - cash$(unreal))).toBeLessThan(1e-6);
        });
        expect(Math.abs(p.equity() - cash$(equity))).toBeLessThan(1e-6);
      },
    ), { numRuns: 400 });
    // The generator did exercise what the test is about.
    expect(flips).toBeGreaterThan(100);
    expect(partialCloses).toBeGreaterThan(100);
    expect(flatChecks).toBeGreaterThan(0);
  });
});
