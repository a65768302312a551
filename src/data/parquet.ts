/**
 * Parquet bars (pandas, polars, DuckDB and Arrow write it by default), read one row group at a time
 * with hyparquet (pure JS, no native build) and hyparquet-compressors (snappy, gzip, zstd, brotli,
 * lz4). The engine's feed is synchronous, so the row group's column chunks are read with readSync
 * and decoded with hyparquet's synchronous `readColumn`, not its Promise-based `parquetRead`.
 *
 * Columns are found by name as in CSV (timestamp, open, high, low, close, volume, optional symbol;
 * any case; other columns are not read). Every row goes through the same checks as a CSV row, and
 * an error names the row: `bars.parquet:17: high 99.5 is below low 100.1` is the 17th row.
 *
 * Timestamps: a TIMESTAMP column (milli/micro/nanoseconds; sub-millisecond parts are truncated)
 * adjusted to UTC is taken as is; one that is not (pandas' naive datetime64) is wall time and
 * needs a zone (--tz), like a naive ISO string; integers follow the CSV rule (epoch ms; seconds and
 * micro/nanoseconds are refused); strings are read as in CSV.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ColumnChunk, FileMetaData, SchemaElement } from 'hyparquet';
import { createRequire } from 'node:module';
import type { Compressors } from 'hyparquet';
import type { BarCollector, LoadOptions } from './collect.ts';
import { DataError } from './errors.ts';
import { fileError } from './lines.ts';
import { parseDecimal } from './numbers.ts';
import { symbolFromFileName } from './symbol-name.ts';
import { TS_NAIVE, TS_SECONDS, TS_SUBMS, TS_UTC, formatTs, scanTimestamp, type TsKind, type TsScan } from './timestamps.ts';
import { timestampProblem } from './timestamp-problem.ts';

const NEEDED = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
export const PARQUET_CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4', 'LZ4_RAW'] as const;

interface Hyparquet {
  readonly parquetMetadata: typeof import('hyparquet').parquetMetadata;
  readonly parquetSchema: typeof import('hyparquet').parquetSchema;
  readonly readColumn: typeof import('hyparquet/src/column.js').readColumn;
  readonly getTreePath: typeof import('hyparquet/src/schema.js').getTreePath;
  /** Timestamps as epoch ms numbers, not Date objects (truncated toward zero, as ISO fractions are). */
  readonly parsers: typeof import('hyparquet/src/convert.js').DEFAULT_PARSERS;
}

/**
 * hyparquet, loaded on the first Parquet file: parity commands that read no Parquet (the console
 * among them) do not pay its import at start. A synchronous require of ES modules (Node 20.19+).
 */
let hyparquet: Hyparquet | null = null;
function hp(path: string): Hyparquet {
  if (hyparquet === null) {
    try {
      const req = createRequire(import.meta.url);
      const main = req('hyparquet') as typeof import('hyparquet');
      const convert = req('hyparquet/src/convert.js') as typeof import('hyparquet/src/convert.js');
      hyparquet = {
        parquetMetadata: main.parquetMetadata,
        parquetSchema: main.parquetSchema,
        readColumn: (req('hyparquet/src/column.js') as typeof import('hyparquet/src/column.js')).readColumn,
        getTreePath: (req('hyparquet/src/schema.js') as typeof import('hyparquet/src/schema.js')).getTreePath,
        parsers: {
          ...convert.DEFAULT_PARSERS,
          timestampFromMilliseconds: (v: bigint): number => Number(v),
          timestampFromMicroseconds: (v: bigint): number => Number(v / 1000n),
          timestampFromNanoseconds: (v: bigint): number => Number(v / 1_000_000n),
          dateFromDays: (d: number): number => d * 86_400_000,
        },
      };
    } catch (err) {
      throw new DataError(path, 0, `cannot load the Parquet reader (hyparquet): ${err instanceof Error ? err.message : String(err)}; reading Parquet needs Node 20.19 or later`);
    }
  }
  return hyparquet;
}

type Column = ArrayLike<unknown>;

/**
 * gzip, zstd, brotli and lz4 from hyparquet-compressors, loaded on the first file that needs them:
 * importing them costs ~130 ms (a WebAssembly snappy among them), which every parity command would
 * pay at start otherwise. hyparquet decodes snappy itself. The reader is synchronous, so this is a
 * require of an ES module (Node 20.19 and later).
 */
let decompressors: Compressors | null = null;
function codecsFor(path: string): Compressors {
  if (decompressors === null) {
    try {
      decompressors = (createRequire(import.meta.url)('hyparquet-compressors') as { compressors: Compressors }).compressors;
    } catch (err) {
      throw new DataError(path, 0, `cannot load the Parquet decompressors (hyparquet-compressors): ${err instanceof Error ? err.message : String(err)}; ` +
        'reading gzip, zstd, brotli or lz4 Parquet needs Node 20.19 or later (or rewrite the file with snappy)');
    }
  }
  return decompressors;
}

interface FileHandle {
  readonly fd: number;
  readonly size: number;
}

function readAt(path: string, h: FileHandle, start: number, end: number): Uint8Array {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  try {
    while (got < buf.length) {
      const n = readSync(h.fd, buf, got, buf.length - got, start + got);
      if (n === 0) throw new DataError(path, 0, `the file ends at byte ${start + got}, inside a column chunk: the Parquet file is truncated`);
      got += n;
    }
  } catch (err) {
    throw err instanceof DataError ? err : fileError(path, err);
  }
  return buf;
}

/** The footer: schema and row groups. */
function readMetadata(path: string, h: FileHandle): FileMetaData {
  if (h.size < 12) throw new DataError(path, 0, 'not a Parquet file (too short)');
  const tail = readAt(path, h, h.size - 8, h.size);
  const magic = Buffer.from(tail.subarray(4)).toString('latin1');
  if (magic !== 'PAR1') throw new DataError(path, 0, 'not a Parquet file (no PAR1 footer): check the file was written completely, or give it the extension of its real format');
  const len = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (len + 8 > h.size) throw new DataError(path, 0, 'the Parquet footer is damaged (metadata longer than the file)');
  const footer = readAt(path, h, h.size - 8 - len, h.size);
  try {
    const h2 = hp(path);
    return h2.parquetMetadata(footer, { parsers: h2.parsers });
  } catch (err) {
    throw new DataError(path, 0, `the Parquet footer cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class ParquetBarReader {
  readonly source: string;
  readonly namesSymbols: boolean;
  private readonly h: FileHandle;
  private readonly meta: FileMetaData;
  private readonly rows: BarCollector;
  /** Column index in the row group's chunks, by role; -1 for an absent symbol column. */
  private readonly col: Record<(typeof NEEDED)[number] | 'symbol', number>;
  private readonly tsElement: SchemaElement;
  private readonly fixed: string;
  private readonly scan: TsScan = { ms: 0 };
  private group = 0;
  /** The current row group's columns, and the next row in it. */
  private cols: Column[] | null = null;
  private groupRows = 0;
  private at = 0;
  /** Rows before the current group (row numbers in errors are 1-based over the file). */
  private rowBase = 0;
  private closed = false;
  private readonly total: number;

  constructor(path: string, opts: LoadOptions, rows: BarCollector) {
    this.source = path;
    this.rows = rows;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fileError(path, err);
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new DataError(path, 0, 'is a directory, not a bar file');
      this.h = { fd, size: st.size };
      this.meta = readMetadata(path, this.h);
      const top = this.meta.schema.slice(1).map((e) => e.name);
      const byName = new Map<string, number>();
      top.forEach((n, i) => { const k = n.toLowerCase(); if (!byName.has(k)) byName.set(k, i); });
      const missing = NEEDED.filter((n) => !byName.has(n));
      if (missing.length > 0) {
        throw new DataError(path, 0, `Parquet file is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it has ${top.join(', ')}): ` +
          'name the columns timestamp, open, high, low, close, volume (and symbol for several symbols), e.g. df.rename(columns={...}).to_parquet(...)');
      }
      const leaf = (name: string): number => {
        const i = byName.get(name)!;
        const el = this.meta.schema[1 + i]!;
        if (el.num_children !== undefined && el.num_children > 0) throw new DataError(path, 0, `Parquet column ${el.name} is nested (a struct or list): bar columns must be plain values`);
        return i;
      };
      this.col = {
        timestamp: leaf('timestamp'), open: leaf('open'), high: leaf('high'), low: leaf('low'), close: leaf('close'), volume: leaf('volume'),
        symbol: byName.has('symbol') ? leaf('symbol') : -1,
      };
      this.tsElement = this.meta.schema[1 + this.col.timestamp]!;
      this.namesSymbols = this.col.symbol >= 0;
      this.fixed = opts.symbol ?? symbolFromFileName(path);
      this.total = Number(this.meta.num_rows);
      // Refuse a codec parity cannot decode before reading a single row.
      for (const rg of this.meta.row_groups) {
        for (const k of Object.values(this.col)) {
          if (k < 0) continue;
          const codec = rg.columns[k]?.meta_data?.codec ?? 'UNCOMPRESSED';
          if (!(PARQUET_CODECS as readonly string[]).includes(codec)) {
            throw new DataError(path, 0, `Parquet column ${top[k]} is compressed with ${codec}, which parity cannot read (it reads ${PARQUET_CODECS.join(', ')}): ` +
              "rewrite the file with another codec, e.g. df.to_parquet(path, compression='zstd') or parity data convert from a CSV");
          }
        }
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Rows handed to the collector so far (progress: rows, not bytes, for this format). */
  get consumed(): number {
    return this.rowBase + this.at;
  }

  /** Rows in the file, from the footer. */
  get size(): number {
    return this.total;
  }

  pump(maxRows: number): boolean {
    if (this.closed) return false;
    let n = 0;
    while (n < maxRows) {
      if (this.cols === null || this.at >= this.groupRows) {
        if (this.cols !== null) { this.rowBase += this.groupRows; this.cols = null; }
        if (this.group >= this.meta.row_groups.length) {
          if (this.rowBase === 0) throw new DataError(this.source, 0, 'no data rows');
          this.close();
          return false;
        }
        this.loadGroup(this.group++);
        continue;
      }
      const take = Math.min(maxRows - n, this.groupRows - this.at);
      this.rowsOf(this.at, this.at + take);
      this.at += take;
      n += take;
    }
    return true;
  }

  close(): void {
    if (!this.closed) { this.closed = true; closeSync(this.h.fd); }
  }

  /** The distinct symbols of the symbol column, first-seen order (empty without one); reads only that column. */
  symbolsOnly(): string[] {
    const out: string[] = [];
    if (!this.namesSymbols) return out;
    const seen = new Set<string>();
    for (let g = 0; g < this.meta.row_groups.length; g++) {
      this.loadGroup(g, true);
      const sCol = this.cols![6]!;
      let last = '';
      for (let i = 0; i < sCol.length; i++) {
        const s = sCol[i];
        if (typeof s !== 'string' || s === last) continue;
        last = s;
        const t = s.trim();
        if (t !== '' && !seen.has(t)) { seen.add(t); out.push(t); }
      }
    }
    this.cols = null;
    return out;
  }

  private loadGroup(g: number, symbolOnly = false): void {
    const rg = this.meta.row_groups[g]!;
    const groupRows = Number(rg.num_rows);
    const lib = hp(this.source);
    const tree = lib.parquetSchema(this.meta);
    const read = (k: number): Column => {
      if (k < 0) return [];
      const chunk = rg.columns[k] as ColumnChunk;
      const meta = chunk.meta_data;
      if (meta === undefined) throw new DataError(this.source, 0, `row group ${g + 1} has no metadata for column ${k + 1}: the file is damaged or encrypted`);
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
      const bytes = readAt(this.source, this.h, start, start + Number(meta.total_compressed_size));
      const schemaPath = lib.getTreePath(tree, meta.path_in_schema);
      const decoder = {
        pathInSchema: meta.path_in_schema,
        element: schemaPath[schemaPath.length - 1]!.element,
        schemaPath,
        ...meta,
        parsers: lib.parsers,
        ...(meta.codec === 'UNCOMPRESSED' || meta.codec === 'SNAPPY' ? {} : { compressors: codecsFor(this.source) }),
      };
      try {
        const { data } = lib.readColumn({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 },
          { groupStart: 0, selectStart: 0, selectEnd: groupRows, groupRows }, decoder);
        if (data.length === 1) return data[0] as Column;
        const out: unknown[] = [];
        for (const d of data) for (let i = 0; i < d.length; i++) out.push(d[i]);
        return out;
      } catch (err) {
        throw new DataError(this.source, 0, `row group ${g + 1}, column ${meta.path_in_schema.join('.')}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const c = this.col;
    this.cols = symbolOnly ? [[], [], [], [], [], [], read(c.symbol)]
      : [read(c.timestamp), read(c.open), read(c.high), read(c.low), read(c.close), read(c.volume), read(c.symbol)];
    this.groupRows = groupRows;
    this.at = 0;
  }

  private rowsOf(from: number, to: number): void {
    const [tsCol, oCol, hCol, lCol, cCol, vCol, sCol] = this.cols!;
    const rows = this.rows;
    const zone = rows.zone;
    const lt = this.tsElement.logical_type;
    const ct = this.tsElement.converted_type;
    const typedTs = (lt?.type === 'TIMESTAMP') || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || this.tsElement.type === 'INT96' || ct === 'DATE';
    const naiveTyped = typedTs && ((lt?.type === 'TIMESTAMP' && !lt.isAdjustedToUTC) || ct === 'DATE');
    const hasSym = sCol!.length > 0;
    for (let i = from; i < to; i++) {
      const line = this.rowBase + i + 1;
      let symbol = this.fixed;
      if (hasSym) {
        const s = sCol![i];
        if (typeof s !== 'string' || s.trim() === '') throw new DataError(this.source, line, 'symbol is empty');
        symbol = s.trim();
      }
      const o = this.num('open', oCol![i], line), h = this.num('high', hCol![i], line), l = this.num('low', lCol![i], line);
      const c = this.num('close', cCol![i], line), v = this.num('volume', vCol![i], line);
      const raw = tsCol![i];
      let ts: number;
      let kind: TsKind;
      let shown: string;
      if (typedTs) {
        if (typeof raw !== 'number') throw new DataError(this.source, line, 'timestamp is empty');
        ts = raw;
        kind = naiveTyped ? TS_NAIVE : TS_UTC;
        shown = formatTs(raw).replace(/Z$/, '');
      } else if (typeof raw === 'number' || typeof raw === 'bigint') {
        const x = Number(raw);
        shown = String(raw);
        ts = x;
        if (!Number.isInteger(x) || x < 0) throw new DataError(this.source, line, `timestamp ${shown} is not a whole, non-negative number of epoch milliseconds`);
        kind = x >= 1e8 && x < 1e10 ? TS_SECONDS : x >= 1e14 ? TS_SUBMS : TS_UTC;
      } else if (typeof raw === 'string') {
        shown = raw.trim();
        kind = scanTimestamp(raw, 0, raw.length, this.scan);
        ts = this.scan.ms;
      } else {
        throw new DataError(this.source, line, 'timestamp is empty');
      }
      if (kind !== TS_UTC) {
        if (kind === TS_NAIVE && zone !== null) {
          ts = zone.toUtc(ts, rows.previousTs(symbol));
          if (ts !== ts) throw new DataError(this.source, line, `timestamp '${shown}' does not exist in ${zone.zone} (skipped by a daylight-saving change)`);
        } else {
          throw new DataError(this.source, line, timestampProblem(shown, kind, ts));
        }
      }
      rows.add(symbol, ts, o, h, l, c, v, line);
    }
  }

  private num(name: string, x: unknown, line: number): number {
    const n = typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : typeof x === 'string' ? parseDecimal(x, 0, x.length) : Number.NaN;
    if (Number.isFinite(n)) return n;
    if (x === null || x === undefined) throw new DataError(this.source, line, `${name} is empty`);
    throw new DataError(this.source, line, `${name} '${String(x)}' is not a number`);
  }
}

/** The distinct symbols of a Parquet file's symbol column, first-seen order (empty without one). */
export function parquetSymbols(path: string): string[] {
  // The collector is never called: only the symbol column is read, rows are checked by the reading pass.
  const r = new ParquetBarReader(path, {}, null as unknown as BarCollector);
  try {
    return r.symbolsOnly();
  } finally {
    r.close();
  }
}

/** Whether a Parquet file has a symbol column (footer only); null when it cannot be read. */
export function parquetNamesSymbol(path: string): boolean | null {
  try {
    const r = new ParquetBarReader(path, {}, null as unknown as BarCollector);
    r.close();
    return r.namesSymbols;
  } catch {
    return null;
  }
}
