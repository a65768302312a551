import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeriesFeed } from '../../src/data/feed.ts';
import { barAt, seriesFromBars, type BarSeries } from '../../src/data/series.ts';
import type { Bar } from '../../src/domain/market.ts';

const mk = (symbol: string, ts: number, close = 10): Bar => ({ kind: 'bar', symbol, ts, open: close, high: close + 1, low: close - 1, close, volume: 1 });

function drain(feed: SeriesFeed): Bar[] {
  const out: Bar[] = [];
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) {
    const t = feed.peekTime();
    const b = feed.next();
    expect(b.ts).toBe(t);
    out.push(b);
  }
  return out;
}

describe('SeriesFeed', () => {
  it('one series: every bar in order as a Bar, size = bar count, then Infinity', () => {
    const bars = [mk('A', 1, 10), mk('A', 2, 11), mk('A', 5, 12)];
    const feed = new SeriesFeed(seriesFromBars(bars));
    expect(feed.kind).toBe('pull');
    expect(feed.size).toBe(3);
    expect(drain(feed)).toEqual(bars);
    expect(feed.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(() => feed.next()).toThrow(/exhausted/);
  });

  it('empty inputs are exhausted at once', () => {
    expect(new SeriesFeed([]).peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(new SeriesFeed(seriesFromBars([], { symbol: 'A' })).peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(new SeriesFeed([seriesFromBars([], { symbol: 'A' }), seriesFromBars([mk('B', 3)])]).size).toBe(1);
  });

  it('merges several series by time; equal times come in the order the series were given', () => {
    const a = seriesFromBars([mk('A', 1), mk('A', 3), mk('A', 4)]);
    const b = seriesFromBars([mk('B', 2), mk('B', 3), mk('B', 5)]);
    const c = seriesFromBars([mk('C', 3)]);
    const order = (list: BarSeries[]): string[] => drain(new SeriesFeed(list)).map((x) => `${x.symbol}${x.ts}`);
    expect(order([a, b, c])).toEqual(['A1', 'B2', 'A3', 'B3', 'C3', 'A4', 'B5']);
    expect(order([c, b, a])).toEqual(['A1', 'B2', 'C3', 'B3', 'A3', 'A4', 'B5']);
    expect(new SeriesFeed([a, b, c]).size).toBe(7);
  });

  it('the merge equals a stable sort by time, for few series (scan) and many (heap)', () => {
    const seriesArb = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }), { minLength: 1, maxLength: 20 });
    fc.assert(fc.property(seriesArb, (lists) => {
      const series = lists.map((times, k) => seriesFromBars([...times].sort((x, y) => x - y).map((t) => mk(`S${k}`, t)), { symbol: `S${k}` }));
      const expected = series.flatMap((s, k) => Array.from({ length: s.length }, (_, i) => ({ k, bar: barAt(s, i) })))
        .sort((x, y) => x.bar.ts - y.bar.ts || x.k - y.k).map((x) => x.bar);
      const feed = new SeriesFeed(series);
      expect(feed.size).toBe(expected.length);
      expect(drain(feed)).toEqual(expected);
    }), { numRuns: 300 });
  });

  it('is deterministic: two feeds over the same series give the same sequence', () => {
    const list = Array.from({ length: 12 }, (_, k) => seriesFromBars([mk(`S${k}`, 1), mk(`S${k}`, 2 + (k % 3))]));
    expect(drain(new SeriesFeed(list))).toEqual(drain(new SeriesFeed(list)));
  });

  it('reports its position', () => {
    const feed = new SeriesFeed([seriesFromBars([mk('A', 1)]), seriesFromBars([mk('B', 2)])]);
    expect(feed.position).toBe(0);
    feed.next();
    expect(feed.position).toBe(1);
  });
});
