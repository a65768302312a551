import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDecimal } from '../../src/data/numbers.ts';

const p = (s: string): number => parseDecimal(s, 0, s.length);

describe('parseDecimal', () => {
  it('gives the same double as Number() for decimal text', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const s = String(x);
      expect(Object.is(p(s), Number(s)) || (x === 0 && p(s) === 0)).toBe(true);
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 12 }), (m, k) => {
      const s = (m / 10 ** k).toFixed(k);
      expect(p(s)).toBe(Number(s));
    }), { numRuns: 2000 });
  });

  it('reads signs, exponents, spaces and quotes', () => {
    expect(p('-1.5')).toBe(-1.5);
    expect(p('+2')).toBe(2);
    expect(p(' 3.25 ')).toBe(3.25);
    expect(p('"4.5"')).toBe(4.5);
    expect(p('1e-7')).toBe(1e-7);
    expect(p('.5')).toBe(0.5);
    expect(p('5.')).toBe(5);
    expect(p('1234567890123456789')).toBe(1234567890123456789);
  });

  it('refuses what is not a finite decimal', () => {
    for (const s of ['', ' ', '-', '.', 'NaN', 'nan', 'Infinity', '-Infinity', '0x10', '1,5', '1.2.3', '1e', '1e400', 'abc', '12a', '""', '1 2']) {
      expect(p(s), s).toBeNaN();
    }
  });
});
