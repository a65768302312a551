/**
 * The one admission every order command passes (submit, replace; cancel is always admitted for our
 * own orders), whoever sends it: the strategy, the operator, the kill switch, `parity ctl`, a re-run.
 * Pure: the engine gathers what it knows into an AdmissionContext and asks. A string is the reason
 * for a refusal, in words a trader can act on; null admits.
 *
 * Why replace needs the same gate as submit: a replace can add exposure as surely as a new order (a
 * resting buy moved through the market fills at once, a quantity raised from 1 to 5 is five times
 * the risk). Under a pause or halt a replace passes only when it cannot add risk: not larger, not
 * more aggressive, not marketable; or when it belongs to an order that only reduces the position
 * (exits flow under a pause, as they do for submit).
 */
import type { Instrument } from '../domain/instrument.ts';
import { type OrderRequest, type ReplaceRequest, limitPriceOf, stopPriceOf } from '../domain/order.ts';
import type { VenueCapabilities } from '../ports/index.ts';
import { type LimitInput, type RiskLimits, NO_LIMITS, anyLimit, checkLimits, trimRecentSubmits } from './limits.ts';
import { checkCapabilities, checkGrid, checkTradingState, increasesExposure } from './pre-trade.ts';
import type { TradingState } from './trading-state.ts';

export type CommandSource = 'strategy' | 'operator';

/** What the limits read (limits.ts LimitInput), plus what admission itself needs. */
export interface AdmissionContext extends Pick<LimitInput, 'position' | 'last' | 'now' | 'recentSubmits' | 'equity' | 'realizedToday'> {
  readonly instrument: Instrument | undefined;
  readonly capabilities: VenueCapabilities;
  readonly state: TradingState;
  readonly limits: RiskLimits;
  /** Quantity of other working orders on the same side that already reduce the position. */
  readonly pendingReduce: number;
  /** The daily-loss verdict (null when within the limit or off); may pause trading as a side effect. */
  readonly dailyLoss: (() => string | null) | null;
}

export function admitSubmit(req: OrderRequest, source: CommandSource, x: AdmissionContext): string | null {
  const inst = x.instrument;
  if (inst === undefined) return `unknown symbol ${req.symbol}: add it to the config's instruments or feed data for it`;
  const grid = checkGrid(req, inst) ?? checkCapabilities(req, x.capabilities);
  if (grid !== null) return grid;
  const increases = increasesExposure(req, x.position, x.pendingReduce);
  if (req.reduceOnly === true && increases) return `reduce-only ${req.side} of ${req.qty} would not reduce the position of ${x.position}`;
  if (x.dailyLoss !== null && increases && source === 'strategy') {
    const why = x.dailyLoss();
    if (why !== null) return why;
  }
  const st = checkTradingState(x.state, increases && source === 'strategy');
  if (st !== null && !(source === 'operator' && !increases)) return st;
  return limits(req, req.qty, increases, x);
}

/** The order's terms after a replace (the type never changes; absent fields keep their value). */
export function replacedRequest(r: OrderRequest, ch: ReplaceRequest): OrderRequest {
  const qty = ch.qty ?? r.qty;
  switch (r.type) {
    case 'market': return { ...r, qty };
    case 'limit': return { ...r, qty, limitPrice: ch.limitPrice ?? r.limitPrice };
    case 'stop': return { ...r, qty, stopPrice: ch.stopPrice ?? r.stopPrice };
    case 'stop_limit': return { ...r, qty, limitPrice: ch.limitPrice ?? r.limitPrice, stopPrice: ch.stopPrice ?? r.stopPrice };
  }
}

export function admitReplace(
  current: OrderRequest, filledQty: number, ch: ReplaceRequest, source: CommandSource, x: AdmissionContext,
): string | null {
  const inst = x.instrument;
  if (inst === undefined) return `unknown symbol ${current.symbol}`;
  if (!x.capabilities.replace) return 'the venue cannot replace orders: cancel and submit a new one';
  if (ch.limitPrice !== undefined && limitPriceOf(current) === undefined) return `a ${current.type} order has no limit price to change`;
  if (ch.stopPrice !== undefined && stopPriceOf(current) === undefined) return `a ${current.type} order has no stop price to change`;
  const next = replacedRequest(current, ch);
  const grid = checkGrid(next, inst);
  if (grid !== null) return grid;
  if (next.qty <= filledQty + inst.lotSize / 2) return `new quantity ${next.qty} is not above the ${filledQty} already filled: cancel instead`;
  const remaining = next.qty - filledQty;
  const increases = increasesExposure({ ...next, qty: remaining }, x.position, x.pendingReduce);
  if (next.reduceOnly === true && increases) return `reduce-only ${next.side} of ${remaining} would not reduce the position of ${x.position}`;
  const risky = addsRisk(current, next, x.last);
  if (risky !== null) {
    if (x.dailyLoss !== null && increases && source === 'strategy') {
      const why = x.dailyLoss();
      if (why !== null) return why;
    }
    // Same rule as submit: under a pause only what reduces the position may grow or get keener;
    // under a halt only the operator's own reducing orders may.
    const st = checkTradingState(x.state, increases && source === 'strategy');
    if (st !== null && !(source === 'operator' && !increases)) return `${st} (the replace ${risky})`;
    if (x.state.status === 'paused' && increases) return `trading is paused (${x.state.reason}): the replace ${risky}`;
  }
  return limits(next, remaining, increases, x);
}

/**
 * How a replace adds risk, in words, or null when it cannot: it grows the order, makes its price
 * keener (a buy limit up, a sell limit down, a stop nearer the market), or makes it marketable.
 */
export function addsRisk(cur: OrderRequest, next: OrderRequest, last: number | undefined): string | null {
  if (next.qty > cur.qty) return `grows the order from ${cur.qty} to ${next.qty}`;
  const buy = cur.side === 'buy';
  const l0 = limitPriceOf(cur);
  const l1 = limitPriceOf(next);
  if (l0 !== undefined && l1 !== undefined) {
    if (buy ? l1 > l0 : l1 < l0) return `moves the limit from ${l0} to ${l1}, toward the market`;
    if (last !== undefined && next.type === 'limit' && (buy ? l1 >= last : l1 <= last)) return `makes it marketable at ${l1} (last ${last})`;
  }
  const s0 = stopPriceOf(cur);
  const s1 = stopPriceOf(next);
  if (s0 !== undefined && s1 !== undefined && (buy ? s1 < s0 : s1 > s0)) return `moves the stop from ${s0} to ${s1}, toward the market`;
  return null;
}

function limits(req: OrderRequest, remaining: number, increases: boolean, x: AdmissionContext): string | null {
  // No limit configured (backtests by default): nothing to judge, and no object per order.
  if (x.limits === NO_LIMITS || !anyLimit(x.limits)) { trimRecentSubmits(x.recentSubmits); return null; }
  // maxOrderQty judges the order's full size; the position check only what is still to fill (a
  // partly filled order's fills are in the position already).
  const { maxPositionQty, ...rest } = x.limits;
  const other = checkLimits(rest, {
    request: req, instrument: x.instrument!, position: x.position, increases, last: x.last, now: x.now,
    recentSubmits: x.recentSubmits, equity: x.equity, realizedToday: x.realizedToday,
  });
  if (other !== null || maxPositionQty === undefined || !increases) return other;
  const after = Math.abs(x.position + (req.side === 'buy' ? remaining : -remaining));
  return after > maxPositionQty + 1e-12 ? `position would reach ${after}, above the max position ${maxPositionQty}` : null;
}
