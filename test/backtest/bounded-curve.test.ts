/**
 * Memory flat in history length: the collector keeps the equity curve at full resolution up to a
 * cap of samples and beyond it as a bounded series of buckets (first, min, max, last each), while
 * the summary's figures are accumulated per sample as they come. These tests drive the collector
 * with small caps and check, on random series, that the stored series never exceeds its bound and
 * that every summary figure equals the one computed from the full series.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BacktestCollector, type CollectedEngine } from '../../src/backtest/collector.ts';
import { summarize } from '../../src/backtest/metrics.ts';
import type { Bar } from '../../src/domain/market.ts';
import type { Fill } from '../../src/domain/fill.ts';

class FakeEngine implements CollectedEngine {
  eq = 1000;
  time = Number.NEGATIVE_INFINITY;
  open = 0;
  readonly portfolio = {
    settings: { cash: 1000 },
    equity: (): number => this.eq,
    lots: (): number => this.open,
  };
  now(): number { return this.time; }
}

const bar = (ts: number): Bar => ({ kind: 'bar', symbol: 'A', ts, open: 1, high: 1, low: 1, close: 1, volume: 1 });

/** Run a collector over `eq` (one sample a minute), a fill opening/closing a position on `flips`. */
function drive(c: BacktestCollector, eq: readonly number[], flips: ReadonlySet<number>, timed: boolean): FakeEngine {
  const e = new FakeEngine();
  for (let i = 0; i < eq.length; i++) {
    const ts = 60_000 * (i + 1);
    e.time = ts;
    if (flips.has(i)) {
      e.open = e.open === 0 ? 1 : 0;
      c.onFill({ clientOrderId: `o${i}`, execId: `S${i}-1`, symbol: 'A', side: e.open === 1 ? 'buy' : 'sell', qty: 1, price: 1, fee: 0, liquidity: 'taker', ts }, e);
    }
    e.eq = eq[i]!;
    c.onMarket(bar(ts), e);
    if (timed) c.onTimestampDone(ts, e);
  }
  c.onStop(e);
  return e;
}

const series = fc.array(fc.double({ min: -50, max: 3000, noNaN: true }), { minLength: 0, maxLength: 600 });

describe('the bounded equity curve', () => {
  it('never keeps more than its bound, and the summary equals the one from the full series', () => {
    fc.assert(fc.property(series, fc.array(fc.nat(599)), fc.boolean(), (eq, flipList, timed) => {
      const flips = new Set(flipList);
      const c = new BacktestCollector({ fullSamples: 64, buckets: 8 });
      drive(c, eq, flips, timed);
      // The reference: the same run kept in full, its summary computed from the whole arrays.
      const full = new BacktestCollector();
      drive(full, eq, flips, timed);
      const ts = full.timestamps();
      const sampled = [...full.equity()];
      let exposed = 0;
      for (let i = 0; i < full.length; i++) exposed += full.exposedAt(i) ? 1 : 0;
      const ref = summarize({ ts, equity: full.equity(), length: full.length, startCash: 1000, fills: full.fills(), exposureBars: exposed, intervalMs: 60_000, calendar: '24x7' });
      const got = summarize({ ...c.result(), startCash: 1000, intervalMs: 60_000, calendar: '24x7' });
      const stored = c.timestamps().length;
      expect(stored).toBe(c.equity().length);
      expect(stored).toBeLessThanOrEqual(Math.max(64, 4 * 8 + 1));
      expect(c.length).toBe(eq.length);
      // Everything but the deviation (streamed beyond the cap) is the same arithmetic in the same order.
      expect({ ...got, sharpe: 0, sortino: 0 }).toEqual({ ...ref, sharpe: 0, sortino: 0 });
      expect(got.sortino).toBe(ref.sortino);
      if (eq.length <= 64) expect(got.sharpe).toBe(ref.sharpe);
      else expect(Math.abs(got.sharpe - ref.sharpe)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref.sharpe)));
      if (eq.length > 0) {
        // The stored series keeps the first and last samples and the global extremes, in time order.
        const sEq = [...c.equity()];
        const sTs = [...c.timestamps()];
        expect(sTs[0]).toBe(ts[0]);
        expect(sTs[sTs.length - 1]).toBe(ts[eq.length - 1]);
        expect(sEq[sEq.length - 1]).toBe(sampled[sampled.length - 1]);
        expect(Math.min(...sEq)).toBe(Math.min(...sampled));
        expect(Math.max(...sEq)).toBe(Math.max(...sampled));
        for (let i = 1; i < sTs.length; i++) expect(sTs[i]!).toBeGreaterThan(sTs[i - 1]!);
        for (let i = 0; i < sTs.length; i++) expect(sEq[i]).toBe(sampled[sTs[i]! / 60_000 - 1]);
      }
    }), { numRuns: 300 });
  });

  it('keeps the full series exactly up to the cap', () => {
    const eq = Array.from({ length: 64 }, (_, i) => 1000 + Math.sin(i) * 10);
    const c = new BacktestCollector({ fullSamples: 64, buckets: 8 });
    drive(c, eq, new Set([3, 60]), true);
    expect([...c.equity()].slice(3, 60)).toEqual(eq.slice(3, 60));
    expect(c.decimated).toBe(false);
    expect(c.exposedAt(5)).toBe(true);
  });

  it('keeps a million samples in a bounded space by default', () => {
    const c = new BacktestCollector();
    const e = new FakeEngine();
    e.open = 1; // a position open: equity is read on every sample
    for (let i = 1; i <= 3_000_000; i++) { e.time = i * 60_000; e.eq = 1000 + (i % 977) - (i % 1013); c.onMarket(bar(e.time), e); c.onTimestampDone(e.time, e); }
    c.onStop(e);
    expect(c.length).toBe(3_000_000);
    expect(c.timestamps().length).toBeLessThanOrEqual(4 * 65_536 + 1);
    expect(c.retainedBytes()).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('fills kept as columns', () => {
  it('gives back every fill as it came', () => {
    const fill = fc.record({
      clientOrderId: fc.string({ minLength: 1, maxLength: 12 }),
      execId: fc.oneof(fc.tuple(fc.nat(1e9), fc.integer({ min: 1, max: 99 })).map(([s, n]) => `S${s}-${n}`), fc.string({ maxLength: 10 })),
      symbol: fc.constantFrom('A', 'B', 'ETH-USD'),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: fc.double({ min: 0, max: 1e6, noNaN: true }),
      price: fc.double({ min: 0, max: 1e6, noNaN: true }),
      fee: fc.double({ min: -10, max: 10, noNaN: true }),
      liquidity: fc.constantFrom('maker' as const, 'taker' as const),
      ts: fc.integer({ min: 0, max: 2e12 }),
    });
    fc.assert(fc.property(fc.array(fill, { maxLength: 50 }), (fills: Fill[]) => {
      const c = new BacktestCollector();
      const e = new FakeEngine();
      for (const f of fills) c.onFill(f, e);
      expect(c.fillCount).toBe(fills.length);
      expect(c.fills()).toEqual(fills);
    }));
  });
});
