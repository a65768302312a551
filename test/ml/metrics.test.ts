import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auc, confusion, logLoss } from '../../src/ml/metrics.ts';

describe('auc', () => {
  it('matches hand-counted pairs', () => {
    // Positives 0.8, 0.4; negatives 0.6, 0.2. Pairs (pos > neg): 0.8>0.6, 0.8>0.2, 0.4>0.2; 0.4<0.6. 3/4.
    expect(auc([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2])).toBe(0.75);
    expect(auc([1, 1, 0, 0], [0.9, 0.8, 0.1, 0.2])).toBe(1);
    expect(auc([0, 0, 1, 1], [0.9, 0.8, 0.1, 0.2])).toBe(0);
  });

  it('counts a tie between a positive and a negative as one half', () => {
    // pos {0.5, 0.7}, neg {0.5, 0.1}: (0.5 vs 0.5) 0.5 + (0.5>0.1) 1 + (0.7>0.5) 1 + (0.7>0.1) 1 = 3.5 / 4
    expect(auc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.1])).toBe(0.875);
    expect(auc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('is NaN with one class only', () => {
    expect(auc([1, 1], [0.2, 0.3])).toBeNaN();
    expect(auc([], [])).toBeNaN();
  });

  it('equals the pair count on random data', () => {
    const data = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 40 });
    fc.assert(fc.property(data, (rows) => {
      const y = rows.map((r) => r[0]);
      const s = rows.map((r) => r[1] / 5);
      let wins = 0, pairs = 0;
      for (let i = 0; i < rows.length; i++) for (let j = 0; j < rows.length; j++) {
        if (y[i] === 1 && y[j] === 0) { pairs++; wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0; }
      }
      const a = auc(y, s);
      if (pairs === 0) expect(a).toBeNaN();
      else expect(a).toBeCloseTo(wins / pairs, 12);
    }));
  });
});

describe('logLoss', () => {
  it('matches the hand computation', () => {
    // -(ln 0.8 + ln(1 - 0.3)) / 2
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 15);
    expect(logLoss([1, 0, 1], [0.5, 0.5, 0.5])).toBeCloseTo(Math.log(2), 15);
  });

  it('clips a certain miss to a finite loss', () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 10);
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-15), 10);
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
  });

  it('refuses misaligned input and labels other than 0/1', () => {
    expect(() => logLoss([1, 0], [0.5])).toThrow(/2 labels but 1 predictions/);
    expect(() => logLoss([2], [0.5])).toThrow(/labels are 0 or 1/);
  });
});

describe('confusion', () => {
  it('calls p > 0.5 a 1 and counts the four cells', () => {
    const c = confusion([1, 1, 0, 0, 1, 0], [0.9, 0.4, 0.6, 0.1, 0.5, 0.5]);
    // 0.9/1 tp; 0.4/1 fn; 0.6/0 fp; 0.1/0 tn; 0.5/1 fn (0.5 is not above); 0.5/0 tn
    expect(c).toEqual({ threshold: 0.5, tp: 1, fp: 1, tn: 2, fn: 2, accuracy: 3 / 6 });
  });

  it('has NaN accuracy with no rows', () => {
    expect(confusion([], []).accuracy).toBeNaN();
  });
});
