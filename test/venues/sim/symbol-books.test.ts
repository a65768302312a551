/**
 * The venue finds a symbol's book by guessing the one that followed the previous event's symbol
 * last time (a merge of series repeats its order at every timestamp). A wrong guess must fall back
 * to the lookup: an order is only ever matched against its own symbol's events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN, T0, harness } from './helpers.ts';

const SYMS = ['AAPL', 'MSFT', 'BTC-USD'] as const;
/** Each symbol's opens are in a range of their own, so a fill price names the symbol it came from. */
const openOf = (k: number, n: number): number => (k === 0 ? 100 : k === 1 ? 300 : 40_000) + n;

describe('sim venue symbol books under any interleaving', () => {
  it('a market order fills at the next open of its own symbol', () => {
    const order = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: 30 });
    fc.assert(fc.property(order, order, (before, after) => {
      const h = harness();
      let n = 0;
      const feed = (ks: readonly number[]): void => {
        for (const k of ks) {
          n++;
          const o = openOf(k, n);
          h.bar(T0 + n * MIN, o, o + 0.5, o - 0.5, o, 1_000_000, SYMS[k]);
        }
      };
      feed(before); // builds the venue's guesses
      const ids = SYMS.map((symbol, k) => h.submit({ symbol, side: 'buy', type: 'market', qty: k === 2 ? 0.001 : 1 }, T0 + n * MIN));
      const at = n;
      feed(after);
      SYMS.forEach((_, k) => {
        const first = after.findIndex((x) => x === k);
        const fills = h.fills(ids[k]);
        if (first < 0) expect(fills).toEqual([]);
        else expect(fills.map((f) => f.price)).toEqual([openOf(k, at + first + 1)]);
      });
    }), { numRuns: 300 });
  });
});
