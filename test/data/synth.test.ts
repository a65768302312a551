import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthBars, synthDefaults } from '../../src/data/synth.ts';
import { formatCsv, writeCsv } from '../../src/data/csv-write.ts';
import { loadBars } from '../../src/data/load.ts';
import { parseCsvBars } from '../../src/data/csv.ts';
import { describeInterval, type BarSeries } from '../../src/data/series.ts';
import { SAMPLE, synthOptionsFromArgs } from '../../src/data/make-sample.ts';
import { isOnGrid } from '../../src/domain/instrument.ts';
import { fixture } from './helpers.ts';

const cols = (s: BarSeries): Float64Array[] => [s.ts, s.open, s.high, s.low, s.close, s.volume];

function logReturns(s: BarSeries): number[] {
  const r: number[] = [];
  for (let i = 1; i < s.length; i++) r.push(Math.log(s.close[i]! / s.close[i - 1]!));
  return r;
}

function excessKurtosis(x: number[]): number {
  const n = x.length;
  const m = x.reduce((a, b) => a + b, 0) / n;
  let m2 = 0, m4 = 0;
  for (const v of x) { const d = v - m; m2 += d * d; m4 += d * d * d * d; }
  m2 /= n; m4 /= n;
  return m4 / (m2 * m2) - 3;
}

function autocorr(x: number[], lag: number): number {
  const n = x.length;
  const m = x.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    den += d * d;
    if (i >= lag) num += d * (x[i - lag]! - m);
  }
  return num / den;
}

describe('synthBars', () => {
  const base = { bars: 20_000, seed: 42, symbol: 'BTC-USD', start: '2024-03-04T00:00:00Z' } as const;
  const s = synthBars(base);

  it('is deterministic: same seed, identical arrays; another seed, different ones', () => {
    const again = synthBars(base);
    cols(s).forEach((c, k) => expect(Array.from(cols(again)[k]!)).toEqual(Array.from(c)));
    const other = synthBars({ ...base, seed: 43 });
    expect(Array.from(other.close)).not.toEqual(Array.from(s.close));
    expect(Array.from(other.ts)).toEqual(Array.from(s.ts));
  });

  it('has the shape asked for: times, symbol, start price, defaults by symbol', () => {
    expect(s.symbol).toBe('BTC-USD');
    expect(s.length).toBe(20_000);
    expect(s.ts[0]).toBe(Date.UTC(2024, 2, 4));
    expect(describeInterval(s)).toBe(60_000);
    expect(s.open[0]).toBe(60_000);
    expect(synthDefaults('BTC-USD')).toMatchObject({ startPrice: 60_000, tickSize: 0.01 });
    const hourly = synthBars({ bars: 10, seed: 1, symbol: 'AAPL', start: 0, intervalMs: 3_600_000, startPrice: 50, tickSize: 0.05 });
    expect(Array.from(hourly.ts)).toEqual(Array.from({ length: 10 }, (_, i) => i * 3_600_000));
    for (const p of hourly.close) expect(isOnGrid(p, 0.05)).toBe(true);
    expect(() => synthBars({ bars: 1, seed: 1, start: '2024-03-04 00:00' })).toThrow(/offset/);
  });

  it('bars are consistent and on the tick grid: open = previous close, high/low bound the bar', () => {
    let ok = true;
    for (let i = 0; i < s.length; i++) {
      const o = s.open[i]!, h = s.high[i]!, l = s.low[i]!, c = s.close[i]!, v = s.volume[i]!;
      if (i > 0 && o !== s.close[i - 1]) ok = false;
      if (!(h >= Math.max(o, c) && l <= Math.min(o, c) && l > 0 && v >= 0)) ok = false;
      for (const p of [o, h, l, c]) if (!isOnGrid(p, 0.01)) ok = false;
    }
    expect(ok).toBe(true);
  });

  it('shows the stylized facts: fat tails, volatility clustering, a volume profile', () => {
    const r = logReturns(s);
    expect(excessKurtosis(r)).toBeGreaterThan(1);
    const abs = r.map(Math.abs);
    expect(autocorr(abs, 1)).toBeGreaterThan(0.05);
    expect(autocorr(abs, 10)).toBeGreaterThan(0.02);
    expect(Math.abs(autocorr(r, 1))).toBeLessThan(0.05); // returns themselves barely autocorrelated
    // U shape: the first and last hours of the UTC day trade more than midday.
    const byHour = new Array<number>(24).fill(0);
    for (let i = 0; i < s.length; i++) byHour[new Date(s.ts[i]!).getUTCHours()]! += s.volume[i]!;
    expect(byHour[0]!).toBeGreaterThan(1.5 * byHour[12]!);
    expect(byHour[23]!).toBeGreaterThan(1.5 * byHour[12]!);
    // Realistic scale: per-minute sd near 0.6 / sqrt(minutes per year).
    const sd = Math.sqrt(r.reduce((a, b) => a + b * b, 0) / r.length);
    expect(sd).toBeGreaterThan(0.0004);
    expect(sd).toBeLessThan(0.002);
  });

  it('round-trips through the canonical CSV exactly', () => {
    const text = formatCsv(s);
    expect(text.split('\n', 2)).toEqual(['timestamp,open,high,low,close,volume', `2024-03-04T00:00:00Z,60000,${s.high[0]},${s.low[0]},${s.close[0]},${s.volume[0]}`]);
    const [back] = parseCsvBars(text, 'BTC-USD-1m.csv');
    expect(back!.symbol).toBe('BTC-USD');
    cols(s).forEach((c, k) => expect(cols(back!)[k]).toEqual(c));
  });

  it('writes several series with a symbol column that loads back to the same series', () => {
    const a = synthBars({ bars: 50, seed: 1, symbol: 'AAPL' });
    const b = synthBars({ bars: 30, seed: 2, symbol: 'MSFT', start: Date.UTC(2024, 0, 1, 0, 10) });
    const dir = mkdtempSync(join(tmpdir(), 'parity-data-'));
    try {
      const path = join(dir, 'two.csv');
      writeCsv([a, b], path);
      expect(readFileSync(path, 'utf8').split('\n', 1)[0]).toBe('timestamp,symbol,open,high,low,close,volume');
      const back = loadBars(path);
      expect(back.map((x) => [x.symbol, x.length])).toEqual([['AAPL', 50], ['MSFT', 30]]);
      expect(back[1]!.close).toEqual(b.close);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the quick-start sample', () => {
  it('data/sample/BTC-USD-1m.csv is exactly what the documented command generates', () => {
    const opts = synthOptionsFromArgs(['--bars', '4320', '--seed', '7', '--symbol', 'BTC-USD', '--start', '2024-03-04T00:00:00Z', '--out', 'data/sample/BTC-USD-1m.csv']);
    expect(opts).toEqual(SAMPLE);
    const path = fixture('../../../data/sample/BTC-USD-1m.csv');
    // `parity data synth` always writes the symbol column: the sample names its symbol, nothing is guessed.
    expect(readFileSync(path, 'utf8')).toBe(formatCsv(synthBars(opts), { symbolColumn: true }));
    const [s] = loadBars(path);
    expect([s!.symbol, s!.length, s!.ts[0], s!.ts[4319]]).toEqual(['BTC-USD', 4320, Date.UTC(2024, 2, 4), Date.UTC(2024, 2, 6, 23, 59)]);
  });
});
