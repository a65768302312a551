/**
 * Hardening defect 4: live bars with a duplicate or older timestamp reached the strategy, while a
 * backtest refuses them, so paper and live diverged from the backtest exactly there.
 */
import { describe, expect, it } from 'vitest';
import type { Bar, MarketEvent } from '../../src/domain/market.ts';
import { ScriptVenue, T0, bar, start, tick } from '../orders/helpers.ts';

describe('live data in order', () => {
  it('a bar that repeats or goes back in time is dropped, counted and logged; quotes may share a millisecond', async () => {
    const seen: number[] = [];
    const quotes: number[] = [];
    const h = await start(new ScriptVenue(), { onBar: (b: Bar) => { seen.push(b.ts); }, onQuote: (q) => { quotes.push(q.ts); } });
    const q = (ts: number): MarketEvent => ({ kind: 'quote', symbol: 'AAPL', ts, bid: 99, ask: 101, bidSize: 1, askSize: 1 });
    for (const ev of [bar(1, 100), bar(1, 101), bar(0, 99), bar(2, 102), q(T0 + 200_000), q(T0 + 200_000), q(T0 + 150_000)]) h.market(ev);
    await tick(); await h.step();
    expect(seen).toEqual([T0 + 60_000, T0 + 120_000]);
    expect(quotes).toEqual([T0 + 200_000, T0 + 200_000]);
    expect(h.engine.droppedMarketEvents()).toBe(3);
    const drops = h.logs.filter((l) => l.source === 'data' && l.level === 'warn').map((l) => l.message);
    expect(drops).toHaveLength(3);
    expect(drops[0]).toMatch(/bar AAPL at .* repeats the timestamp of the newest one/);
    expect(drops[1]).toMatch(/is older than the newest one/);
    await h.finish();
  });

  it('a live bar the warm-up history already gave is dropped too', async () => {
    const seen: number[] = [];
    const h = await start(new ScriptVenue(), { onBar: (b: Bar) => { seen.push(b.ts); } }, { warmup: () => [bar(-1, 100), bar(0, 100)] });
    seen.length = 0;
    h.market(bar(0, 100));
    h.market(bar(1, 100));
    await tick(); await h.step();
    expect(seen).toEqual([T0 + 60_000]);
    expect(h.engine.droppedMarketEvents()).toBe(1);
    await h.finish();
  });
});
