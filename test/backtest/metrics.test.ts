import { describe, expect, it } from 'vitest';
import type { Fill } from '../../src/domain/fill.ts';
import { inferIntervalMs, maxDrawdown, periodsPerYear, roundTrips, summarize, type MetricsInput } from '../../src/backtest/metrics.ts';

const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

let execSeq = 0;
function fill(symbol: string, side: 'buy' | 'sell', qty: number, price: number, fee = 0, ts = T0): Fill {
  execSeq++;
  return { clientOrderId: `C${execSeq}`, execId: `E${execSeq}`, symbol, side, qty, price, fee, liquidity: 'taker', ts };
}

function input(equity: number[], over: Partial<MetricsInput> = {}): MetricsInput {
  return {
    ts: Float64Array.from(equity.map((_, i) => T0 + i * DAY)),
    equity: Float64Array.from(equity),
    length: equity.length,
    startCash: 100,
    fills: [],
    exposureBars: 0,
    intervalMs: DAY,
    calendar: '24x7',
    ...over,
  };
}

describe('periodsPerYear', () => {
  it('1m bars, 24x7: 365.25 days of minutes', () => {
    expect(periodsPerYear(MIN, '24x7')).toBe(365.25 * 1440);
  });
  it('1m bars, us_equity: 252 sessions of 390 minutes', () => {
    expect(periodsPerYear(MIN, 'us_equity')).toBe(252 * 390);
  });
  it('5m bars, us_equity', () => {
    expect(periodsPerYear(5 * MIN, 'us_equity')).toBe(252 * 78);
  });
  it('daily bars: 252 for us_equity, 365.25 for 24x7', () => {
    expect(periodsPerYear(DAY, 'us_equity')).toBe(252);
    expect(periodsPerYear(DAY, '24x7')).toBe(365.25);
  });
  it('bars of a session or longer still give at least one per session; weekly bars span calendar time', () => {
    expect(periodsPerYear(8 * 3_600_000, 'us_equity')).toBe(252);
    expect(periodsPerYear(7 * DAY, 'us_equity')).toBeCloseTo(365.25 / 7, 12);
  });
  it('0 for a useless interval', () => {
    expect(periodsPerYear(0, '24x7')).toBe(0);
    expect(periodsPerYear(Number.NaN, 'us_equity')).toBe(0);
  });
});

describe('inferIntervalMs', () => {
  it('takes the most common gap, so weekends do not count', () => {
    const days = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14].map((d) => T0 + d * DAY);
    expect(inferIntervalMs(Float64Array.from(days), days.length)).toBe(DAY);
    expect(inferIntervalMs(new Float64Array([T0]), 1)).toBe(0);
  });
});

describe('summarize: returns, Sharpe, Sortino, drawdown', () => {
  // Anchored at startCash 100: returns +10%, -10%, +20%, -10%.
  const eq = [110, 99, 118.8, 106.92];

  it('total return and max drawdown', () => {
    const s = summarize(input(eq));
    expect(s.totalReturn).toBeCloseTo(0.0692, 12);
    // Peaks 110 -> 99 and 118.8 -> 106.92 are both -10%.
    expect(s.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(s.finalEquity).toBe(106.92);
    expect(s.startEquity).toBe(100);
    expect(s.bars).toBe(4);
  });

  it('Sharpe by hand: mean 0.025, sample sd 0.15, per-period 1/6, annualized by sqrt(365.25)', () => {
    // deviations 0.075, -0.125, 0.175, -0.125 -> squares sum 0.0675 -> / 3 = 0.0225 -> sd 0.15
    const s = summarize(input(eq));
    expect(s.periodsPerYear).toBe(365.25);
    expect(s.sharpe).toBeCloseTo((0.025 / 0.15) * Math.sqrt(365.25), 10);
  });

  it('Sortino by hand: downside squares 0.01 + 0.01, over n - 1 = 3', () => {
    const s = summarize(input(eq, { calendar: 'us_equity' }));
    expect(s.periodsPerYear).toBe(252);
    expect(s.sortino).toBeCloseTo((0.025 / Math.sqrt(0.02 / 3)) * Math.sqrt(252), 10);
  });

  it('CAGR over calendar time: first bar start to last sample', () => {
    const s = summarize(input(eq));
    const years = (4 * DAY) / (365.25 * DAY);
    expect(s.cagr).toBeCloseTo(Math.pow(1.0692, 1 / years) - 1, 6);
  });

  it('a known max drawdown: 120 -> 90 is 25%, the later 130 -> 117 only 10%', () => {
    expect(maxDrawdown(Float64Array.from([100, 120, 90, 130, 117]), 5, 100)).toBeCloseTo(0.25, 12);
    expect(summarize(input([100, 120, 90, 130, 117])).maxDrawdown).toBeCloseTo(0.25, 12);
  });

  it('a loss on the first sample counts against startCash', () => {
    expect(summarize(input([95, 96])).maxDrawdown).toBeCloseTo(0.05, 12);
  });

  it('no samples, one sample, flat curve: zeros, never NaN', () => {
    for (const s of [summarize(input([])), summarize(input([100])), summarize(input([100, 100, 100]))]) {
      for (const v of Object.values(s)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
      expect(s.sharpe).toBe(0);
      expect(s.sortino).toBe(0);
      expect(s.winRate).toBe(0);
    }
    const empty = summarize(input([]));
    expect(empty.from).toBeNull();
    expect(empty.to).toBeNull();
    expect(empty.finalEquity).toBe(100);
    expect(empty.totalReturn).toBe(0);
  });

  it('only gains: Sortino is 0 (undefined), not Infinity', () => {
    const s = summarize(input([101, 103, 106]));
    expect(s.sortino).toBe(0);
    expect(s.sharpe).toBeGreaterThan(0);
  });

  it('from / to are ISO times of the first and last sample', () => {
    const s = summarize(input([100, 101]));
    expect(s.from).toBe('2024-01-01T00:00:00.000Z');
    expect(s.to).toBe('2024-01-02T00:00:00.000Z');
  });
});

describe('roundTrips', () => {
  it('a long round trip, fees included in P&L', () => {
    const rt = roundTrips([fill('A', 'buy', 10, 100, 1, T0), fill('A', 'sell', 10, 110, 1.1, T0 + DAY)]);
    expect(rt).toEqual([{ symbol: 'A', side: 'long', entryTs: T0, exitTs: T0 + DAY, qty: 10, entryAvg: 100, exitAvg: 110, pnl: 97.9, fees: 2.1 }]);
  });

  it('a short round trip', () => {
    const rt = roundTrips([fill('A', 'sell', 5, 50, 0.5), fill('A', 'buy', 5, 40, 0.5)]);
    expect(rt).toHaveLength(1);
    expect(rt[0]).toMatchObject({ side: 'short', qty: 5, entryAvg: 50, exitAvg: 40, pnl: 49, fees: 1 });
  });

  it('a flip from long to short through one fill closes one trip and opens the next, fee split pro rata', () => {
    const rt = roundTrips([
      fill('A', 'buy', 10, 100, 1, T0),
      fill('A', 'sell', 15, 90, 1.5, T0 + DAY), // closes 10 (fee 1.0), opens short 5 (fee 0.5)
      fill('A', 'buy', 5, 80, 0.4, T0 + 2 * DAY),
    ]);
    expect(rt).toHaveLength(2);
    expect(rt[0]).toMatchObject({ side: 'long', qty: 10, entryAvg: 100, exitAvg: 90, fees: 2, pnl: -102, exitTs: T0 + DAY });
    expect(rt[1]).toMatchObject({ side: 'short', qty: 5, entryAvg: 90, exitAvg: 80, fees: 0.9, pnl: 49.1, entryTs: T0 + DAY, exitTs: T0 + 2 * DAY });
  });

  it('partial closes and scaling in stay one round trip; averages are volume weighted', () => {
    const rt = roundTrips([
      fill('A', 'buy', 10, 100),
      fill('A', 'sell', 4, 105),
      fill('A', 'buy', 2, 101),
      fill('A', 'sell', 8, 110),
    ]);
    expect(rt).toHaveLength(1);
    // entry (1000 + 202) / 12, exit (420 + 880) / 12, P&L 1300 - 1202 = 98
    expect(rt[0]!.qty).toBe(12);
    expect(rt[0]!.entryAvg).toBeCloseTo(1202 / 12, 10);
    expect(rt[0]!.exitAvg).toBeCloseTo(1300 / 12, 10);
    expect(rt[0]!.pnl).toBe(98);
  });

  it('exact decimals: 0.1 + 0.2 lots at 3, sold at 4, make exactly 0.3', () => {
    const rt = roundTrips([fill('X', 'buy', 0.1, 3), fill('X', 'buy', 0.2, 3), fill('X', 'sell', 0.3, 4, 0.0001)]);
    expect(rt[0]!.qty).toBe(0.3);
    expect(rt[0]!.pnl).toBe(0.2999);
  });

  it('symbols are tracked separately; an open position at the end is not a round trip', () => {
    const rt = roundTrips([
      fill('A', 'buy', 1, 10), fill('B', 'sell', 1, 20), fill('A', 'sell', 1, 12), fill('C', 'buy', 1, 5),
    ]);
    expect(rt.map((t) => [t.symbol, t.pnl])).toEqual([['A', 2]]);
  });

  it('applies a contract multiplier', () => {
    const rt = roundTrips([fill('ES', 'buy', 1, 5000), fill('ES', 'sell', 1, 5001.25)], (s) => (s === 'ES' ? 50 : 1));
    expect(rt[0]!.pnl).toBe(62.5);
  });
});

describe('summarize: trades, win rate, turnover, fees, exposure', () => {
  const fills = [
    fill('A', 'buy', 10, 100, 1, T0),
    fill('A', 'sell', 15, 90, 1.5, T0 + DAY),
    fill('A', 'buy', 5, 80, 0.4, T0 + 2 * DAY),
  ];

  it('counts round trips, wins and fees', () => {
    const s = summarize(input([1000, 900, 950, 950], { startCash: 1000, fills, exposureBars: 3 }));
    expect(s.trades).toBe(2);
    expect(s.fills).toBe(3);
    expect(s.winRate).toBe(0.5);
    expect(s.fees).toBe(2.9);
    expect(s.exposure).toBe(0.75);
  });

  it('turnover = traded notional / average equity', () => {
    // notional 1000 + 1350 + 400 = 2750; average equity (1000 + 900 + 950 + 950) / 4 = 950
    const s = summarize(input([1000, 900, 950, 950], { startCash: 1000, fills }));
    expect(s.turnover).toBeCloseTo(2750 / 950, 12);
  });

  it('identical input gives identical output', () => {
    const a = summarize(input([1000, 900, 950, 950], { startCash: 1000, fills }));
    const b = summarize(input([1000, 900, 950, 950], { startCash: 1000, fills }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
