import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FoldError, walkForwardFolds, type FoldRows } from '../../src/ml/folds.ts';

const MIN = 60_000;

/** One symbol, bars 0..n-1 a minute apart, label horizon h in rows (as labels.ts makes them). */
function oneSymbol(n: number, h: number): FoldRows {
  const rows = n - h;
  const ts = Array.from({ length: rows }, (_, t) => t * MIN);
  return { ts, labelStart: ts.map((t) => t + MIN), labelEnd: ts.map((t) => t + h * MIN) };
}

describe('walkForwardFolds by hand', () => {
  it('K folds test blocks 1..K, train on the past, purge the rows whose label reaches the test block', () => {
    // 12 rows, h = 2, 2 folds: blocks [0,4) [4,8) [8,12).
    const folds = walkForwardFolds(oneSymbol(14, 2), { folds: 2, embargoMs: 0 });
    expect(folds.map((f) => [...f.test])).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    // Fold 1 tests from minute 4: rows 2 and 3 have labels reading minutes 3-4 and 4-5.
    expect([...folds[0]!.train]).toEqual([0, 1]);
    expect(folds[0]!.purged).toBe(2);
    expect(folds[0]!.testStart).toBe(4 * MIN);
    expect(folds[0]!.testEnd).toBe(9 * MIN);
    expect([...folds[1]!.train]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(folds[1]!.purged).toBe(2);
  });

  it('an embargo of E bars keeps a gap of E more bars before the test block', () => {
    const folds = walkForwardFolds(oneSymbol(14, 2), { folds: 2, embargoMs: 3 * MIN });
    // Fold 2 tests from minute 8: purge drops rows 6, 7 (labels end at 8, 9); the embargo drops
    // rows whose label ends at minute 5..7 (rows 3, 4, 5).
    expect([...folds[1]!.train]).toEqual([0, 1, 2]);
    expect(folds[1]!.purged).toBe(2);
    expect(folds[1]!.embargoed).toBe(3);
  });

  it('a cut never splits rows of one bar time (several symbols)', () => {
    // Three symbols at every minute: 9 rows at 3 times, 2 folds -> blocks of one time each.
    const ts = [0, 0, 0, 1, 1, 1, 2, 2, 2].map((m) => m * MIN);
    const folds = walkForwardFolds({ ts, labelStart: ts.map((t) => t + MIN), labelEnd: ts.map((t) => t + MIN) }, { folds: 2, embargoMs: 0 });
    expect(folds.map((f) => [...f.test])).toEqual([[3, 4, 5], [6, 7, 8]]);
    expect(folds.map((f) => [...f.train])).toEqual([[], [0, 1, 2]]); // fold 1's past labels all read minute 1
  });

  it('refuses too many folds for the rows, saying what to do', () => {
    expect(() => walkForwardFolds(oneSymbol(5, 1), { folds: 6, embargoMs: 0 })).toThrow(FoldError);
    expect(() => walkForwardFolds(oneSymbol(5, 1), { folds: 6, embargoMs: 0 })).toThrow(/use fewer --folds or more data/);
    const same = [5, 5, 5, 5];
    expect(() => walkForwardFolds({ ts: same, labelStart: same, labelEnd: same }, { folds: 1, embargoMs: 0 })).toThrow(/1 distinct times/);
  });

  it('refuses rows out of time order and bad options', () => {
    expect(() => walkForwardFolds({ ts: [2, 1], labelStart: [3, 2], labelEnd: [3, 2] }, { folds: 1, embargoMs: 0 })).toThrow(/time order/);
    expect(() => walkForwardFolds(oneSymbol(10, 1), { folds: 0, embargoMs: 0 })).toThrow(/folds must be a whole number >= 1/);
    expect(() => walkForwardFolds(oneSymbol(10, 1), { folds: 2, embargoMs: -1 })).toThrow(/embargo/);
  });
});

/** Several symbols with gaps, each labelled H rows ahead, merged in time order. */
const rowsArb = fc.record({
  symbols: fc.array(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 80 }), { minLength: 1, maxLength: 3 }),
  h: fc.integer({ min: 1, max: 8 }),
}).map(({ symbols, h }) => {
  const all: { ts: number; ls: number; le: number }[] = [];
  for (const steps of symbols) {
    const times: number[] = [];
    let t = 0;
    for (const s of steps) { t += s * MIN; times.push(t); }
    for (let i = 0; i + h < times.length; i++) all.push({ ts: times[i]!, ls: times[i + 1]!, le: times[i + h]! });
  }
  all.sort((a, b) => a.ts - b.ts);
  return { ts: all.map((r) => r.ts), labelStart: all.map((r) => r.ls), labelEnd: all.map((r) => r.le) };
});

describe('walkForwardFolds properties', () => {
  it('no train row label meets its test span; train precedes test; no row is tested twice; nothing dropped needlessly', () => {
    fc.assert(fc.property(rowsArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 10 }), (rows, K, E) => {
      let folds;
      try {
        folds = walkForwardFolds(rows, { folds: K, embargoMs: E * MIN });
      } catch (err) {
        if (err instanceof FoldError) return; // too few distinct times for K folds
        throw err;
      }
      expect(folds).toHaveLength(K);
      const tested = new Set<number>();
      for (const f of folds) {
        expect(f.test.length).toBeGreaterThan(0);
        const testTs = [...f.test].map((i) => rows.ts[i]!);
        const start = Math.min(...testTs);
        const end = Math.max(...[...f.test].map((i) => rows.labelEnd[i]!));
        expect(f.testStart).toBe(start);
        expect(f.testEnd).toBe(end);
        for (const i of f.test) {
          expect(tested.has(i)).toBe(false);
          tested.add(i);
        }
        for (const i of f.train) {
          expect(rows.ts[i]!).toBeLessThan(start);
          const meets = rows.labelStart[i]! <= end && rows.labelEnd[i]! >= start;
          expect(meets).toBe(false);
          expect(rows.labelEnd[i]!).toBeLessThan(start - E * MIN);
        }
        // Every earlier row is either trained on or accounted for as purged / embargoed.
        const before = rows.ts.filter((t) => t < start).length;
        expect(f.train.length + f.purged + f.embargoed).toBe(before);
        let meetsCount = 0;
        for (let i = 0; i < rows.ts.length; i++) {
          if (rows.ts[i]! < start && rows.labelStart[i]! <= end && rows.labelEnd[i]! >= start) meetsCount++;
        }
        expect(f.purged).toBe(meetsCount);
      }
    }), { numRuns: 300 });
  });
});
