/**
 * `parity data convert <in> <out>`: bars between CSV, JSONL and Parquet, streamed (a block of rows
 * at a time, whatever the file's length). Every row is checked on the way as `loadBars` checks
 * it, so a converted file is one parity reads back to the same bars; the output always carries a
 * symbol column, so it says what it holds whatever its name.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { ParquetWriter } from 'hyparquet-writer';
import { fileWriter } from 'hyparquet-writer/src/node.js';
import type { SchemaElement } from 'hyparquet';
import { BarCollector, type LoadOptions, type SymbolRows } from './collect.ts';
import { DataError } from './errors.ts';
import { barFileKind, openRowReader, type BarFileKind } from './load.ts';
import type { SeriesBuilder } from './series.ts';
import { formatTs } from './timestamps.ts';

export const WRITE_CODECS = ['snappy', 'gzip', 'brotli', 'uncompressed'] as const;
export type WriteCodec = (typeof WRITE_CODECS)[number];

export interface ConvertOptions extends LoadOptions {
  /** Parquet output compression (default snappy). */
  readonly codec?: WriteCodec;
  /** Rows per Parquet row group (default 1,000,000): the reader streams one group at a time. */
  readonly rowGroupRows?: number;
}

/** Where checked rows go, in file order. */
interface BarSink {
  row(symbol: string, ts: number, o: number, h: number, l: number, c: number, v: number): void;
  end(): void;
  /** Drop what was written (the input had an error). */
  abort(): void;
}

/** Checks rows as loadBars does and hands those inside from/to to a sink, keeping none. */
class PassCollector extends BarCollector {
  private readonly sink: BarSink;
  constructor(source: string, opts: LoadOptions, sink: BarSink) {
    super(source, opts);
    this.sink = sink;
  }
  protected override newBuilder(): SeriesBuilder | null {
    return null;
  }
  protected override keep(r: SymbolRows, ts: number, o: number, h: number, l: number, c: number, v: number): void {
    this.sink.row(r.symbol, ts, o, h, l, c, v);
  }
}

const CHUNK_ROWS = 65_536;

function textSink(path: string, kind: 'csv' | 'jsonl'): BarSink {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  let rows: string[] = kind === 'csv' ? ['timestamp,symbol,open,high,low,close,volume'] : [];
  const flush = (): void => { if (rows.length > 0) writeSync(fd, rows.join('\n') + '\n'); rows = []; };
  let open = true;
  return {
    row(symbol, ts, o, h, l, c, v) {
      rows.push(kind === 'csv'
        ? `${formatTs(ts)},${symbol},${o},${h},${l},${c},${v}`
        : `{"timestamp":"${formatTs(ts)}","symbol":${JSON.stringify(symbol)},"open":${o},"high":${h},"low":${l},"close":${c},"volume":${v}}`);
      if (rows.length === CHUNK_ROWS) flush();
    },
    end() { flush(); closeSync(fd); open = false; },
    abort() { if (open) { closeSync(fd); open = false; } },
  };
}

/** Bars as Parquet: timestamp as INT64 TIMESTAMP(MILLIS, UTC), prices and volume as DOUBLE, symbol as a string. */
export const BAR_PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 7 },
  { name: 'timestamp', type: 'INT64', repetition_type: 'REQUIRED', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } },
  { name: 'symbol', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED', converted_type: 'UTF8' },
  { name: 'open', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'high', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'low', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'close', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'volume', type: 'DOUBLE', repetition_type: 'REQUIRED' },
];

/** Compressors hyparquet-writer lacks (it has snappy), from Node's zlib. */
export const PARQUET_COMPRESSORS = {
  GZIP: (input: Uint8Array): Uint8Array => new Uint8Array(gzipSync(input)),
  BROTLI: (input: Uint8Array): Uint8Array => new Uint8Array(brotliCompressSync(input)),
};

/** hyparquet-writer pins its own hyparquet: the same SchemaElement shape under another module's name. */
type WriterSchema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];

function parquetSink(path: string, codec: WriteCodec, groupRows: number): BarSink {
  mkdirSync(dirname(path), { recursive: true });
  const writer = new ParquetWriter({
    writer: fileWriter(path), schema: BAR_PARQUET_SCHEMA as unknown as WriterSchema, codec: codec.toUpperCase() as 'SNAPPY', compressors: PARQUET_COMPRESSORS,
  });
  const cap = Math.max(1, Math.floor(groupRows));
  let n = 0;
  let ts: Float64Array = new Float64Array(Math.min(cap, CHUNK_ROWS));
  let cols: Float64Array[] = [new Float64Array(ts.length), new Float64Array(ts.length), new Float64Array(ts.length), new Float64Array(ts.length), new Float64Array(ts.length)];
  let sym: string[] = [];
  const grow = (): void => {
    const size = Math.min(cap, ts.length * 2);
    const g = (a: Float64Array): Float64Array => { const b = new Float64Array(size); b.set(a); return b; };
    ts = g(ts);
    cols = cols.map(g);
  };
  const flush = (): void => {
    if (n === 0) return;
    const cut = (a: Float64Array): Float64Array => a.subarray(0, n);
    void writer.write({
      rowGroupSize: n,
      columnData: [
        { name: 'timestamp', data: Array.from(cut(ts), (t) => BigInt(t)) },
        { name: 'symbol', data: sym },
        { name: 'open', data: cut(cols[0]!) }, { name: 'high', data: cut(cols[1]!) }, { name: 'low', data: cut(cols[2]!) },
        { name: 'close', data: cut(cols[3]!) }, { name: 'volume', data: cut(cols[4]!) },
      ],
    });
    n = 0;
    sym = [];
  };
  return {
    row(symbol, t, o, h, l, c, v) {
      if (n === ts.length) grow();
      ts[n] = t; cols[0]![n] = o; cols[1]![n] = h; cols[2]![n] = l; cols[3]![n] = c; cols[4]![n] = v;
      sym.push(symbol);
      n++;
      if (n === cap) flush();
    },
    end() { flush(); void writer.finish(); },
    abort() { /* the partial file is removed by the caller */ },
  };
}

/** Converts one bar file to another format (chosen by the output's extension); returns the rows written. */
export function convertBars(input: string, output: string, opts: ConvertOptions = {}): { rows: number; symbols: string[]; kind: BarFileKind } {
  const kind = barFileKind(output);
  const inKind = barFileKind(input);
  if (opts.codec !== undefined && !(WRITE_CODECS as readonly string[]).includes(opts.codec)) {
    throw new DataError(output, 0, `unknown codec '${opts.codec}': use ${WRITE_CODECS.join(', ')}`);
  }
  if (kind !== 'parquet' && opts.codec !== undefined) throw new DataError(output, 0, '--codec is for Parquet output only');
  if (inKind === kind && input === output) throw new DataError(output, 0, 'input and output are the same file');
  const sink = kind === 'parquet' ? parquetSink(output, opts.codec ?? 'snappy', opts.rowGroupRows ?? 1_000_000) : textSink(output, kind);
  let written = 0;
  const counted: BarSink = { row: (...a) => { written++; sink.row(...a); }, end: () => sink.end(), abort: () => sink.abort() };
  const rows = new PassCollector(input, opts, counted);
  try {
    const reader = openRowReader(input, opts, rows);
    try {
      while (reader.pump(CHUNK_ROWS)) { /* rows flow to the sink */ }
    } finally {
      reader.close();
    }
    if (rows.rows === 0) throw new DataError(input, 0, 'no data rows');
    counted.end();
  } catch (err) {
    counted.abort();
    rmSync(output, { force: true }); // no half-written file that looks like a good one
    throw err;
  }
  return { rows: written, symbols: rows.symbols(), kind };
}
