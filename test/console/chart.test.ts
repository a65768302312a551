/**
 * The price chart (bars + our fills → lines), the console's bar ring and the chart view: pure,
 * sized to fit, fills marked where they happened.
 */
import { describe, expect, it } from 'vitest';
import { type OhlcBar, type FillMark, priceChart } from '../../src/util/text-chart.ts';
import { BarRing } from '../../src/console/bar-ring.ts';
import { chartPane, chartSymbols, nextChartView } from '../../src/console/panes/chart.ts';
import { snapshot, T } from './fixtures.ts';

const MIN = 60_000;

function bars(n: number, start = 100, step = 1): OhlcBar[] {
  return Array.from({ length: n }, (_, i) => {
    const o = start + i * step;
    const c = o + step;
    return { ts: T + i * MIN, open: o, high: Math.max(o, c) + 0.5, low: Math.min(o, c) - 0.5, close: c };
  });
}

/** [row, column] of every occurrence of `ch` in the plot rows. */
function find(lines: readonly string[], ch: string): [number, number][] {
  const out: [number, number][] = [];
  lines.forEach((l, r) => { for (let c = 0; c < l.length; c++) if (l[c] === ch) out.push([r, c]); });
  return out;
}

describe('priceChart', () => {
  it('is exactly height lines of at most width columns, whatever the input', () => {
    for (const [w, h] of [[79, 13], [40, 6], [120, 30], [20, 3]] as const) {
      for (const b of [bars(0), bars(1), bars(500), bars(30, 50_000, -120)]) {
        const lines = priceChart(b, [], w, h);
        expect(lines).toHaveLength(h);
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(w);
      }
    }
  });

  it('has a y axis naming the high, the low and the last close, and an x axis with the first and last times', () => {
    const lines = priceChart(bars(20), [], 60, 10);
    const text = lines.join('\n');
    expect(text).toContain('120.50'); // highest high
    expect(text).toContain('99.50'); // lowest low
    expect(text).toContain('120.00'); // last close
    expect(lines[lines.length - 1]).toMatch(/12:00\s+12:19/);
    // A rising series: the last bar's glyph sits higher than the first's.
    const plot = lines.slice(0, -1);
    const axis = plot[0]!.indexOf('┤');
    expect(axis).toBeGreaterThan(0);
    const colTop = (c: number) => plot.findIndex((l) => l[c] !== undefined && l[c] !== ' ');
    expect(colTop(axis + 1 + 19)).toBeLessThan(colTop(axis + 1));
  });

  it('marks a buy ▲ and a sell ▼ in the column of their bar, at the row of their price', () => {
    const b = bars(20);
    const fills: FillMark[] = [
      { ts: T + 2 * MIN + 5_000, side: 'buy', price: 102.5 },
      { ts: T + 15 * MIN, side: 'sell', price: 116 },
    ];
    const lines = priceChart(b, fills, 60, 12);
    const plot = lines.slice(0, -1);
    const axis = plot[0]!.indexOf('┤');
    const buy = find(plot, '▲');
    const sell = find(plot, '▼');
    expect(buy).toHaveLength(1);
    expect(sell).toHaveLength(1);
    expect(buy[0]![1]).toBe(axis + 1 + 2);
    expect(sell[0]![1]).toBe(axis + 1 + 15);
    // Higher price, higher row (smaller index).
    expect(sell[0]![0]).toBeLessThan(buy[0]![0]);
  });

  it('a fill outside the shown bars is not drawn; a buy and a sell on one cell show ◆', () => {
    const b = bars(10);
    const lines = priceChart(b, [{ ts: T - 10 * MIN, side: 'buy', price: 100 }, { ts: T + 3 * MIN, side: 'buy', price: 104 }, { ts: T + 3 * MIN + 1, side: 'sell', price: 104 }], 60, 8);
    expect(find(lines, '▲')).toHaveLength(0);
    expect(find(lines, '◆')).toHaveLength(1);
  });

  it('more bars than columns: the last ones, one a column (fit: false), or all of them merged into buckets (fit: true)', () => {
    const b = bars(500);
    const last = priceChart(b, [], 60, 10).join('\n');
    expect(last).toContain('600.50'); // highest high of the series
    expect(last).not.toContain(' 99.50'); // the first bars are off screen
    const all = priceChart(b, [{ ts: T, side: 'buy', price: 100 }], 60, 10, { fit: true });
    expect(all.join('\n')).toContain('99.50');
    expect(find(all, '▲')).toHaveLength(1);
    expect(all[all.length - 1]).toMatch(/12:00.*20:19/);
  });

  it('a flat series and a single bar draw without dividing by zero', () => {
    const flat = Array.from({ length: 5 }, (_, i) => ({ ts: T + i * MIN, open: 10, high: 10, low: 10, close: 10 }));
    const lines = priceChart(flat, [{ ts: T, side: 'sell', price: 10 }], 40, 6);
    expect(lines.join('')).not.toMatch(/NaN|Infinity/);
    expect(find(lines, '▼')).toHaveLength(1);
    expect(priceChart([], [], 40, 6).join('\n')).toContain('no bars yet');
  });
});

describe('BarRing', () => {
  it('keeps the last N bars per symbol; a bar with the same open time replaces the forming one', () => {
    const r = new BarRing({ capacity: 3 });
    for (let i = 0; i < 5; i++) r.onMarket({ kind: 'bar', symbol: 'A', ts: T + i * MIN, open: i, high: i + 1, low: i - 1, close: i, volume: 1 });
    r.onMarket({ kind: 'bar', symbol: 'A', ts: T + 4 * MIN, open: 4, high: 9, low: 3, close: 8, volume: 2 });
    const v = r.view();
    expect(v.bars['A']!.map((b) => b.open)).toEqual([2, 3, 4]);
    expect(v.bars['A']![2]!.close).toBe(8);
  });

  it('builds one-minute bars from trades (or quote mids) when the feed has no bars', () => {
    const r = new BarRing({ capacity: 10, bucketMs: MIN });
    r.onMarket({ kind: 'quote', symbol: 'Q', ts: T + 1000, bid: 99, ask: 101, bidSize: 1, askSize: 1 });
    r.onMarket({ kind: 'quote', symbol: 'Q', ts: T + 2000, bid: 103, ask: 105, bidSize: 1, askSize: 1 });
    r.onMarket({ kind: 'quote', symbol: 'Q', ts: T + MIN + 1, bid: 97, ask: 99, bidSize: 1, askSize: 1 });
    expect(r.view().bars['Q']).toEqual([
      { ts: T, open: 100, high: 104, low: 100, close: 104 },
      { ts: T + MIN, open: 98, high: 98, low: 98, close: 98 },
    ]);
    // Once trades arrive they are the truth: the quote bars are dropped.
    r.onMarket({ kind: 'trade', symbol: 'Q', ts: T + MIN + 2, price: 50, size: 1 });
    r.onMarket({ kind: 'quote', symbol: 'Q', ts: T + MIN + 3, bid: 1, ask: 3, bidSize: 1, askSize: 1 });
    expect(r.view().bars['Q']).toEqual([{ ts: T + MIN, open: 50, high: 50, low: 50, close: 50 }]);
  });

  it('keeps the last fills; the view is rebuilt only when something changed (no copy per snapshot)', () => {
    const r = new BarRing({ capacity: 3, maxFills: 2 });
    r.onMarket({ kind: 'bar', symbol: 'A', ts: T, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    const a = r.view();
    expect(r.view()).toBe(a);
    for (let i = 0; i < 3; i++) r.onFill({ symbol: 'A', side: i % 2 === 0 ? 'buy' : 'sell', price: 1 + i, ts: T + i });
    const b = r.view();
    expect(b).not.toBe(a);
    expect(b.fills.map((f) => f.price)).toEqual([2, 3]);
  });
});

describe('chart view', () => {
  const chart = { bars: { 'BTC-USD': bars(30, 60_000, 10), 'ETH-USD': bars(30, 3000, 1) }, fills: [{ symbol: 'BTC-USD', ts: T + 5 * MIN, side: 'buy' as const, price: 60_055 }] };

  it('v cycles the price chart of each symbol (held positions first), then equity, then back to the panes', () => {
    const snap = snapshot({ chart });
    expect(chartSymbols(snap)).toEqual(['BTC-USD', 'ETH-USD']);
    let v = nextChartView(null, snap);
    expect(v).toEqual({ kind: 'price', symbol: 'BTC-USD' });
    v = nextChartView(v, snap);
    expect(v).toEqual({ kind: 'price', symbol: 'ETH-USD' });
    v = nextChartView(v, snap);
    expect(v).toEqual({ kind: 'equity' });
    expect(nextChartView(v, snap)).toBeNull();
    // The selected row's symbol comes first, then the others.
    expect(nextChartView(null, snap, 'ETH-USD')).toEqual({ kind: 'price', symbol: 'ETH-USD' });
    expect(nextChartView({ kind: 'price', symbol: 'ETH-USD' }, snap, 'ETH-USD')).toEqual({ kind: 'price', symbol: 'BTC-USD' });
    expect(nextChartView({ kind: 'price', symbol: 'BTC-USD' }, snap, 'ETH-USD')).toEqual({ kind: 'equity' });
    expect(nextChartView(null, snap, 'XRP-USD')).toEqual({ kind: 'price', symbol: 'BTC-USD' });
    // No bars (a replay, a fresh start): straight to equity.
    expect(nextChartView(null, snapshot())).toEqual({ kind: 'equity' });
  });

  it('the price pane names the symbol and the marks, and fits the pane', () => {
    const snap = snapshot({ chart });
    const p = chartPane(snap, { kind: 'price', symbol: 'BTC-USD' }, 80, 14);
    expect(p.title).toBe('Price BTC-USD');
    expect(p.note).toMatch(/30 bars.*▲ buy ▼ sell/);
    expect(p.lines).toHaveLength(13);
    for (const l of p.lines) expect(l.text.length).toBeLessThanOrEqual(79);
    expect(p.lines.some((l) => l.text.includes('▲'))).toBe(true);
    // More bars than columns: the note counts what is drawn, and an off-screen fill is not counted.
    const many = snapshot({ chart: { bars: { 'BTC-USD': bars(200) }, fills: [{ symbol: 'BTC-USD', ts: T, side: 'buy', price: 100 }, { symbol: 'BTC-USD', ts: T + 199 * MIN, side: 'sell', price: 300 }] } });
    const q = chartPane(many, { kind: 'price', symbol: 'BTC-USD' }, 80, 14);
    expect(q.note).toMatch(/^last \d+ of 200 bars, 1 fill ·/);
  });

  it('the equity pane has a y axis and dates, and fits the pane', () => {
    const snap = snapshot({ equitySeries: [100_000, 100_500, 99_800, 101_000], equityTimes: [T, T + MIN, T + 2 * MIN, T + 3 * MIN] });
    const p = chartPane(snap, { kind: 'equity' }, 80, 14);
    expect(p.title).toMatch(/^Equity/);
    expect(p.lines).toHaveLength(13);
    const text = p.lines.map((l) => l.text).join('\n');
    expect(text).toContain('101,000.00');
    expect(text).toContain('99,800.00');
    expect(text).toMatch(/12:00.*12:03/);
    for (const l of p.lines) expect(l.text.length).toBeLessThanOrEqual(79);
    // Without times (a replay): the same chart, no dates, and it says so.
    const q = chartPane(snapshot(), { kind: 'equity' }, 80, 14);
    expect(q.lines.map((l) => l.text).join('\n')).toContain('101,234.50');
  });
});
