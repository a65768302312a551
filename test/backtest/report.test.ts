import { describe, expect, it } from 'vitest';
import { downsampleMinMax, formatMoney, formatPercent, renderEquityChart, renderSummary, summaryJson, backtestJson } from '../../src/backtest/report.ts';
import { summarize, type BacktestSummary } from '../../src/backtest/metrics.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function sample(): BacktestSummary {
  const equity = Float64Array.from([100_000, 101_500.5, 99_000, 112_345.678]);
  return summarize({
    ts: Float64Array.from([0, 1, 2, 3].map((i) => T0 + i * DAY)), equity, length: 4, startCash: 100_000,
    fills: [], exposureBars: 2, intervalMs: DAY, calendar: 'us_equity',
  });
}

describe('formatting', () => {
  it('money: grouped, 2 decimals, no -0.00', () => {
    expect(formatMoney(1234567.891)).toBe('1,234,567.89');
    expect(formatMoney(-1234.5)).toBe('-1,234.50');
    expect(formatMoney(-0.001)).toBe('0.00');
    expect(formatMoney(999)).toBe('999.00');
  });
  it('percent: 2 decimals, optional sign', () => {
    expect(formatPercent(0.12345, true)).toBe('+12.35%');
    expect(formatPercent(-0.5)).toBe('-50.00%');
    expect(formatPercent(-0.00001, true)).toBe('0.00%');
    expect(formatPercent(9.68e35, true)).toBe('+9.68e+37%');
  });
});

describe('renderSummary', () => {
  it('is aligned, plain without color, and shows the key numbers', () => {
    const text = renderSummary(sample(), { color: false });
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toMatch(/^Data\s+2024-01-01 00:00 \.\. 2024-01-04 00:00 UTC \(4 bars, 3\.0 d\)$/m);
    expect(text).not.toMatch(/^Period/m);
    expect(text).toContain('100,000.00 -> 112,345.68');
    expect(text).toContain('+12.35%');
    const lines = text.split('\n');
    // The value columns line up: every pair row puts its second label at the same column.
    const cols = lines.filter((l) => l.includes('    ') && /^(Return|Sharpe|Max drawdown|Trades|Fills)/.test(l)).map((l) => l.search(/(CAGR|Sortino|Exposure|Win rate|Fees)/));
    expect(new Set(cols).size).toBe(1);
  });
  it('colors when asked', () => {
    expect(renderSummary(sample(), { color: true })).toMatch(/\x1b\[32m\+12\.35%/);
  });
});

describe('summaryJson', () => {
  it('has the documented keys, rounded to 10 significant digits, stable bytes', () => {
    const j = summaryJson(sample());
    for (const k of ['trades', 'fills', 'fees', 'finalEquity', 'totalReturn', 'maxDrawdown', 'sharpe', 'sortino', 'cagr', 'winRate', 'turnover', 'exposure', 'bars', 'from', 'to']) {
      expect(j).toHaveProperty(k);
    }
    expect(j.totalReturn).toBe(0.12345678);
    expect(j.sharpe).toBe(Number(j.sharpe.toPrecision(10)));
    expect(JSON.stringify(summaryJson(sample()))).toBe(JSON.stringify(j));
  });
});

describe('downsampleMinMax', () => {
  const n = 10_000;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = 1000 + Math.sin(i / 50) * 10;
  values[1234] = 500; // the crash
  values[7777] = 2000; // the peak

  it('fits the width and keeps the min, the max, the first and the last point', () => {
    const d = downsampleMinMax(values, n, 72);
    expect(d.values.length).toBeLessThanOrEqual(72);
    expect(d.values.length).toBeGreaterThan(60);
    expect(d.values).toContain(500);
    expect(d.values).toContain(2000);
    expect(d.index[0]).toBe(0);
    expect(d.index[d.index.length - 1]).toBe(n - 1);
    for (let i = 1; i < d.index.length; i++) expect(d.index[i]!).toBeGreaterThan(d.index[i - 1]!);
  });

  it('short series pass through unchanged', () => {
    const d = downsampleMinMax([1, 2, 3], 3, 72);
    expect(d.values).toEqual([1, 2, 3]);
  });

  it('respects length when the array is longer', () => {
    expect(downsampleMinMax([1, 2, 3, 99], 3, 72).values).toEqual([1, 2, 3]);
  });
});

describe('renderEquityChart', () => {
  it('draws height + 1 rows and a date line, no wider than labels + width', () => {
    const n = 5000;
    const ts = new Float64Array(n);
    const eq = new Float64Array(n);
    for (let i = 0; i < n; i++) { ts[i] = T0 + i * DAY; eq[i] = 100_000 + i; }
    const chart = renderEquityChart(ts, eq, n, { width: 40, height: 8 });
    const lines = chart.split('\n');
    expect(lines).toHaveLength(8 + 1 + 1);
    const labelWidth = formatMoney(104_999).length;
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(labelWidth + 2 + 40);
    expect(lines[lines.length - 1]!.trim()).toMatch(/^2024-01-01\s+2037-09-08$/);
    expect(chart).toContain('104,999.00');
  });

  it('handles empty, single-sample and flat curves', () => {
    expect(renderEquityChart(new Float64Array(0), new Float64Array(0), 0)).toBe('(no equity samples)');
    expect(renderEquityChart(Float64Array.of(T0), Float64Array.of(100), 1).split('\n').length).toBeGreaterThanOrEqual(2);
    expect(() => renderEquityChart(Float64Array.of(T0, T0 + DAY), Float64Array.of(5, 5), 2)).not.toThrow();
  });

  it('is byte-identical across calls', () => {
    const ts = Float64Array.of(T0, T0 + DAY, T0 + 2 * DAY);
    const eq = Float64Array.of(100, 90, 120);
    expect(renderEquityChart(ts, eq, 3)).toBe(renderEquityChart(ts, eq, 3));
  });
});

describe('what the run ran, and short spans', () => {
  const description = (symbolFrom: 'data' | 'config' | 'file name') => ({
    strategy: { name: 'sma-cross', file: '/x/strategies/sma-cross.ts', params: { fast: 10, slow: 30 } },
    instruments: [{ symbol: 'BIG', assetClass: 'equity' as const, specSource: 'default' as const, symbolFrom, tickSize: 0.01, lotSize: 1, file: '/x/big.csv' }],
    data: { first: T0, last: T0 + 3 * DAY, bars: 4 },
    warnings: [],
  });

  it('shows the strategy and params, the symbol with its asset class and spec source, and the data span', () => {
    const text = renderSummary(sample(), { run: { description: description('data') } });
    expect(text).toMatch(/Strategy\s+sma-cross\s+\/x\/strategies\/sma-cross\.ts\s+fast=10 slow=30/);
    expect(text).toMatch(/Symbol\s+BIG\s+equity\s+spec: default for equity$/m);
    expect(text).toMatch(/Data\s+2024-01-01 00:00 \.\. 2024-01-04 00:00 UTC \(4 bars, 3\.0 d\)/);
    expect(text).not.toMatch(/WARNING/);
  });

  it('a symbol guessed from the file name is a WARNING in the summary', () => {
    const text = renderSummary(sample(), { run: { description: description('file name') } });
    // On its own line: the summary fits 80 columns.
    expect(text).toMatch(/^Symbol\s+BIG\s+equity\s+spec: default for equity\n\s+WARNING: symbol guessed from the file name$/m);
    expect(text.split('\n').filter((l) => l.length > 80)).toEqual([]);
  });

  it('CAGR is n/a below 30 days (null in JSON); Sharpe and Sortino carry the span', () => {
    const s = sample();
    expect(s.spanDays).toBeCloseTo(4, 10);
    const text = renderSummary(s);
    expect(text).toMatch(/CAGR\s+n\/a \(span 4\.0 d < 30 d\)/);
    expect(text).toMatch(/Sharpe\s+-?\d+\.\d\d \(4\.0 d\)/);
    expect(summaryJson(s).cagr).toBeNull();
  });

  it('Sharpe and Sortino that cannot be computed are n/a (null in the backtest JSON), never 0.00', () => {
    const flat = summarize({ ts: Float64Array.from([0, 1, 2].map((i) => T0 + i * DAY)), equity: Float64Array.from([100_000, 100_000, 100_000]), length: 3, startCash: 100_000, fills: [], exposureBars: 0, intervalMs: DAY, calendar: '24x7' });
    expect(renderSummary(flat)).toMatch(/Sharpe\s+n\/a \(flat equity\)/);
    expect(renderSummary(flat)).toMatch(/Sortino\s+n\/a \(flat equity\)/);
    expect(backtestJson(flat)).toMatchObject({ sharpe: null, sortino: null, winRate: null });
    const rising = summarize({ ts: Float64Array.from([0, 1, 2].map((i) => T0 + i * DAY)), equity: Float64Array.from([100_000, 100_100, 100_300]), length: 3, startCash: 100_000, fills: [], exposureBars: 0, intervalMs: DAY, calendar: '24x7' });
    expect(renderSummary(rising)).toMatch(/Sharpe\s+\d+\.\d\d/);
    expect(renderSummary(rising)).toMatch(/Sortino\s+n\/a \(no losing bar\)/);
    expect(backtestJson(rising).sharpe).toBe(summaryJson(rising).sharpe);
  });

  it('CAGR is shown over 30 days or more', () => {
    const equity = Float64Array.from({ length: 40 }, (_, i) => 100_000 + i * 100);
    const s = summarize({ ts: Float64Array.from({ length: 40 }, (_, i) => T0 + i * DAY), equity, length: 40, startCash: 100_000, fills: [], exposureBars: 0, intervalMs: DAY, calendar: '24x7' });
    expect(renderSummary(s)).toMatch(/CAGR\s+\+\d/);
    expect(summaryJson(s).cagr).toBeGreaterThan(0);
  });

  it('error, rejection and denial counts show when non-zero and are always in the JSON', () => {
    const none = renderSummary(sample(), { run: { counts: { errors: 0, rejections: 0, denials: 0 } } });
    expect(none).not.toMatch(/Errors|Rejections|Denials/);
    const some = renderSummary(sample(), { run: { counts: { errors: 2, rejections: 0, denials: 158 } } });
    expect(some).toMatch(/Errors\s+2/);
    expect(some).toMatch(/Denials\s+158/);
    expect(some).not.toMatch(/Rejections/);
    const j = summaryJson(sample(), { counts: { errors: 2, rejections: 1, denials: 158 } });
    expect([j.errors, j.rejections, j.denials]).toEqual([2, 1, 158]);
  });
});
