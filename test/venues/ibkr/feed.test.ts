import { describe, expect, it } from 'vitest';
import { MinuteFolder } from '../../../src/venues/ibkr/feed.ts';
import { durationFor } from '../../../src/venues/ibkr/history.ts';

const M = Date.parse('2026-03-02T14:31:00Z');

describe('5-second real-time bars folded into minute bars', () => {
  it('the :55 bar completes its minute: OHLC and summed volume', () => {
    const f = new MinuteFolder('AAPL');
    const out = [];
    for (let i = 0; i < 12; i++) out.push(...f.push(M + i * 5000, 100 + i, 101 + i, 99 - i, 100.5 + i, 10));
    expect(out).toEqual([{ kind: 'bar', symbol: 'AAPL', ts: M, open: 100, high: 112, low: 88, close: 111.5, volume: 120 }]);
  });
  it('a minute with missing 5-second bars is given when the next minute starts', () => {
    const f = new MinuteFolder('AAPL');
    expect(f.push(M, 10, 11, 9, 10, 1)).toEqual([]);
    expect(f.push(M + 20_000, 10, 12, 9, 11, 1)).toEqual([]);
    expect(f.push(M + 60_000, 11, 11, 11, 11, 1)).toEqual([{ kind: 'bar', symbol: 'AAPL', ts: M, open: 10, high: 12, low: 9, close: 11, volume: 2 }]);
  });
  it('a late 5-second bar of a minute already given is dropped, never reopening it', () => {
    const f = new MinuteFolder('AAPL');
    f.push(M + 55_000, 1, 1, 1, 1, 1);
    expect(f.push(M + 30_000, 2, 2, 2, 2, 1)).toEqual([]);
    expect(f.push(M + 60_000 + 55_000, 3, 3, 3, 3, 1)).toEqual([{ kind: 'bar', symbol: 'AAPL', ts: M + 60_000, open: 3, high: 3, low: 3, close: 3, volume: 1 }]);
  });
  it('warm-up asks TWS for enough days to cover nights and weekends', () => {
    expect(durationFor(50)).toBe('4 D');
    expect(durationFor(500)).toBe('6 D');
    expect(durationFor(100_000)).toBe('1 Y');
  });
});

describe('a source of whole one-minute real-time bars (parity venue --protocol tws)', () => {
  it('is recognised from the second bar on, which is given at once (the first when the second comes)', () => {
    const f = new MinuteFolder('AAPL');
    expect(f.push(M, 1, 2, 0.5, 1.5, 10)).toEqual([]);
    expect(f.push(M + 60_000, 2, 3, 1, 2.5, 20)).toEqual([
      { kind: 'bar', symbol: 'AAPL', ts: M, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
      { kind: 'bar', symbol: 'AAPL', ts: M + 60_000, open: 2, high: 3, low: 1, close: 2.5, volume: 20 },
    ]);
    expect(f.push(M + 120_000, 3, 3, 3, 3, 5)).toEqual([{ kind: 'bar', symbol: 'AAPL', ts: M + 120_000, open: 3, high: 3, low: 3, close: 3, volume: 5 }]);
    expect(f.push(M + 120_000, 9, 9, 9, 9, 5)).toEqual([]);
  });
});

describe('warm-up and TWS 162', () => {
  it('only a pacing violation is waited for; "no data" under the same code starts cold at once', async () => {
    const { isPacing } = await import('../../../src/venues/ibkr/history.ts');
    expect(isPacing('Historical Market Data Service error message:Historical data request pacing violation')).toBe(true);
    expect(isPacing('Historical Market Data Service error message:HMDS query returned no data: AAPL@SMART Trades')).toBe(false);
  });
});
