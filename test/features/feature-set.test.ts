/** FeatureSet's checks and shape, and parseFeatureList (the CLI's --features). */
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.ts';
import { FeatureError } from '../../src/features/errors.ts';
import { FeatureSet, parseFeatureList } from '../../src/features/feature-set.ts';
import { basis, fundingRate, range, returns, rsi, volatility, volumeRatio, zscore } from '../../src/features/library.ts';
import type { FeatureInput, FeatureSpec } from '../../src/features/types.ts';

const ENV = { calendar: '24x7', barMs: 60_000 } as const;
const input = (ts: number, close: number, symbol = 'X'): FeatureInput => {
  const bar: Bar = { kind: 'bar', symbol, ts, open: close, high: close + 1, low: close - 1, close, volume: 10 };
  return { bar, funding: 0.0001, index: close - 0.5 };
};

describe('FeatureSet', () => {
  it('names in declared order, the longest lookback, the union of sources', () => {
    const set = new FeatureSet([range(), volatility(30), fundingRate(), returns(5)]);
    expect(set.names).toEqual(['range', 'vol_30', 'funding', 'ret_5']);
    expect(set.lookback).toBe(31);
    expect([...set.sources].sort()).toEqual(['bar', 'funding']);
    expect([...new FeatureSet([basis()]).sources].sort()).toEqual(['bar', 'index']);
  });

  it('rejects duplicate names, a lookback below 1, an empty set', () => {
    expect(() => new FeatureSet([returns(5), returns(5)])).toThrow(/"ret_5" is declared twice/);
    const bad: FeatureSpec = { name: 'mine', inputs: ['bar'], lookback: 0, create: () => ({ update: () => 0 }) };
    expect(() => new FeatureSet([bad])).toThrow(/"mine" has lookback 0: it must be a whole number of bars >= 1/);
    expect(() => new FeatureSet([{ ...bad, lookback: 2.5 }])).toThrow(FeatureError);
    expect(() => new FeatureSet([])).toThrow(/at least one feature/);
  });

  it('update returns the same buffer each bar, overwritten (callers copy what they keep)', () => {
    const run = new FeatureSet([returns(1), range()]).incremental(ENV);
    const a = run.update(input(0, 100));
    const first = Array.from(a);
    const b = run.update(input(60_000, 110));
    expect(b).toBe(a);
    expect(first[0]).toBeNaN();
    expect(b[0]).toBeCloseTo(0.1, 12);
  });

  it('matrix is row-major, one row per input', () => {
    const m = new FeatureSet([returns(1), range()]).matrix([input(0, 100), input(60_000, 110)], ENV);
    expect(m).toMatchObject({ names: ['ret_1', 'range'], rows: 2, cols: 2 });
    expect(m.values[0]).toBeNaN();
    expect(m.values[1]).toBeCloseTo(2 / 100, 15);
    expect(m.values[2]).toBeCloseTo(0.1, 12);
    expect(m.values[3]).toBeCloseTo(2 / 110, 15);
  });

  it('refuses bars out of order, repeated, or of another symbol', () => {
    const run = new FeatureSet([returns(1)]).incremental(ENV);
    run.update(input(60_000, 100));
    expect(() => run.update(input(60_000, 100))).toThrow(/is not after the previous one/);
    expect(() => run.update(input(0, 100))).toThrow(FeatureError);
    expect(() => run.update(input(120_000, 100, 'Y'))).toThrow(/make one incremental\(\) per symbol/);
  });

  it('window arguments are checked where a feature is made', () => {
    expect(() => returns(0)).toThrow(/returns\(0\): the window must be a whole number of bars in \[1, 100000\]/);
    expect(() => volatility(1)).toThrow(/\[2, 100000\]/);
    expect(() => zscore(1)).toThrow(FeatureError);
    expect(() => rsi(1.5)).toThrow(FeatureError);
    expect(() => volumeRatio(100_001)).toThrow(FeatureError);
  });
});

describe('parseFeatureList', () => {
  it('parses names into specs in order, with their lookbacks and inputs', () => {
    const specs = parseFeatureList('ret_5, vol_30,rsi_14,zscore_20,volratio_10,range,tod,dow,funding,basis');
    expect(specs.map((s) => [s.name, s.lookback])).toEqual([
      ['ret_5', 6], ['vol_30', 31], ['rsi_14', 15], ['zscore_20', 20], ['volratio_10', 10],
      ['range', 1], ['tod', 1], ['dow', 1], ['funding', 1], ['basis', 1],
    ]);
    expect(specs.find((s) => s.name === 'funding')?.inputs).toEqual(['bar', 'funding']);
  });

  it('names the known features and patterns for an unknown one', () => {
    expect(() => parseFeatureList('ret_5,macd')).toThrow(
      'unknown feature "macd": known features are ret_N, vol_N, rsi_N, zscore_N, volratio_N, range, tod, dow, funding, basis (N a whole number of bars, e.g. ret_5,vol_30,rsi_14,range,funding)',
    );
  });

  it('explains a bad N, a too-short window, an empty item, a duplicate, an empty list', () => {
    expect(() => parseFeatureList('ret_x')).toThrow('feature "ret_x": ret_N needs N as a whole number of bars (e.g. ret_14)');
    expect(() => parseFeatureList('ret_05')).toThrow(/ret_N needs N/);
    expect(() => parseFeatureList('vol_1')).toThrow(/volatility\(1\): the window must be a whole number of bars in \[2, 100000\]/);
    expect(() => parseFeatureList('ret_5,,range')).toThrow(/has an empty item/);
    expect(() => parseFeatureList('range,range')).toThrow(/"range" is declared twice/);
    expect(() => parseFeatureList(' ')).toThrow(/the feature list is empty/);
    expect(() => parseFeatureList('range_3')).toThrow(/unknown feature "range_3"/);
  });
});
