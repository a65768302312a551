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
