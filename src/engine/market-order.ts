/**
 * Live data in order. A backtest refuses a file whose bars repeat or go back in time, so a live or
 * paper session must not let such an event reach the strategy either, or the two runs diverge
 * exactly there. This guard judges each pushed event on arrival against the newest one of its
 * symbol and kind: a bar must be strictly newer (a bar is one interval: the same stamp twice is a
 * duplicate, a correction or a replay); a quote or trade must not be older (several trades in one
 * millisecond are ordinary on busy symbols).
 */
import type { MarketEvent } from '../domain/market.ts';

export class MarketOrderGuard {
  private readonly newest = new Map<string, number>();
  private dropped = 0;

  /** Null admits the event; otherwise the reason it is dropped. */
  admit(ev: MarketEvent): string | null {
    const key = `${ev.kind}:${ev.symbol}`;
    const last = this.newest.get(key);
    if (last !== undefined && (ev.kind === 'bar' ? ev.ts <= last : ev.ts < last)) {
      this.dropped++;
      const what = ev.ts === last ? 'repeats the timestamp of' : 'is older than';
      return `${ev.kind} ${ev.symbol} at ${new Date(ev.ts).toISOString()} ${what} the newest one (${new Date(last).toISOString()}): dropped, as a backtest would refuse it`;
    }
    this.newest.set(key, ev.ts);
    return null;
  }

  /** Seed with what history already gave (warm-up bars), so a live bar they cover is judged too. */
  seen(ev: MarketEvent): void {
    const key = `${ev.kind}:${ev.symbol}`;
    const last = this.newest.get(key);
    if (last === undefined || ev.ts > last) this.newest.set(key, ev.ts);
  }

  count(): number {
    return this.dropped;
  }
}
