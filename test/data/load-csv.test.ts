import { describe, expect, it } from 'vitest';
import { loadBars } from '../../src/data/load.ts';
import { parseCsvBars } from '../../src/data/csv.ts';
import { DataError } from '../../src/data/errors.ts';
import { expectDataError, fixture } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const MIN = 60_000;

describe('loadBars: CSV that is fine', () => {
  it('reads ISO-Z bars into columns, symbol from the file name', () => {
    const [s, ...rest] = loadBars(fixture('AAPL_1m.csv'));
    expect(rest).toHaveLength(0);
    expect(s!.symbol).toBe('AAPL');
    expect(s!.source).toBe(fixture('AAPL_1m.csv'));
    expect(s!.length).toBe(5);
    expect(Array.from(s!.ts)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * MIN));
    expect(s!.open[0]).toBe(187.15);
    expect(s!.high[0]).toBe(188.44);
    expect(s!.low[0]).toBe(186.9);
    expect(s!.close[0]).toBe(188.01);
    expect(s!.volume[0]).toBe(1203400);
    expect(s!.ts).toBeInstanceOf(Float64Array);
    expect(s!.ts.length).toBe(5);
  });

  it('takes epoch ms, any column order, any header case, CRLF, a BOM, blank lines and extra columns', () => {
    const [s] = loadBars(fixture('ETH-USD-1m.csv'));
    expect(s!.symbol).toBe('ETH-USD');
    expect(s!.length).toBe(3);
    expect(Array.from(s!.ts)).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect(Array.from(s!.open)).toEqual([100, 101, 101.5]);
    expect(Array.from(s!.high)).toEqual([102, 102.5, 101.75]);
    expect(Array.from(s!.low)).toEqual([99, 100.5, 100]);
    expect(Array.from(s!.close)).toEqual([101, 101.5, 100.75]);
    expect(Array.from(s!.volume)).toEqual([1000, 1500.5, 2000]);
  });

  it('reads ISO timestamps with offsets (+02:00, -05:00, +0500) and quoted fields', () => {
    const [s] = loadBars(fixture('offsets.csv'));
    expect(Array.from(s!.ts)).toEqual([0, 1, 2, 3, 4].map((i) => Date.UTC(2024, 0, 2, 8, 30 + i)));
  });

  it('opts.symbol wins over the file name', () => {
    const [s] = loadBars(fixture('AAPL_1m.csv'), { symbol: 'AAPL.O' });
    expect(s!.symbol).toBe('AAPL.O');
  });

  it('from is inclusive, to exclusive; rows outside are still checked', () => {
    const [s] = loadBars(fixture('AAPL_1m.csv'), { from: T0 + MIN, to: T0 + 3 * MIN });
    expect(Array.from(s!.ts)).toEqual([T0 + MIN, T0 + 2 * MIN]);
    expect(Array.from(s!.close)).toEqual([187.62, 187.9]);
    const [none] = loadBars(fixture('AAPL_1m.csv'), { from: T0 + 100 * MIN });
    expect(none!.length).toBe(0);
    expect(none!.symbol).toBe('AAPL');
    // The bad row is outside the window but the file is still refused.
    expectDataError(() => loadBars(fixture('bad-negative-volume.csv'), { to: T0 + MIN }), fixture('bad-negative-volume.csv'), 4, 'volume -5 is negative');
  });

  it('refuses an empty window', () => {
    expect(() => loadBars(fixture('AAPL_1m.csv'), { from: T0, to: T0 })).toThrow(/empty window/);
  });

  it('parses exact doubles: the same value Number() gives', () => {
    const text = 'timestamp,open,high,low,close,volume\n2024-01-02T14:30:00Z,0.1,1e3,0.00000012345,0.30000000000000004,12345678901234567\n';
    const [s] = parseCsvBars(text, 'x.csv');
    expect(s!.open[0]).toBe(0.1);
    expect(s!.high[0]).toBe(1000);
    expect(s!.low[0]).toBe(0.00000012345);
    expect(s!.close[0]).toBe(0.30000000000000004);
    expect(s!.volume[0]).toBe(12345678901234567);
  });
});

describe('loadBars: multi-symbol files', () => {
  it('splits an interleaved symbol column into one series per symbol, first-seen order', () => {
    const out = loadBars(fixture('multi.csv'));
    expect(out.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
    const [a, m] = out;
    expect(Array.from(a!.ts)).toEqual([T0, T0 + MIN, T0 + 3 * MIN]);
    expect(Array.from(a!.close)).toEqual([188.01, 187.62, 187.9]);
    expect(Array.from(m!.ts)).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect(Array.from(m!.volume)).toEqual([2000, 2100, 2200]);
  });

  it('opts.symbol picks one symbol of a multi-symbol file, and says what is there when absent', () => {
    const out = loadBars(fixture('multi.csv'), { symbol: 'MSFT' });
    expect(out).toHaveLength(1);
    expect(out[0]!.symbol).toBe('MSFT');
    expect(out[0]!.length).toBe(3);
    expectDataError(() => loadBars(fixture('multi.csv'), { symbol: 'GOOG' }), fixture('multi.csv'), 0, 'GOOG is not in the file (it has AAPL, MSFT)');
  });

  it('opts.symbol renames a file whose symbol column holds one symbol', () => {
    const text = 'symbol,timestamp,open,high,low,close,volume\nXBTUSD,2024-01-02T14:30:00Z,10,11,9,10,1\nXBTUSD,2024-01-02T14:31:00Z,10,11,9,10,1\n';
    const out = parseCsvBars(text, 'x.csv', { symbol: 'BTC-USD' });
    expect(out.map((s) => [s.symbol, s.length])).toEqual([['BTC-USD', 2]]);
  });

  it('refuses a multi-symbol file that goes back in time across rows', () => {
    expectDataError(() => loadBars(fixture('bad-interleaved.csv')), fixture('bad-interleaved.csv'), 3,
      'timestamp 2024-01-02T14:30:00Z (MSFT) is before 2024-01-02T14:31:00Z on line 2 (AAPL): a file with several symbols must be sorted by time');
  });
});

describe('loadBars: every data error names file and line', () => {
  const cases: [file: string, line: number, fragment: string][] = [
    ['bad-backwards.csv', 4, 'timestamp 2024-01-02T14:30:30Z for BAD-BACKWARDS is before 2024-01-02T14:31:00Z on line 3'],
    ['bad-duplicate.csv', 4, 'duplicate timestamp 2024-01-02T14:31:00Z for BAD-DUPLICATE (also on line 3)'],
    ['bad-nan.csv', 3, "low 'NaN' is not a number"],
    ['bad-nonnumeric.csv', 4, "close 'abc' is not a number"],
    ['bad-empty-field.csv', 3, 'volume is empty'],
    ['bad-zero-price.csv', 2, 'open 0 is not a positive price'],
    ['bad-negative-price.csv', 3, 'low -9 is not a positive price'],
    ['bad-negative-volume.csv', 4, 'volume -5 is negative'],
    ['bad-high-low.csv', 3, 'high 99.5 is below low 100.1'],
    ['bad-open-outside.csv', 2, "open 12 is outside the bar's range [low 9, high 11]"],
    ['bad-close-outside.csv', 3, "close 8.5 is outside the bar's range [low 9, high 11]"],
    ['bad-columns.csv', 3, 'expected 6 columns as in the header, found 5'],
    ['bad-columns-extra.csv', 2, 'expected 6 columns as in the header, found 7'],
    ['bad-header.csv', 1, 'header is missing columns timestamp, volume (found: time, open, high, low, close)'],
    ['bad-no-header.csv', 1, 'the first line looks like data: add a header line timestamp,open,high,low,close,volume'],
    ['empty.csv', 0, 'file is empty'],
    ['blank.csv', 0, 'file is empty'],
    ['header-only.csv', 0, 'no data rows'],
    ['bad-seconds.csv', 2, 'timestamp 1704205800 looks like epoch seconds (2024-01-02T14:30:00Z); timestamps must be epoch milliseconds: multiply by 1000'],
    ['bad-micros.csv', 2, 'looks like epoch micro- or nanoseconds'],
    ['naive.csv', 2, "timestamp '2024-01-02 09:30:00' has no UTC offset"],
    ['bad-timestamp.csv', 3, "timestamp 'yesterday' is neither ISO-8601 (2024-01-02T09:30:00Z) nor epoch milliseconds"],
    ['bad-date.csv', 2, "timestamp '2024-02-30T14:30:00Z' has a field out of range"],
  ];
  for (const [file, line, fragment] of cases) {
    it(`${file}:${line}`, () => {
      expectDataError(() => loadBars(fixture(file)), fixture(file), line, fragment);
    });
  }

  it('formats as file:line: problem', () => {
    const e = expectDataError(() => loadBars(fixture('bad-high-low.csv')), fixture('bad-high-low.csv'), 3, 'high');
    expect(e.toString()).toBe(`${fixture('bad-high-low.csv')}:3: high 99.5 is below low 100.1`);
    expect(e.problem).toBe('high 99.5 is below low 100.1');
    const rel = (() => { try { parseCsvBars('timestamp,open,high,low,close,volume\n1704205800000,100,99.5,100.1,100,1\n', 'data/x.csv'); } catch (err) { return err; } })();
    expect(String(rel)).toBe('data/x.csv:2: high 99.5 is below low 100.1');
  });

  it('hints when a quoted field holds a comma', () => {
    const text = 'symbol,timestamp,open,high,low,close,volume\n"A,B",2024-01-02T14:30:00Z,10,11,9,10,1\n';
    expectDataError(() => parseCsvBars(text, 'q.csv'), 'q.csv', 2, 'a quoted field cannot contain a comma');
  });

  it('ignores unknown columns, even ones named like object properties', () => {
    const [s] = parseCsvBars('constructor,timestamp,open,high,low,close,volume,__proto__\nx,2024-01-02T14:30:00Z,10,11,9,10,1,y\n', 'p.csv');
    expect([s!.symbol, s!.length, s!.close[0]]).toEqual(['P', 1, 10]);
  });

  it('refuses a header naming a column twice', () => {
    expectDataError(() => parseCsvBars('timestamp,open,high,low,close,volume,Close\n', 'd.csv'), 'd.csv', 1, "column 'close' appears twice");
  });

  it('refuses an unsupported file type, saying what is accepted', () => {
    expectDataError(() => loadBars(fixture('bars.txt')), fixture('bars.txt'), 0, "unsupported file type '.txt': bar files must be .csv, .jsonl, .ndjson");
  });

  it('says when the file does not exist', () => {
    expectDataError(() => loadBars(fixture('nope.csv')), fixture('nope.csv'), 0, 'no such file');
  });

  it('errors are DataError instances with file, line and message', () => {
    try {
      loadBars(fixture('bad-duplicate.csv'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      expect(err).toBeInstanceOf(Error);
      const e = err as DataError;
      expect([e.name, e.file, e.line]).toEqual(['DataError', fixture('bad-duplicate.csv'), 4]);
    }
  });
});
