/**
 * Every shipped feature, on synthetic bars with gaps, session boundaries and DST changes, and side
 * rows at irregular instants: batch equals incremental exactly, both equal a naive recomputation,
 * nothing at bar t depends on anything after it, and values appear exactly when warm.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.ts';
import type { SideRow } from '../../src/data/side-series.ts';
import { FeatureSet, parseFeatureList } from '../../src/features/feature-set.ts';
import { assembleInputs, InputAssembler } from '../../src/features/inputs.ts';
import type { FeatureEnv, FeatureSpec } from '../../src/features/types.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { naiveFeature } from './naive.ts';
import { cryptoTimes, equityTimes, MINUTE, sideRows, walk, withGaps } from './synthetic.ts';

/** Every shipped feature, with short and long windows (the shortest each allows among them). */
const LIST = 'ret_1,ret_5,vol_2,vol_30,rsi_1,rsi_14,zscore_2,zscore_20,volratio_1,volratio_10,range,tod,dow,funding,basis';
const specs = (): FeatureSpec[] => parseFeatureList(LIST);

/** Relative tolerance against the naive reference (plus 1e-15 absolute for values at 0). */
const REL = 1e-9;

interface Case {
  readonly label: string;
  readonly env: FeatureEnv;
  readonly zone: 'America/New_York' | 'UTC';
  readonly bars: Bar[];
  readonly funding: SideRow[];
  readonly index: SideRow[];
}

function makeCase(label: string, symbol: string, calendar: FeatureEnv['calendar'], times: number[], seed: number): Case {
  const bars = walk(symbol, withGaps(times, seed), seed + 1);
  return {
    label,
    env: { calendar, barMs: MINUTE },
    zone: calendar === 'us_equity' ? 'America/New_York' : 'UTC',
    bars,
    funding: sideRows(bars, MINUTE, 30, seed + 2, (r) => (r() - 0.5) * 0.001),
    index: sideRows(bars, MINUTE, 3, seed + 3, (r) => 100 * (1 + (r() - 0.5) * 0.01)),
  };
}

const CASES: readonly Case[] = [
  makeCase('us_equity, overnight/weekend gaps, both 2024 DST changes', 'SPY', 'us_equity', equityTimes(), 11),
  makeCase('24x7 across midnight UTC and the week boundary', 'BTCUSDT', '24x7', cryptoTimes(), 23),
];

function batch(c: Case, bars: readonly Bar[] = c.bars, funding = c.funding, index = c.index): Float64Array {
  const set = new FeatureSet(specs());
  const side = { funding: { [c.bars[0]!.symbol]: funding }, index: { [c.bars[0]!.symbol]: index } };
  return set.matrix(assembleInputs(bars, side, c.env.barMs), c.env).values;
}

const same = (a: number, b: number): boolean => Object.is(a, b);
const close = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b)) + 1e-15;

describe.each(CASES)('features: $label', (c) => {
  const names = new FeatureSet(specs()).names;
  const cols = names.length;

  it('the data has what the rules are about: gaps, sessions, side rows at a close instant', () => {
    const steps = c.bars.slice(1).map((b, i) => b.ts - c.bars[i]!.ts);
    expect(steps.some((s) => s === 2 * MINUTE)).toBe(true); // a missing minute
    expect(steps.some((s) => s >= 21 * MINUTE)).toBe(true); // the hole, or a night
    const closes = new Set(c.bars.map((b) => b.ts + MINUTE));
    expect(c.funding.some((r) => closes.has(r.ts))).toBe(true);
    expect(c.index.some((r) => closes.has(r.ts))).toBe(true);
  });

  it('batch (matrix over assembleInputs) equals incremental (InputAssembler.at bar by bar) exactly, with another symbol interleaved', () => {
    const expected = batch(c);
    // The engine's way: one assembler for every symbol, one incremental state per symbol, bars of
    // two symbols interleaved in time order.
    const otherBars = walk('OTHER', c.bars.map((b) => b.ts), 99);
    const other = { bars: otherBars, funding: sideRows(otherBars, MINUTE, 30, 98, (r) => r() * 0.001), index: sideRows(otherBars, MINUTE, 3, 97, (r) => 50 + r()) };
    const side = {
      funding: { [c.bars[0]!.symbol]: c.funding, OTHER: other.funding },
      index: { [c.bars[0]!.symbol]: c.index, OTHER: other.index },
    };
    const assembler = new InputAssembler(side, c.env.barMs);
    const set = new FeatureSet(specs());
    const mine = set.incremental(c.env);
    const theirs = set.incremental(c.env);
    const got = new Float64Array(c.bars.length * cols);
    c.bars.forEach((bar, r) => {
      theirs.update(assembler.at(other.bars[r]!));
      got.set(mine.update(assembler.at(bar)), r * cols);
    });
    let mismatches = 0;
    for (let i = 0; i < got.length; i++) if (!same(got[i]!, expected[i]!)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('equals a naive full-window recomputation at every bar, within 1e-9 relative', () => {
    const values = batch(c);
    const naiveSide = { funding: c.funding, index: c.index, barMs: c.env.barMs, zone: c.zone };
    const bad: string[] = [];
    names.forEach((name, j) => {
      const ref = naiveFeature(name);
      let finite = 0;
      for (let t = 0; t < c.bars.length; t++) {
        const want = ref(c.bars, t, naiveSide);
        const got = values[t * cols + j]!;
        if (Number.isFinite(got)) finite++;
        if (!close(got, want) && bad.length < 10) bad.push(`${name} at bar ${t}: ${got} vs naive ${want}`);
      }
      expect(finite, `${name} has values`).toBeGreaterThan(c.bars.length / 2);
    });
    expect(bad).toEqual([]);
  });

  it('no look-ahead: changing every bar after t, and every side row at or after its close, leaves rows 0..t unchanged', () => {
    const base = batch(c);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: c.bars.length - 2 }), fc.integer(), (t, seed) => {
        const rand = mulberry32(seed);
        const cut = c.bars[t]!.ts + c.env.barMs; // bar t is complete here
        const later = c.bars.slice(t + 1).filter(() => rand() > 0.2).map((b) => {
          const close = 50 + rand() * 100;
          return { ...b, open: close, high: close + rand(), low: close - rand(), close, volume: Math.floor(rand() * 5000) };
        });
        const perturb = (rows: readonly SideRow[], scale: number): SideRow[] => [
          ...rows.filter((r) => r.ts < cut),
          { ts: cut, value: scale * (1 + rand()) }, // a row stamped exactly when bar t completes
          ...rows.filter((r) => r.ts >= cut).map((r) => ({ ts: r.ts, value: scale * (1 + rand()) })),
        ];
        const changed = batch(c, [...c.bars.slice(0, t + 1), ...later], perturb(c.funding, 0.001), perturb(c.index, 100));
        for (let i = 0; i < (t + 1) * cols; i++) if (!same(changed[i]!, base[i]!)) return false;
        return true;
      }),
      { numRuns: 60, seed: 20241103 },
    );
  });

  it('NaN until warm, and a value exactly at index lookback - 1', () => {
    const values = batch(c);
    specs().forEach((s, j) => {
      for (let t = 0; t < s.lookback - 1; t++) expect(values[t * cols + j], `${s.name} at ${t}`).toBeNaN();
      expect(Number.isFinite(values[(s.lookback - 1) * cols + j]!), `${s.name} at ${s.lookback - 1}`).toBe(true);
    });
  });
});

describe('NaN propagates and clears', () => {
  it('a NaN close makes exactly the values that read it NaN, then they recover', () => {
    const c = CASES[1]!;
    const k = 100;
    const bars = c.bars.map((b, i) => (i === k ? { ...b, close: Number.NaN } : b));
    const values = batch(c, bars);
    const cols = specs().length;
    specs().forEach((s, j) => {
      if (!['ret_5', 'vol_30', 'rsi_14', 'zscore_20', 'range', 'basis'].includes(s.name)) return;
      for (let t = k - 2; t < k + s.lookback + 2; t++) {
        // ret_n reads only the window's two ends; the others read every close in it.
        const reads = s.name === 'ret_5' ? t === k || t === k + 5 : t >= k && t <= k + s.lookback - 1;
        expect(Number.isNaN(values[t * cols + j]!), `${s.name} at bar ${t} (NaN close at ${k})`).toBe(reads);
      }
    });
  });

  it('side inputs read NaN before their first row and for a symbol without rows', () => {
    const c = CASES[1]!;
    const bars = c.bars.slice(0, 5);
    const a = new InputAssembler({ funding: { [bars[0]!.symbol]: [{ ts: bars[2]!.ts + MINUTE - 1, value: 0.0001 }] } }, MINUTE);
    const got = bars.map((b) => a.at(b));
    expect(got.map((x) => x.funding)).toEqual([Number.NaN, Number.NaN, 0.0001, 0.0001, 0.0001]);
    expect(got.every((x) => Number.isNaN(x.index))).toBe(true);
    const set = new FeatureSet(parseFeatureList('funding,basis'));
    const m = set.matrix(got, c.env);
    expect(Array.from(m.values)).toEqual([Number.NaN, Number.NaN, Number.NaN, Number.NaN, 0.0001, Number.NaN, 0.0001, Number.NaN, 0.0001, Number.NaN]);
  });

  it('a side row stamped exactly at the close counts from the next bar on', () => {
    const c = CASES[1]!;
    const [b0, b1] = c.bars as [Bar, Bar];
    const a = new InputAssembler({ index: { [b0.symbol]: [{ ts: b0.ts, value: 100 }, { ts: b0.ts + MINUTE, value: 101 }] } }, MINUTE);
    expect(a.at(b0).index).toBe(100);
    expect(a.at(b1).index).toBe(101);
  });
});
