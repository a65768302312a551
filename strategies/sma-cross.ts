/**
 * sma-cross: long/flat moving-average crossover, the reference every mode must reproduce exactly.
 *
 * SMA(n) at bar t is the mean of the last n closes including bar t. Buy when fast crosses above slow
 * at bar t's close (fast[t] > slow[t] and fast[t-1] <= slow[t-1]); sell the whole position when fast
 * crosses below (fast[t] < slow[t] and fast[t-1] >= slow[t-1]). Market orders, so fills come at bar
 * t+1's open. The first possible signal is at bar index `slow`. Averages are compared exactly on
 * integer ticks: fast[t] > slow[t]  <=>  sumFast * slow > sumSlow * fast.
 */
import { defineStrategy, fromSteps, RollingSum, z } from 'parity';

interface SymbolState {
  readonly fast: RollingSum;
  readonly slow: RollingSum;
  readonly tick: number;
}

export default defineStrategy({
  name: 'sma-cross',
  description: 'Long/flat SMA crossover on closes, market orders',
  params: z
    .object({
      fast: z.number().int().positive().default(10),
      slow: z.number().int().positive().default(30),
      /** Fixed quantity; when absent, 95% of equity in whole lots. */
      qty: z.number().positive().optional(),
    })
    .refine((p) => p.fast < p.slow, { message: 'fast must be smaller than slow' }),
  lookback: (p) => p.slow + 1,
  create(p) {
    const state = new Map<string, SymbolState>();
    return {
      onBar(bar, ctx) {
        let s = state.get(bar.symbol);
        if (s === undefined) {
          s = { fast: new RollingSum(p.fast), slow: new RollingSum(p.slow), tick: ctx.instrument(bar.symbol).tickSize };
          state.set(bar.symbol, s);
        }
        const prevFast = s.fast.sum;
        const prevSlow = s.slow.sum;
        const ready = s.slow.full; // slow[t-1] exists, so t >= slow
        const ticks = Math.round(bar.close / s.tick);
        s.fast.push(ticks);
        s.slow.push(ticks);
        if (!ready) return;

        const now = s.fast.sum * p.slow - s.slow.sum * p.fast; // sign of fast[t] - slow[t]
        const before = prevFast * p.slow - prevSlow * p.fast; // sign of fast[t-1] - slow[t-1]
        if (now > 0 && before <= 0) {
          if (ctx.position(bar.symbol).qty !== 0) return;
          const qty = p.qty ?? sizeToEquity(ctx.account().equity, bar.close, ctx.instrument(bar.symbol));
          if (qty > 0) ctx.submit({ symbol: bar.symbol, side: 'buy', type: 'market', qty, tag: 'entry' });
        } else if (now < 0 && before >= 0) {
          const held = ctx.position(bar.symbol).qty;
          if (held > 0) ctx.submit({ symbol: bar.symbol, side: 'sell', type: 'market', qty: held, tag: 'exit' });
        }
      },
    };
  },
});

/** 95% of equity at bar t's close, in whole lots (0 when not even the minimum fits). */
function sizeToEquity(equity: number, close: number, inst: { lotSize: number; minQty: number; multiplier: number }): number {
  const lots = Math.floor((0.95 * equity) / (close * inst.multiplier) / inst.lotSize + 1e-9);
  const qty = fromSteps(lots, inst.lotSize);
  return qty >= inst.minQty ? qty : 0;
}
