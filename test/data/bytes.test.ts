import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteTimestamps, parseDecimalBytes } from '../../src/data/bytes.ts';
import { parseDecimal } from '../../src/data/numbers.ts';
import { scanTimestamp } from '../../src/data/timestamps.ts';
import { parseCsvBars } from '../../src/data/csv.ts';
import { loadBars } from '../../src/data/load.ts';
import type { LoadOptions } from '../../src/data/collect.ts';

const dir = mkdtempSync(join(tmpdir(), 'parity-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const numberish = fc.stringMatching(/^[ "]?[-+]?[0-9]{0,18}(\.[0-9]{0,8})?([eE][-+]?[0-9]{1,3})?[ "]?$/);
const junk = fc.string({ unit: fc.constantFrom(...'0123456789.-+eE "xN,é'.split('')), maxLength: 14 });

const isoArb = fc.tuple(
  fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) }),
  fc.constantFrom('Z', 'z', '+02:00', '-0530', '+01', '', '+2:00', 'X', '+99:00'),
  fc.constantFrom('T', ' ', 't', '_'),
  fc.integer({ min: 0, max: 3 }),
).map(([ms, off, sep, cut]) => {
  const iso = new Date(ms).toISOString().slice(0, -1).replace('T', sep);
  return (cut === 0 ? iso : cut === 1 ? iso.slice(0, 19) : cut === 2 ? iso.slice(0, 16) : iso.slice(0, 10)) + off;
});
const tsJunk = fc.string({ unit: fc.constantFrom(...'0123456789-:TZ+. "'.split('')), maxLength: 26 });

function scanBoth(s: string): [unknown, unknown] {
  const a = { ms: Number.NaN };
  const b = { ms: Number.NaN };
  const ka = scanTimestamp(s, 0, s.length, a);
  const kb = new ByteTimestamps().scan(Buffer.from(s, 'utf8'), 0, Buffer.byteLength(s), b);
  return [[ka, ka === 2 ? null : a.ms], [kb, kb === 2 ? null : b.ms]];
}

describe('byte parsers agree with the string parsers', () => {
  it('parseDecimalBytes gives the same double (or NaN) as parseDecimal', () => {
    fc.assert(fc.property(fc.oneof(numberish, junk, fc.double().map(String)), (s) => {
      const b = Buffer.from(s, 'utf8');
      expect(Object.is(parseDecimalBytes(b, 0, b.length), parseDecimal(s, 0, s.length))).toBe(true);
    }), { numRuns: 3000 });
  });

  it('ByteTimestamps.scan gives the same verdict and instant as scanTimestamp', () => {
    fc.assert(fc.property(fc.oneof(isoArb, tsJunk, fc.integer({ min: 0, max: 2e15 }).map(String)), (s) => {
      const [a, b] = scanBoth(s);
      expect(b).toEqual(a);
    }), { numRuns: 3000 });
  });

  it('the date cache never lets a bad date through after a good one', () => {
    const t = new ByteTimestamps();
    const out = { ms: 0 };
    const scan = (s: string): number => t.scan(Buffer.from(s), 0, s.length, out);
    expect(scan('2024-01-31T00:00:00Z')).toBe(0);
    expect(scan('2024-02-30T00:00:00Z')).toBe(5);
    expect(scan('2024-01-31T00:00:00Z')).toBe(0);
    expect(scan('2024-01-3xT00:00:00Z')).toBe(2);
  });
});

/** CSV rows, mostly valid, sometimes broken in the ways files break. */
const fieldArb = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: fc.constant('') });
type RowCase = { dt: number; sym: string; o: string; h: string; l: string; c: string; v: string; tsForm: string; cols: number; crlf: boolean; blank: boolean };
const rowArb: fc.Arbitrary<RowCase> = fc.record({
  dt: fc.constantFrom(60_000, 60_000, 0, -60_000, 1000),
  sym: fieldArb(fc.constantFrom('AAA', 'BB', ' "CC" ')),
  o: fieldArb(fc.constantFrom('10', '10.5', '10.004', '"10.25"', ' 10 ', '1e1', '10.000000000000001')),
  h: fieldArb(fc.constantFrom('11', '11.25', '12', '10.6')),
  l: fieldArb(fc.constantFrom('9', '9.5', '10.1', '-9', '0')),
  c: fieldArb(fc.constantFrom('10', '10.5', '9.75', '11.3')),
  v: fieldArb(fc.constantFrom('0', '1', '1500.5', '-5', '12345678901234567')),
  tsForm: fc.constantFrom('iso', 'iso', 'ms', 'naive', 'offset', 'seconds', 'junk', 'ms-frac'),
  cols: fc.constantFrom(0, 0, 0, 0, 0, 1, -1),
  crlf: fc.boolean(),
  blank: fc.constantFrom(false, false, false, true),
});

function csvText(rows: RowCase[], layout: number, bom: boolean): string {
  const headers = ['timestamp,open,high,low,close,volume', 'Symbol,Volume,Close,Low,High,Open,Timestamp,Extra', 'timestamp,symbol,open,high,low,close,volume'];
  const lines = [(bom ? '\ufeff' : '') + headers[layout]!];
  let t = Date.UTC(2024, 2, 10, 6, 0);
  for (const r of rows) {
    t += r.dt;
    const wall = new Date(t).toISOString();
    const ts = r.tsForm === 'iso' ? wall.replace('.000', '') : r.tsForm === 'ms' ? String(t) : r.tsForm === 'naive' ? wall.slice(0, 19).replace('T', ' ')
      : r.tsForm === 'offset' ? `${new Date(t + 7_200_000).toISOString().slice(0, 19)}+02:00` : r.tsForm === 'seconds' ? String(Math.floor(t / 1000)) : r.tsForm === 'ms-frac' ? `${wall.slice(0, 19)}.5Z` : 'yesterday';
    let cells = layout === 0 ? [ts, r.o, r.h, r.l, r.c, r.v] : layout === 1 ? [r.sym, r.v, r.c, r.l, r.h, r.o, ts, 'x'] : [ts, r.sym, r.o, r.h, r.l, r.c, r.v];
    if (r.cols === 1) cells = [...cells, '1'];
    if (r.cols === -1) cells = cells.slice(1);
    lines.push(cells.join(',') + (r.crlf ? '\r' : ''));
    if (r.blank) lines.push('');
  }
  return lines.join('\n') + '\n';
}

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

describe('the byte CSV reader agrees with the string reader', () => {
  it('same series or the same error with the same line, on random valid and broken files', () => {
    let k = 0;
    fc.assert(fc.property(fc.array(rowArb, { minLength: 0, maxLength: 12 }), fc.integer({ min: 0, max: 2 }), fc.boolean(),
      fc.constantFrom<LoadOptions>({}, { tz: 'America/New_York' }, { symbol: 'AAA' }, { from: Date.UTC(2024, 2, 10, 6, 3) }), (rows, layout, bom, opts) => {
        const text = csvText(rows, layout, bom);
        const path = join(dir, `f${k++}-1m.csv`);
        writeFileSync(path, text);
        expect(outcome(() => loadBars(path, opts))).toEqual(outcome(() => parseCsvBars(text, path, opts)));
      }), { numRuns: 600 });
  });
});
