/**
 * Engine.last(symbol): the latest price per symbol (a bar's close, a quote's mid, a trade's price),
 * undefined before any event of that symbol. Kept in the per-symbol slot as a plain double (no boxed
 * number per event), so "no price yet" is its own flag, not a sentinel a price could collide with.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/domain/market.ts';
import { ScriptVenue, T0, bar, start, tick } from '../orders/helpers.ts';

describe('engine last price', () => {
  it('is undefined before the first event, then follows bars, quotes and trades', async () => {
    const h = await start(new ScriptVenue(), {});
    expect(h.engine.last('AAPL')).toBeUndefined();
    h.market(bar(1, 100, 102, 99, 101.5));
    await tick(); await h.step();
    expect(h.engine.last('AAPL')).toBe(101.5);
    expect(h.engine.last('MSFT')).toBeUndefined();
    h.market({ kind: 'quote', symbol: 'AAPL', ts: T0 + 200_000, bid: 99, ask: 100, bidSize: 1, askSize: 1 });
    await tick(); await h.step();
    expect(h.engine.last('AAPL')).toBe(99.5);
    h.market({ kind: 'trade', symbol: 'MSFT', ts: T0 + 210_000, price: 0, size: 5 });
    await tick(); await h.step();
    expect(h.engine.last('MSFT')).toBe(0); // a price of 0 is a price, not "none"
    expect(h.engine.last('AAPL')).toBe(99.5);
    await h.finish();
  });

  it('warm-up bars set it too', async () => {
    const h = await start(new ScriptVenue(), {}, { warmup: () => [bar(-1, 100), bar(0, 100, 101, 99, 100.25)] });
    expect(h.engine.last('AAPL')).toBe(100.25);
    await h.finish();
  });
});

describe('per-symbol slots under any interleaving of symbols', () => {
  // The slot lookup guesses the symbol that followed last time (a k-way merge repeats its order at
  // every timestamp); a wrong guess must fall back, never hand out another symbol's slot.
  it('last price and history are each symbol\'s own, whatever order the symbols come in', async () => {
    const SYMS = ['AAPL', 'MSFT', 'SPY'];
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }), async (order) => {
      const h = await start(new ScriptVenue(), {});
      const want = new Map<string, number[]>();
      order.forEach((k, n) => {
        const symbol = SYMS[k]!;
        const close = 100 + n + k / 10;
        const ev: MarketEvent = { kind: 'bar', symbol, ts: T0 + (n + 1) * 60_000, open: close, high: close, low: close, close, volume: 1 };
        h.market(ev);
        want.set(symbol, [...(want.get(symbol) ?? []), close]);
      });
      await tick(); await h.step();
      for (const symbol of SYMS) {
        const closes = want.get(symbol);
        expect(h.engine.last(symbol)).toBe(closes?.at(-1));
        expect(h.engine.context().history(symbol, 100).closes()).toEqual(closes ?? []);
      }
      await h.finish();
    }), { numRuns: 60 });
  });
});
