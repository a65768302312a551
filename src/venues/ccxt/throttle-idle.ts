/**
 * ccxt's REST throttle (base/functions/throttle.js, leaky bucket) refills only while its loop runs,
 * i.e. while a request waits: the loop stops when the queue empties and, restarted by the next
 * request, measures refill from that moment. Idle time is never credited, so every request after
 * a gap waits its whole cost (Binance USD-M's order: cost 4 x rateLimit 50 ms = 200 ms, Bybit's
 * 2.5 x 20 ms = 50 ms) however long the account was quiet; ccxt issue 25556. Credited here as the
 * loop would have (refillRate per ms, never above the bucket's capacity), so ccxt's pace under load
 * is unchanged and an order after a quiet spell goes at once.
 */
import type { Exchange } from 'ccxt';

/** The part of ccxt's Throttler this reads and writes (ccxt types it `any`). */
export interface ThrottlerView {
  readonly config: { tokens: number; readonly capacity: number; readonly refillRate: number };
  readonly running: boolean;
}

export function throttlerOf(ex: Exchange): ThrottlerView {
  const t: unknown = (ex as unknown as { throttler?: unknown }).throttler;
  const c: unknown = typeof t === 'object' && t !== null ? (t as { config?: unknown }).config : undefined;
  const ok = typeof c === 'object' && c !== null && ['tokens', 'capacity', 'refillRate'].every((k) => typeof (c as Record<string, unknown>)[k] === 'number');
  if (!ok) throw new Error(`ccxt ${ex.id}: its throttler has no numeric tokens / capacity / refillRate (ccxt's throttle.js changed?): check src/venues/ccxt/throttle-idle.ts against it`);
  return t as ThrottlerView;
}

/** Wraps `ex.throttle` (every REST request's way through the bucket) to credit the time it sat idle. */
export function creditIdleTime(ex: Exchange, now: () => number = Date.now): void {
  const inner = ex.throttle.bind(ex);
  let lastAdmitted = now();
  (ex as unknown as { throttle(cost?: number): Promise<unknown> }).throttle = async (cost?: number) => {
    const t = throttlerOf(ex);
    // While the loop runs it does its own refilling; only a stopped bucket has idle time to credit.
    if (!t.running && t.config.tokens < t.config.capacity) {
      t.config.tokens = Math.min(t.config.capacity, t.config.tokens + t.config.refillRate * Math.max(0, now() - lastAdmitted));
    }
    const r: unknown = await inner(cost);
    lastAdmitted = now();
    return r;
  };
}
