import { describe, expect, it } from 'vitest';
import { InstrumentRegistry } from '../../../src/domain/instrument-registry.ts';
import type { Bar } from '../../../src/domain/market.ts';
import type { Fill } from '../../../src/domain/fill.ts';
import { Engine } from '../../../src/engine/engine.ts';
import type { PullFeed } from '../../../src/ports/index.ts';
import type { StrategyHandlers } from '../../../src/engine/strategy.ts';
import { SimVenue, type SimVenueOptions } from '../../../src/venues/sim/sim-venue.ts';
import { AAPL, CASH, MIN, T0 } from './helpers.ts';

function feedOf(bars: readonly Bar[]): PullFeed {
  let i = 0;
  return {
    kind: 'pull',
    size: bars.length,
    peekTime: () => (i < bars.length ? bars[i]!.ts : Number.POSITIVE_INFINITY),
    next: () => bars[i++]!,
  };
}

const bar = (k: number, open: number, high: number, low: number, close: number): Bar =>
  ({ kind: 'bar', symbol: 'AAPL', ts: T0 + k * MIN, open, high, low, close, volume: 10_000 });

const BARS: readonly Bar[] = [
  bar(0, 100, 101, 99, 100.5),
  bar(1, 102.25, 103, 101, 102),
  bar(2, 103.1, 104, 102.5, 103.5),
  bar(3, 99.7, 100, 98, 99),
];

function run(handlers: StrategyHandlers, venueOpts: Partial<SimVenueOptions> = {}): { engine: Engine; venue: SimVenue } {
  const instruments = new InstrumentRegistry([AAPL]);
  const venue = new SimVenue({ instruments, account: CASH, ...venueOpts });
  const engine = new Engine({ instruments, execution: venue, account: CASH, strategy: { name: 'inline', handlers, params: {} } });
  engine.addFeed(feedOf(BARS));
  engine.runToEnd();
  return { engine, venue };
}

describe('SimVenue behind the real Engine', () => {
  it('a market order decided on bar t\'s close fills at bar t+1\'s open, before the strategy sees bar t+1', () => {
    const fills: Fill[] = [];
    const seen: { ts: number; qty: number }[] = [];
    const { engine, venue } = run({
      onBar(b, ctx) {
        seen.push({ ts: b.ts, qty: ctx.position('AAPL').qty });
        if (b.ts === T0) ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 });
        if (b.ts === T0 + 2 * MIN) ctx.submit({ symbol: 'AAPL', side: 'sell', type: 'market', qty: 10 });
      },
      onFill(f) { fills.push(f); },
    });
    expect(fills.map((f) => [f.side, f.qty, f.price, f.ts, f.liquidity])).toEqual([
      ['buy', 10, 102.25, T0 + MIN, 'taker'], // bar 1's open, not bar 0's close (100.50)
      ['sell', 10, 99.7, T0 + 3 * MIN, 'taker'], // bar 3's open
    ]);
    // The fill at bar 1 is booked before the strategy's onBar for bar 1 runs.
    expect(seen).toEqual([
      { ts: T0, qty: 0 }, { ts: T0 + MIN, qty: 10 }, { ts: T0 + 2 * MIN, qty: 10 }, { ts: T0 + 3 * MIN, qty: 0 },
    ]);
    // Two ledgers, one code: the engine's books and the venue's agree to the cent.
    const snap = venue.snapshot();
    expect(engine.portfolio.account().cash).toBe(100_000 - 1022.5 + 997);
    expect(snap.cash).toEqual({ USD: engine.portfolio.account().cash });
    expect(snap.account.realizedPnl).toBe(engine.portfolio.account().realizedPnl);
    expect(snap.account.realizedPnl).toBe(-25.5);
    expect(snap.orders).toEqual([]);
    expect(engine.orders.openCount()).toBe(0);
  });

  it('with latency, the fill report reaches the engine ackMs after the open', () => {
    const events: string[] = [];
    const { engine } = run({
      onBar(b, ctx) {
        if (b.ts === T0) ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 101.5, qty: 5, tif: 'gtc' });
      },
      onOrderEvent(ev) { events.push(`${ev.kind}@${ev.ts - T0}`); },
    }, { latency: { submitMs: 200, ackMs: 300 } });
    // Bar 1 opens at 102.25 above the limit; its low 101 touches 101.50: maker fill at the limit, reported 300 ms later.
    expect(events).toEqual(['submit@0', 'accept@500', `fill_complete@${MIN + 300}`]);
    expect(engine.portfolio.position('AAPL')).toMatchObject({ qty: 5, avgPrice: 101.5 });
  });
});
