/**
 * Where parsed rows go: the checks every bar must pass, the time-order rules, the from/to window
 * and the grouping by symbol. Shared by the CSV and JSONL readers so both refuse the same things
 * with the same words.
 */
import { DataError } from './errors.ts';
import { SeriesBuilder, type BarSeries } from './series.ts';
import { formatTs } from './timestamps.ts';
import { ZoneConverter } from './zone.ts';

/** `frac` of a row whose prices were not read from their digits (any grid must round them). */
export const NO_FRAC = 99;

export interface LoadOptions {
  /** IANA zone for naive timestamps (no offset in the file). Timestamps with an offset ignore it. */
  readonly tz?: string;
  /**
   * Symbol for a file without a symbol column (wins over the file name), the new name of a file
   * whose symbol column holds one symbol, or the one symbol to keep from a multi-symbol file.
   */
  readonly symbol?: string;
  /** Keep bars with ts >= from (epoch ms). */
  readonly from?: number;
  /** Keep bars with ts < to (epoch ms). */
  readonly to?: number;
}

/** One symbol's state while a file is read: its order check, and its columns (series mode). */
export class SymbolRows {
  readonly symbol: string;
  /** First-seen order in the file: the series order, and the tie order of equal timestamps. */
  readonly index: number;
  /** Last timestamp and its line, over every row of the symbol (kept or filtered out). */
  lastTs = Number.NEGATIVE_INFINITY;
  lastLine = 0;
  /** The columns, when the collector keeps series (null when it streams). */
  readonly builder: SeriesBuilder | null;

  constructor(symbol: string, index: number, builder: SeriesBuilder | null) {
    this.symbol = symbol;
    this.index = index;
    this.builder = builder;
  }
}

export class BarCollector {
  readonly source: string;
  readonly zone: ZoneConverter | null;
  private readonly from: number;
  private readonly to: number;
  protected readonly bySymbol = new Map<string, SymbolRows>();
  protected readonly order: SymbolRows[] = [];
  private current: SymbolRows | null = null;
  private readonly capacityHint: number;
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastLine = 0;
  private lastSymbol = '';
  rows = 0;

  constructor(source: string, opts: LoadOptions, capacityHint = 1024) {
    this.source = source;
    this.from = opts.from ?? Number.NEGATIVE_INFINITY;
    this.to = opts.to ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(this.from) || Number.isNaN(this.to)) throw new DataError(source, 0, 'from/to must be epoch milliseconds, got NaN');
    if (this.from >= this.to) throw new DataError(source, 0, `empty window: from ${formatTs(this.from)} is not before to ${formatTs(this.to)}`);
    this.capacityHint = capacityHint;
    if (opts.tz === undefined) this.zone = null;
    else {
      try {
        this.zone = new ZoneConverter(opts.tz);
      } catch (err) {
        throw new DataError(source, 0, err instanceof Error ? err.message : String(err));
      }
    }
  }

  fail(line: number, problem: string): never {
    throw new DataError(this.source, line, problem);
  }

  /** The rows of a symbol, the last one's without a map lookup (files come in runs of one symbol). */
  rowsFor(symbol: string, line = 0): SymbolRows {
    const cur = this.current;
    if (cur !== null && cur.symbol === symbol) return cur;
    let r = this.bySymbol.get(symbol);
    if (r === undefined) {
      r = new SymbolRows(symbol, this.order.length, this.newBuilder(symbol, this.order.length === 0 ? this.capacityHint : 1024, line));
      this.bySymbol.set(symbol, r);
      this.order.push(r);
    }
    this.current = r;
    return r;
  }

  /** The columns a new symbol's rows go to (first seen on `line`); a streaming collector keeps none. */
  protected newBuilder(symbol: string, capacity: number, _line: number): SeriesBuilder | null {
    return new SeriesBuilder(symbol, capacity);
  }

  /**
   * A checked row inside from/to: kept in the symbol's columns (a streaming collector overrides).
   * `frac` is the most decimal places any of the four prices was written with, when the reader
   * parsed them exactly from their digits (NO_FRAC otherwise): a grid of 10^-d holds them as read
   * when frac <= d.
   */
  protected keep(r: SymbolRows, ts: number, o: number, h: number, l: number, c: number, v: number, _line: number, _frac: number): void {
    r.builder!.push(ts, o, h, l, c, v);
  }

  /** The previous timestamp of a symbol: a zone resolves a repeated DST hour against it. */
  previousTs(symbol: string): number {
    return this.rowsFor(symbol).lastTs;
  }

  /** One row, values already parsed to numbers (NaN checks are the reader's, it knows the text). */
  add(symbol: string, ts: number, o: number, h: number, l: number, c: number, v: number, line: number, frac: number = NO_FRAC): void {
    // One test for a good bar (l > 0 and l <= o, c <= h make every price positive); the words of
    // the first failed check otherwise, in the order they have always been checked.
    if (!(l > 0 && v >= 0 && o >= l && o <= h && c >= l && c <= h)) this.refuse(o, h, l, c, v, line);

    const r = this.rowsFor(symbol, line);
    if (!(ts > r.lastTs)) {
      if (ts === r.lastTs) this.fail(line, `duplicate timestamp ${formatTs(ts)} for ${symbol} (also on line ${r.lastLine})`);
      this.fail(line, `timestamp ${formatTs(ts)} for ${symbol} is before ${formatTs(r.lastTs)} on line ${r.lastLine}: rows must be in increasing time order`);
    }
    if (ts < this.lastTs) {
      this.fail(line, `timestamp ${formatTs(ts)} (${symbol}) is before ${formatTs(this.lastTs)} on line ${this.lastLine} (${this.lastSymbol}): a file with several symbols must be sorted by time`);
    }
    r.lastTs = ts;
    r.lastLine = line;
    if (ts !== this.lastTs) { this.lastTs = ts; this.lastLine = line; this.lastSymbol = symbol; }
    this.rows++;
    if (ts >= this.from && ts < this.to) this.keep(r, ts, o, h, l, c, v, line, frac);
  }

  /** The problem with a bar that is not a good one. */
  private refuse(o: number, h: number, l: number, c: number, v: number, line: number): never {
    if (!(o > 0)) this.fail(line, `open ${o} is not a positive price`);
    if (!(h > 0)) this.fail(line, `high ${h} is not a positive price`);
    if (!(l > 0)) this.fail(line, `low ${l} is not a positive price`);
    if (!(c > 0)) this.fail(line, `close ${c} is not a positive price`);
    if (!(v >= 0)) this.fail(line, `volume ${v} is negative`);
    if (h < l) this.fail(line, `high ${h} is below low ${l}`);
    if (o < l || o > h) this.fail(line, `open ${o} is outside the bar's range [low ${l}, high ${h}]`);
    if (c < l || c > h) this.fail(line, `close ${c} is outside the bar's range [low ${l}, high ${h}]`);
    throw new Error('unreachable: a bar failed the combined check but none of the single ones');
  }

  symbols(): string[] {
    return this.order.map((r) => r.symbol);
  }

  /**
   * The series, first-seen symbol order; a symbol whose rows all fall outside from/to gives an
   * empty series. With a symbol column (`fixedSymbol` false), `symbol` renames a file holding one
   * symbol, or keeps only that symbol of a file holding several.
   */
  finish(opts: { symbol?: string | undefined; fixedSymbol: boolean }): BarSeries[] {
    if (this.rows === 0) this.fail(0, 'no data rows');
    const all = this.order;
    if (opts.symbol === undefined || opts.fixedSymbol) return all.map((r) => r.builder!.build(this.source));
    if (all.length === 1) return [all[0]!.builder!.build(this.source, opts.symbol)];
    const pick = this.bySymbol.get(opts.symbol);
    if (pick === undefined) this.fail(0, notInFile(opts.symbol, this.symbols()));
    return [pick.builder!.build(this.source)];
  }
}

/** The words for `--symbol X` on a multi-symbol file without X. */
export function notInFile(symbol: string, has: readonly string[]): string {
  return `symbol ${symbol} is not in the file (it has ${has.join(', ')})`;
}
