/** The backtest's charts: the equity curve and the price with our fills, each within 80 columns. */
import { describe, expect, it } from 'vitest';
import { renderEquityChart, renderPriceChart } from '../../src/backtest/report.ts';
import type { BarSeries } from '../../src/data/series.ts';
import type { Fill } from '../../src/domain/fill.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 4);
const width = (s: string) => Math.max(...s.split('\n').map((l) => [...l].length));

function series(n: number): BarSeries {
  const ts = new Float64Array(n); const open = new Float64Array(n); const high = new Float64Array(n);
  const low = new Float64Array(n); const close = new Float64Array(n); const volume = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = T0 + i * MIN;
    open[i] = 60_000 + 1000 * Math.sin(i / 300);
    close[i] = 60_000 + 1000 * Math.sin((i + 1) / 300);
    high[i] = Math.max(open[i]!, close[i]!) + 20;
    low[i] = Math.min(open[i]!, close[i]!) - 20;
  }
  return { symbol: 'BTC-USD', source: 'memory', length: n, ts, open, high, low, close, volume };
}

const fill = (i: number, side: 'buy' | 'sell', price: number): Fill => ({ clientOrderId: `o${i}`, execId: `e${i}`, symbol: 'BTC-USD', side, qty: 1, price, fee: 0, liquidity: 'taker', ts: T0 + i * MIN });

describe('backtest charts fit 80 columns', () => {
  it('the equity chart with six-figure labels stays within 80 columns by default, with dates under it', () => {
    const n = 4320;
    const ts = new Float64Array(n); const eq = new Float64Array(n);
    for (let i = 0; i < n; i++) { ts[i] = T0 + i * MIN; eq[i] = 100_000 + 3000 * Math.sin(i / 400); }
    const chart = renderEquityChart(ts, eq, n);
    expect(width(chart)).toBeLessThanOrEqual(80);
    expect(chart.split('\n').at(-1)).toMatch(/2024-03-04.*2024-03-06/);
    expect(width(renderEquityChart(ts, eq, n, { columns: 60 }))).toBeLessThanOrEqual(60);
  });

  it('the price chart covers the whole span, marks our buys and sells, and names the symbol', () => {
    const s = series(4320);
    const fills = [fill(100, 'buy', s.close[100]!), fill(2000, 'sell', s.close[2000]!), fill(4000, 'buy', s.close[4000]!)];
    const chart = renderPriceChart([s], fills, { columns: 80, height: 12 });
    const lines = chart.split('\n');
    expect(lines[0]).toMatch(/^Price BTC-USD .*3 fills/);
    expect(width(chart)).toBeLessThanOrEqual(80);
    expect(lines.length).toBe(1 + 12);
    const plot = [...lines.slice(1).join('\n')];
    expect(plot.filter((c) => c === '▲')).toHaveLength(2);
    expect(plot.filter((c) => c === '▼')).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/03-04 00:00.*03-06 23:59/);
  });

  it('a symbol without bars draws nothing; several symbols each get a chart', () => {
    expect(renderPriceChart([], [], {})).toBe('');
    const a = series(50);
    const b = { ...series(50), symbol: 'ETH-USD' };
    const out = renderPriceChart([a, b], [], { columns: 80, height: 6 });
    expect(out).toMatch(/^Price BTC-USD/m);
    expect(out).toMatch(/^Price ETH-USD/m);
  });
});
