import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gridRounder, putOnGrid } from '../../src/data/grid.ts';
import { seriesFromBars } from '../../src/data/series.ts';
import { isOnGrid, makeInstrument, roundToTick } from '../../src/domain/instrument.ts';
import type { Bar } from '../../src/domain/market.ts';

const bar = (ts: number, open: number, high: number, low: number, close: number): Bar => ({ kind: 'bar', symbol: 'AAPL', ts, open, high, low, close, volume: 1 });

describe('gridRounder', () => {
  it('gives exactly the double roundToTick gives', () => {
    for (const tick of [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 0.001, 0.00001, 0.0001, 0.125]) {
      const r = gridRounder(tick);
      fc.assert(fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (p) => {
        expect(r(p)).toBe(roundToTick(p, tick));
      }), { numRuns: 300 });
    }
  });
});

describe('putOnGrid', () => {
  const inst = makeInstrument('AAPL', 'sim');

  it('rounds off-grid prices to the nearest tick and counts them', () => {
    const s = seriesFromBars([bar(1, 100.004, 100.016, 99.991, 100.0), bar(2, 100.0, 100.5, 99.5, 100.3)]);
    const { series, moved } = putOnGrid(s, inst);
    expect(moved).toBe(3);
    expect(Array.from(series.open)).toEqual([100, 100]);
    expect(Array.from(series.high)).toEqual([100.02, 100.5]);
    expect(Array.from(series.low)).toEqual([99.99, 99.5]);
    expect(Array.from(series.close)).toEqual([100, 100.3]);
    expect(series.ts).toBe(s.ts); // untouched columns are shared
    expect(series.volume).toBe(s.volume);
    expect(s.open[0]).toBe(100.004); // the input is not modified
    for (const col of [series.open, series.high, series.low, series.close]) for (const p of col) expect(isOnGrid(p, 0.01)).toBe(true);
  });

  it('returns the same series when everything is on the grid', () => {
    const s = seriesFromBars([bar(1, 100, 100.5, 99.5, 100.25)]);
    const out = putOnGrid(s, inst);
    expect(out.series).toBe(s);
    expect(out.moved).toBe(0);
  });

  it('normalises float noise without counting it as moved', () => {
    const noisy = 0.1 + 0.2; // 0.30000000000000004
    const s = seriesFromBars([bar(1, noisy, noisy, noisy, noisy)]);
    const out = putOnGrid(s, inst);
    expect(out.moved).toBe(0);
    expect(out.series.open[0]).toBe(0.3);
  });

  it('keeps OHLC ordered (rounding is monotone) and refuses prices that round to zero', () => {
    const s = seriesFromBars([bar(1, 100.004, 100.006, 100.001, 100.005)]);
    const { series } = putOnGrid(s, inst);
    expect(series.low[0]!).toBeLessThanOrEqual(series.open[0]!);
    expect(series.high[0]!).toBeGreaterThanOrEqual(series.close[0]!);
    const tiny = seriesFromBars([bar(1, 0.004, 0.004, 0.004, 0.004)]);
    expect(() => putOnGrid(tiny, inst)).toThrow(/rounds to 0 on the tick grid 0.01/);
  });
});
