/**
 * perp-ml: a gradient-boosted tree classifier trading a USDT-margined perpetual on minute bars,
 * the machine-learning case study.
 *
 * The model (models/perp-ml, trained by `parity train --strategy strategies/perp-ml.ts ...`, see
 * the README) gives the probability that the close 10 bars on is above this one. Its inputs are the
 * `features` below, from the library, computed the same way in training, backtest and live.
 *
 * - Signal: long when p > `enter`, short when p < 1 - `enter`, else no new position. A position is
 *   kept until the prediction flips (p crosses 0.5 against it), then closed with a reduce-only
 *   market order; a new side opens once flat.
 * - Stop-loss: as soon as a position exists, a reduce-only stop order `stopVols` volatilities of
 *   the 10-bar horizon away from the entry. Where the venue takes stops it holds it; where it does
 *   not (OKX in parity takes market and limit only), parity holds it, journaled like any order.
 * - Size: volatility targeting. The notional whose one-bar move is `barRisk` of equity, at the
 *   features' own volatility (vol_30), capped at `maxLeverage` x equity and at the instrument's
 *   leverage; whole lots of contracts.
 * - Stages: ctx.signal (the side wanted) and ctx.target (the position wanted) are recorded beside
 *   the features and the prediction, so `verify` can compare each stage.
 */
import { basis, defineStrategy, fromSteps, fundingRate, range, returns, rsi, timeOfDay, volatility, volumeRatio, z, zscore } from 'parity';
import type { Instrument, StrategyContext } from 'parity';

/** The prediction's horizon in bars (the model's label: fwd-return:10:...). */
const HORIZON = 10;
/** Order states after which an order is gone for good. */
const TERMINAL: ReadonlySet<string> = new Set(['filled', 'canceled', 'rejected', 'expired', 'denied', 'lost']);

interface SymbolState {
  /** The client id of the working stop, or null. */
  stop: string | null;
  /**
   * A flip asked for the position to close: the stop is being cancelled first (while its cancel
   * is on its way it still counts against the position, so a reduce-only exit sent beside it would
   * be refused as reducing nothing); the exit goes once the stop is gone.
   */
  exiting: boolean;
}

export default defineStrategy({
  name: 'perp-ml',
  description: 'GBDT on minute features of a perpetual: long/short on the probability, exit on a flip, a stop-loss, volatility-targeted size',
  params: z.object({
    /** Probability to open a position: long above it, short below 1 - enter. */
    enter: z.number().min(0.5).max(0.99).default(0.6),
    /** The stop's distance from the entry, in volatilities of the prediction horizon. */
    stopVols: z.number().positive().default(3),
    /** One bar's expected move of the position, as a share of equity. */
    barRisk: z.number().positive().max(0.05).default(0.0008),
    /** Notional cap as a multiple of equity (the instrument's own leverage caps it too). */
    maxLeverage: z.number().positive().max(20).default(3),
  }),
  features: [returns(1), returns(5), returns(15), volatility(30), rsi(14), zscore(20), volumeRatio(20), range(), timeOfDay(), fundingRate(), basis()],
  model: 'models/perp-ml',
  lookback: () => 2,
  create(p) {
    const state = new Map<string, SymbolState>();
    const stateOf = (symbol: string): SymbolState => {
      let s = state.get(symbol);
      if (s === undefined) state.set(symbol, (s = { stop: null, exiting: false }));
      return s;
    };

    /** A stop for the whole position, when there is a position and no stop for it. */
    function protect(symbol: string, ctx: StrategyContext): void {
      const s = stateOf(symbol);
      const pos = ctx.position(symbol);
      if (pos.qty === 0 || s.stop !== null) return;
      const vol = ctx.features(symbol)['vol_30'];
      if (vol === undefined || !(vol > 0)) return;
      const inst = ctx.instrument(symbol);
      const away = p.stopVols * vol * Math.sqrt(HORIZON) * pos.avgPrice;
      const raw = pos.qty > 0 ? pos.avgPrice - away : pos.avgPrice + away;
      const stopPrice = onTick(raw, inst, pos.qty > 0 ? 'down' : 'up');
      s.stop = ctx.submit({ symbol, side: pos.qty > 0 ? 'sell' : 'buy', type: 'stop', stopPrice, qty: Math.abs(pos.qty), reduceOnly: true, tag: 'stop' });
    }

    /** Close the whole position with a reduce-only market order. */
    function exit(symbol: string, ctx: StrategyContext): void {
      const held = ctx.position(symbol).qty;
      stateOf(symbol).exiting = false;
      if (held !== 0) ctx.submit({ symbol, side: held > 0 ? 'sell' : 'buy', type: 'market', qty: Math.abs(held), reduceOnly: true, tag: 'exit' });
    }

    return {
      onBar(bar, ctx) {
        const sym = bar.symbol;
        const s = stateOf(sym);
        const prob = ctx.prediction(sym);
        if (Number.isNaN(prob)) return; // features still warming up
        const held = ctx.position(sym).qty;
        // The stop filled (or the venue closed the position): nothing is held any more.
        if (held === 0 && s.stop !== null && !ctx.openOrders(sym).some((o) => o.clientOrderId === s.stop)) s.stop = null;

        // The side wanted: a flip against the held side closes it; a strong enough p opens one.
        const heldSide = Math.sign(held);
        let want = heldSide;
        if (heldSide > 0 && prob < 0.5) want = 0;
        else if (heldSide < 0 && prob > 0.5) want = 0;
        if (want === 0) want = prob > p.enter ? 1 : prob < 1 - p.enter ? -1 : 0;
        if (heldSide !== 0 && want === -heldSide) want = 0; // close first; the new side opens once flat
        ctx.signal(sym, want);

        const working = ctx.openOrders(sym).filter((o) => o.clientOrderId !== s.stop);
        if (working.length > 0) return; // the last decision's orders are still working

        if (heldSide !== 0 && want !== heldSide) {
          ctx.target(sym, 0);
          if (s.exiting) return; // the stop's cancel is on its way; onOrderEvent sends the exit
          if (s.stop !== null) { s.exiting = true; ctx.cancel(s.stop); return; }
          exit(sym, ctx);
          return;
        }
        if (heldSide !== 0) { ctx.target(sym, held); protect(sym, ctx); return; }
        if (want === 0) { ctx.target(sym, 0); return; }

        const inst = ctx.instrument(sym);
        const vol = ctx.features(sym)['vol_30']!;
        const acct = ctx.account();
        const leverage = Math.min(p.maxLeverage, inst.perp?.leverage ?? 1);
        // Equity sets the size; the margin the account can still post caps it (fees need the rest).
        const cap = leverage * Math.min(acct.equity, acct.buyingPower) * 0.9;
        const equity = acct.equity;
        const notional = Math.min(cap, (p.barRisk * equity) / vol);
        const qty = contracts(notional, bar.close, inst);
        ctx.target(sym, want * qty);
        if (qty === 0) return;
        ctx.submit({ symbol: sym, side: want > 0 ? 'buy' : 'sell', type: 'market', qty, tag: want > 0 ? 'long' : 'short' });
      },
      onFill(fill, ctx) {
        // The entry filled: protect the position at once rather than a bar later.
        const s = stateOf(fill.symbol);
        if (fill.clientOrderId === s.stop) { if (ctx.position(fill.symbol).qty === 0) { s.stop = null; s.exiting = false; } return; }
        if (s.exiting || ctx.openOrders(fill.symbol).some((o) => o.clientOrderId !== s.stop)) return; // entry still filling
        protect(fill.symbol, ctx);
      },
      onOrderEvent(ev, ctx) {
        const s = stateOf(ev.order.request.symbol);
        if (ev.clientOrderId !== s.stop || !TERMINAL.has(ev.to)) return;
        s.stop = null;
        if (s.exiting) exit(ev.order.request.symbol, ctx); // the stop is gone: now the exit reduces
      },
    };
  },
});

/** Whole lots of contracts worth `notional` at `price` (0 when not even the minimum fits). */
function contracts(notional: number, price: number, inst: Instrument): number {
  const lots = Math.floor(notional / (price * inst.multiplier) / inst.lotSize + 1e-9);
  const qty = fromSteps(lots, inst.lotSize);
  return qty >= inst.minQty ? qty : 0;
}

/** A price on the instrument's tick grid, rounded away from the market (a stop never lands inside it). */
function onTick(price: number, inst: Instrument, dir: 'up' | 'down'): number {
  const ticks = dir === 'down' ? Math.floor(price / inst.tickSize + 1e-9) : Math.ceil(price / inst.tickSize - 1e-9);
  return fromSteps(ticks, inst.tickSize);
}
