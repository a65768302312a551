/**
 * Pre-trade risk limits (configurable; all off by default in backtests so the reference run is exact).
 * A breach denies the order with a reason; the daily-loss limit also pauses new signals (issue 3).
 */
import type { Instrument } from '../domain/instrument.ts';
import type { OrderRequest } from '../domain/order.ts';

export interface RiskLimits {
  readonly maxOrderQty?: number;
  readonly maxOrderNotional?: number;
  readonly maxPositionQty?: number;
  /** Limit / stop prices further than this fraction from the last price are refused (0.1 = 10%). */
  readonly priceCollar?: number;
  /** At most this many submissions in any 1-second window. */
  readonly maxOrdersPerSecond?: number;
  /** Equity may fall at most this much (account currency) below the day's start; breach pauses new signals. */
  readonly maxDailyLoss?: number;
}

export const NO_LIMITS: RiskLimits = {};

export interface LimitInput {
  readonly request: OrderRequest;
  readonly instrument: Instrument;
  readonly position: number;
  readonly increases: boolean;
  readonly last: number | undefined;
  readonly now: number;
  /** Engine times of earlier submissions, oldest first (trimmed here). */
  readonly recentSubmits: number[];
  readonly equity: () => number;
  readonly realizedToday: () => number;
}

/** True when at least one limit is set (with none, admission skips checkLimits altogether). */
export function anyLimit(l: RiskLimits): boolean {
  return l.maxOrderQty !== undefined || l.maxOrderNotional !== undefined || l.maxPositionQty !== undefined
    || l.priceCollar !== undefined || l.maxOrdersPerSecond !== undefined;
}

/** The submit times kept when no rate limit reads them: trimmed in place to the newest 64. */
export function trimRecentSubmits(s: number[]): void {
  if (s.length > 128) s.splice(0, s.length - 64);
}

export function checkLimits(l: RiskLimits, x: LimitInput): string | null {
  const r = x.request;
  if (l.maxOrderQty !== undefined && r.qty > l.maxOrderQty) return `quantity ${r.qty} exceeds the max order quantity ${l.maxOrderQty}`;
  const px = r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : r.type === 'stop' ? r.stopPrice : x.last;
  if (l.maxOrderNotional !== undefined && px !== undefined) {
    const n = r.qty * px * x.instrument.multiplier;
    if (n > l.maxOrderNotional) return `notional ${n.toFixed(2)} exceeds the max order notional ${l.maxOrderNotional}`;
  }
  if (l.maxPositionQty !== undefined && x.increases) {
    const after = Math.abs(x.position + (r.side === 'buy' ? r.qty : -r.qty));
    if (after > l.maxPositionQty) return `position would reach ${after}, above the max position ${l.maxPositionQty}`;
  }
  if (l.priceCollar !== undefined && x.last !== undefined && r.type !== 'market') {
    const p = r.type === 'stop' ? r.stopPrice : r.limitPrice;
    const dev = Math.abs(p - x.last) / x.last;
    if (dev > l.priceCollar) return `price ${p} is ${(dev * 100).toFixed(1)}% from the last ${x.last}, outside the ${(l.priceCollar * 100).toFixed(1)}% collar`;
  }
  if (l.maxOrdersPerSecond !== undefined) {
    const s = x.recentSubmits;
    while (s.length > 0 && s[0]! <= x.now - 1000) s.shift();
    if (s.length >= l.maxOrdersPerSecond) return `order rate above ${l.maxOrdersPerSecond}/s`;
  } else if (x.recentSubmits.length > 64) {
    x.recentSubmits.splice(0, x.recentSubmits.length - 64);
  }
  return null;
}
