/**
 * A price chart as text: bars and our fills in, `height` lines of at most `width` columns out.
 * Pure (no terminal, no clock), so the console's chart pane and `parity backtest` draw the same
 * chart and a test can read it cell by cell.
 *
 * Why our own and not a package: a chart of the trader's own fills needs a marker in the column
 * of the fill's bar at the row of the fill's price, and lines cut to an exact width for a pane
 * that must never wrap at 80x24. asciichart draws a line, not bars, and has no markers;
 * chartscii's candlesticks and @pppp606/ink-chart's sparklines size themselves (and ink-chart is
 * a component, not text the backtest can print). What is needed here is ~150 lines.
 *
 * One column per bar (the last ones that fit), or with `fit` every bar merged into as many
 * buckets as there are columns (a backtest's whole span). Glyphs: │ high-low, █ a bar that closed
 * up, ░ one that closed down, ─ unchanged; ▲ a buy, ▼ a sell, ◆ both in one cell. The y axis names
 * the high, the low and the middle; the last line names the first and last bar times and the
 * last close.
 */

export interface OhlcBar {
  /** The bar's open time, epoch ms UTC. */
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

export interface FillMark {
  readonly ts: number;
  readonly side: 'buy' | 'sell';
  readonly price: number;
}

export interface PriceChartOptions {
  /** Merge every bar into the columns (true) instead of showing the last ones one a column. */
  readonly fit?: boolean;
  readonly formatPrice?: (x: number) => string;
  /** The time named at the right end of the x axis (default: the last bar's open time). */
  readonly endTs?: number;
}

/** 1234567.891 -> "1,234,567.89", no locale (identical bytes on every machine). */
export function groupedNumber(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return String(x);
  const fixed = Math.abs(x).toFixed(decimals);
  const [int = '0', frac] = fixed.split('.');
  const body = `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac === undefined ? '' : `.${frac}`}`;
  return x < 0 && Number(fixed) !== 0 ? `-${body}` : body;
}

/** hh:mm inside one UTC day; the date alone for daily bars; otherwise MM-DD hh:mm. */
export function chartTimeFormat(first: number, last: number): (ts: number) => string {
  const iso = (t: number) => new Date(t).toISOString();
  if (iso(first).slice(0, 10) === iso(last).slice(0, 10)) return (t) => iso(t).slice(11, 16);
  if (first % 86_400_000 === 0 && last % 86_400_000 === 0) return (t) => iso(t).slice(0, 10);
  return (t) => `${iso(t).slice(5, 10)} ${iso(t).slice(11, 16)}`;
}

interface Column extends OhlcBar { readonly fills: FillMark[] }

function columnsOf(bars: readonly OhlcBar[], n: number, fit: boolean): OhlcBar[] {
  if (bars.length <= n) return bars.slice();
  if (!fit) return bars.slice(bars.length - n);
  const out: OhlcBar[] = [];
  for (let k = 0; k < n; k++) {
    const a = Math.floor((k * bars.length) / n);
    const b = Math.max(a + 1, Math.floor(((k + 1) * bars.length) / n));
    let high = -Infinity;
    let low = Infinity;
    for (let i = a; i < b; i++) { high = Math.max(high, bars[i]!.high); low = Math.min(low, bars[i]!.low); }
    out.push({ ts: bars[a]!.ts, open: bars[a]!.open, high, low, close: bars[b - 1]!.close });
  }
  return out;
}

/** Each fill into the column whose time span holds it; a fill up to two spans after the last bar goes to it. */
function placeFills(cols: readonly OhlcBar[], fills: readonly FillMark[]): Column[] {
  const out: Column[] = cols.map((c) => ({ ...c, fills: [] }));
  if (out.length === 0) return out;
  const lastSpan = out.length > 1 ? out[out.length - 1]!.ts - out[out.length - 2]!.ts : 60_000;
  const end = out[out.length - 1]!.ts + 2 * Math.max(1, lastSpan);
  for (const f of fills) {
    if (!(f.ts >= out[0]!.ts && f.ts < end) || !Number.isFinite(f.price)) continue;
    // The last column whose open time is at or before the fill.
    let lo = 0;
    let hi = out.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (out[mid]!.ts <= f.ts) lo = mid; else hi = mid - 1;
    }
    out[lo]!.fills.push(f);
  }
  return out;
}

export function priceChart(bars: readonly OhlcBar[], fills: readonly FillMark[], width: number, height: number, opts: PriceChartOptions = {}): string[] {
  return drawPriceChart(bars, fills, width, height, opts).lines;
}

export interface PriceChartDrawing {
  readonly lines: string[];
  /** Bars and fills the lines show (the last ones that fit, or all with `fit`). */
  readonly barsShown: number;
  readonly fillsShown: number;
}

/** priceChart, saying how many bars and fills made it onto the lines (for a title's counts). */
export function drawPriceChart(bars: readonly OhlcBar[], fills: readonly FillMark[], width: number, height: number, opts: PriceChartOptions = {}): PriceChartDrawing {
  const w = Math.max(1, Math.floor(width));
  const h = Math.max(1, Math.floor(height));
  let barsShown = 0;
  let fillsShown = 0;
  const done = (lines: string[]): PriceChartDrawing => {
    const out = lines.slice(0, h).map((l) => (l.length > w ? l.slice(0, w) : l));
    while (out.length < h) out.push('');
    return { lines: out, barsShown, fillsShown };
  };
  if (bars.length === 0) return done(['no bars yet: the chart fills in as market data arrives']);

  let allHi = -Infinity;
  let allLo = Infinity;
  for (const b of bars) { allHi = Math.max(allHi, b.high); allLo = Math.min(allLo, b.low); }
  const decimals = Math.max(Math.abs(allHi), Math.abs(allLo)) >= 1 ? 2 : 6;
  const fmt = opts.formatPrice ?? ((x: number) => groupedNumber(x, decimals));
  for (const f of fills) { if (Number.isFinite(f.price)) { allHi = Math.max(allHi, f.price); allLo = Math.min(allLo, f.price); } }
  const labelW = Math.max(fmt(allHi).length, fmt(allLo).length, fmt((allHi + allLo) / 2).length);
  const plotW = w - labelW - 1;
  const last = bars[bars.length - 1]!;
  if (h < 3 || plotW < 4) return done([`last ${fmt(last.close)}  hi ${fmt(allHi)}  lo ${fmt(allLo)}`]);

  const picked = columnsOf(bars, plotW, opts.fit === true);
  const cols = placeFills(picked, fills);
  barsShown = opts.fit === true || bars.length <= plotW ? bars.length : plotW;
  fillsShown = cols.reduce((n, c) => n + c.fills.length, 0);
  let hi = -Infinity;
  let lo = Infinity;
  for (const c of cols) {
    hi = Math.max(hi, c.high); lo = Math.min(lo, c.low);
    for (const f of c.fills) { hi = Math.max(hi, f.price); lo = Math.min(lo, f.price); }
  }
  if (!(hi - lo > 1e-12 * Math.max(1, Math.abs(hi)))) { const pad = Math.max(Math.abs(hi) * 0.001, 1e-6); hi += pad; lo -= pad; }
  const rows = h - 1;
  const rowOf = (p: number): number => Math.min(rows - 1, Math.max(0, Math.round(((hi - p) / (hi - lo)) * (rows - 1))));

  const grid: string[][] = Array.from({ length: rows }, () => Array.from({ length: cols.length }, () => ' '));
  cols.forEach((c, x) => {
    const top = rowOf(c.high);
    const bottom = rowOf(c.low);
    for (let r = top; r <= bottom; r++) grid[r]![x] = '│';
    const ro = rowOf(c.open);
    const rc = rowOf(c.close);
    const body = c.close > c.open ? '█' : c.close < c.open ? '░' : '─';
    for (let r = Math.min(ro, rc); r <= Math.max(ro, rc); r++) grid[r]![x] = body;
    const marks = new Map<number, string>();
    for (const f of c.fills) {
      const r = rowOf(f.price);
      const g = f.side === 'buy' ? '▲' : '▼';
      const had = marks.get(r);
      marks.set(r, had === undefined || had === g ? g : '◆');
    }
    for (const [r, g] of marks) grid[r]![x] = g;
  });

  const labels = new Map<number, string>([[0, fmt(hi)], [rows - 1, fmt(lo)]]);
  if (rows >= 5) labels.set(Math.floor((rows - 1) / 2), fmt(hi - ((hi - lo) * Math.floor((rows - 1) / 2)) / (rows - 1)));
  const out = grid.map((cells, r) => {
    const label = labels.get(r);
    return `${(label ?? '').padStart(labelW)}${label !== undefined ? '┤' : '│'}${cells.join('')}`.trimEnd();
  });

  // The x axis: first and last bar times under the plot, the last close between them (or after).
  const end = opts.endTs ?? last.ts;
  const time = chartTimeFormat(cols[0]!.ts, end);
  const a = time(cols[0]!.ts);
  const b = time(end);
  const mid = `last ${fmt(last.close)}`;
  const span = Math.max(cols.length, a.length + b.length + 2);
  const gap = span - a.length - b.length;
  let axis: string;
  if (gap >= mid.length + 4) {
    const left = Math.floor((gap - mid.length) / 2);
    axis = `${a}${' '.repeat(left)}${mid}${' '.repeat(gap - mid.length - left)}${b}`;
  } else {
    axis = `${a}${' '.repeat(gap)}${b}`;
    if (axis.length + 2 + mid.length <= plotW) axis += `  ${mid}`;
  }
  out.push(`${' '.repeat(labelW + 1)}${axis}`.slice(0, w).trimEnd());
  return done(out);
}
