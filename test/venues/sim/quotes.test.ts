import { describe, expect, it } from 'vitest';
import { harness, lmt, MARGIN, MIN, mkt, stl, stp, T0 } from './helpers.ts';

const t1 = T0 + 1000;
const t2 = T0 + 2000;
const t3 = T0 + 3000;

describe('SimVenue against quotes', () => {
  it('market buy at the ask, market sell at the bid, both taker', () => {
    const h = harness({ account: MARGIN });
    const b = h.submit(mkt('buy', 10), T0);
    const s = h.submit(mkt('sell', 4), T0);
    h.quote(t1, 100, 100.05);
    expect(h.fills(b)).toMatchObject([{ price: 100.05, qty: 10, liquidity: 'taker', ts: t1 }]);
    expect(h.fills(s)).toMatchObject([{ price: 100, qty: 4, liquidity: 'taker', ts: t1 }]);
  });

  it('a marketable limit fills at the quote (taker), never at its own worse limit', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 100.1), T0);
    h.quote(t1, 100, 100.05);
    expect(h.fills(id)).toMatchObject([{ price: 100.05, liquidity: 'taker' }]);
  });

  it('a resting limit fills at its limit when the opposite quote reaches it (maker)', () => {
    const h = harness({ account: MARGIN });
    const b = h.submit(lmt('buy', 10, 100), T0);
    const s = h.submit(lmt('sell', 10, 100.2), T0);
    h.quote(t1, 100, 100.05); // ask above the buy, bid below the sell: both rest
    expect(h.fills()).toEqual([]);
    h.quote(t2, 99.9, 99.98);
    expect(h.fills(b)).toMatchObject([{ price: 100, liquidity: 'maker', ts: t2 }]);
    h.quote(t3, 100.25, 100.3);
    expect(h.fills(s)).toMatchObject([{ price: 100.2, liquidity: 'maker', ts: t3 }]);
  });

  it('stops trigger on the side they trade at and fill there', () => {
    const h = harness({ account: MARGIN });
    const b = h.submit(stp('buy', 1, 100.1), T0);
    const s = h.submit(stp('sell', 1, 99.9), T0);
    h.quote(t1, 100.08, 100.09);
    expect(h.fills()).toEqual([]);
    h.quote(t2, 100.1, 100.12);
    expect(h.fills(b)).toMatchObject([{ price: 100.12, liquidity: 'taker' }]);
    h.quote(t3, 99.85, 99.9);
    expect(h.fills(s)).toMatchObject([{ price: 99.85, liquidity: 'taker' }]);
  });

  it('stop-limit on quotes: triggered, limit not marketable -> rests; later maker at the limit', () => {
    const h = harness();
    const id = h.submit(stl('buy', 1, 100.1, 100.05), T0);
    h.quote(t1, 100.1, 100.12); // triggers (ask >= 100.10) but 100.12 > limit 100.05
    expect(h.fills(id)).toEqual([]);
    h.quote(t2, 100, 100.04);
    expect(h.fills(id)).toMatchObject([{ price: 100.05, liquidity: 'maker' }]);
  });

  it('one-sided quotes do not fill the side that is missing', () => {
    const h = harness();
    const id = h.submit(mkt('buy', 1), T0);
    h.quote(t1, 100, 0);
    expect(h.fills(id)).toEqual([]);
    h.quote(t2, 100, 100.01);
    expect(h.fills(id)).toMatchObject([{ price: 100.01 }]);
  });

  it('with volumeShare set, quotes fill at most the displayed size; the rest works on later quotes', () => {
    const h = harness({ volumeShare: 1 });
    const id = h.submit(mkt('buy', 100), T0);
    h.quote(t1, 100, 100.05, 500, 30);
    h.quote(t2, 100, 100.06, 500, 50);
    h.quote(t3, 100, 100.07, 500, 80);
    expect(h.fills(id).map((f) => [f.qty, f.price, f.execId])).toEqual([[30, 100.05, 'S1-1'], [50, 100.06, 'S1-2'], [20, 100.07, 'S1-3']]);
  });

  it('the displayed size is shared by our orders on that side, in arrival order', () => {
    const h = harness({ volumeShare: 1 });
    const a = h.submit(mkt('buy', 20), T0);
    const b = h.submit(mkt('buy', 20), T0);
    h.quote(t1, 100, 100.05, 500, 30);
    expect(h.fills().map((f) => [f.clientOrderId, f.qty])).toEqual([[a, 20], [b, 10]]);
  });

  it('orders decided at the quote they are matched against never see it (only later quotes)', () => {
    const h = harness();
    h.quote(T0, 100, 100.05);
    const id = h.submit(mkt('buy', 1), T0);
    h.quote(T0, 100, 100.05); // same instant as the decision
    expect(h.fills(id)).toEqual([]);
    h.quote(T0 + MIN, 100, 100.06);
    expect(h.fills(id)).toMatchObject([{ price: 100.06 }]);
  });
});
