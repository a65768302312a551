/**
 * Bars from a file: the reader is chosen by extension, every row is checked, the result is one
 * columnar series per symbol. Errors are `DataError`s naming the file and line. The file is read
 * in chunks of bytes (csv-bytes.ts, jsonl.ts, parquet.ts), never as one string, so the size of a
 * file is limited by the memory its bars take, not by V8's longest string.
 */
import { extname } from 'node:path';
import type { BarSeries } from './series.ts';
import { BarCollector, type LoadOptions } from './collect.ts';
import { DataError } from './errors.ts';
import { CsvByteReader } from './csv-bytes.ts';
import { JsonlByteReader } from './jsonl.ts';
import { LineReader, fileBytes } from './lines.ts';
import { ParquetBarReader } from './parquet.ts';

export type { LoadOptions } from './collect.ts';

export const BAR_FILE_TYPES = ['.csv', '.jsonl', '.ndjson', '.parquet'] as const;
export type BarFileKind = 'csv' | 'jsonl' | 'parquet';

/** The format of a path, by extension (case-insensitive), or an error listing what is accepted. */
export function barFileKind(path: string): BarFileKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new DataError(path, 0, `unsupported file type '${ext || '(none)'}': bar files must be ${BAR_FILE_TYPES.join(', ')}`);
}

/** A reader of one file's rows into a collector, a chunk at a time. */
export interface RowReader {
  /** Up to `maxRows` rows into the collector; false once the file is done. */
  pump(maxRows: number): boolean;
  /** Bytes (or, for Parquet, a proportional measure) read so far, for progress. */
  readonly consumed: number;
  /** What `consumed` reaches at the end (file bytes; rows for Parquet). */
  readonly total: number;
  /** True when the file names its symbols (a symbol column or field). */
  readonly namesSymbols: boolean;
  close(): void;
}

/** Opens the reader for a file (the header or footer is read and checked here). */
export function openRowReader(path: string, opts: LoadOptions, rows: BarCollector, chunkBytes?: number): RowReader {
  const kind = barFileKind(path);
  if (kind === 'parquet') {
    const r = new ParquetBarReader(path, opts, rows);
    return { pump: (n) => r.pump(n), get consumed() { return r.consumed; }, total: r.size, namesSymbols: r.namesSymbols, close: () => r.close() };
  }
  const lines = new LineReader(fileBytes(path), chunkBytes);
  try {
    if (kind === 'csv') {
      const r = new CsvByteReader(lines, path, opts, rows);
      return { pump: (n) => r.pump(n), get consumed() { return r.consumed; }, total: lines.size, namesSymbols: r.hasSymbol, close: () => r.close() };
    }
    const r = new JsonlByteReader(lines, path, opts, rows);
    return { pump: (n) => r.pump(n), get consumed() { return r.consumed; }, total: lines.size, get namesSymbols() { return r.withSymbol === true; }, close: () => r.close() };
  } catch (err) {
    lines.close();
    throw err;
  }
}

/**
 * Load bars from a .csv, .jsonl, .ndjson or .parquet file.
 * - `tz`: IANA zone for timestamps without an offset (otherwise those are refused).
 * - `symbol`: names a single-symbol file's series (wins over the file name), or picks one symbol
 *   from a multi-symbol file.
 * - `from` / `to`: epoch ms window, from inclusive, to exclusive (rows outside are still checked;
 *   a symbol with no rows inside gives an empty series).
 */
export function loadBars(path: string, opts: LoadOptions = {}): BarSeries[] {
  const rows = new BarCollector(path, opts);
  const reader = openRowReader(path, opts, rows);
  try {
    while (reader.pump(1 << 20)) { /* every row */ }
  } finally {
    reader.close();
  }
  return rows.finish({ symbol: opts.symbol, fixedSymbol: !reader.namesSymbols });
}
