/**
 * reqCompletedOrders on the TWS fake, through the real SDK: every order that ended (Filled,
 * Cancelled, Inactive), whichever client placed it, with its orderRef, status and filled quantity,
 * then completedOrdersEnd, and no 505 (a wrong field layout). It is how TWS names an order that
 * ended unfilled while no API client listened: recovery finds it there by orderRef.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventName, type Contract, type Order, type OrderState } from '@stoqey/ib';
import { MIN, T0, order, rig, stk, type Rig } from './tws-helpers.ts';

let r: Rig | null = null;
afterEach(async () => {
  if (r !== null) {
    for (const c of r.clients) expect(c.layoutErrors()).toEqual([]);
    await r.close();
    r = null;
  }
});

const bar = (i: number, close: number) => ({ symbol: 'AAPL', ts: T0 + i * MIN, open: close, high: close + 1, low: close - 1, close, volume: 1000 });

describe('TWS fake: reqCompletedOrders (real @stoqey/ib SDK)', () => {
  it('filled and cancelled orders of every client, with orderRef, status and filled quantity; working ones not', async () => {
    r = await rig();
    const a = await r.client().connect(1);
    let id = a.nextValidId!;
    const filledId = id++;
    a.ib.placeOrder(filledId, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 3, orderRef: 'ref-filled' }));
    const cancelId = id++;
    a.ib.placeOrder(cancelId, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 2, lmtPrice: 50, orderRef: 'ref-cancelled' }));
    const workingId = id++;
    a.ib.placeOrder(workingId, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 40, orderRef: 'ref-working' }));
    await a.once(EventName.orderStatus, (oid: unknown) => oid === workingId);
    r.fake.admin.pushBar(bar(0, 100));
    await a.once(EventName.commissionReport);
    a.ib.cancelOrder(cancelId);
    await a.once(EventName.orderStatus, (oid: unknown, st: unknown) => oid === cancelId && st === 'Cancelled');
    await a.disconnect();

    // Another client (a restarted console under the same id, or any other) hears them all.
    const b = await r.client().connect(2);
    const got = await b.collect<[Contract, Order, OrderState]>(EventName.completedOrder, EventName.completedOrdersEnd, () => b.ib.reqCompletedOrders(true));
    const rows = got.map(([c, o, s]) => ({ symbol: c.symbol, ref: o.orderRef, action: o.action, qty: o.totalQuantity, filled: o.filledQuantity, status: s.status, permId: typeof o.permId }));
    expect(rows.sort((x, y) => String(x.ref).localeCompare(String(y.ref)))).toEqual([
      { symbol: 'AAPL', ref: 'ref-cancelled', action: 'BUY', qty: 2, filled: 0, status: 'Cancelled', permId: 'number' },
      { symbol: 'AAPL', ref: 'ref-filled', action: 'BUY', qty: 3, filled: 3, status: 'Filled', permId: 'number' },
    ]);
    expect(got.every(([, , s]) => typeof s.completedTime === 'string' && /^\d{8} \d{2}:\d{2}:\d{2}/.test(s.completedTime))).toBe(true);
  });
});
