import { describe, expect, it } from 'vitest';
import { describeInterval, seriesBySymbol, seriesFromBars } from '../../src/data/series.ts';
import { symbolFromFileName } from '../../src/data/symbol-name.ts';
import { DataError } from '../../src/data/errors.ts';
import type { Bar } from '../../src/domain/market.ts';

const mk = (symbol: string, ts: number): Bar => ({ kind: 'bar', symbol, ts, open: 10, high: 11, low: 9, close: 10, volume: 1 });
const MIN = 60_000;

describe('seriesFromBars / seriesBySymbol', () => {
  it('builds columns from bars', () => {
    const s = seriesFromBars([mk('A', 1), { ...mk('A', 2), close: 10.5, volume: 7 }]);
    expect([s.symbol, s.source, s.length]).toEqual(['A', 'memory', 2]);
    expect(Array.from(s.close)).toEqual([10, 10.5]);
    expect(Array.from(s.volume)).toEqual([1, 7]);
  });

  it('refuses mixed symbols and time going backwards or repeating', () => {
    expect(() => seriesFromBars([mk('A', 1), mk('B', 2)])).toThrow(DataError);
    expect(() => seriesFromBars([mk('A', 2), mk('A', 2)])).toThrow(/memory:2: timestamp .* is not after/);
  });

  it('groups bars by symbol in first-seen order', () => {
    const out = seriesBySymbol([mk('B', 1), mk('A', 1), mk('B', 2)]);
    expect(out.map((s) => [s.symbol, s.length])).toEqual([['B', 2], ['A', 1]]);
  });
});

describe('describeInterval', () => {
  it('is the median spacing: overnight gaps of minute bars do not move it', () => {
    const day = [0, 1, 2, 3, 4].map((i) => i * MIN);
    const ts = [...day, ...day.map((t) => t + 86_400_000)];
    expect(describeInterval(seriesFromBars(ts.map((t) => mk('A', t))))).toBe(MIN);
  });

  it('works over several series, and is NaN without two bars', () => {
    const a = seriesFromBars([0, 3_600_000, 7_200_000].map((t) => mk('A', t)));
    const b = seriesFromBars([0, 3_600_000].map((t) => mk('B', t)));
    expect(describeInterval([a, b])).toBe(3_600_000);
    expect(describeInterval(seriesFromBars([mk('A', 1)]))).toBeNaN();
    expect(describeInterval([])).toBeNaN();
  });
});

describe('symbolFromFileName', () => {
  it.each([
    ['data/BTC-USD-1m.csv', 'BTC-USD'],
    ['data/ETH-USD-1m.parquet', 'ETH-USD'],
    ['BTC-USD.csv', 'BTC-USD'],
    ['/x/y/aapl.csv', 'AAPL'],
    ['AAPL_1m_2024.csv', 'AAPL'],
    ['spy-daily.jsonl', 'SPY'],
    ['ETH-USDT-PERP-5min.ndjson', 'ETH-USDT-PERP'],
    ['eth-usd-1h-bars.csv', 'ETH-USD'],
    ['BRK.B.csv', 'BRK.B'],
    ['1m.csv', '1M'],
  ])('%s -> %s', (path, sym) => {
    expect(symbolFromFileName(path)).toBe(sym);
  });
});
