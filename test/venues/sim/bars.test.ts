import { describe, expect, it } from 'vitest';
import { harness, lmt, MARGIN, MIN, mkt, stl, stp, T0 } from './helpers.ts';

const t1 = T0 + MIN;
const t2 = T0 + 2 * MIN;
const t3 = T0 + 3 * MIN;

describe('SimVenue against bars', () => {
  it('market order: accepted at once, filled at the next bar open, never at the bar it was decided on', () => {
    const h = harness();
    const id = h.submit(mkt('buy', 10), T0);
    expect(h.reports).toEqual([{ kind: 'accepted', clientOrderId: id, venueOrderId: 'S1', ts: T0 }]);
    h.bar(T0, 90, 91, 89, 90); // stamped with the decision instant: the past, never matched
    expect(h.fills()).toEqual([]);
    h.bar(t1, 100.25, 101, 99, 100.5);
    expect(h.fills()).toEqual([
      { kind: 'fill', clientOrderId: id, execId: 'S1-1', qty: 10, price: 100.25, fee: 0, liquidity: 'taker', ts: t1 },
    ]);
    expect(h.venue.workingCount()).toBe(0);
  });

  it('limit buy, gap through on its first bar: filled at the open (price improvement), taker', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 100), T0);
    h.bar(t1, 99.5, 100.2, 99, 100);
    expect(h.fills(id)).toMatchObject([{ price: 99.5, qty: 10, liquidity: 'taker' }]);
  });

  it('limit buy that rested, then a later bar gaps through: filled at that open, maker', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 100), T0);
    h.bar(t1, 101, 101.5, 100.01, 101.2); // low stays one tick above: not touched
    expect(h.fills(id)).toEqual([]);
    h.bar(t2, 99.5, 100.2, 99, 100);
    expect(h.fills(id)).toMatchObject([{ price: 99.5, liquidity: 'maker', ts: t2 }]);
  });

  it('limit buy touched inside the bar: filled at the limit, maker; sell limit symmetric', () => {
    const h = harness({ account: MARGIN });
    const b = h.submit(lmt('buy', 10, 100), T0);
    const s = h.submit(lmt('sell', 5, 102), T0);
    h.bar(t1, 101, 102.5, 99.8, 101);
    expect(h.fills(b)).toMatchObject([{ price: 100, liquidity: 'maker' }]);
    expect(h.fills(s)).toMatchObject([{ price: 102, liquidity: 'maker' }]);
  });

  it('limit not touched: stays working, no fill', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 100), T0);
    h.bar(t1, 101, 101.5, 100.01, 101);
    expect(h.fills(id)).toEqual([]);
    expect(h.venue.snapshot().orders).toMatchObject([{ clientOrderId: id, status: 'accepted', filledQty: 0 }]);
  });

  it('stop buy: touched -> fills at the stop; gap -> at the open; not touched -> nothing', () => {
    const h = harness();
    const touched = h.submit(stp('buy', 1, 101), T0);
    h.bar(t1, 100, 101.5, 99.8, 101);
    expect(h.fills(touched)).toMatchObject([{ price: 101, liquidity: 'taker' }]);

    const gap = h.submit(stp('buy', 1, 101), t1);
    h.bar(t2, 102, 102.5, 101.5, 102);
    expect(h.fills(gap)).toMatchObject([{ price: 102, liquidity: 'taker' }]);

    const none = h.submit(stp('buy', 1, 103), t2);
    h.bar(t3, 102, 102.99, 101, 102);
    expect(h.fills(none)).toEqual([]);
  });

  it('stop sell triggers on the way down', () => {
    const h = harness({ account: MARGIN });
    const id = h.submit(stp('sell', 3, 99), T0);
    h.bar(t1, 100, 100.5, 98.5, 99.2);
    expect(h.fills(id)).toMatchObject([{ price: 99, qty: 3, liquidity: 'taker' }]);
  });

  it('stop-limit: triggered, then the limit is hit on the REST of the path (maker at the limit)', () => {
    // O=100 H=102 L=99 C=99.5: low is nearer, so the path is 100 -> 99 -> 102 -> 99.5.
    // The path visits 99 (below the 100.50 limit) BEFORE the stop triggers at 101: that must not count.
    // After the trigger it climbs to 102 and falls to 99.5, crossing 100.50: filled there.
    const h = harness();
    const id = h.submit(stl('buy', 10, 101, 100.5), T0);
    h.bar(t1, 100, 102, 99, 99.5);
    expect(h.fills(id)).toMatchObject([{ price: 100.5, liquidity: 'maker', ts: t1 }]);
  });

  it('stop-limit: triggered but the limit is never reached on the rest of the path; works as a limit afterwards', () => {
    // Path 100 -> 99 -> 102 -> 101: the stop triggers at 101 on the way up, then the price never
    // comes back down to 100.50.
    const h = harness();
    const id = h.submit(stl('buy', 10, 101, 100.5), T0);
    h.bar(t1, 100, 102, 99, 101);
    expect(h.fills(id)).toEqual([]);
    // Now a resting limit at 100.50: the next bar opening below it fills at that open, maker.
    h.bar(t2, 100.4, 100.8, 100.1, 100.6);
    expect(h.fills(id)).toMatchObject([{ price: 100.4, liquidity: 'maker', ts: t2 }]);
  });

  it('stop-limit gapping through the stop with a marketable limit: taker at the open', () => {
    const h = harness();
    const id = h.submit(stl('buy', 10, 101, 102.5), T0);
    h.bar(t1, 102, 103, 101.5, 102);
    expect(h.fills(id)).toMatchObject([{ price: 102, liquidity: 'taker' }]);
  });

  it('stop-limit gapping through the stop with the limit below the open: rests, then hit on the way down', () => {
    // O=102 H=102.5 L=101 C=101.2: high nearer -> 102 -> 102.5 -> 101 -> 101.2. Limit 101.50 reached on the fall.
    const h = harness();
    const id = h.submit(stl('buy', 10, 101, 101.5), T0);
    h.bar(t1, 102, 102.5, 101, 101.2);
    expect(h.fills(id)).toMatchObject([{ price: 101.5, liquidity: 'maker' }]);
  });

  it('fills of several orders in one bar follow the path: low first when the low is nearer', () => {
    const h = harness({ account: MARGIN });
    const target = h.submit(lmt('sell', 10, 106), T0);
    const stop = h.submit(stp('sell', 10, 96), T0);
    // O=100 H=106 L=95.5: |6| > |4.5| -> the low comes first, the stop fills before the target.
    h.bar(t1, 100, 106, 95.5, 101);
    expect(h.fills().map((f) => f.clientOrderId)).toEqual([stop, target]);
  });

  it('ties between high and low go high first (the fixed O-H-L-C order)', () => {
    const h = harness({ account: MARGIN });
    const stop = h.submit(stp('sell', 10, 96), T0);
    const target = h.submit(lmt('sell', 10, 104), T0);
    h.bar(t1, 100, 104, 96, 100); // |4| = |4|
    expect(h.fills().map((f) => f.clientOrderId)).toEqual([target, stop]);
  });

  it('trades are one-point bars: market at the print, limit when the print reaches it, stop when it triggers', () => {
    const h = harness({ account: MARGIN });
    const m = h.submit(mkt('buy', 1), T0);
    const l = h.submit(lmt('buy', 1, 99.9), T0);
    const s = h.submit(stp('sell', 1, 99.5), T0);
    h.trade(t1, 100);
    expect(h.fills(m)).toMatchObject([{ price: 100, liquidity: 'taker' }]);
    expect(h.fills(l)).toEqual([]);
    h.trade(t2, 99.4);
    expect(h.fills(l)).toMatchObject([{ price: 99.4, liquidity: 'maker' }]);
    expect(h.fills(s)).toMatchObject([{ price: 99.4, liquidity: 'taker' }]);
  });

  it('another symbol\'s bar stamped with the decision instant is its past too (no cross-symbol look-ahead)', () => {
    const h = harness();
    h.bar(T0, 100, 101, 99, 100); // the strategy decides on AAPL's bar T0...
    const id = h.submit(mkt('buy', 1, {}, 'MSFT'), T0);
    h.bar(T0, 50, 51, 49, 50, 1000, 'MSFT'); // ...MSFT's bar T0 comes next: already history
    expect(h.fills(id)).toEqual([]);
    h.bar(t1, 50.5, 51, 50, 50.5, 1000, 'MSFT');
    expect(h.fills(id)).toMatchObject([{ price: 50.5, ts: t1 }]);
  });

  it('orders wait for their own symbol', () => {
    const h = harness();
    const id = h.submit(mkt('buy', 1), T0);
    h.bar(t1, 50, 51, 49, 50, 1000, 'MSFT');
    expect(h.fills(id)).toEqual([]);
    h.bar(t1, 100, 101, 99, 100);
    expect(h.fills(id)).toMatchObject([{ price: 100 }]);
  });
});
