/**
 * The engine books venue entries (the simulator's funding and liquidations) on its ledger once per
 * entryId, even when an entry is delivered twice (the socket, then a REST gap fill), and its books
 * then agree with the venue's.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import type { Bar } from '../../src/domain/market.ts';
import { SeriesFeed, seriesFromBars } from '../../src/data/index.ts';
import { Engine, type EngineObserver } from '../../src/engine/engine.ts';
import type { AccountEntry } from '../../src/ports/index.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';

const SYM = 'BTC/USDT:USDT';
const START = Date.UTC(2024, 2, 4, 7, 0);
const ACCOUNT = { ...DEFAULT_ACCOUNT, currency: 'USDT', cash: 10_000, type: 'margin' as const, fxRates: { USDT: 1 } };

/** Hourly bars from closes. */
const bars = (closes: readonly number[]): Bar[] =>
  closes.map((c, i) => ({ kind: 'bar', symbol: SYM, ts: START + i * 3_600_000, open: c, high: c, low: c, close: c, volume: 100 }));

function run(closes: readonly number[], redeliver: boolean) {
  const inst = makeInstrument(SYM, 'sim', { perp: { leverage: 10, marginMode: 'isolated' } });
  const instruments = new InstrumentRegistry([inst]);
  const venue = new SimVenue({ instruments, account: ACCOUNT });
  const seen: AccountEntry[] = [];
  let engine: Engine | null = null;
  const obs: EngineObserver = {
    onAccountEntry(e) {
      seen.push(e);
      // Heard again from a gap fill, at once: it must not be booked twice.
      if (redeliver) engine!.bookAccountEntry(e);
    },
  };
  engine = new Engine({
    instruments, execution: venue, account: ACCOUNT, observers: [obs],
    strategy: {
      name: 'buy-once', params: {},
      handlers: { onBar(b, ctx) { if (ctx.position(SYM).qty === 0 && ctx.openOrders(SYM).length === 0 && b.ts === START) ctx.submit({ symbol: SYM, side: 'buy', type: 'market', qty: 1 }); } },
    },
  });
  engine.addFeed(new SeriesFeed(seriesFromBars(bars(closes))));
  engine.runToEnd();
  return { engine, venue, seen };
}

describe('engine: venue entries', () => {
  // Long 1 at 60,000 (filled at 08:00, after which funding runs at 16:00 and 00:00), then a fall through
  // the isolated liquidation price 54,271.36.
  const closes = [60_000, 60_000, ...Array.from({ length: 16 }, () => 60_500), 54_000, 54_000];

  it('books funding and the liquidation once each, and its books equal the venue\'s', () => {
    const { engine, venue, seen } = run(closes, false);
    expect(seen.map((e) => e.kind)).toEqual(['funding', 'funding', 'liquidation']);
    expect(seen.map((e) => e.ts)).toEqual([Date.UTC(2024, 2, 4, 16), Date.UTC(2024, 2, 5, 0), Date.UTC(2024, 2, 5, 1)]);
    const mine = engine.portfolio.account();
    const theirs = venue.snapshot().account;
    expect(mine.cash).toBe(theirs.cash);
    expect(mine.funding).toBeCloseTo(2 * -60_500 * 0.0001, 9);
    expect(mine.liquidations).toBe(1);
    expect(engine.portfolio.qty(SYM)).toBe(0);
    expect([...engine.seenEntryIds()]).toEqual(seen.map((e) => e.entryId));
  });

  it('an entry delivered twice is booked once', () => {
    const once = run(closes, false);
    const twice = run(closes, true);
    expect(twice.seen.map((e) => e.entryId)).toEqual(once.seen.map((e) => e.entryId));
    expect(twice.engine.portfolio.account()).toEqual(once.engine.portfolio.account());
    expect(twice.engine.applyEntryNow(twice.seen[0]!)).toBe(false);
    const fresh = new Engine({
      instruments: new InstrumentRegistry([makeInstrument(SYM, 'sim')]), execution: new SimVenue({ instruments: new InstrumentRegistry([]), account: ACCOUNT }),
      account: ACCOUNT, strategy: { name: 'none', params: {}, handlers: {} },
    });
    fresh.restoreEntryIds(once.engine.seenEntryIds());
    expect(fresh.applyEntryNow(once.seen[0]!)).toBe(false); // a restart books none twice
    expect(fresh.portfolio.account().funding).toBe(0);
  });
});
