import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadBars } from '../../src/data/load.ts';
import { synthBars } from '../../src/data/synth.ts';
import { writeCsv } from '../../src/data/csv-write.ts';
import { planBarStream } from '../../src/data/stream.ts';
import { convertBars } from '../../src/data/convert.ts';
import type { BarSeries } from '../../src/data/series.ts';
import { expectDataError } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'parity-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Col = { name: string; data: unknown[] | Float64Array | BigInt64Array; type?: string };
type Opts = { codec?: string; compressors?: Record<string, (b: Uint8Array) => Uint8Array>; rowGroupSize?: number; schema?: unknown[] };

function writeParquet(name: string, columnData: Col[], opts: Opts = {}): string {
  const path = join(dir, name);
  const buf = parquetWriteBuffer({ columnData, rowGroupSize: 40, ...opts } as unknown as Parameters<typeof parquetWriteBuffer>[0]);
  writeFileSync(path, Buffer.from(buf));
  return path;
}

const nanosUtc = { type: 'INT64', repetition_type: 'REQUIRED', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } };
const dbl = (name: string) => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' });
const pandasSchema = (ts: object, withSymbol: boolean) => [
  { name: 'schema', num_children: withSymbol ? 7 : 6 },
  { name: 'timestamp', ...ts },
  ...(withSymbol ? [{ name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }] : []),
  dbl('open'), dbl('high'), dbl('low'), dbl('close'), dbl('volume'),
];

/** The bars of series as pandas would write them: datetime64[ns, UTC] and float64 columns. */
function pandasColumns(list: BarSeries[]): Col[] {
  const rows: { s: BarSeries; i: number }[] = [];
  for (const s of list) for (let i = 0; i < s.length; i++) rows.push({ s, i });
  rows.sort((a, b) => a.s.ts[a.i]! - b.s.ts[b.i]!);
  const col = (f: (r: { s: BarSeries; i: number }) => number) => rows.map(f);
  return [
    { name: 'timestamp', data: rows.map((r) => BigInt(r.s.ts[r.i]!) * 1_000_000n) },
    ...(list.length > 1 ? [{ name: 'symbol', data: rows.map((r) => r.s.symbol) }] : []),
    { name: 'open', data: col((r) => r.s.open[r.i]!) }, { name: 'high', data: col((r) => r.s.high[r.i]!) },
    { name: 'low', data: col((r) => r.s.low[r.i]!) }, { name: 'close', data: col((r) => r.s.close[r.i]!) },
    { name: 'volume', data: col((r) => r.s.volume[r.i]!) },
  ];
}

const a = synthBars({ bars: 300, seed: 5, symbol: 'BTC-USD' });
const b = synthBars({ bars: 200, seed: 6, symbol: 'ETH-USD', start: Date.UTC(2024, 0, 1, 0, 30) });

function drain(plan: ReturnType<typeof planBarStream>): unknown[] {
  const feed = plan.open(() => 0.01, []);
  const out: unknown[] = [];
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) out.push(feed.next());
  return out;
}

describe('Parquet input', () => {
  it('reads a pandas-style file (ns UTC timestamps, several row groups) to exactly the bars of the CSV path', () => {
    const csv = join(dir, 'two.csv');
    writeCsv([a, b], csv);
    const pq = writeParquet('two.parquet', pandasColumns([a, b]), { schema: pandasSchema(nanosUtc, true) });
    const fromCsv = loadBars(csv);
    const fromPq = loadBars(pq).map((s) => ({ ...s, source: csv }));
    expect(fromPq).toEqual(fromCsv);
    expect(drain(planBarStream([pq]))).toEqual(drain(planBarStream([csv])));
    expect(planBarStream([pq]).symbols).toEqual(['BTC-USD', 'ETH-USD']);
  });

  const zstdCli = existsSync('/usr/bin/zstd') || existsSync('/usr/local/bin/zstd');
  const codecs: [string, ((x: Uint8Array) => Uint8Array) | undefined][] = [
    ['UNCOMPRESSED', undefined], ['SNAPPY', undefined],
    ['GZIP', (x) => new Uint8Array(gzipSync(x))],
    ['BROTLI', (x) => new Uint8Array(brotliCompressSync(x))],
    ...(zstdCli ? [['ZSTD', (x: Uint8Array) => new Uint8Array(execFileSync('zstd', ['-q', '-c'], { input: x }))] as [string, (x: Uint8Array) => Uint8Array]] : []),
  ];
  for (const [codec, compress] of codecs) {
    it(`reads a ${codec} file (written by the test)`, () => {
      const pq = writeParquet(`BTC-USD_${codec}.parquet`, pandasColumns([a]), { schema: pandasSchema(nanosUtc, false), codec, ...(compress ? { compressors: { [codec]: compress } } : {}) });
      const [s] = loadBars(pq);
      expect(s!.symbol).toBe('BTC-USD');
      expect(s!.close).toEqual(a.close);
      expect(s!.ts).toEqual(a.ts);
    });
  }

  it('refuses a codec it cannot decode, saying what to do', () => {
    const pq = writeParquet('lzo.parquet', pandasColumns([a]), { schema: pandasSchema(nanosUtc, false), codec: 'LZO', compressors: { LZO: (x) => x } });
    expectDataError(() => loadBars(pq), pq, 0, /compressed with LZO, which parity cannot read .*rewrite the file with another codec/);
  });

  it('refuses a file missing a column, naming it and what the file has', () => {
    const cols = pandasColumns([a]).filter((c) => c.name !== 'volume');
    const pq = writeParquet('novol.parquet', cols, { schema: pandasSchema(nanosUtc, false).filter((e) => (e as { name: string }).name !== 'volume').map((e, i) => (i === 0 ? { name: 'schema', num_children: 5 } : e)) });
    expectDataError(() => loadBars(pq), pq, 0, 'Parquet file is missing column volume (it has timestamp, open, high, low, close)');
  });

  it('names the row of a bad bar, with the words the CSV reader uses', () => {
    const cols = pandasColumns([a]);
    (cols[2]!.data as number[])[2] = 1; // high of row 3 below its low
    const pq = writeParquet('bad.parquet', cols, { schema: pandasSchema(nanosUtc, false) });
    expectDataError(() => loadBars(pq), pq, 3, `high 1 is below low ${a.low[2]}`);
  });

  it('naive timestamps (pandas without tz) need --tz, as naive ISO text does', () => {
    const naive = { ...nanosUtc, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' } };
    const pq = writeParquet('naive.parquet', pandasColumns([a]), { schema: pandasSchema(naive, false) });
    expectDataError(() => loadBars(pq), pq, 1, "has no UTC offset");
    const [s] = loadBars(pq, { tz: 'America/New_York' });
    expect(s!.ts[0]).toBe(a.ts[0]! + 5 * 3_600_000);
  });

  it('reads integer epoch-ms and ISO string timestamps, and refuses epoch seconds by row', () => {
    const base = pandasColumns([a]);
    const ms = [{ name: 'timestamp', data: Array.from(a.ts, (t) => BigInt(t)), type: 'INT64' }, ...base.slice(1)];
    expect(loadBars(writeParquet('ms.parquet', ms))[0]!.ts).toEqual(a.ts);
    const iso = [{ name: 'timestamp', data: Array.from(a.ts, (t) => new Date(t).toISOString()), type: 'STRING' }, ...base.slice(1)];
    expect(loadBars(writeParquet('iso.parquet', iso))[0]!.ts).toEqual(a.ts);
    const secs = [{ name: 'timestamp', data: Array.from(a.ts, (t) => BigInt(t / 1000)), type: 'INT64' }, ...base.slice(1)];
    const p = writeParquet('secs.parquet', secs);
    expectDataError(() => loadBars(p), p, 1, 'looks like epoch seconds');
  });

  it('a file that is not Parquet says so', () => {
    const p = join(dir, 'fake.parquet');
    writeFileSync(p, 'timestamp,open\n1,2\n');
    expectDataError(() => loadBars(p), p, 0, 'not a Parquet file');
  });
});

describe('parity data convert', () => {
  it('CSV -> Parquet -> JSONL -> CSV gives back the same bars, and the same CSV bytes', () => {
    const csv = join(dir, 'in.csv');
    writeCsv([a, b], csv);
    const pq = join(dir, 'out.parquet');
    const jl = join(dir, 'out.jsonl');
    const back = join(dir, 'back.csv');
    for (const codec of ['snappy', 'gzip', 'uncompressed'] as const) {
      expect(convertBars(csv, pq, { codec, rowGroupRows: 64 }).rows).toBe(500);
      expect(loadBars(pq).map((s) => ({ ...s, source: csv }))).toEqual(loadBars(csv));
    }
    convertBars(pq, jl);
    convertBars(jl, back);
    expect(loadBars(jl).map((s) => ({ ...s, source: csv }))).toEqual(loadBars(csv));
    expect(readFileSync(back, 'utf8')).toBe(readFileSync(csv, 'utf8'));
  });

  it('checks rows on the way and leaves no half-written file', () => {
    const bad = join(dir, 'BAD.csv');
    writeFileSync(bad, 'timestamp,open,high,low,close,volume\n2024-01-02T00:00:00Z,10,11,9,10,1\n2024-01-02T00:01:00Z,10,8,9,10,1\n');
    const out = join(dir, 'bad-out.parquet');
    expectDataError(() => convertBars(bad, out), bad, 3, 'high 8 is below low 9');
    expect(existsSync(out)).toBe(false);
  });
});
