import { describe, expect, it } from 'vitest';
import { loadBars } from '../../src/data/load.ts';
import { parseJsonlBars } from '../../src/data/jsonl.ts';
import { expectDataError, fixture } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const MIN = 60_000;
const row = (o: Record<string, unknown>): string => JSON.stringify({ timestamp: '2024-01-02T14:30:00Z', open: 10, high: 11, low: 9, close: 10, volume: 1, ...o });

describe('loadBars: JSONL', () => {
  it('reads numbers or numeric strings, any key case, ISO or epoch ms; skips blank lines', () => {
    const [s, ...rest] = loadBars(fixture('bars.jsonl'), { symbol: 'AAPL' });
    expect(rest).toHaveLength(0);
    expect(s!.symbol).toBe('AAPL');
    expect(Array.from(s!.ts)).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect(Array.from(s!.close)).toEqual([188.01, 187.62, 187.9]);
    expect(Array.from(s!.volume)).toEqual([1000, 1100, 0]);
  });

  it('takes the symbol from the file name without opts.symbol', () => {
    expect(loadBars(fixture('bars.jsonl'))[0]!.symbol).toBe('BARS');
  });

  it('.ndjson with a symbol field gives one series per symbol', () => {
    const out = loadBars(fixture('multi.ndjson'));
    expect(out.map((s) => [s.symbol, s.length])).toEqual([['BTC-USD', 2], ['ETH-USD', 1]]);
    expect(Array.from(out[0]!.close)).toEqual([60005, 60015]);
  });

  it('names file and line for each problem', () => {
    expectDataError(() => loadBars(fixture('bad-json.jsonl')), fixture('bad-json.jsonl'), 2, 'not valid JSON');
    expectDataError(() => loadBars(fixture('bad-missing.jsonl')), fixture('bad-missing.jsonl'), 2, 'missing fields high, volume');
    expectDataError(() => loadBars(fixture('bad-seconds.jsonl')), fixture('bad-seconds.jsonl'), 2, 'looks like epoch seconds');
    expectDataError(() => loadBars(fixture('bad-high-low.jsonl')), fixture('bad-high-low.jsonl'), 2, 'high 8 is below low 9');
  });

  it('refuses non-objects, non-numbers, fractional epochs, naive times and mixed symbol use', () => {
    const f = 'x.jsonl';
    expectDataError(() => parseJsonlBars('[1,2]\n', f), f, 1, 'expected a JSON object');
    expectDataError(() => parseJsonlBars(`${row({ close: 'ten' })}\n`, f), f, 1, 'close "ten" is not a number');
    expectDataError(() => parseJsonlBars(`${row({ volume: null })}\n`, f), f, 1, 'volume null is not a number');
    expectDataError(() => parseJsonlBars(`${row({ timestamp: 1704205800000.5 })}\n`, f), f, 1, 'not a whole, non-negative number of epoch milliseconds');
    expectDataError(() => parseJsonlBars(`${row({ timestamp: '2024-01-02 09:30' })}\n`, f), f, 1, 'has no UTC offset');
    expectDataError(() => parseJsonlBars(`${row({ timestamp: true })}\n`, f), f, 1, 'timestamp true is neither');
    expectDataError(() => parseJsonlBars(`${row({ symbol: 'A' })}\n${row({ timestamp: '2024-01-02T14:31:00Z' })}\n`, f), f, 2, 'this line has no symbol but line 1 has one');
    expectDataError(() => parseJsonlBars(`${row({})}\n${row({ symbol: 'A', timestamp: '2024-01-02T14:31:00Z' })}\n`, f), f, 2, 'this line has a symbol but line 1 has none');
    expectDataError(() => parseJsonlBars(`${row({})}\n${row({})}\n`, f), f, 2, 'duplicate timestamp');
    expectDataError(() => parseJsonlBars('\n\n', f), f, 0, 'file is empty');
  });

  it('reads naive times with tz and applies from/to', () => {
    const text = [row({ timestamp: '2024-01-02 09:30:00' }), row({ timestamp: '2024-01-02 09:31:00' }), row({ timestamp: '2024-01-02 09:32:00' })].join('\n');
    const [s] = parseJsonlBars(text, 'x.jsonl', { tz: 'America/New_York', from: T0 + MIN });
    expect(Array.from(s!.ts)).toEqual([T0 + MIN, T0 + 2 * MIN]);
  });
});
