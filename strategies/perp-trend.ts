/**
 * perp-trend: long/short SMA trend on a USDT-margined perpetual, the example of a perpetual strategy.
 *
 * In the market once the slow average exists: long while fast > slow, short while fast < slow (SMA
 * of closes, compared exactly on integer ticks as sma-cross does). On a cross, the open position
 * is closed with a reduce-only market order (it can only ever shrink the position, so a
 * liquidation in between cannot make it open one the wrong way); once flat, the new side opens
 * with a market order on the next bar (a flip in one go would need margin for both at once).
 * Market orders fill at the next bar's open. After a liquidation it re-enters on the trend's side.
 *
 * Size: `exposure` x equity x the instrument's leverage (its perp terms) of notional, in whole lots
 * of contracts (notional = contracts x contract size x price). Funding and liquidations are the
 * venue's doing: the strategy sees them in ctx.account() (funding, liquidations) and its position.
 */
import { defineStrategy, fromSteps, RollingSum, z } from 'parity';

interface SymbolState {
  readonly fast: RollingSum;
  readonly slow: RollingSum;
  readonly tick: number;
  /** The side the trend last called for: 1 long, -1 short, 0 not yet. */
  want: number;
}

export default defineStrategy({
  name: 'perp-trend',
  description: 'Long/short SMA trend on a perpetual: reduce-only exits, size from the instrument leverage',
  params: z
    .object({
      fast: z.number().int().positive().default(20),
      slow: z.number().int().positive().default(60),
      /** Share of the leveraged buying power each position takes (0.9 = 90% of equity x leverage; fees need the rest). */
      exposure: z.number().positive().max(0.95).default(0.5),
    })
    .refine((p) => p.fast < p.slow, { message: 'fast must be smaller than slow' }),
  lookback: (p) => p.slow + 1,
  create(p) {
    const state = new Map<string, SymbolState>();
    return {
      onBar(bar, ctx) {
        let s = state.get(bar.symbol);
        if (s === undefined) {
          s = { fast: new RollingSum(p.fast), slow: new RollingSum(p.slow), tick: ctx.instrument(bar.symbol).tickSize, want: 0 };
          state.set(bar.symbol, s);
        }
        const ready = s.slow.full;
        const ticks = Math.round(bar.close / s.tick);
        s.fast.push(ticks);
        s.slow.push(ticks);
        if (!ready) return;

        // The side the trend wants: long above, short below (unchanged on an exact tie).
        const now = Math.sign(s.fast.sum * p.slow - s.slow.sum * p.fast);
        if (now !== 0) s.want = now;
        if (s.want === 0 || ctx.openOrders(bar.symbol).length > 0) return; // orders of the last decision still working
        const held = ctx.position(bar.symbol).qty;
        if (held !== 0) {
          // Wrong side: close first (the margin it holds frees when it fills); the new side opens on a later bar.
          if (Math.sign(held) !== s.want) ctx.submit({ symbol: bar.symbol, side: held > 0 ? 'sell' : 'buy', type: 'market', qty: Math.abs(held), reduceOnly: true, tag: 'exit' });
          return;
        }
        const inst = ctx.instrument(bar.symbol);
        const leverage = inst.perp?.leverage ?? 1;
        const qty = contracts(p.exposure * ctx.account().equity * leverage, bar.close, inst);
        if (qty > 0) ctx.submit({ symbol: bar.symbol, side: s.want > 0 ? 'buy' : 'sell', type: 'market', qty, tag: s.want > 0 ? 'long' : 'short' });
      },
    };
  },
});

/** Whole lots of contracts worth `notional` at `price` (0 when not even the minimum fits). */
function contracts(notional: number, price: number, inst: { lotSize: number; minQty: number; multiplier: number }): number {
  const lots = Math.floor(notional / (price * inst.multiplier) / inst.lotSize + 1e-9);
  const qty = fromSteps(lots, inst.lotSize);
  return qty >= inst.minQty ? qty : 0;
}
