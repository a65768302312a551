/** The TWS fake's fault injection, each fault seen through the real @stoqey/ib SDK. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventName, type CommissionReport, type Contract, type Execution, type Order } from '@stoqey/ib';
import { MIN, T0, order, rig, sleep, stk, type Client, type Rig } from './tws-helpers.ts';
import { loadFaultScript } from '../../src/venue-server/tws/index.ts';

let r: Rig | null = null;
afterEach(async () => {
  if (r !== null) {
    for (const c of r.clients) expect(c.layoutErrors()).toEqual([]);
    await r.close();
    r = null;
  }
});

const bar = (symbol: string, i: number, close: number) => ({ symbol, ts: T0 + i * MIN, open: close, high: close + 1, low: close - 1, close, volume: 100 });
const lmt = (qty: number, price: number, ref = ''): Order => order({ action: 'BUY' as Order['action'], orderType: 'LMT' as Order['orderType'], totalQuantity: qty, lmtPrice: price, orderRef: ref });

async function placed(c: Client, id: number, o: Order, symbol = 'AAPL'): Promise<void> {
  const ack = c.once(EventName.orderStatus, (oid) => oid === id);
  c.ib.placeOrder(id, stk(symbol), o);
  await ack;
}

async function executions(c: Client, reqId: number): Promise<Execution[]> {
  return (await c.collect<[number, Contract, Execution]>(EventName.execDetails, EventName.execDetailsEnd, () => c.ib.reqExecutions(reqId, {}), (rid) => rid === reqId)).map(([, , e]) => e);
}

describe('TWS fake: faults (real @stoqey/ib SDK)', () => {
  it('drop: the socket is cut; the same client id reconnects and its working order is still there', async () => {
    r = await rig();
    const c = await r.client().connect(4);
    const id = c.nextValidId!;
    await placed(c, id, lmt(1, 50));
    const gone = c.once(EventName.disconnected);
    r.fake.admin.inject({ drop: { clientId: 4 } });
    await gone;
    await sleep(30);
    await c.connect(4);
    const open = await c.collect<[number]>(EventName.openOrder, EventName.openOrderEnd, () => c.ib.reqOpenOrders());
    expect(open.map(([oid]) => oid)).toEqual([id]);
  });

  it('refuseConnectionsMs: TWS is "down" for a while (sockets closed at once), then a reconnect works', async () => {
    r = await rig();
    const c = await r.client().connect(4);
    const gone = c.once(EventName.disconnected);
    r.fake.admin.inject({ drop: true, refuseConnectionsMs: 400 });
    await gone;
    // The SDK hears both 'end' and 'close' of the old socket; a connect between the two is reported
    // disconnected by the second. Let the old socket finish first.
    await sleep(30);
    const refused = c.once(EventName.disconnected);
    c.nextValidId = null;
    c.ib.connect(4);
    await refused;
    expect(c.nextValidId).toBeNull();
    expect(r.logs.some((l) => /refused: connections are refused for/.test(l))).toBe(true);
    await sleep(450);
    await c.connect(4);
    expect(c.nextValidId).toBeGreaterThan(0);
  });

  it('1100 then 1102: orders keep filling while "disconnected", nothing reaches the client, fills come only via reqExecutions', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    await placed(c, id, lmt(5, 100, 'outage'));
    const execs: Execution[] = [];
    c.ib.on(EventName.execDetails, (_r: number, _c: Contract, e: Execution) => execs.push(e));
    r.fake.admin.inject({ connectivityLost: true });
    expect((await c.info(1100)).message).toMatch(/lost/);
    r.fake.admin.pushBar(bar('AAPL', 0, 99.5));
    await sleep(50);
    expect(execs).toEqual([]);
    expect(r.fake.admin.stats().executions).toBe(1);
    r.fake.admin.inject({ restore: 1102 });
    expect((await c.info(1102)).message).toMatch(/data maintained/);
    const got = await executions(c, 11);
    expect(got.map((e) => [e.orderId, e.orderRef, e.shares])).toEqual([[id, 'outage', 5]]);
    // 1101 (data lost) ends real-time bar subscriptions.
    r.fake.admin.inject({ connectivityLost: true });
    r.fake.admin.inject({ restore: 1101 });
    expect((await c.info(1101)).message).toMatch(/data lost/);
  });

  it('execDetails for a fill is held past a reconnect (orderStatus Filled arrives first); reqExecutions meanwhile has it', async () => {
    r = await rig();
    const c = await r.client().connect(2);
    const id = c.nextValidId!;
    await placed(c, id, lmt(3, 100));
    r.fake.admin.inject({ holdExecDetails: 1 });
    const execs: Execution[] = [];
    c.ib.on(EventName.execDetails, (rid: number, _c: Contract, e: Execution) => { if (rid === -1) execs.push(e); });
    const filled = c.once(EventName.orderStatus, (oid, s) => oid === id && s === 'Filled');
    r.fake.admin.pushBar(bar('AAPL', 0, 99.5));
    await filled;
    await sleep(30);
    expect(execs).toEqual([]);
    const listed = await executions(c, 12);
    expect(listed).toHaveLength(1);
    await c.disconnect();
    const late = c.once<[number, Contract, Execution]>(EventName.execDetails, (rid) => rid === -1);
    const comm = c.once<[CommissionReport]>(EventName.commissionReport);
    await c.connect(2);
    const [, , e] = await late;
    expect(e.execId).toBe(listed[0]!.execId);
    expect((await comm)[0].execId).toBe(e.execId);
  });

  it('a commission report arrives late: after a delay, or only after a reconnect (and not in reqExecutions before that)', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    await placed(c, id, lmt(1, 100));
    r.fake.admin.inject({ lateCommission: { count: 1, after: 'delay', delayMs: 150 } });
    const order: string[] = [];
    c.ib.on(EventName.execDetails, () => order.push('exec'));
    c.ib.on(EventName.orderStatus, (_id: number, s: string) => order.push(s));
    c.ib.on(EventName.commissionReport, () => order.push('commission'));
    r.fake.admin.pushBar(bar('AAPL', 0, 99.5));
    await c.once(EventName.commissionReport, () => true, 2000);
    expect(order.indexOf('commission')).toBeGreaterThan(order.indexOf('Filled'));
    expect(r.logs.some((l) => /commission report .* delayed 150 ms/.test(l))).toBe(true);

    await placed(c, id + 1, lmt(1, 100));
    r.fake.admin.inject({ lateCommission: { count: 1, after: 'reconnect' } });
    const exec = c.once<[number, Contract, Execution]>(EventName.execDetails, (rid) => rid === -1);
    r.fake.admin.pushBar(bar('AAPL', 1, 99.5));
    const [, , e] = await exec;
    const comms: string[] = [];
    c.ib.on(EventName.commissionReport, (cr: CommissionReport) => comms.push(cr.execId!));
    await executions(c, 13);
    await sleep(30);
    expect(comms).not.toContain(e.execId);
    await c.disconnect();
    const comm = c.once<[CommissionReport]>(EventName.commissionReport, (cr) => cr.execId === e.execId);
    await c.connect(1);
    expect((await comm)[0].commission).toBe(1);
  });

  it('an unsolicited 202: the venue cancels a working order; a stray 202 leaves the order working', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    await placed(c, id, lmt(1, 50));
    await placed(c, id + 1, lmt(1, 51));
    const cancelled = c.once(EventName.orderStatus, (oid, s) => oid === id && s === 'Cancelled');
    r.fake.admin.inject({ unsolicited202: { clientId: 1, orderId: id } });
    expect((await c.error(202, id)).message).toMatch(/Canceled/);
    await cancelled;
    r.fake.admin.inject({ unsolicited202: { clientId: 1, orderId: id + 1, cancel: false } });
    await c.error(202, id + 1);
    const open = await c.collect<[number]>(EventName.openOrder, EventName.openOrderEnd, () => c.ib.reqOpenOrders());
    expect(open.map(([oid]) => oid)).toEqual([id + 1]);
  });

  it('fillOnCancel: the cancel loses the race with a fill and is answered 10148 "state: Filled"', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    r.fake.admin.pushBar(bar('AAPL', 0, 100));
    await placed(c, id, lmt(2, 90, 'race'));
    r.fake.admin.inject({ fillOnCancel: 1 });
    const exec = c.once<[number, Contract, Execution]>(EventName.execDetails);
    c.ib.cancelOrder(id);
    const e10148 = await c.error(10148, id);
    expect(e10148.message).toContain('state: Filled');
    const [, , e] = await exec;
    expect(e).toMatchObject({ orderId: id, shares: 2, price: 90, orderRef: 'race' });
    expect(c.errors.some((x) => x.code === 202)).toBe(false);
  });

  it('partialFill: an order fills in two parts on two bars (Submitted with filled < total in between); reject: accepted, then 201 and Inactive', async () => {
    r = await rig();
    const c = await r.client().connect(1);
    const id = c.nextValidId!;
    r.fake.admin.inject({ partialFill: 1 });
    const statuses: [string, number, number][] = [];
    c.ib.on(EventName.orderStatus, (oid: number, st: string, filled: number, remaining: number) => { if (oid === id) statuses.push([st, filled, remaining]); });
    const execs: Execution[] = [];
    c.ib.on(EventName.execDetails, (_r: number, _c: Contract, e: Execution) => execs.push(e));
    await placed(c, id, lmt(10, 100));
    const half = c.once(EventName.execDetails);
    r.fake.admin.pushBar(bar('AAPL', 0, 99.5));
    await half;
    const done = c.once(EventName.orderStatus, (oid, s) => oid === id && s === 'Filled');
    r.fake.admin.pushBar(bar('AAPL', 1, 99.5));
    await done;
    expect(execs.map((e) => [e.shares, e.cumQty])).toEqual([[5, 5], [5, 10]]);
    expect(statuses).toEqual([['Submitted', 0, 10], ['Submitted', 5, 5], ['Filled', 10, 0]]);

    r.fake.admin.inject({ reject: 1 });
    const inactive = c.once(EventName.orderStatus, (oid, s) => oid === id + 1 && s === 'Inactive');
    c.ib.placeOrder(id + 1, stk('AAPL'), lmt(1, 100));
    expect((await c.error(201, id + 1)).message).toMatch(/Order rejected/);
    await inactive;
  });

  it('326: a second connection with a client id in use is refused and closed; the first keeps working', async () => {
    r = await rig();
    const a = await r.client().connect(9);
    const b = r.client();
    const gone = b.once(EventName.disconnected);
    b.ib.connect(9);
    expect((await b.info(326)).message).toMatch(/client id is already in use/);
    await gone;
    const t = a.once(EventName.currentTime);
    a.ib.reqCurrentTime();
    await t;
  });

  it('the admin HTTP port takes the same faults (422 for a wrong one) and a fault script file loads', async () => {
    r = await rig({ adminPort: 0 });
    const c = await r.client().connect(1);
    const base = `http://127.0.0.1:${r.fake.adminPort}`;
    const bad = await fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify({ nope: 1 }) });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toMatch(/nope/);
    const ok = await fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify({ connectivityLost: true }) });
    expect(ok.status).toBe(200);
    await c.info(1100);
    const pushed = await fetch(`${base}/bars`, { method: 'POST', body: JSON.stringify({ bars: [bar('AAPL', 0, 100)] }) });
    expect(pushed.status).toBe(200);
    const stats = (await (await fetch(`${base}/stats`)).json()) as { linkDown: boolean; connections: unknown[] };
    expect(stats).toMatchObject({ linkDown: true });
    expect(stats.connections).toHaveLength(1);

    const dir = mkdtempSync(join(tmpdir(), 'tws-faults-'));
    const file = join(dir, 'f.json');
    writeFileSync(file, JSON.stringify([{ connectivityLost: true }, { afterMs: 500, restore: 1102 }]));
    expect(loadFaultScript(file)).toEqual([{ afterMs: 0, fault: { connectivityLost: true } }, { afterMs: 500, fault: { restore: 1102 } }]);
    writeFileSync(file, JSON.stringify({ restore: 1103 }));
    expect(() => loadFaultScript(file)).toThrow(/f\.json: restore/);
  });
});
