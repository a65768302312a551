/**
 * Bars as columns: one Float64Array per field, one series per symbol, strictly increasing time.
 * A million bars is 48 MB in six arrays instead of a million objects for the GC to walk; the feed
 * makes the `Bar` object only at the moment the engine asks for it.
 */
import type { Bar } from '../domain/market.ts';
import { DataError } from './errors.ts';
import { formatTs } from './timestamps.ts';

export interface BarSeries {
  readonly symbol: string;
  /** Where the bars came from (file path, `synth:seed=7`, `memory`); shown in messages. */
  readonly source: string;
  readonly length: number;
  /** Bar open time, epoch ms UTC, strictly increasing. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** Growable columns for one symbol while a file is read. */
export class SeriesBuilder {
  readonly symbol: string;
  length = 0;
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;

  constructor(symbol: string, capacity = 1024) {
    this.symbol = symbol;
    const cap = Math.max(16, capacity);
    this.ts = new Float64Array(cap);
    this.open = new Float64Array(cap);
    this.high = new Float64Array(cap);
    this.low = new Float64Array(cap);
    this.close = new Float64Array(cap);
    this.volume = new Float64Array(cap);
  }

  push(ts: number, open: number, high: number, low: number, close: number, volume: number): void {
    const i = this.length;
    if (i === this.ts.length) this.grow();
    this.ts[i] = ts;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
    this.length = i + 1;
  }

  private grow(): void {
    const cap = this.ts.length * 2;
    const g = (a: Float64Array): Float64Array => { const b = new Float64Array(cap); b.set(a); return b; };
    this.ts = g(this.ts);
    this.open = g(this.open);
    this.high = g(this.high);
    this.low = g(this.low);
    this.close = g(this.close);
    this.volume = g(this.volume);
  }

  /** The finished series, arrays cut to length (a copy only when capacity was left over). */
  build(source: string, symbol: string = this.symbol): BarSeries {
    const n = this.length;
    const cut = (a: Float64Array): Float64Array => (a.length === n ? a : a.slice(0, n));
    return {
      symbol, source, length: n,
      ts: cut(this.ts), open: cut(this.open), high: cut(this.high),
      low: cut(this.low), close: cut(this.close), volume: cut(this.volume),
    };
  }
}

/** An empty series (a file filtered to nothing by from/to still names its symbol). */
export function emptySeries(symbol: string, source: string): BarSeries {
  return new SeriesBuilder(symbol, 0).build(source);
}

/**
 * One symbol's bars as a series (tests, small in-memory runs). Only time order is checked (the
 * feed's merge relies on it); field values are taken as given. Throws on mixed symbols: use
 * `seriesBySymbol` for those. `symbol` names the series when `bars` is empty.
 */
export function seriesFromBars(bars: readonly Bar[], opts: { symbol?: string; source?: string } = {}): BarSeries {
  const source = opts.source ?? 'memory';
  const symbol = bars[0]?.symbol ?? opts.symbol ?? '';
  const b = new SeriesBuilder(symbol, bars.length);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    if (bar.symbol !== symbol) throw new DataError(source, i + 1, `bar for ${bar.symbol} among bars for ${symbol}: use seriesBySymbol for several symbols`);
    if (!(bar.ts > prev)) throw new DataError(source, i + 1, `timestamp ${formatTs(bar.ts)} is not after the previous bar's ${formatTs(prev)}`);
    prev = bar.ts;
    b.push(bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }
  return b.build(source);
}

/** Bars of several symbols (in time order per symbol) as one series per symbol, first-seen order. */
export function seriesBySymbol(bars: readonly Bar[], source = 'memory'): BarSeries[] {
  const groups = new Map<string, Bar[]>();
  for (const bar of bars) {
    let g = groups.get(bar.symbol);
    if (g === undefined) { g = []; groups.set(bar.symbol, g); }
    g.push(bar);
  }
  return [...groups.values()].map((g) => seriesFromBars(g, { source }));
}

/** The i-th bar of a series as the engine's `Bar` (tests, debugging; the feed has its own path). */
export function barAt(s: BarSeries, i: number): Bar {
  if (!(i >= 0 && i < s.length)) throw new RangeError(`bar index ${i} outside 0..${s.length - 1} of ${s.symbol}`);
  return { kind: 'bar', symbol: s.symbol, ts: s.ts[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
}

/**
 * The median spacing between consecutive bars in ms, over one or several series (Sharpe
 * annualization). The median, not the mean, so overnight and weekend gaps of a stock's one-minute
 * bars still give 60000. NaN when no series has two bars.
 */
export function describeInterval(series: BarSeries | readonly BarSeries[]): number {
  const list: readonly BarSeries[] = Array.isArray(series) ? series : [series as BarSeries];
  // Bars come in a few distinct spacings: count them instead of sorting a million differences.
  const counts = new Map<number, number>();
  let total = 0;
  for (const s of list) {
    const ts = s.ts;
    for (let i = 1; i < s.length; i++) {
      const d = ts[i]! - ts[i - 1]!;
      counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    total += Math.max(0, s.length - 1);
  }
  return medianSpacing(counts, total);
}

/**
 * The lower median of spacings counted as (spacing -> how many): an actual spacing, never the
 * average of two. NaN when nothing was counted. (The streaming feed counts as bars go by.)
 */
export function medianSpacing(counts: ReadonlyMap<number, number>, total = sumOf(counts)): number {
  if (total === 0) return Number.NaN;
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const target = Math.floor((total - 1) / 2);
  let seen = 0;
  for (const k of keys) {
    seen += counts.get(k)!;
    if (seen > target) return k;
  }
  return keys[keys.length - 1]!;
}

function sumOf(counts: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const c of counts.values()) total += c;
  return total;
}
