import { describe, expect, it } from 'vitest';
import { CASH, harness, lmt, MARGIN, MIN, mkt, stl, stp, T0 } from './helpers.ts';

const t1 = T0 + MIN;
const t2 = T0 + 2 * MIN;

const reasonOf = (h: ReturnType<typeof harness>, id: string): string => {
  const r = h.of(id).find((x) => 'reason' in x);
  return r !== undefined && 'reason' in r ? r.reason ?? '' : '';
};

describe('submission checks', () => {
  it('venue order ids count accepted orders: S1, S2; rejections carry a reason and no id', () => {
    const h = harness();
    const a = h.submit(lmt('buy', 1, 100), T0);
    const r = h.submit(lmt('buy', 1, 100, {}, 'NOPE'), T0);
    const b = h.submit(lmt('buy', 1, 100), T0);
    expect(h.reports).toEqual([
      { kind: 'accepted', clientOrderId: a, venueOrderId: 'S1', ts: T0 },
      { kind: 'rejected', clientOrderId: r, reason: 'unknown symbol NOPE', ts: T0 },
      { kind: 'accepted', clientOrderId: b, venueOrderId: 'S2', ts: T0 },
    ]);
  });

  it('quantity below the minimum, off the lot grid, or not positive', () => {
    const h = harness();
    expect(reasonOf(h, h.submit(lmt('buy', 5, 100, {}, 'BLOCK'), T0))).toBe('quantity 5 is below the minimum 10 for BLOCK');
    expect(reasonOf(h, h.submit(lmt('buy', 1.5, 100), T0))).toBe('quantity 1.5 is not a multiple of the lot size 1 for AAPL');
    expect(reasonOf(h, h.submit(lmt('buy', 0, 100), T0))).toBe('quantity must be a positive number, got 0');
  });

  it('prices off the tick grid', () => {
    const h = harness();
    expect(reasonOf(h, h.submit(lmt('buy', 1, 100.005), T0))).toBe('limit price 100.005 is not on the tick grid (0.01) of AAPL');
    expect(reasonOf(h, h.submit(stp('buy', 1, 100.001), T0))).toBe('stop price 100.001 is not on the tick grid (0.01) of AAPL');
    expect(reasonOf(h, h.submit(stl('buy', 1, 100, 100.011), T0))).toBe('limit price 100.011 is not on the tick grid (0.01) of AAPL');
  });

  it('cash account: notional + estimated fee must fit in cash; exactly enough is enough', () => {
    const h = harness({ account: { ...CASH, cash: 10_000 }, commission: { model: 'ibkr_fixed' } });
    // 99 x 101.00 = 9999.00 + fee 1.00 = 10000.00: accepted
    const ok = h.submit(lmt('buy', 99, 101), T0);
    expect(h.kinds(ok)).toEqual(['accepted']);
    h.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', qty: 1, limitPrice: 0.01 }, T0, 'x');
    // The first order holds all the cash: one more cent of notional is refused (its fee: 1% of
    // 0.01 caps the minimum, rounded up to the cent = 0.01).
    expect(reasonOf(h, 'x')).toBe('insufficient buying power: the order needs 0.02 USD (notional 0.01 + estimated fee 0.01), available 0.00 USD after 10000.00 held for open orders');
  });

  it('cash account: one tick too much is refused', () => {
    const h = harness({ account: { ...CASH, cash: 10_000 }, commission: { model: 'ibkr_fixed' } });
    const id = h.submit(lmt('buy', 99, 101.01), T0); // 9999.99 + 1.00 > 10000
    expect(reasonOf(h, id)).toBe('insufficient buying power: the order needs 10000.99 USD (notional 9999.99 + estimated fee 1.00), available 10000.00 USD');
  });

  it('cash account: market orders are costed at the last price', () => {
    const h = harness({ account: { ...CASH, cash: 10_000 } });
    h.bar(T0, 100, 100, 100, 100);
    expect(h.kinds(h.submit(mkt('buy', 100), T0))).toEqual(['accepted']);
    expect(reasonOf(h, h.submit(mkt('buy', 1), T0))).toMatch(/^insufficient buying power: the order needs 100\.00 USD/);
  });

  it('cash account: no short selling of spot; selling what is held is fine; pending sales count', () => {
    const h = harness({ account: CASH });
    expect(reasonOf(h, h.submit(mkt('sell', 1), T0))).toBe('a cash account cannot sell short: selling 1 AAPL with 0 held');
    h.submit(mkt('buy', 10), T0);
    h.bar(t1, 100, 100, 100, 100);
    expect(h.kinds(h.submit(lmt('sell', 6, 110), t1))).toEqual(['accepted']);
    expect(reasonOf(h, h.submit(lmt('sell', 5, 110), t1))).toBe('a cash account cannot sell short: selling 5 AAPL with 10 held and 6 already being sold');
    expect(h.kinds(h.submit(lmt('sell', 4, 110), t1))).toEqual(['accepted']);
  });

  it('margin account: buying power is Portfolio.buyingPower() (equity x leverage - gross), shorts allowed', () => {
    const h = harness({ account: { ...MARGIN, cash: 10_000, leverage: 2 } });
    expect(h.kinds(h.submit(lmt('buy', 200, 100), T0))).toEqual(['accepted']); // 20,000 = 2 x 10,000
    expect(reasonOf(h, h.submit(lmt('sell', 1, 100), T0))).toBe('insufficient buying power: the order needs 100.00 USD (notional 100.00 + estimated fee 0.00), available 0.00 USD after 20000.00 held for open orders');
    expect(h.venue.capabilities.shorting).toBe(true);
  });

  it('perpetuals need notional / perpLeverage as margin', () => {
    // cash 1000, perpLeverage 3: 0.1 BTC at 30,000 = 3000 notional -> 1000 margin: fits exactly.
    const h = harness({ account: { ...CASH, cash: 1000, perpLeverage: 3 } });
    expect(h.kinds(h.submit(lmt('sell', 0.1, 30_000, {}, 'BTC-USDT-PERP'), T0))).toEqual(['accepted']);
    const h2 = harness({ account: { ...CASH, cash: 1000, perpLeverage: 3 } });
    expect(reasonOf(h2, h2.submit(lmt('buy', 0.101, 30_000, {}, 'BTC-USDT-PERP'), T0))).toBe(
      'insufficient buying power: the order needs 1010.00 USD (margin 1010.00 + estimated fee 0.00), available 1000.00 USD',
    );
  });

  it('reduce-only that would increase a position is refused', () => {
    const h = harness({ account: MARGIN });
    expect(reasonOf(h, h.submit(mkt('sell', 1, { reduceOnly: true }), T0))).toBe('reduce-only sell of 1 would increase the position of 0 AAPL');
    h.submit(mkt('buy', 10), T0);
    h.bar(t1, 100, 100, 100, 100);
    expect(reasonOf(h, h.submit(mkt('buy', 1, { reduceOnly: true }), t1))).toBe('reduce-only buy of 1 would increase the position of 10 AAPL');
    expect(reasonOf(h, h.submit(mkt('sell', 11, { reduceOnly: true }), t1))).toBe('reduce-only sell of 11 would increase the position of 10 AAPL');
    const ok = h.submit(lmt('sell', 6, 120, { reduceOnly: true }), t1);
    expect(h.kinds(ok)).toEqual(['accepted']);
    expect(reasonOf(h, h.submit(mkt('sell', 5, { reduceOnly: true }), t1))).toBe('reduce-only sell of 5 would increase the position of 10 AAPL (6 already being sold)');
  });

  it('reduce-only fills are capped at the position they reduce; nothing left cancels them', () => {
    const h = harness({ account: MARGIN });
    h.submit(mkt('buy', 10), T0);
    h.bar(t1, 100, 100, 100, 100);
    const exit = h.submit(lmt('sell', 10, 105, { reduceOnly: true }), t1);
    const other = h.submit(mkt('sell', 7), t1); // closes most of the position first (at the open)
    h.bar(t2, 101, 106, 100, 104);
    expect(h.fills(other)).toMatchObject([{ qty: 7, price: 101 }]);
    expect(h.fills(exit)).toMatchObject([{ qty: 3, price: 105, liquidity: 'maker' }]);
    expect(h.kinds(exit)).toEqual(['accepted', 'fill']); // still working for the 7 left, nothing to reduce
    h.bar(T0 + 3 * MIN, 106, 107, 105, 106);
    expect(h.of(exit).at(-1)).toMatchObject({ kind: 'canceled', reason: 'reduce-only: no position left to reduce' });
  });

  it('duplicate and malformed client order ids', () => {
    const h = harness();
    h.submit(lmt('buy', 1, 100), T0, 'A1');
    h.submit(lmt('buy', 1, 100), T0, 'A1');
    expect(h.last()).toEqual({ kind: 'rejected', clientOrderId: 'A1', reason: 'duplicate client order id A1', ts: T0 });
    h.submit(lmt('buy', 1, 100), T0, 'bad id!');
    expect(h.last()).toMatchObject({ kind: 'rejected', reason: 'client order id "bad id!" must be 1-64 letters, digits, "_" or "-"' });
    h.submit(lmt('buy', 1, 100), T0, 'x'.repeat(65));
    expect(h.last()).toMatchObject({ kind: 'rejected' });
    // A rejected order never existed at the venue: its id may be used again.
    h.submit(lmt('buy', 1, 100, {}, 'NOPE'), T0, 'B1');
    h.submit(lmt('buy', 1, 100), T0, 'B1');
    expect(h.last()).toMatchObject({ kind: 'accepted', clientOrderId: 'B1' });
  });

  it('a market order sent before any price of its symbol is taken on trust (nothing to cost it with)', () => {
    const h = harness({ account: { ...CASH, cash: 10 } });
    expect(h.kinds(h.submit(mkt('buy', 1), T0))).toEqual(['accepted']);
  });
});

describe('cancel and replace', () => {
  it('cancel a working order; then every kind of cancel refusal', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 100), T0);
    h.venue.cancel(id, T0 + 5);
    expect(h.last()).toEqual({ kind: 'canceled', clientOrderId: id, ts: T0 + 5 });
    h.venue.cancel(id, T0 + 6);
    expect(h.last()).toEqual({ kind: 'cancel_rejected', clientOrderId: id, reason: 'order already canceled', ts: T0 + 6 });
    h.venue.cancel('nobody', T0 + 7);
    expect(h.last()).toEqual({ kind: 'cancel_rejected', clientOrderId: 'nobody', reason: 'unknown order', ts: T0 + 7 });
    const f = h.submit(mkt('buy', 1), T0);
    h.bar(t1, 100, 100, 100, 100);
    h.venue.cancel(f, t1);
    expect(h.last()).toEqual({ kind: 'cancel_rejected', clientOrderId: f, reason: 'order already filled', ts: t1 });
    const r = h.submit(lmt('buy', 1, 100, {}, 'NOPE'), t1);
    h.venue.cancel(r, t1);
    expect(h.last()).toMatchObject({ kind: 'cancel_rejected', reason: 'order was rejected' });
    expect(h.venue.workingCount()).toBe(0);
  });

  it('a canceled order never fills', () => {
    const h = harness();
    const id = h.submit(mkt('buy', 10), T0);
    h.venue.cancel(id, T0);
    h.bar(t1, 100, 100, 100, 100);
    expect(h.fills()).toEqual([]);
  });

  it('replace a limit: new price and quantity, then it fills on the new terms', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 99), T0);
    h.bar(t1, 100, 100.5, 99.5, 100);
    h.venue.replace(id, { qty: 20, limitPrice: 99.6 }, t1);
    expect(h.last()).toEqual({ kind: 'replaced', clientOrderId: id, qty: 20, limitPrice: 99.6, ts: t1 });
    h.bar(t2, 100, 100.5, 99.5, 100);
    expect(h.fills(id)).toMatchObject([{ qty: 20, price: 99.6, liquidity: 'maker' }]);
    expect(h.venue.snapshot().orders).toEqual([]);
  });

  it('replace a stop-limit reports both prices; a stop only its stop; a market order only its quantity', () => {
    const h = harness({ account: MARGIN });
    const sl = h.submit(stl('buy', 1, 110, 111), T0);
    h.venue.replace(sl, { stopPrice: 112 }, T0);
    expect(h.last()).toEqual({ kind: 'replaced', clientOrderId: sl, qty: 1, limitPrice: 111, stopPrice: 112, ts: T0 });
    const s = h.submit(stp('sell', 1, 90), T0);
    h.venue.replace(s, { stopPrice: 91 }, T0);
    expect(h.last()).toEqual({ kind: 'replaced', clientOrderId: s, qty: 1, stopPrice: 91, ts: T0 });
    const m = h.submit(mkt('buy', 1), T0);
    h.venue.replace(m, { qty: 2 }, T0);
    expect(h.last()).toEqual({ kind: 'replaced', clientOrderId: m, qty: 2, ts: T0 });
  });

  it('replace refusals: quantity not above the filled part, off grid, wrong field, not working, unknown', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(lmt('buy', 200, 100), T0);
    h.bar(t1, 99, 99, 99, 99, 1000); // 100 filled
    const rej = (ch: Parameters<typeof h.venue.replace>[1]): string => {
      h.venue.replace(id, ch, t1);
      const r = h.last();
      return r.kind === 'replace_rejected' ? r.reason : `not rejected: ${r.kind}`;
    };
    expect(rej({ qty: 100 })).toBe('new quantity 100 is not above the 100 already filled');
    expect(rej({ qty: 150.5 })).toBe('quantity 150.5 is not a multiple of the lot size 1 for AAPL');
    expect(rej({ limitPrice: 99.999 })).toBe('limit price 99.999 is not on the tick grid (0.01) of AAPL');
    expect(rej({ stopPrice: 99 })).toBe('a limit order has no stop price to change');
    h.venue.replace(id, { qty: 150 }, t1);
    expect(h.last()).toMatchObject({ kind: 'replaced', qty: 150 });
    h.bar(t2, 99, 99, 99, 99, 1000); // the last 50
    expect(rej({ qty: 300 })).toBe('order already filled');
    h.venue.replace('ghost', { qty: 1 }, t2);
    expect(h.last()).toEqual({ kind: 'replace_rejected', clientOrderId: 'ghost', reason: 'unknown order', ts: t2 });
  });

  it('replace that needs more cash than there is is refused and the old order keeps working', () => {
    const h = harness({ account: { ...CASH, cash: 1000 } });
    const id = h.submit(lmt('buy', 5, 100), T0);
    h.venue.replace(id, { qty: 11 }, T0);
    expect(h.last()).toMatchObject({ kind: 'replace_rejected', reason: 'insufficient buying power: the order needs 1100.00 USD (notional 1100.00 + estimated fee 0.00), available 1000.00 USD' });
    h.venue.replace(id, { qty: 10 }, T0);
    expect(h.last()).toMatchObject({ kind: 'replaced', qty: 10 });
  });
});
