/**
 * When a stop triggers: the simulator's rule, written once. The simulated venue's matching
 * (sim-venue.ts evalPath / evalQuote) and the stops parity holds itself for venues without native
 * stops (venues/emulated-stops.ts) both ask here, so a stop triggers on the same event in a
 * backtest, on the simulator and on OKX.
 *
 * - Bars: along the intra-bar path (fill-model.ts IntrabarPath: open, the nearer extreme, the other,
 *   close): a buy stop triggers when the path reaches price >= stop, a sell stop price <= stop;
 *   a bar that opens through the stop triggers at its open (a gap).
 * - Trades: a bar whose path is one point (the trade's price).
 * - Quotes: on the side the stop would trade at: a buy stop when the ask >= stop, a sell stop when
 *   the bid <= stop; a quote without that side (0) triggers nothing.
 */
import type { MarketEvent, Quote } from '../../domain/market.ts';
import type { IntrabarPath } from './fill-model.ts';

/** A price at or through the stop, on the stop's side. */
export function stopReachedAt(price: number, buy: boolean, stop: number): boolean {
  return buy ? price >= stop : price <= stop;
}

/**
 * The path (already `set` to the bar or trade) reaches the stop: from its open, so a gap counts.
 * On true the path's `pos` / `price` / `atStart` say where (the simulator fills there).
 */
export function stopTouchedOnPath(path: IntrabarPath, buy: boolean, stop: number): boolean {
  return path.touch(0, 0, path.open, buy, stop);
}

/** The quote price a stop of this side triggers and trades at: the ask for a buy, the bid for a sell (0 = none). */
export const quoteSidePrice = (q: Quote, buy: boolean): number => (buy ? q.ask : q.bid);

/** The quote triggers the stop: its side is there and at or through the stop. */
export function stopReachedOnQuote(q: Quote, buy: boolean, stop: number): boolean {
  const px = quoteSidePrice(q, buy);
  return px > 0 && stopReachedAt(px, buy, stop);
}

/** Any market event: does it trigger a stop of this side at `stop`? `path` is scratch space (reused, no allocation). */
export function stopTriggeredBy(ev: MarketEvent, buy: boolean, stop: number, path: IntrabarPath): boolean {
  if (ev.kind === 'quote') return stopReachedOnQuote(ev, buy, stop);
  if (ev.kind === 'bar') path.set(ev.open, ev.high, ev.low, ev.close);
  else path.set(ev.price, ev.price, ev.price, ev.price);
  return stopTouchedOnPath(path, buy, stop);
}
