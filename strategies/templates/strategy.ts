/**
 * my-strategy: a channel breakout, written by `parity new strategy` as a starting point.
 *
 * Buy when a bar closes above the highest high of the `entry` bars before it; sell the whole
 * position when a bar closes below the lowest low of the `exit` bars before it. Market orders, so a
 * signal at bar t's close fills at bar t+1's open. Long or flat, one position per symbol.
 *
 *   npx parity backtest -s <this file>                       # shipped sample data (BTC-USD, 1m)
 *   npx parity backtest -s <this file> -d bars.csv -p entry=55 -p exit=20
 *   npx parity run -s <this file>                            # the console, paper, same code
 *
 * This file may live in any folder: `'parity'` resolves to the installation that runs it, with or
 * without a package.json nearby (README, "Writing a strategy"). The same code runs in backtest, paper
 * and live: take time from ctx.now() and chance from ctx.random(), never from Date or Math.random
 * (the loader refuses a file that does, naming the line).
 */
import { defineStrategy, fromSteps, z } from 'parity';

export default defineStrategy({
  name: 'my-strategy',
  description: 'Channel breakout: buy above the entry-bar high, sell below the exit-bar low',

  // Parameters, checked with zod: `-p entry=55` on the command line, or strategy.params in the config.
  params: z
    .object({
      /** Bars whose highest high a close must clear to buy. */
      entry: z.number().int().positive().default(20),
      /** Bars whose lowest low a close must fall below to sell. */
      exit: z.number().int().positive().default(10),
      /** Share of equity to put into a new position (0..1]. */
      allocation: z.number().positive().max(1).default(0.5),
    }),

  // Bars of history the engine keeps per symbol: enough for both windows plus the current bar.
  lookback: (p) => Math.max(p.entry, p.exit) + 1,

  // create() runs once per run and returns fresh handlers: keep any state in here, not at module level.
  create(p) {
    const window = Math.max(p.entry, p.exit);
    return {
      onBar(bar, ctx) {
        // Newest first: h.high(0) is the bar being handled, h.high(1) the one before. Never the future.
        const h = ctx.history(bar.symbol, window + 1);
        if (h.length <= window) return; // still warming up

        // An order placed on an earlier bar that has not filled yet: wait for it (onFill tells when).
        if (ctx.openOrders(bar.symbol).length > 0) return;

        let high = -Infinity;
        for (let i = 1; i <= p.entry; i++) high = Math.max(high, h.high(i));
        let low = Infinity;
        for (let i = 1; i <= p.exit; i++) low = Math.min(low, h.low(i));

        const held = ctx.position(bar.symbol).qty;
        if (held === 0 && bar.close > high) {
          const qty = sizeFor(ctx.account().equity * p.allocation, bar.close, ctx.instrument(bar.symbol));
          if (qty > 0) ctx.submit({ symbol: bar.symbol, side: 'buy', type: 'market', qty, tag: 'entry' });
        } else if (held > 0 && bar.close < low) {
          ctx.submit({ symbol: bar.symbol, side: 'sell', type: 'market', qty: held, tag: 'exit' });
        }
      },

      // Other callbacks, all optional: onStart, onQuote, onTrade, onOrderEvent, onFill, onStop.
      // onFill(fill, ctx) { ctx.log(`${fill.side} ${fill.qty} ${fill.symbol} @ ${fill.price}`); },
    };
  },
});

/** The most whole lots `budget` buys at `price` (0 when not even the instrument's minimum fits). */
function sizeFor(budget: number, price: number, inst: { lotSize: number; minQty: number; multiplier: number }): number {
  const lots = Math.floor(budget / (price * inst.multiplier) / inst.lotSize + 1e-9);
  const qty = fromSteps(lots, inst.lotSize);
  return qty >= inst.minQty ? qty : 0;
}
