/**
 * The canonical bar CSV: `timestamp,open,high,low,close,volume`, ISO timestamps with Z, numbers in
 * their shortest exact form (`String(x)`, which `parseDecimal` reads back to the same double).
 * With several series (or `symbolColumn`) a `symbol` column is added and rows are merged by time
 * (ties in the order given), which `loadBars` reads back to the same series.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BarSeries } from './series.ts';
import { SeriesFeed } from './feed.ts';
import { formatTs } from './timestamps.ts';

const CHUNK_ROWS = 65_536;

export interface CsvWriteOptions {
  /** Write the symbol column even for one series, so the file says what it holds whatever its name. */
  readonly symbolColumn?: boolean;
}

function* csvChunks(series: BarSeries | readonly BarSeries[], opts: CsvWriteOptions = {}): Generator<string> {
  const list: readonly BarSeries[] = Array.isArray(series) ? (series as readonly BarSeries[]) : [series as BarSeries];
  const multi = list.length > 1 || opts.symbolColumn === true;
  yield multi ? 'timestamp,symbol,open,high,low,close,volume\n' : 'timestamp,open,high,low,close,volume\n';
  // Rows are gathered in an array and joined per chunk: a flat string, not a rope of a million pieces.
  let rows: string[] = [];
  const flush = (): string => { const s = rows.join('\n') + '\n'; rows = []; return s; };
  if (!multi) {
    const s = list[0];
    for (let i = 0; s !== undefined && i < s.length; i++) {
      rows.push(formatTs(s.ts[i]!) + ',' + s.open[i]! + ',' + s.high[i]! + ',' + s.low[i]! + ',' + s.close[i]! + ',' + s.volume[i]!);
      if (rows.length === CHUNK_ROWS) yield flush();
    }
  } else {
    const feed = new SeriesFeed(list);
    while (feed.peekTime() !== Number.POSITIVE_INFINITY) {
      const b = feed.next();
      rows.push(formatTs(b.ts) + ',' + b.symbol + ',' + b.open + ',' + b.high + ',' + b.low + ',' + b.close + ',' + b.volume);
      if (rows.length === CHUNK_ROWS) yield flush();
    }
  }
  if (rows.length > 0) yield flush();
}

/** The CSV as one string (tests, benchmarks that time the parse without disk I/O). */
export function formatCsv(series: BarSeries | readonly BarSeries[], opts: CsvWriteOptions = {}): string {
  return [...csvChunks(series, opts)].join('');
}

/** Write the CSV, creating the directory if needed; written in chunks (a million rows is ~65 MB). */
export function writeCsv(series: BarSeries | readonly BarSeries[], path: string, opts: CsvWriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    for (const c of csvChunks(series, opts)) writeSync(fd, c);
  } finally {
    closeSync(fd);
  }
}
