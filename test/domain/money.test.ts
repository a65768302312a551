import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { money, notional, fraction, mulDiv, add, toNumber, LedgerOverflowError, type Money } from '../../src/domain/money.ts';
import { isOnGrid, roundPriceAgainst, fromSteps, decimalsOf } from '../../src/domain/instrument.ts';

describe('money', () => {
  it('computes notionals exactly for awkward grids', () => {
    expect(toNumber(notional(6_000_001, 1, 0.01, 0.00001, 1))).toBe(0.6000001);
    expect(toNumber(notional(10_001, 300, 0.01, 1, 1))).toBe(30_003);
    expect(toNumber(notional(123, 7, 0.1, 0.001, 1))).toBe(0.0861);
  });
  it('rounds fees up, never understating them', () => {
    expect(toNumber(fraction(money(100), 0.00035))).toBe(0.035);
    expect(fraction(1 as Money, 0.5)).toBe(1);
  });
  it('mulDiv rounds half away from zero exactly', () => {
    expect(mulDiv(5, 1, 2)).toBe(3);
    expect(mulDiv(-5, 1, 2)).toBe(-3);
    expect(mulDiv(10, 1, 3)).toBe(3);
  });
  it('mulDiv equals the exact BigInt rounding for any integers, small products and huge ones (property)', () => {
    const exact = (a: number, b: number, c: number): number => {
      let n = BigInt(a) * BigInt(b);
      let d = BigInt(c);
      if (d < 0n) { n = -n; d = -d; }
      const q = n / d;
      const r = n % d;
      const twice = (r < 0n ? -r : r) * 2n;
      return Number(r === 0n || twice < d ? q : n < 0n ? q - 1n : q + 1n);
    };
    const int = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer(), fc.maxSafeInteger().map((x) => Math.floor(x / 3)), fc.integer({ min: -1e15, max: 1e15 }));
    const den = int.filter((x) => x !== 0);
    fc.assert(fc.property(int, int, den, (a, b, c) => {
      if (!Number.isSafeInteger(exact(a, b, c))) return;
      expect(mulDiv(a, b, c)).toBe(exact(a, b, c));
    }), { numRuns: 20_000 });
    for (const [a, b, c] of [[7, 0, 3], [0, 5, -2], [1, 1, 2], [-1, 1, 2], [3, 1, -2], [-3, 1, -2], [2 ** 52, 3, 7], [-(2 ** 52), 3, 7], [9_007_199_254_740_991, 1, 2], [123_456_789, 987_654, 1_000_003]] as const) {
      expect(mulDiv(a, b, c)).toBe(exact(a, b, c));
    }
    expect(Object.is(mulDiv(0, 5, -2), 0)).toBe(true); // never -0
  });
  it('fromSteps gives each step its own scale when steps alternate (the last-step memo)', () => {
    const seq: [number, number, number][] = [[3, 0.1, 0.3], [3, 0.01, 0.03], [3, 0.1, 0.3], [7, 5, 35], [12345, 0.00001, 0.12345], [3, 0.1, 0.3]];
    for (const [n, step, want] of seq) expect(fromSteps(n, step)).toBe(want);
  });
  it('refuses to overflow instead of losing cents', () => {
    expect(() => add(money(80_000_000), money(20_000_000))).toThrow(LedgerOverflowError);
  });
  it('sums of cents never drift (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { maxLength: 200 }), (cents) => {
      let m = money(0);
      for (const c of cents) m = add(m, money(c / 100));
      expect(m).toBe(cents.reduce((a, b) => a + b, 0) * 1_000_000);
    }));
  });
});

describe('tick grid', () => {
  it('knows what is on the grid', () => {
    expect(isOnGrid(100.01, 0.01)).toBe(true);
    expect(isOnGrid(100.015, 0.01)).toBe(false);
    expect(isOnGrid(0.3, 0.1)).toBe(true);
  });
  it('rounds against the trader', () => {
    expect(roundPriceAgainst(100.011, 0.01, 'buy')).toBe(100.02);
    expect(roundPriceAgainst(100.019, 0.01, 'sell')).toBe(100.01);
    expect(roundPriceAgainst(100.01, 0.01, 'buy')).toBe(100.01);
  });
  it('prints steps exactly', () => {
    expect(fromSteps(3, 0.1)).toBe(0.3);
    expect(decimalsOf(0.00001)).toBe(5);
    expect(decimalsOf(1e-8)).toBe(8);
  });
});
