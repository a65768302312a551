/** ChunkedScaled keeps numbers as 32-bit steps only where that is exact: every number comes back as written. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedScaled } from '../../src/util/columns.ts';

describe('ChunkedScaled', () => {
  it('gives back any sequence of numbers exactly, at any scale', () => {
    const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e15, 0.1, 59615.84, 1.59353),
      fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100), fc.integer({ min: 0, max: 1e6 }).map((n) => 946_684_800_000 + n * 60_000));
    fc.assert(fc.property(fc.constantFrom([1, 1], [1, 1000], [100, 1], [1e4, 1], [1e8, 1]), fc.array(num, { maxLength: 200 }), fc.nat(3), ([div, mul], vs, spread) => {
      const c = new ChunkedScaled(div, mul);
      // Rows spread over chunk boundaries too (16,384 slots a chunk).
      const at = (k: number): number => k * (spread * 97 + 1);
      vs.forEach((v, k) => c.set(at(k), v));
      vs.forEach((v, k) => expect(Object.is(c.get(at(k)), v)).toBe(true));
    }), { numRuns: 300 });
  });

  it('costs 4 bytes a slot for minute times, cent prices and 1e-8 quantities', () => {
    const ts = new ChunkedScaled(1, 1000);
    const px = new ChunkedScaled(1e4);
    const q = new ChunkedScaled(1e8);
    const n = 4 * 16_384;
    for (let i = 0; i < n; i++) {
      ts.set(i, 946_684_800_000 + i * 26 * 60_000);
      px.set(i, Math.round((60_000 + 3_000 * Math.sin(i / 50)) * 100) / 100);
      q.set(i, Math.round((1.5 + (i % 89) * 0.00731) * 1e5) / 1e5);
    }
    expect([ts.bytes, px.bytes, q.bytes]).toEqual([4 * n, 4 * n, 4 * n]);
    expect(px.get(12_345)).toBe(Math.round((60_000 + 3_000 * Math.sin(12_345 / 50)) * 100) / 100);
  });
});
