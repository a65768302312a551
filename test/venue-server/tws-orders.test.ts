/** The TWS fake's order flow, driven by the real @stoqey/ib SDK over a socket on 127.0.0.1. */
import { afterEach, describe, expect, it } from 'vitest';
import { EventName, type Contract, type Execution, type Order, type OrderState, type CommissionReport } from '@stoqey/ib';
import { MIN, T0, order, rig, sleep, stk, type Rig } from './tws-helpers.ts';

let r: Rig | null = null;
afterEach(async () => {
  if (r !== null) {
    for (const c of r.clients) expect(c.layoutErrors()).toEqual([]);
    await r.close();
    r = null;
  }
});

type OpenOrderArgs = [number, Contract, Order, OrderState];
type StatusArgs = [number, string, number, number, number, number, number, number, number, string, number];
type ExecArgs = [number, Contract, Execution];

const bar = (symbol: string, i: number, open: number, high: number, low: number, close: number) =>
  ({ symbol, ts: T0 + i * MIN, open, high, low, close, volume: 1000 });

describe('TWS fake: handshake and orders (real @stoqey/ib SDK)', () => {
  it('handshake at server version 193: managedAccounts (a DU paper account) and nextValidId', async () => {
    r = await rig();
    const c = await r.client().connect(7);
    expect(c.ib.serverVersion).toBe(193);
    expect(c.accounts).toBe('DU1234567');
    expect(c.nextValidId).toBeGreaterThanOrEqual(1);
    expect(c.errors).toEqual([]);
  });

  it('LMT: openOrder and Submitted, then a bar fills it: execDetails with orderRef, Filled, commissionReport', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    const open = c.once<OpenOrderArgs>(EventName.openOrder, (oid) => oid === id);
    const submitted = c.once<StatusArgs>(EventName.orderStatus, (oid, st) => oid === id && st === 'Submitted');
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 10, lmtPrice: 100, orderRef: 'ref-1' }));
    const [, contract, o, st] = await open;
    expect(contract).toMatchObject({ symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' });
    expect(contract.conId).toBeGreaterThan(0);
    expect(o).toMatchObject({ orderId: id, action: 'BUY', totalQuantity: 10, orderType: 'LMT', lmtPrice: 100, tif: 'DAY', orderRef: 'ref-1', account: 'DU1234567', clientId: 1 });
    expect(st.status).toBe('Submitted');
    const [, , filled0, remaining0] = await submitted;
    expect([filled0, remaining0]).toEqual([0, 10]);

    const exec = c.once<ExecArgs>(EventName.execDetails, (_r, _c, e) => e.orderId === id);
    const done = c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === id && s === 'Filled');
    const comm = c.once<[CommissionReport]>(EventName.commissionReport);
    r.fake.admin.pushBar(bar('AAPL', 0, 101, 102, 99, 100.5));
    const [reqId, ec, e] = await exec;
    expect(reqId).toBe(-1);
    expect(ec).toMatchObject({ symbol: 'AAPL', conId: contract.conId });
    expect(e).toMatchObject({ orderId: id, side: 'BOT', shares: 10, price: 100, cumQty: 10, avgPrice: 100, orderRef: 'ref-1', acctNumber: 'DU1234567', clientId: 1 });
    expect(e.execId).toMatch(/\S/);
    const [, , filled, remaining, avg] = await done;
    expect([filled, remaining, avg]).toEqual([10, 0, 100]);
    const [cr] = await comm;
    // IBKR Pro fixed: 0.005 a share, at least 1.00 an order.
    expect(cr).toMatchObject({ execId: e.execId, commission: 1, currency: 'USD' });
  });

  it('MKT fills at the next bar; STP and STP LMT trigger; IOC and OPG are taken', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    let id = c.nextValidId!;
    const mkt = id++;
    const stp = id++;
    const stpLmt = id++;
    const ioc = id++;
    const opg = id++;
    const fills = new Map<number, Execution>();
    c.ib.on(EventName.execDetails, (_r: number, _c: Contract, e: Execution) => fills.set(e.orderId!, e));
    const statuses = new Map<number, string[]>();
    c.ib.on(EventName.orderStatus, (oid: number, st: string) => statuses.set(oid, [...(statuses.get(oid) ?? []), st]));
    c.ib.placeOrder(mkt, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 100 }));
    c.ib.placeOrder(stp, stk('AAPL'), order({ action: 'SELL' as Order['action'], orderType: 'STP' as Order['orderType'], totalQuantity: 40, auxPrice: 95, tif: 'GTC' as Order['tif'] }));
    c.ib.placeOrder(stpLmt, stk('AAPL'), order({ action: 'SELL' as Order['action'], orderType: 'STP LMT' as Order['orderType'], totalQuantity: 30, auxPrice: 96, lmtPrice: 94, tif: 'GTC' as Order['tif'] }));
    c.ib.placeOrder(ioc, stk('MSFT'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 1, tif: 'IOC' as Order['tif'] }));
    c.ib.placeOrder(opg, stk('MSFT'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 1, tif: 'OPG' as Order['tif'] }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid) => oid === opg);
    r.fake.admin.pushBar(bar('AAPL', 0, 100, 101, 99, 100));
    r.fake.admin.pushBar(bar('MSFT', 0, 300, 301, 299, 300));
    await c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === mkt && s === 'Filled');
    expect(fills.get(mkt)).toMatchObject({ side: 'BOT', shares: 100, price: 100 });
    // The IOC limit far from the market is gone at once; the OPG limit (worked as DAY) still works.
    expect(statuses.get(ioc)).toEqual(['Submitted', 'Cancelled']);
    expect(statuses.get(opg)).toEqual(['Submitted']);
    expect(fills.has(stp) || fills.has(stpLmt)).toBe(false);
    // As at TWS, a stop waits PreSubmitted until its price is touched, then is Submitted.
    expect(statuses.get(stp)).toEqual(['PreSubmitted']);
    expect(statuses.get(stpLmt)).toEqual(['PreSubmitted']);
    const stpDone = c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === stp && s === 'Filled');
    const stpLmtDone = c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === stpLmt && s === 'Filled');
    r.fake.admin.pushBar(bar('AAPL', 1, 99, 99.5, 93, 94.5));
    await stpDone;
    await stpLmtDone;
    expect(statuses.get(stp)).toEqual(['PreSubmitted', 'Submitted', 'Filled']);
    expect(statuses.get(stpLmt)).toEqual(['PreSubmitted', 'Submitted', 'Filled']);
    expect(fills.get(stp)).toMatchObject({ side: 'SLD', shares: 40 });
    expect(fills.get(stpLmt)).toMatchObject({ side: 'SLD', shares: 30 });
    expect(fills.get(stpLmt)!.price).toBeGreaterThanOrEqual(94);
  });

  it('cancel: 202 and orderStatus Cancelled; unknown id 10147; a filled order 10148 "state: Filled"', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 10, lmtPrice: 50 }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === id && s === 'Submitted');
    const cancelled = c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === id && s === 'Cancelled');
    c.ib.cancelOrder(id);
    const e202 = await c.error(202, id);
    expect(e202.message).toMatch(/cancel/i);
    const [, , filled, remaining] = await cancelled;
    expect([filled, remaining]).toEqual([0, 10]);

    c.ib.cancelOrder(9999);
    expect((await c.error(10147, 9999)).message).toMatch(/9999/);

    const m = id + 1;
    c.ib.placeOrder(m, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 1 }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid) => oid === m);
    r.fake.admin.pushBar(bar('AAPL', 0, 100, 101, 99, 100));
    await c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === m && s === 'Filled');
    c.ib.cancelOrder(m);
    expect((await c.error(10148, m)).message).toContain('state: Filled');
  });

  it('modify: placeOrder with a working id changes price and quantity in place; the fill keeps the id and orderRef', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 10, lmtPrice: 50, orderRef: 'mod' }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid) => oid === id);
    const reopened = c.once<OpenOrderArgs>(EventName.openOrder, (oid, _c, o) => oid === id && o.lmtPrice === 60);
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 12, lmtPrice: 60, orderRef: 'mod' }));
    const [, , o] = await reopened;
    expect(o.totalQuantity).toBe(12);
    const exec = c.once<ExecArgs>(EventName.execDetails, (_r, _c, e) => e.orderId === id);
    r.fake.admin.pushBar(bar('AAPL', 0, 61, 62, 59, 60));
    const [, , e] = await exec;
    expect(e).toMatchObject({ shares: 12, price: 60, orderRef: 'mod' });
    // Changing the side of a working order is not a modification.
    const id2 = id + 1;
    c.ib.placeOrder(id2, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 10 }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid) => oid === id2);
    c.ib.placeOrder(id2, stk('AAPL'), order({ action: 'SELL' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 10 }));
    expect((await c.error(105, id2)).message).toMatch(/does not match/);
  });

  it('refusals: unknown symbol 200, unsupported TIF and missing limit price 201, duplicate of a finished id 103', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    c.ib.placeOrder(id, stk('NOPE'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 1 }));
    expect((await c.error(200, id)).message).toMatch(/security definition/i);
    c.ib.placeOrder(id + 1, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 1, tif: 'FOK' as Order['tif'] }));
    expect((await c.error(201, id + 1)).message).toMatch(/FOK/);
    c.ib.placeOrder(id + 2, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1 }));
    expect((await c.error(201, id + 2)).message).toMatch(/limit price/i);
    expect(r.logs.some((l) => l.includes('FOK'))).toBe(true);
    c.ib.placeOrder(id + 4, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'TRAIL' as Order['orderType'], totalQuantity: 1, auxPrice: 1 }));
    expect((await c.error(387, id + 4)).message).toMatch(/TRAIL/);
    // An id that named an order now cancelled is a duplicate, not a new order.
    const cx = id + 3;
    c.ib.placeOrder(cx, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 5 }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid) => oid === cx);
    c.ib.cancelOrder(cx);
    await c.once<StatusArgs>(EventName.orderStatus, (oid, s) => oid === cx && s === 'Cancelled');
    c.ib.placeOrder(cx, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 1, lmtPrice: 5 }));
    expect((await c.error(103, cx)).message).toMatch(/Duplicate order id/);
  });

  it('reqOpenOrders / reqAllOpenOrders list working orders then openOrderEnd; reqIds and nextValidId stay above every id placed', async () => {
    r = await rig();
    const a = await r.client().connect(1);
    a.ib.placeOrder(500, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 3, lmtPrice: 10, orderRef: 'w' }));
    await a.once<StatusArgs>(EventName.orderStatus, (oid) => oid === 500);
    const list = await a.collect<OpenOrderArgs>(EventName.openOrder, EventName.openOrderEnd, () => a.ib.reqOpenOrders());
    expect(list.map(([oid, , o]) => [oid, o.orderRef])).toEqual([[500, 'w']]);
    const b = await r.client().connect(2);
    expect(b.nextValidId).toBeGreaterThan(500);
    const all = await b.collect<OpenOrderArgs>(EventName.openOrder, EventName.openOrderEnd, () => b.ib.reqAllOpenOrders());
    expect(all.map(([oid]) => oid)).toEqual([500]);
    const own = await b.collect<OpenOrderArgs>(EventName.openOrder, EventName.openOrderEnd, () => b.ib.reqOpenOrders());
    expect(own).toEqual([]);
    const ids = b.once<[number]>(EventName.nextValidId);
    b.ib.reqIds(1);
    expect((await ids)[0]).toBeGreaterThan(500);
  });

  it('reqExecutions after a reconnect returns the fills made while the client was away, with commission reports; filters apply', async () => {
    r = await rig();
    const c = await r.client().connect(3);
    const id = c.nextValidId!;
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: 5, lmtPrice: 100, orderRef: 'away' }));
    c.ib.placeOrder(id + 1, stk('MSFT'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 2 }));
    await c.once<StatusArgs>(EventName.orderStatus, (oid) => oid === id + 1);
    await c.disconnect();
    r.fake.admin.pushBar(bar('AAPL', 0, 100, 100, 99, 99.5));
    r.fake.admin.pushBar(bar('MSFT', 0, 300, 301, 299, 300));
    await sleep(20);
    await c.connect(3);
    const comms: CommissionReport[] = [];
    c.ib.on(EventName.commissionReport, (cr: CommissionReport) => comms.push(cr));
    const execs = await c.collect<ExecArgs>(EventName.execDetails, EventName.execDetailsEnd, () => c.ib.reqExecutions(42, {}), (rid) => rid === 42);
    expect(execs.map(([rid, ct, e]) => [rid, ct.symbol, e.orderId, e.orderRef])).toEqual([[42, 'AAPL', id, 'away'], [42, 'MSFT', id + 1, '']]);
    await sleep(20);
    expect(comms.map((x) => x.execId).sort()).toEqual(execs.map(([, , e]) => e.execId).sort());
    const only = await c.collect<ExecArgs>(EventName.execDetails, EventName.execDetailsEnd, () => c.ib.reqExecutions(43, { symbol: 'MSFT' }), (rid) => rid === 43);
    expect(only.map(([, ct]) => ct.symbol)).toEqual(['MSFT']);
    const none = await c.collect<ExecArgs>(EventName.execDetails, EventName.execDetailsEnd, () => c.ib.reqExecutions(44, { clientId: '9' }), (rid) => rid === 44);
    expect(none).toEqual([]);
  });
});
