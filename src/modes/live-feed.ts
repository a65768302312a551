/**
 * What the live sessions (Alpaca, IBKR) share after their warm-up.
 */
import type { MarketEvent } from '../domain/market.ts';
import type { PushFeed } from '../ports/index.ts';

/** The live feed without bars the warm-up already gave (a bar is seen once, in time order); `note` hears each one skipped. */
export function afterWarmup(feed: PushFeed, warm: ReadonlyMap<string, number>, note?: (m: string) => void): PushFeed {
  return {
    kind: 'push',
    start: (sink, done) => feed.start((ev: MarketEvent) => {
      const last = ev.kind === 'bar' ? warm.get(ev.symbol) : undefined;
      if (last !== undefined && ev.ts <= last) {
        note?.(`live ${ev.symbol} bar at ${new Date(ev.ts).toISOString()} skipped: warm-up already had it`);
        return;
      }
      sink(ev);
    }, done),
    stop: () => feed.stop(),
  };
}
