/**
 * How a position is closed by the operator's flatten: the one rule for the kill switch, `parity ctl
 * flatten` and a re-run of a recorded flatten. Market where the venue takes a market order now;
 * otherwise (US equities outside regular hours) a marketable limit half the collar through the last
 * price, rounded against us onto the tick grid, so it stays inside the collar and still crosses.
 */
import { type Instrument, roundPriceAgainst } from '../domain/instrument.ts';
import { usEquitySession } from '../domain/market-hours.ts';
import type { OrderRequest } from '../domain/order.ts';
import type { VenueCapabilities } from '../ports/index.ts';

/** Collar (fraction of the last price) for flatten's marketable limits when none is configured. */
export const DEFAULT_FLATTEN_COLLAR = 0.05;

export interface PositionLeft {
  readonly symbol: string;
  readonly qty: number;
}

/** The order that closes one position, or why none can be sent. */
export function flattenOrder(
  pos: PositionLeft, inst: Instrument, now: number, last: number | undefined, caps: VenueCapabilities, collar: number,
): OrderRequest | string {
  const side = pos.qty > 0 ? 'sell' : 'buy';
  const qty = Math.abs(pos.qty);
  const reduce = caps.reduceOnly ? { reduceOnly: true } : {};
  const outsideHours = inst.calendar === 'us_equity' && Number.isFinite(now) && !usEquitySession(now).open;
  if (caps.orderTypes.includes('market') && !outsideHours) {
    return { symbol: pos.symbol, side, type: 'market', qty, tag: 'flatten', ...reduce };
  }
  if (!caps.orderTypes.includes('limit')) return `cannot flatten ${pos.symbol}: the venue takes neither market orders now nor limit orders`;
  if (last === undefined || !(last > 0)) return `cannot flatten ${pos.symbol} with a limit order: no last price yet`;
  const through = last * (side === 'buy' ? 1 + collar / 2 : 1 - collar / 2);
  const limitPrice = roundPriceAgainst(through, inst.tickSize, side);
  return { symbol: pos.symbol, side, type: 'limit', limitPrice, qty, tif: 'day', tag: 'flatten', ...reduce };
}
