/** Side series: the shared CSV parser (funding and index files) and the forward-only cursor. */
import { describe, expect, it } from 'vitest';
import { parseFundingCsv } from '../../src/data/funding.ts';
import { FUNDING_FILE, INDEX_FILE, loadSideSeries, parseSideCsv, SideCursor } from '../../src/data/side-series.ts';
import { DataError } from '../../src/data/errors.ts';
import { fundingSide } from '../../src/features/inputs.ts';

describe('parseSideCsv', () => {
  it('reads index files with a price or an index column, in any column order, sorted per symbol', () => {
    const a = parseSideCsv('symbol,ts,price\nBTC,2024-03-04T08:00:00Z,100.5\nBTC,1709510400000,99\nETH,1709510400000,5\n', 'ix.csv', INDEX_FILE);
    expect(a).toEqual({ BTC: [{ ts: 1709510400000, value: 99 }, { ts: 1709539200000, value: 100.5 }], ETH: [{ ts: 1709510400000, value: 5 }] });
    const b = parseSideCsv('TS,Symbol,Index\n1,BTC,7\n', 'ix.csv', INDEX_FILE);
    expect(b).toEqual({ BTC: [{ ts: 1, value: 7 }] });
  });

  it('says what is wrong, with the file and line', () => {
    const err = (text: string): DataError => {
      try {
        parseSideCsv(text, 'ix.csv', INDEX_FILE);
      } catch (e) {
        return e as DataError;
      }
      throw new Error('no error');
    };
    expect(err('ts,symbol,close\n').message).toBe('ix.csv:1: index file header needs a price column (ts,symbol,price), got "ts,symbol,close"');
    expect(err('ts,symbol,price\n1,BTC,-3\n').message).toBe('ix.csv:2: price "-3" must be a positive number (an index price)');
    expect(err('ts,symbol,price\n1,BTC,\n').message).toBe('ix.csv:2: price "" must be a positive number (an index price)');
    expect(err('ts,symbol,price\n1,BTC,Infinity\n').message).toBe('ix.csv:2: price "Infinity" must be a positive number (an index price)');
    expect(err('ts,symbol,price\n2024-03-04 08:00,BTC,1\n').message).toMatch(/^ix.csv:2: ts "2024-03-04 08:00" is neither epoch milliseconds nor ISO-8601/);
  });

  it('funding files parse as before through parseFundingCsv (rate column, range check)', () => {
    expect(parseFundingCsv('timestamp,symbol,funding_rate\n2,BTC,0.0001\n1,BTC,-0.0002\n', 'f.csv')).toEqual({ BTC: [{ ts: 1, rate: -0.0002 }, { ts: 2, rate: 0.0001 }] });
    expect(() => parseFundingCsv('ts,symbol,rate\n1,BTC,0.5\n', 'f.csv')).toThrow('f.csv:2: rate "0.5" must be a rate per interval in [-0.1, 0.1] (0.0001 = 0.01%)');
    expect(() => parseFundingCsv('ts,symbol,rate\n1,BTC,abc\n', 'f.csv')).toThrow('f.csv:2: rate "abc" must be a rate per interval in [-0.1, 0.1] (0.0001 = 0.01%)');
    expect(() => parseFundingCsv('ts,symbol\n', 'f.csv')).toThrow('f.csv:1: funding file header needs a rate column (ts,symbol,rate), got "ts,symbol"');
    expect(parseSideCsv('ts,symbol,rate\n1,BTC,0.0003\n', 'f.csv', FUNDING_FILE)).toEqual({ BTC: [{ ts: 1, value: 0.0003 }] });
  });

  it('fundingSide turns the simulator rates into a side series', () => {
    expect(fundingSide({ BTC: [{ ts: 5, rate: 0.001 }] })).toEqual({ BTC: [{ ts: 5, value: 0.001 }] });
  });
});

describe('SideCursor', () => {
  const rows = [{ ts: 10, value: 1 }, { ts: 20, value: 2 }, { ts: 20, value: 2.5 }, { ts: 35, value: 3 }];

  it('inclusive: the last row with ts <= t; NaN before the first; equal stamps, the later row', () => {
    const c = new SideCursor(rows);
    expect([5, 10, 19, 20, 20, 34, 35, 1e9].map((t) => c.valueAt(t))).toEqual([Number.NaN, 1, 1, 2.5, 2.5, 2.5, 3, 3]);
  });

  it('exclusive: the last row with ts < t', () => {
    const c = new SideCursor(rows, 'exclusive');
    expect([10, 11, 20, 21, 35, 36].map((t) => c.valueAt(t))).toEqual([Number.NaN, 1, 1, 2.5, 2.5, 3]);
  });

  it('moves forward only, and says so', () => {
    const c = new SideCursor(rows);
    c.valueAt(30);
    expect(() => c.valueAt(29)).toThrow(/moves forward only/);
    expect(new SideCursor([]).valueAt(0)).toBeNaN();
  });
});

describe('loadSideSeries', () => {
  it('names the config key when the file cannot be read', () => {
    expect(() => loadSideSeries('/nonexistent/funding.csv', FUNDING_FILE)).toThrow(/^\/nonexistent\/funding.csv: cannot read the funding file \(.*\): check data.funding in the config$/);
    expect(() => loadSideSeries('/nonexistent/index.csv', INDEX_FILE)).toThrow(/check data.index in the config$/);
  });
});
