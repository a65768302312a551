/**
 * Bars streamed from files into the engine: memory flat in the length of history. Each file is
 * read a block of rows at a time (csv-bytes.ts, jsonl.ts, parquet.ts), checked as `loadBars`
 * checks it, put on the instrument's tick grid as `putOnGrid` would, and handed out through the
 * same `PullFeed` interface as `SeriesFeed`, in the same order: several files are merged by time
 * with ties in file order, and equal timestamps inside one file come in first-seen symbol order
 * (the series order `loadBars` gives), so a streamed backtest is the in-memory one, bar for bar.
 *
 * Two passes over a file that names its symbols: a quick one for the symbol names (instruments
 * must exist before the first bar), then the reading one (which refuses a symbol the plan did not
 * list: the file changed between the two). A bad row deep in a file is reported
 * when the run reaches it, with the same words and line as `loadBars` would give before the run.
 */
import type { Bar } from '../domain/market.ts';
import type { PullFeed } from '../ports/index.ts';
import { BarCollector, notInFile, type LoadOptions, type SymbolRows } from './collect.ts';
import { csvSymbols } from './csv-bytes.ts';
import { DataError } from './errors.ts';
import { decimalTickPlaces, exactTicksBelow, gridRounder } from './grid.ts';
import { isOnGrid } from '../domain/instrument.ts';
import { jsonlSymbols } from './jsonl.ts';
import { LineReader, fileBytes } from './lines.ts';
import { barFileKind, openRowReader, type RowReader } from './load.ts';
import { parquetSymbols } from './parquet.ts';
import { medianSpacing, type BarSeries, type SeriesBuilder } from './series.ts';
import { symbolFromFileName } from './symbol-name.ts';

const BLOCK_ROWS = 65_536;

/** Rows of one file waiting for the feed, columns like a series plus the symbol per row. */
export class BarBlock {
  n = 0;
  /** Start of the run of rows sharing the last timestamp (it may continue in the next pump). */
  groupStart = 0;
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  sym: Int32Array;

  constructor(cap = BLOCK_ROWS) {
    this.ts = new Float64Array(cap);
    this.open = new Float64Array(cap);
    this.high = new Float64Array(cap);
    this.low = new Float64Array(cap);
    this.close = new Float64Array(cap);
    this.volume = new Float64Array(cap);
    this.sym = new Int32Array(cap);
  }

  get capacity(): number {
    return this.ts.length;
  }

  /** A row; one with the same timestamp as the last is placed among its run by symbol order. */
  push(k: number, t: number, o: number, h: number, l: number, c: number, v: number): void {
    if (this.n === this.ts.length) this.grow();
    let i = this.n;
    if (i > 0 && this.ts[i - 1] === t) {
      const g = this.groupStart;
      while (i > g && this.sym[i - 1]! > k) { this.move(i - 1, i); i--; }
    } else {
      this.groupStart = i;
    }
    this.ts[i] = t; this.open[i] = o; this.high[i] = h; this.low[i] = l; this.close[i] = c; this.volume[i] = v; this.sym[i] = k;
    this.n++;
  }

  /** Drops rows [0, from): the rest moves to the front. */
  shift(from: number): void {
    if (from === 0) return;
    const n = this.n;
    for (const a of [this.ts, this.open, this.high, this.low, this.close, this.volume]) a.copyWithin(0, from, n);
    this.sym.copyWithin(0, from, n);
    this.n = n - from;
    this.groupStart = Math.max(0, this.groupStart - from);
  }

  private move(from: number, to: number): void {
    this.ts[to] = this.ts[from]!; this.open[to] = this.open[from]!; this.high[to] = this.high[from]!;
    this.low[to] = this.low[from]!; this.close[to] = this.close[from]!; this.volume[to] = this.volume[from]!; this.sym[to] = this.sym[from]!;
  }

  private grow(): void {
    const cap = this.ts.length * 2;
    const g = (a: Float64Array): Float64Array => { const b = new Float64Array(cap); b.set(a); return b; };
    this.ts = g(this.ts); this.open = g(this.open); this.high = g(this.high); this.low = g(this.low);
    this.close = g(this.close); this.volume = g(this.volume);
    const s = new Int32Array(cap); s.set(this.sym); this.sym = s;
  }
}

/** What a series held, without its bars: a streamed run describes its data with these. */
export interface SeriesSummary {
  readonly symbol: string;
  readonly source: string;
  readonly length: number;
  readonly first: number | null;
  readonly last: number | null;
}

/** The summaries of series in memory (the same shape a stream gives). */
export function summariesOf(series: readonly BarSeries[]): SeriesSummary[] {
  return series.map((s) => ({ symbol: s.symbol, source: s.source, length: s.length, first: s.length > 0 ? s.ts[0]! : null, last: s.length > 0 ? s.ts[s.length - 1]! : null }));
}

/**
 * A series thinned as it streams, for a chart of the whole run: at most `cap` buckets of equal bar
 * count (open of the first, high/low over the bucket, close of the last, volume summed); when full,
 * neighbours merge and the width doubles. `barCount` is how many bars it stands for.
 */
export interface ThinSeries extends BarSeries {
  readonly barCount: number;
}

class Thinner {
  private readonly cap: number;
  private width = 1;
  private inBucket = 0;
  n = 0;
  count = 0;
  readonly ts: Float64Array;
  readonly o: Float64Array;
  readonly h: Float64Array;
  readonly l: Float64Array;
  readonly c: Float64Array;
  readonly v: Float64Array;

  constructor(cap = 4096) {
    this.cap = cap;
    this.ts = new Float64Array(cap); this.o = new Float64Array(cap); this.h = new Float64Array(cap);
    this.l = new Float64Array(cap); this.c = new Float64Array(cap); this.v = new Float64Array(cap);
  }

  push(t: number, o: number, h: number, l: number, c: number, v: number): void {
    this.count++;
    if (this.inBucket === 0) {
      if (this.n === this.cap) this.halve();
      const i = this.n++;
      this.ts[i] = t; this.o[i] = o; this.h[i] = h; this.l[i] = l; this.c[i] = c; this.v[i] = v;
    } else {
      const i = this.n - 1;
      if (h > this.h[i]!) this.h[i] = h;
      if (l < this.l[i]!) this.l[i] = l;
      this.c[i] = c;
      this.v[i] = this.v[i]! + v;
    }
    if (++this.inBucket === this.width) this.inBucket = 0;
  }

  private halve(): void {
    const half = this.n >> 1;
    for (let j = 0; j < half; j++) {
      const a = 2 * j, b = a + 1;
      this.ts[j] = this.ts[a]!; this.o[j] = this.o[a]!;
      this.h[j] = Math.max(this.h[a]!, this.h[b]!); this.l[j] = Math.min(this.l[a]!, this.l[b]!);
      this.c[j] = this.c[b]!; this.v[j] = this.v[a]! + this.v[b]!;
    }
    this.n = half;
    this.width *= 2;
  }

  series(symbol: string, source: string): ThinSeries {
    const n = this.n;
    return { symbol, source, length: n, barCount: this.count, ts: this.ts.slice(0, n), open: this.o.slice(0, n), high: this.h.slice(0, n), low: this.l.slice(0, n), close: this.c.slice(0, n), volume: this.v.slice(0, n) };
  }
}

/** The tick size of a symbol's instrument (the grid its prices are put on). */
export type TickFor = (symbol: string) => number;

/** Checks rows as `BarCollector` does, keeps none: rows inside from/to go on the grid and into the block. */
class StreamCollector extends BarCollector {
  readonly block: BarBlock;
  /** Output name per symbol index (a one-symbol file may be renamed by `--symbol`). */
  readonly names: string[] = [];
  private readonly rename: string | null;
  private readonly pick: string | null;
  private readonly tickFor: TickFor;
  private readonly round: ((p: number) => number)[] = [];
  /** Per symbol: decimals of a 10^-d tick (-1 for another tick), and the price its shortcut holds below. */
  private readonly places: number[] = [];
  private readonly exactBelow: number[] = [];
  readonly ticks: number[] = [];
  readonly moved: number[] = [];
  /** Per symbol index: bars kept, first and last kept timestamp (what the run covered). */
  readonly kept: number[] = [];
  readonly keptFirst: number[] = [];
  readonly keptLast: number[] = [];
  readonly thin: Thinner[] = [];
  /** Spacing counts of the interval symbol's kept bars (describeInterval, streamed). */
  private readonly intervalSymbol: string | null;
  private intervalLast = Number.NaN;
  private runDelta = Number.NaN;
  private runCount = 0;
  readonly spacings = new Map<number, number>();

  /** The symbols the plan read from the file (null for a file without a symbol column). */
  private readonly planned: readonly string[] | null;

  constructor(source: string, opts: LoadOptions, block: BarBlock, tickFor: TickFor, naming: { rename: string | null; pick: string | null; intervalSymbol: string | null; planned: readonly string[] | null }) {
    super(source, opts);
    this.planned = naming.planned;
    this.block = block;
    this.tickFor = tickFor;
    this.rename = naming.rename;
    this.pick = naming.pick;
    this.intervalSymbol = naming.intervalSymbol;
  }

  protected override newBuilder(symbol: string, _capacity: number, line: number): SeriesBuilder | null {
    // Instruments were built from the plan: a symbol it did not see has none (the file changed).
    if (this.planned !== null && !this.planned.includes(symbol)) {
      throw new DataError(this.source, line, `symbol ${symbol} was not in the file when the run was planned (it had ${this.planned.join(', ')}): the file changed since; start the run again`);
    }
    const name = this.rename ?? symbol;
    const tick = this.tickFor(name);
    this.names.push(name);
    this.ticks.push(tick);
    this.round.push(gridRounder(tick));
    this.places.push(decimalTickPlaces(tick));
    this.exactBelow.push(exactTicksBelow(tick));
    this.moved.push(0);
    this.kept.push(0);
    this.keptFirst.push(Number.NaN);
    this.keptLast.push(Number.NaN);
    this.thin.push(new Thinner());
    return null;
  }

  protected override keep(r: SymbolRows, ts: number, o: number, h: number, l: number, c: number, v: number, line: number, frac: number): void {
    if (this.pick !== null && r.symbol !== this.pick) return;
    const k = r.index;
    let qo = o, qh = h, ql = l, qc = c;
    // Prices written with no more decimals than a 10^-d tick are on its grid as read (grid.ts);
    // the checks passed, so every price is in (0, h].
    if (!(frac <= this.places[k]! && h < this.exactBelow[k]!)) {
      const round = this.round[k]!;
      qo = round(o); qh = round(h); ql = round(l); qc = round(c);
      if (qo !== o || qh !== h || ql !== l || qc !== c) this.offGrid(k, [o, h, l, c], [qo, qh, ql, qc], line);
    }
    if (r.symbol === this.intervalSymbol || (this.intervalSymbol === null && k === 0)) this.spacing(ts);
    if (this.kept[k]!++ === 0) this.keptFirst[k] = ts;
    this.keptLast[k] = ts;
    this.thin[k]!.push(ts, qo, qh, ql, qc, v);
    this.block.push(k, ts, qo, qh, ql, qc, v);
  }

  /** Each series of this file thinned for a chart, series order. */
  thinned(): ThinSeries[] {
    const out: ThinSeries[] = [];
    this.names.forEach((symbol, k) => {
      if (this.pick !== null && this.symbols()[k] !== this.pick) return;
      out.push(this.thin[k]!.series(symbol, this.source));
    });
    return out;
  }

  /** What each series of this file held, series order (`loadBars` gives only the picked one). */
  summaries(): SeriesSummary[] {
    const out: SeriesSummary[] = [];
    this.names.forEach((symbol, k) => {
      if (this.pick !== null && this.symbols()[k] !== this.pick) return;
      const n = this.kept[k]!;
      out.push({ symbol, source: this.source, length: n, first: n > 0 ? this.keptFirst[k]! : null, last: n > 0 ? this.keptLast[k]! : null });
    });
    return out;
  }

  /** As putOnGrid: count prices moved by more than float noise; refuse one that rounds to zero. */
  private offGrid(k: number, raw: number[], q: number[], line: number): void {
    const tick = this.ticks[k]!;
    for (let i = 0; i < 4; i++) {
      if (q[i] === raw[i]) continue;
      if (!(q[i]! > 0)) throw new DataError(this.source, line, `${this.names[k]} price ${raw[i]} rounds to ${q[i]} on the tick grid ${tick} of ${this.names[k]}: the tick size does not fit this data`);
      if (!isOnGrid(raw[i]!, tick)) this.moved[k]!++;
    }
  }

  private spacing(ts: number): void {
    const last = this.intervalLast;
    this.intervalLast = ts;
    if (last !== last) return;
    const d = ts - last;
    if (d === this.runDelta) { this.runCount++; return; }
    this.flushSpacing();
    this.runDelta = d;
    this.runCount = 1;
  }

  flushSpacing(): void {
    if (this.runCount > 0) this.spacings.set(this.runDelta, (this.spacings.get(this.runDelta) ?? 0) + this.runCount);
    this.runCount = 0;
    this.runDelta = Number.NaN;
  }
}

/** What a file will give, from its names alone (the quick pass). */
interface FilePlan {
  readonly path: string;
  /** Output symbols, first-seen order. */
  readonly symbols: string[];
  readonly rename: string | null;
  readonly pick: string | null;
  /** The symbols the file names, first-seen order (null without a symbol column). */
  readonly named: readonly string[] | null;
}

function namedSymbols(path: string): readonly string[] {
  const kind = barFileKind(path);
  if (kind === 'parquet') return parquetSymbols(path);
  return kind === 'csv' ? csvSymbols(new LineReader(fileBytes(path)), path) : jsonlSymbols(new LineReader(fileBytes(path)));
}

function planFile(path: string, opts: LoadOptions): FilePlan {
  const named = namedSymbols(path);
  if (named.length === 0) return { path, symbols: [opts.symbol ?? symbolFromFileName(path)], rename: null, pick: null, named: null };
  if (opts.symbol === undefined) return { path, symbols: [...named], rename: null, pick: null, named };
  if (named.length === 1) return { path, symbols: [opts.symbol], rename: opts.symbol, pick: null, named };
  if (!named.includes(opts.symbol)) throw new DataError(path, 0, notInFile(opts.symbol, named));
  return { path, symbols: [opts.symbol], rename: null, pick: opts.symbol, named };
}

class FileStream {
  readonly plan: FilePlan;
  readonly rows: StreamCollector;
  readonly block: BarBlock;
  private readonly reader: RowReader;
  pos = 0;
  ready = 0;
  private eof = false;

  constructor(plan: FilePlan, opts: LoadOptions, tickFor: TickFor, intervalFile: boolean, tuning: StreamTuning) {
    this.plan = plan;
    this.block = new BarBlock(tuning.blockRows);
    this.rows = new StreamCollector(plan.path, opts, this.block, tickFor, {
      rename: plan.rename, pick: plan.pick, intervalSymbol: intervalFile ? plan.pick : '\u0000none', planned: plan.named,
    });
    this.reader = openRowReader(plan.path, opts, this.rows, tuning.chunkBytes);
    try {
      this.refill();
    } catch (err) {
      this.reader.close();
      throw err;
    }
  }

  /** Timestamp of the next row, Infinity when done. */
  headTs(): number {
    return this.pos < this.ready ? this.block.ts[this.pos]! : Number.POSITIVE_INFINITY;
  }

  take(): Bar {
    const b = this.block;
    const i = this.pos++;
    const bar: Bar = { kind: 'bar', symbol: this.rows.names[b.sym[i]!]!, ts: b.ts[i]!, open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! };
    if (this.pos === this.ready) this.refill();
    return bar;
  }

  /** Rows this file should give in all (an estimate from the bytes read so far, for progress). */
  estimate(): number {
    const seen = this.rows.rows;
    const consumed = this.reader.consumed;
    if (this.eof || seen === 0 || consumed === 0) return seen;
    return Math.round((seen * this.reader.total) / consumed);
  }

  get done(): boolean {
    return this.eof && this.pos >= this.ready;
  }

  private refill(): void {
    const b = this.block;
    b.shift(this.pos);
    this.pos = 0;
    this.ready = 0;
    while (!this.eof) {
      const more = this.reader.pump(Math.max(16, b.capacity - b.n));
      if (!more) {
        this.eof = true;
        this.reader.close();
        if (this.rows.rows === 0) throw new DataError(this.plan.path, 0, 'no data rows');
        this.rows.flushSpacing();
        break;
      }
      if (b.groupStart > 0 && b.n >= b.capacity / 2) break;
    }
    this.ready = this.eof ? b.n : b.groupStart;
  }

  warnings(): string[] {
    const out: string[] = [];
    this.rows.moved.forEach((m, k) => {
      if (m > 0) out.push(`${this.plan.path}: ${m} prices were not on the ${this.rows.names[k]} tick grid (${this.rows.ticks[k]}) and were rounded to it`);
    });
    return out;
  }

  close(): void {
    this.reader.close();
  }
}

/** The pull feed over streamed files. */
export class StreamFeed implements PullFeed {
  readonly kind = 'pull' as const;
  private readonly files: FileStream[];
  private cur = -1;
  private emitted = 0;
  private readonly warningsOut: string[];
  private finished = false;

  constructor(files: FileStream[], warnings: string[]) {
    this.files = files;
    this.warningsOut = warnings;
    this.cur = this.scan();
    if (this.cur < 0) this.finish();
  }

  /** Bars expected in all (estimated while files are being read; exact at the end). */
  get size(): number {
    let n = 0;
    for (const f of this.files) n += f.estimate();
    return Math.max(n, this.emitted);
  }

  get position(): number {
    return this.emitted;
  }

  peekTime(): number {
    const k = this.cur;
    return k < 0 ? Number.POSITIVE_INFINITY : this.files[k]!.headTs();
  }

  next(): Bar {
    const k = this.cur;
    if (k < 0) throw new Error('StreamFeed.next() called on an exhausted feed');
    const bar = this.files[k]!.take();
    this.emitted++;
    this.cur = this.files.length === 1 ? (this.files[0]!.done ? -1 : 0) : this.scan();
    if (this.cur < 0) this.finish();
    return bar;
  }

  /** describeInterval of the first series, computed as its bars went by (NaN when under two). */
  intervalMs(): number {
    const counts = this.files[0]?.rows.spacings;
    return counts === undefined ? Number.NaN : medianSpacing(counts);
  }

  /** Per series (file order, then first-seen symbol order): symbol, file, bars, first and last time. */
  summaries(): SeriesSummary[] {
    return this.files.flatMap((f) => f.rows.summaries());
  }

  /** Every series thinned to at most 4,096 buckets (the price chart of a streamed run). */
  thinned(): ThinSeries[] {
    return this.files.flatMap((f) => f.rows.thinned());
  }

  /** Closes every file (a run stopped early). */
  close(): void {
    for (const f of this.files) f.close();
  }

  /** The file with the earliest next row; the first such on ties. */
  private scan(): number {
    let best = -1;
    let bt = Number.POSITIVE_INFINITY;
    const fs = this.files;
    for (let k = 0; k < fs.length; k++) {
      const t = fs[k]!.headTs();
      if (t < bt) { bt = t; best = k; }
    }
    return best;
  }

  /** The grid warnings, in file order as loadRunParts gives them, once every file is read. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const f of this.files) this.warningsOut.push(...f.warnings());
  }
}

/** Sizes (tests use tiny ones to cross every block and chunk boundary). */
export interface StreamTuning {
  readonly blockRows?: number;
  readonly chunkBytes?: number;
}

export interface BarStreamPlan {
  /** Every symbol the files will give, file order then first-seen order (the series order). */
  readonly symbols: string[];
  /** Opens the files (headers and first blocks are read and checked here) as one feed. */
  open(tickFor: TickFor, warnings: string[]): StreamFeed;
}

/**
 * Plans a stream over files: the quick pass for symbols happens here, so the caller can build
 * instruments before opening the feed.
 */
export function planBarStream(paths: readonly string[], opts: LoadOptions = {}, tuning: StreamTuning = {}): BarStreamPlan {
  const plans = paths.map((p) => planFile(p, opts));
  const symbols = [...new Set(plans.flatMap((p) => p.symbols))];
  return {
    symbols,
    open(tickFor, warnings) {
      const files: FileStream[] = [];
      try {
        plans.forEach((p, i) => files.push(new FileStream(p, opts, tickFor, i === 0, tuning)));
      } catch (err) {
        for (const f of files) f.close();
        throw err;
      }
      return new StreamFeed(files, warnings);
    },
  };
}
