import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBars } from '../../src/data/load.ts';
import { putOnGrid } from '../../src/data/grid.ts';
import { SeriesFeed } from '../../src/data/feed.ts';
import { describeInterval } from '../../src/data/series.ts';
import { summariesOf, type SeriesSummary } from '../../src/data/stream.ts';
import { planBarStream, type StreamFeed } from '../../src/data/stream.ts';
import { formatTs } from '../../src/data/timestamps.ts';
import type { LoadOptions } from '../../src/data/collect.ts';
import { DataError } from '../../src/data/errors.ts';
import type { Bar } from '../../src/domain/market.ts';
import { fixture } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'parity-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const write = (name: string, text: string): string => { const p = join(dir, `${fileNo++}-${name}`); writeFileSync(p, text); return p; };

/** Tick sizes by symbol for the grid step (what buildInstruments would give, simplified). */
const tickOf = (s: string): number => (s.startsWith('C') ? 0.05 : 0.01);

function drain(feed: { peekTime(): number; next(): unknown }): Bar[] {
  const out: Bar[] = [];
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) {
    const t = feed.peekTime();
    const b = feed.next() as Bar;
    expect(b.ts).toBe(t);
    out.push(b);
  }
  return out;
}

/** Today's path: whole files into series, onto the grid, merged by SeriesFeed. */
function inMemory(paths: string[], opts: LoadOptions): { bars: Bar[]; warnings: string[]; interval: number; symbols: string[]; summaries: SeriesSummary[] } {
  const raw = paths.flatMap((p) => loadBars(p, opts));
  const warnings: string[] = [];
  const series = raw.map((s) => {
    const g = putOnGrid(s, { symbol: s.symbol, tickSize: tickOf(s.symbol) });
    if (g.moved > 0) warnings.push(`${s.source}: ${g.moved} prices were not on the ${s.symbol} tick grid (${tickOf(s.symbol)}) and were rounded to it`);
    return g.series;
  });
  return { bars: drain(new SeriesFeed(series)), warnings, interval: series[0] === undefined ? Number.NaN : describeInterval(series[0]), symbols: [...new Set(raw.map((s) => s.symbol))], summaries: summariesOf(series) };
}

function streamed(paths: string[], opts: LoadOptions, tuning = { blockRows: 4, chunkBytes: 32 }): { bars: Bar[]; warnings: string[]; interval: number; symbols: string[]; feed: StreamFeed } {
  const plan = planBarStream(paths, opts, tuning);
  const warnings: string[] = [];
  const feed = plan.open(tickOf, warnings);
  const bars = drain(feed);
  return { bars, warnings, interval: feed.intervalMs(), symbols: plan.symbols, feed };
}

/** A random sorted multi-symbol CSV: ties across symbols in any order, off-grid prices, blank lines. */
const fileArb = fc.record({
  symbols: fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'DD'), { minLength: 1, maxLength: 4 }),
  steps: fc.array(fc.record({ dt: fc.constantFrom(0, 60_000, 60_000, 120_000), pick: fc.nat(), price: fc.integer({ min: 100, max: 10_000 }), off: fc.boolean() }), { minLength: 1, maxLength: 40 }),
  symbolColumn: fc.boolean(),
});

function csvOf(f: { symbols: string[]; steps: { dt: number; pick: number; price: number; off: boolean }[]; symbolColumn: boolean }): string {
  const lines = [f.symbolColumn ? 'timestamp,symbol,open,high,low,close,volume' : 'timestamp,open,high,low,close,volume'];
  let t = Date.UTC(2024, 0, 2);
  const usedAt = new Set<string>();
  for (const s of f.steps) {
    t += s.dt;
    const sym = f.symbolColumn ? f.symbols[s.pick % f.symbols.length]! : 'X';
    if (usedAt.has(`${sym}@${t}`)) t += 60_000; // one row per symbol and time
    usedAt.add(`${sym}@${t}`);
    const p = s.price / 100 + (s.off ? 0.003 : 0);
    lines.push(`${formatTs(t)},${f.symbolColumn ? `${sym},` : ''}${p},${p + 1},${p - 0.5},${p},${s.price % 7}`);
    if (s.pick % 5 === 0) lines.push('');
  }
  return lines.join('\n') + '\n';
}

describe('streamed bars equal the in-memory path', () => {
  it('one file: same bars in the same order, same grid warnings, same interval (random files, tiny blocks and chunks)', () => {
    fc.assert(fc.property(fileArb, (f) => {
      const p = write('X-1m.csv', csvOf(f));
      const a = inMemory([p], {});
      const b = streamed([p], {});
      expect(b.symbols).toEqual(a.symbols);
      expect(b.bars).toEqual(a.bars);
      expect(b.warnings).toEqual(a.warnings);
      expect(b.interval).toEqual(a.interval);
      expect(b.feed.summaries()).toEqual(a.summaries);
    }), { numRuns: 150 });
  });

  it('several files merge by time with ties in file order, with from/to', () => {
    fc.assert(fc.property(fc.array(fileArb, { minLength: 2, maxLength: 4 }), fc.integer({ min: 0, max: 30 }), (files, cut) => {
      const paths = files.map((f, i) => write(`F${i}-1m.csv`, csvOf(f)));
      const opts = { from: Date.UTC(2024, 0, 2) + cut * 60_000 };
      const a = inMemory(paths, opts);
      const b = streamed(paths, opts);
      expect(b.symbols).toEqual(a.symbols);
      expect(b.bars).toEqual(a.bars);
      expect(b.warnings).toEqual(a.warnings);
      expect(b.interval).toEqual(a.interval);
      expect(b.feed.summaries()).toEqual(a.summaries);
    }), { numRuns: 80 });
  });

  it('--symbol renames a one-symbol file and picks one symbol of a multi-symbol file', () => {
    const one = streamed([fixture('AAPL_1m.csv')], { symbol: 'AAPL.O' });
    expect(new Set(one.bars.map((b) => b.symbol))).toEqual(new Set(['AAPL.O']));
    expect(one.symbols).toEqual(['AAPL.O']);
    const pick = streamed([fixture('multi.csv')], { symbol: 'MSFT' });
    expect(pick.symbols).toEqual(['MSFT']);
    expect(pick.bars.map((b) => b.symbol)).toEqual(['MSFT', 'MSFT', 'MSFT']);
    expect(pick.feed.summaries()).toEqual(summariesOf(loadBars(fixture('multi.csv'), { symbol: 'MSFT' })));
    expect(() => planBarStream([fixture('multi.csv')], { symbol: 'GOOG' })).toThrow('GOOG is not in the file (it has AAPL, MSFT)');
  });

  it('reads JSONL the same way', () => {
    for (const f of ['multi.ndjson', 'bars.jsonl']) {
      expect(streamed([fixture(f)], {}).bars).toEqual(inMemory([fixture(f)], {}).bars);
    }
  });

  it('a bad row deep in the file is the DataError loadBars gives, raised when the run reaches it', () => {
    const rows = ['timestamp,open,high,low,close,volume'];
    for (let i = 0; i < 50; i++) rows.push(`${formatTs(Date.UTC(2024, 0, 2) + i * 60_000)},10,11,9,10,1`);
    rows[40] = rows[40]!.replace(',11,9,', ',8,9,');
    const p = write('deep.csv', rows.join('\n'));
    let expected: unknown;
    try { loadBars(p); } catch (e) { expected = e; }
    expect(expected).toBeInstanceOf(DataError);
    const feed = planBarStream([p], {}, { blockRows: 8, chunkBytes: 64 }).open(tickOf, []);
    let n = 0;
    let got: unknown;
    try { while (feed.peekTime() !== Number.POSITIVE_INFINITY) { feed.next(); n++; } } catch (e) { got = e; }
    expect((got as DataError).message).toBe((expected as DataError).message);
    expect(n).toBeGreaterThan(8); // bars before it were handed out: the error came mid-stream
  });

  it('file-level problems are refused when the stream opens', () => {
    expect(() => planBarStream([fixture('empty.csv')], {}).open(tickOf, [])).toThrow('file is empty');
    expect(() => planBarStream([fixture('header-only.csv')], {}).open(tickOf, [])).toThrow('no data rows');
    expect(() => planBarStream([join(dir, 'nope.csv')], {})).toThrow('no such file');
  });

  it('estimates its size from the bytes read, exact at the end', () => {
    const r = streamed([fixture('AAPL_1m.csv')], {}, { blockRows: 2, chunkBytes: 16 });
    expect(r.feed.size).toBe(5);
  });
});

describe('the thinned copy a streamed run charts', () => {
  it('stands for every bar: at most 4,096 buckets, the same first open, last close, extremes and volume', () => {
    const rows = ['timestamp,symbol,open,high,low,close,volume'];
    let p = 100;
    for (let i = 0; i < 10_007; i++) {
      const o = p;
      p = Math.max(1, p + ((i * 7919) % 13) / 100 - 0.06);
      const c = Math.round(p * 100) / 100;
      const hi = Math.max(o, c) + 0.5 + (i % 97 === 0 ? 10 : 0), lo = Math.max(0.01, Math.min(o, c) - 0.5);
      rows.push(`${formatTs(Date.UTC(2024, 0, 1) + i * 60_000)},ZZ,${o},${Math.round(hi * 100) / 100},${Math.round(lo * 100) / 100},${c},${i % 5}`);
      p = c;
    }
    const path = write('ZZ.csv', rows.join('\n') + '\n');
    const feed = planBarStream([path]).open(tickOf, []);
    drain(feed);
    const [t] = feed.thinned();
    const [s] = loadBars(path);
    expect(t!.barCount).toBe(10_007);
    expect(t!.length).toBeLessThanOrEqual(4096);
    expect(t!.length).toBeGreaterThan(2048);
    expect(t!.open[0]).toBe(s!.open[0]);
    expect(t!.close[t!.length - 1]).toBe(s!.close[s!.length - 1]);
    expect(Math.max(...t!.high)).toBe(Math.max(...s!.high));
    expect(Math.min(...t!.low)).toBe(Math.min(...s!.low));
    expect(t!.volume.reduce((a, b) => a + b, 0)).toBe(s!.volume.reduce((a, b) => a + b, 0));
    expect(Array.from(t!.ts).every((x, i, a) => i === 0 || x > a[i - 1]!)).toBe(true);
  });
});
