/**
 * The streaming feed's fast paths (numbers and ISO timestamps read from bytes, symbols compared
 * by bytes, prices already on the grid left as parsed) against the general path they shortcut:
 * the string reader (csv.ts) put on the grid by `putOnGrid` and merged by `SeriesFeed`. Rows are
 * random but valid in every written form the readers accept (exponents, signs, leading zeros,
 * long mantissas, every timestamp shape), sometimes with one row broken; chunk and block sizes
 * are random so every boundary is crossed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvBars } from '../../src/data/csv.ts';
import { putOnGrid } from '../../src/data/grid.ts';
import { SeriesFeed } from '../../src/data/feed.ts';
import { planBarStream } from '../../src/data/stream.ts';
import { loadBars } from '../../src/data/load.ts';
import type { LoadOptions } from '../../src/data/collect.ts';
import type { Bar } from '../../src/domain/market.ts';

const dir = mkdtempSync(join(tmpdir(), 'parity-fast-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

/** Every constant equally likely (fc.constantFrom favours the first ones, so late cases would rarely run). */
const oneOf = <T>(...xs: T[]): fc.Arbitrary<T> => fc.noBias(fc.integer({ min: 0, max: xs.length - 1 })).map((i) => xs[i]!);

const TICK: Record<string, number> = { AAA: 0.01, 'BTC-USD': 0.01, BB: 0.05, CCC: 0.001, D: 0.25, E: 1 };
const tickOf = (s: string): number => TICK[s] ?? 0.01;

/** One decimal value written in one of the forms a file may use. */
const numberText = fc.record({
  mant: fc.oneof(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 100_000, max: 999_999_999 }), fc.constantFrom(6_001_985, 1, 5, 100, 9_999_999_999_999)),
  scale: fc.integer({ min: 0, max: 9 }),
  form: oneOf('plain', 'plain', 'plain', 'zeros', 'plus', 'lead', 'exp', 'Exp', 'expPlus', 'long', 'quoted', 'spaced', 'dotEnd', 'dotStart'),
}).map(({ mant: m, scale, form }) => {
  // At least 1 (prices below a tick would round to zero, an error the two paths word differently).
  const mant = m < 10 ** scale ? m + 10 ** scale : m;
  const digits = String(mant).padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  const plain = scale === 0 ? int : `${int}.${frac}`;
  switch (form) {
    case 'zeros': return `${plain}${scale === 0 ? '.' : ''}000`;
    case 'plus': return `+${plain}`;
    case 'lead': return `00${plain}`;
    case 'exp': return `${mant}e-${scale}`;
    case 'Exp': return `${mant / 10}E${1 - scale}`;
    case 'expPlus': return `${plain}e+0`;
    case 'long': return `${plain}${scale === 0 ? '.' : ''}00000000000000001`;
    case 'quoted': return `"${plain}"`;
    case 'spaced': return ` ${plain} `;
    case 'dotEnd': return scale === 0 ? `${plain}.` : plain;
    case 'dotStart': return int === '0' ? `.${frac}` : plain;
    default: return plain;
  }
});

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** An instant written in one of the accepted timestamp shapes (naive ones are wall clock in UTC). */
function tsText(t: number, form: string): string {
  const d = new Date(t);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = pad(d.getUTCMilliseconds(), 3);
  const shifted = (off: number): Date => new Date(t + off * 60_000);
  const local = (off: number): string => { const s = shifted(off); return `${pad(s.getUTCFullYear(), 4)}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())}T${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}:${pad(s.getUTCSeconds())}.${pad(s.getUTCMilliseconds(), 3)}`; };
  switch (form) {
    case 'isoMs': return `${date}T${hms}.${ms}Z`;
    case 'isoMicro': return `${date}T${hms}.${ms}417Z`;
    case 'lowerZ': return `${date}t${hms}z`;
    case 'spaceZ': return `${date} ${hms}Z`;
    case 'offColon': return `${local(120)}+02:00`;
    case 'offPlain': return `${local(-330)}-0530`;
    case 'offHour': return `${local(60)}+01`;
    case 'naive': return `${date} ${hms}.${ms}`;
    case 'naiveMin': return `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    case 'epoch': return String(t);
    case 'quoted': return `"${date}T${hms}Z"`;
    case 'spaced': return ` ${date}T${hms}Z `;
    default: return `${date}T${hms}Z`;
  }
}

const rowArb = fc.record({
  dt: oneOf(60_000, 60_000, 60_000, 1, 1000, 86_400_000, 0),
  sym: oneOf('BTC-USD', 'BTC-USD', 'BTC-USD', 'BTC-USDT', 'BTC-US', 'BTC-EUR', 'ETH-USD', 'LONGSYMBOL-A', 'LONGSYMBOL-B', 'LONGXYMBOL-A', 'AAA', 'BB', 'CCC', 'D', 'E'),
  prices: fc.array(numberText, { minLength: 4, maxLength: 4 }),
  swap: fc.boolean(),
  vol: numberText,
  tsForm: oneOf('iso', 'iso', 'iso', 'iso', 'isoMs', 'isoMicro', 'lowerZ', 'spaceZ', 'offColon', 'offPlain', 'offHour', 'naive', 'naiveMin', 'epoch', 'quoted', 'spaced'),
  crlf: oneOf(false, false, false, true),
});
type Row = typeof rowArb extends fc.Arbitrary<infer R> ? R : never;

/** Ways one row breaks. */
const breakArb = fc.record({
  at: fc.nat(),
  how: oneOf('junk', 'empty', 'missingCol', 'extraCol', 'highBelowLow', 'zero', 'negVol', 'badDate', 'badTime', 'seconds', 'back', 'emptySym', 'exp400', 'hex', 'badMinute', 'badSecond', 'badSep'),
});

const LAYOUTS = [
  ['timestamp', 'symbol', 'open', 'high', 'low', 'close', 'volume'],
  ['symbol', 'timestamp', 'open', 'high', 'low', 'close', 'volume'],
  ['Volume', 'Close', 'Low', 'High', 'Open', 'Timestamp', 'Symbol', 'note'],
] as const;

function csvOf(rows: Row[], layout: number, broken: { at: number; how: string } | null, oneSymbol: boolean): string {
  const cols = LAYOUTS[layout]!;
  const out = [cols.join(',')];
  let t = Date.UTC(2024, 0, 31, 23, 58);
  const usedAt = new Set<string>();
  rows.forEach((r, k) => {
    const sym = oneSymbol ? 'BTC-USD' : r.sym;
    t += r.dt;
    if (usedAt.has(`${sym}@${t}`)) t += 60_000; // dt 0 is a tie across symbols, never a duplicate
    usedAt.add(`${sym}@${t}`);
    // A shape that cannot hold the instant exactly is written with milliseconds instead.
    const exact = r.tsForm === 'naiveMin' ? t % 60_000 === 0 : ['isoMs', 'isoMicro', 'offColon', 'naive', 'epoch'].includes(r.tsForm) || t % 1000 === 0;
    const sorted = [...r.prices].sort((a, b) => Number(a.replace(/[" ]/g, '')) - Number(b.replace(/[" ]/g, '')));
    const cell: Record<string, string> = {
      timestamp: tsText(t, exact ? r.tsForm : 'isoMs'), symbol: sym, open: sorted[r.swap ? 1 : 2]!, high: sorted[3]!, low: sorted[0]!, close: sorted[r.swap ? 2 : 1]!, volume: r.vol, note: 'x',
    };
    if (broken !== null && broken.at % rows.length === k) {
      const how = broken.how;
      if (how === 'junk') cell.close = '12x';
      if (how === 'empty') cell.open = '';
      if (how === 'highBelowLow') { cell.high = '1'; cell.low = '2'; }
      if (how === 'zero') cell.low = '0';
      if (how === 'negVol') cell.volume = '-1';
      if (how === 'badDate') cell.timestamp = '2024-02-30T00:00:00Z';
      if (how === 'badTime') cell.timestamp = '2024-01-02T24:00:00Z';
      if (how === 'seconds') cell.timestamp = String(Math.floor(t / 1000));
      if (how === 'back') cell.timestamp = '2000-01-01T00:00:00Z';
      // The same hour as the row before, so the hour's cached prefix matches and the rest is wrong.
      const iso = tsText(t, 'iso');
      if (how === 'badMinute') cell.timestamp = `${iso.slice(0, 14)}6${iso.slice(15)}`;
      if (how === 'badSecond') cell.timestamp = `${iso.slice(0, 17)}7${iso.slice(18)}`;
      if (how === 'badSep') cell.timestamp = `${iso.slice(0, 16)}.${iso.slice(17)}`;
      if (how === 'emptySym') cell.symbol = '';
      if (how === 'exp400') cell.high = '1e400';
      if (how === 'hex') cell.volume = '0x10';
    }
    let cells = cols.map((c) => cell[c.toLowerCase()]!);
    if (broken !== null && broken.at % rows.length === k && broken.how === 'missingCol') cells = cells.slice(1);
    if (broken !== null && broken.at % rows.length === k && broken.how === 'extraCol') cells = [...cells, '1'];
    out.push(cells.join(',') + (r.crlf ? '\r' : ''));
  });
  return out.join('\n') + '\n';
}

function outcome<T>(fn: () => T): { ok: T } | { error: string } {
  try {
    return { ok: fn() };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** The general path: the string reader, putOnGrid, SeriesFeed. */
function general(text: string, path: string, opts: LoadOptions): { bars: Bar[]; moved: number; symbols: string[] } {
  const raw = parseCsvBars(text, path, opts);
  const series = raw.map((s) => putOnGrid(s, { symbol: s.symbol, tickSize: tickOf(s.symbol) }));
  const feed = new SeriesFeed(series.map((g) => g.series));
  const bars: Bar[] = [];
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) bars.push(feed.next() as Bar);
  return { bars, moved: series.reduce((n, g) => n + g.moved, 0), symbols: raw.map((s) => s.symbol) };
}

function fast(path: string, opts: LoadOptions, tuning: { blockRows?: number; chunkBytes?: number }): { bars: Bar[]; moved: number; symbols: string[] } {
  const warnings: string[] = [];
  const plan = planBarStream([path], opts, tuning);
  const feed = plan.open(tickOf, warnings);
  const bars: Bar[] = [];
  while (feed.peekTime() !== Number.POSITIVE_INFINITY) bars.push(feed.next());
  const moved = warnings.reduce((n, w) => n + Number(/: (\d+) prices/.exec(w)![1]), 0);
  return { bars, moved, symbols: plan.symbols };
}

describe('the fast paths give what the general path gives', () => {
  it('valid rows in every accepted form: the same bars, bit for bit, and the same grid count', () => {
    fc.assert(fc.property(
      fc.array(rowArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 2 }), fc.boolean(),
      fc.constantFrom<LoadOptions>({ tz: 'UTC' }, { tz: 'UTC', from: Date.UTC(2024, 1, 1) }),
      fc.record({ blockRows: fc.integer({ min: 1, max: 64 }), chunkBytes: fc.integer({ min: 16, max: 300 }) }), fc.boolean(),
      (rows, layout, oneSymbol, opts, tuning, tiny) => {
        const text = csvOf(rows, layout, null, oneSymbol);
        const path = join(dir, `f${fileNo++}-1m.csv`);
        writeFileSync(path, text);
        const want = general(text, path, opts);
        const got = fast(path, opts, tiny ? tuning : {});
        expect(got.bars.length).toBe(want.bars.length);
        got.bars.forEach((b, i) => {
          const w = want.bars[i]!;
          expect(b).toEqual(w);
          for (const k of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Object.is(b[k], w[k])).toBe(true);
        });
        expect(got.moved).toBe(want.moved);
        expect(got.symbols).toEqual(want.symbols);
      }), { numRuns: 400 });
  });

  it('a broken row: the same error (file, line, words) from the feed, loadBars and the string reader', () => {
    fc.assert(fc.property(
      fc.array(rowArb, { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 2 }), breakArb,
      fc.constantFrom<LoadOptions>({}, { tz: 'UTC' }),
      fc.record({ blockRows: fc.integer({ min: 1, max: 16 }), chunkBytes: fc.integer({ min: 16, max: 200 }) }), fc.boolean(),
      (rows, layout, broken, opts, tuning, oneSymbol) => {
        const text = csvOf(rows, layout, broken, oneSymbol);
        const path = join(dir, `f${fileNo++}-1m.csv`);
        writeFileSync(path, text);
        const want = outcome(() => parseCsvBars(text, path, opts));
        expect(outcome(() => loadBars(path, opts))).toEqual(want);
        const got = outcome(() => fast(path, opts, tuning).bars.length);
        if ('error' in want) expect(got).toEqual(want);
        else expect('ok' in got).toBe(true);
      }), { numRuns: 400 });
  });
});

describe('the hour cache of canonical timestamps', () => {
  it('a row in the same hour as the last with a bad minute, second or separator gets the general words', () => {
    for (const bad of ['2024-01-02T10:61:00Z', '2024-01-02T10:01:60Z', '2024-01-02T10:01.00Z', '2024-01-02T10:0x:00Z', '2024-01-02T10:01:00X']) {
      const text = `timestamp,symbol,open,high,low,close,volume\n2024-01-02T10:00:00Z,A,1,1,1,1,1\n2024-01-02T10:00:30Z,A,1,1,1,1,1\n${bad},A,1,1,1,1,1\n`;
      const path = join(dir, `f${fileNo++}-1m.csv`);
      writeFileSync(path, text);
      const want = outcome(() => parseCsvBars(text, path, {}));
      expect('error' in want).toBe(true);
      expect(outcome(() => fast(path, {}, {}).bars.length)).toEqual(want);
    }
  });
});

describe('a file the in-place path mostly cannot read', () => {
  it('gives the same bars after it falls back to the general path for good (naive times, then canonical ones)', () => {
    const lines = ['timestamp,symbol,open,high,low,close,volume'];
    let t = Date.UTC(2024, 0, 2);
    for (let i = 0; i < 3000; i++, t += 60_000) {
      const iso = new Date(t).toISOString();
      const ts = i < 1500 ? iso.slice(0, 19).replace('T', ' ') : i % 3 === 0 ? `${iso.slice(0, 19)}Z` : iso;
      const p = 100 + (i % 17) / 100;
      lines.push(`${ts},${i % 5 === 0 ? 'BB' : 'AAA'},${p},${p + 0.5},${p - 0.5},${p},${i % 7}`);
    }
    const text = lines.join('\n') + '\n';
    const path = join(dir, `f${fileNo++}-1m.csv`);
    writeFileSync(path, text);
    for (const tuning of [{}, { blockRows: 7, chunkBytes: 100 }]) {
      const got = fast(path, { tz: 'UTC' }, tuning);
      const want = general(text, path, { tz: 'UTC' });
      expect(got.bars).toEqual(want.bars);
      expect(got.symbols).toEqual(want.symbols);
    }
  });
});
