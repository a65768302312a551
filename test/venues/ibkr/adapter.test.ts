/**
 * The IBKR adapter against the TWS fake: the real @stoqey/ib SDK over real sockets on 127.0.0.1.
 * Includes the failures users of other systems reported (issue 12, item 7).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { bar, layoutErrors, sleep, until, world, type World } from './helpers.ts';

let w: World | null = null;
afterEach(async () => {
  if (w !== null) { await w.close(); w = null; }
});

const lmt = (cid: string, side: 'buy' | 'sell', qty: number, limitPrice: number) =>
  ({ clientOrderId: cid, request: { symbol: 'AAPL', side, qty, type: 'limit' as const, limitPrice }, ts: 0 });
const is = (kind: ExecutionReport['kind'], cid: string) => (r: ExecutionReport) => r.kind === kind && r.clientOrderId === cid;
const fillsOf = (rs: readonly ExecutionReport[], cid: string) => rs.filter((r): r is Extract<ExecutionReport, { kind: 'fill' }> => r.kind === 'fill' && r.clientOrderId === cid);
/** Distinct executions reported (a fill heard from the stream and from reqExecutions is one; the registry books it once). */
const execsOf = (rs: readonly ExecutionReport[], cid: string) => [...new Set(fillsOf(rs, cid).map((f) => f.execId))];

describe('IBKR adapter on the TWS fake', () => {
  it('submit, ack, fill with its commission booked on the fill; no layout errors', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 100));
    const ack = await s.wait(is('accepted', 'c1'), 'ack');
    expect(ack).toMatchObject({ kind: 'accepted', venueOrderId: String(s.exec.ibOrderIdOf('c1')) });
    w.fake.admin.pushBar(bar('AAPL', 0, 101, 102, 99, 100.5));
    const f = await s.wait(is('fill', 'c1'), 'fill');
    expect(f).toMatchObject({ kind: 'fill', qty: 10, price: 100, fee: 1 });
    expect(layoutErrors(s)).toEqual([]);
  });

  it('a commission report arriving late is still booked on its fill', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 400, 100));
    await s.wait(is('accepted', 'c1'), 'ack');
    w.fake.admin.inject({ lateCommission: { count: 1, after: 'delay', delayMs: 300 } });
    w.fake.admin.pushBar(bar('AAPL', 0, 101, 102, 99, 100.5));
    const f = await s.wait(is('fill', 'c1'), 'fill');
    expect(f).toMatchObject({ qty: 400, fee: 2 });
  });

  it('cancel: 202 / Cancelled is the answer; reqGlobalCancel is never sent', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 90));
    await s.wait(is('accepted', 'c1'), 'ack');
    s.exec.cancel('c1', 0);
    await s.wait(is('canceled', 'c1'), 'canceled');
    expect(s.sent.globalCancel).toBe(0);
  });

  it('modify is placeOrder with the same id: replaced, one order at TWS with the new terms', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 90));
    await s.wait(is('accepted', 'c1'), 'ack');
    const id = s.exec.ibOrderIdOf('c1');
    s.exec.replace('c1', { limitPrice: 95, qty: 12 }, 0);
    expect(await s.wait(is('replaced', 'c1'), 'replaced')).toMatchObject({ qty: 12, limitPrice: 95 });
    const open = await s.exec.queries.openOrders();
    expect(open.map((o) => [o.clientOrderId, o.venueOrderId, o.request.qty])).toEqual([['c1', String(id), 12]]);
    expect(w.fake.admin.stats().orders).toBe(1);
  });

  it('round-trip timers start when the SDK actually sends: submit, replace and cancel each said once', async () => {
    w = await world();
    const sent: string[] = [];
    const s = await w.side({ transport: { sent: (cid, command) => sent.push(`${cid} ${command}`) } });
    s.exec.submit(lmt('c1', 'buy', 10, 90));
    await s.wait(is('accepted', 'c1'), 'ack');
    s.exec.replace('c1', { limitPrice: 91 }, 0);
    await s.wait(is('replaced', 'c1'), 'replaced');
    s.exec.cancel('c1', 0);
    await s.wait(is('canceled', 'c1'), 'canceled');
    expect(sent).toEqual(['c1 submit', 'c1 replace', 'c1 cancel']);
  });

  it('a 201 rejection carries TWS\'s reason', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('big', 'buy', 100_000, 100));
    const r = await s.wait(is('rejected', 'big'), 'rejected');
    expect(r.kind === 'rejected' && r.reason).toMatch(/TWS 201/);
  });

  it('user report: fills during a 1100 outage are recovered by reqExecutions after 1102', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 100));
    await s.wait(is('accepted', 'c1'), 'ack');
    w.fake.admin.inject({ connectivityLost: true });
    await until(() => s.codes.some((c) => c.code === 1100), '1100');
    expect(s.link.canSend()).toBe(false);
    // A submit while TWS has no link to IB is refused, not queued for later.
    s.exec.submit(lmt('c2', 'buy', 1, 90));
    expect(await s.wait(is('rejected', 'c2'), 'refused while 1100')).toMatchObject({ reason: expect.stringMatching(/not connected/) });
    w.fake.admin.pushBar(bar('AAPL', 0, 101, 102, 99, 100.5));
    await sleep(100);
    expect(fillsOf(s.reports, 'c1')).toEqual([]);
    w.fake.admin.inject({ restore: 1102 });
    const f = await s.wait(is('fill', 'c1'), 'fill after restore');
    expect(f).toMatchObject({ qty: 10, price: 100 });
    await s.exec.idle();
    expect(execsOf(s.reports, 'c1')).toHaveLength(1);
    expect(s.link.canSend()).toBe(true);
  });

  it('fills whose execDetails were held past a socket reconnect arrive once, with the fixed client id', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 100));
    await s.wait(is('accepted', 'c1'), 'ack');
    w.fake.admin.inject({ holdExecDetails: 1 });
    w.fake.admin.pushBar(bar('AAPL', 0, 101, 102, 99, 100.5));
    await sleep(50);
    w.fake.admin.inject({ drop: true });
    await s.wait(is('fill', 'c1'), 'fill after reconnect');
    await s.exec.idle();
    await sleep(100);
    expect(execsOf(s.reports, 'c1')).toHaveLength(1);
    expect(w.fake.admin.stats().connections.map((c) => c.clientId)).toEqual([7]);
  });

  it('user report: a modify sent during a connection loss never leaves two live orders for one orderRef', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 90));
    await s.wait(is('accepted', 'c1'), 'ack');
    const placed = s.sent.place;
    w.fake.admin.inject({ drop: true });
    await until(() => !s.link.socketUp(), 'drop seen');
    s.exec.replace('c1', { limitPrice: 95 }, 0);
    const rr = await s.wait(is('replace_rejected', 'c1'), 'modify refused while down');
    expect(rr).toMatchObject({ transient: true });
    await until(() => s.link.canSend(), 'reconnected');
    await s.exec.idle();
    // Nothing the outage held went out after the reconnect (the SDK would have queued it).
    expect(s.sent.place).toBe(placed);
    s.exec.replace('c1', { limitPrice: 95 }, 0);
    await s.wait(is('replaced', 'c1'), 'replaced after reconnect');
    const open = await s.exec.queries.openOrders();
    expect(open.filter((o) => o.clientOrderId === 'c1')).toHaveLength(1);
    expect(open[0]!.request).toMatchObject({ type: 'limit', limitPrice: 95 });
    expect(w.fake.admin.stats().workingOrders).toBe(1);
  });

  it('orders still paced (40 a second) when the socket drops are answered as not sent, never replayed on the next socket', async () => {
    w = await world();
    const s = await w.side();
    for (let i = 0; i < 40; i++) s.exec.submit(lmt(`q${i}`, 'buy', 1, 50));
    await until(() => w!.fake.admin.stats().orders >= 1, 'the first orders out');
    w.fake.admin.inject({ drop: true });
    const atDrop = w.fake.admin.stats().orders;
    await until(() => s.link.canSend(), 'reconnected');
    await s.exec.idle();
    await sleep(300);
    expect(w.fake.admin.stats().orders).toBe(atDrop);
    const notSent = s.reports.filter((r) => r.kind === 'rejected' && /not sent: the connection to TWS dropped/.test(r.reason)).length;
    expect(notSent).toBeGreaterThan(0);
    expect(atDrop + notSent).toBe(40);
  });

  it('user report: 10148 "state: Filled" books the fill and ends the cancel: no endless 10147', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 100));
    await s.wait(is('accepted', 'c1'), 'ack');
    w.fake.admin.pushBar(bar('AAPL', 0, 150, 151, 149, 150));
    w.fake.admin.inject({ fillOnCancel: 1 });
    s.exec.cancel('c1', 0);
    const cr = await s.wait(is('cancel_rejected', 'c1'), 'cancel refused');
    expect(cr).toMatchObject({ reason: expect.stringMatching(/Filled/) });
    expect(cr.kind === 'cancel_rejected' && cr.transient).not.toBe(true);
    await s.wait(is('fill', 'c1'), 'the fill');
    await s.exec.idle();
    await sleep(200);
    expect(s.codes.filter((c) => c.code === 10147)).toEqual([]);
    expect(s.sent.cancel).toBe(1);
    expect(execsOf(s.reports, 'c1')).toHaveLength(1);
  });

  it('10147 for an order TWS does not know is not taken as canceled', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 90));
    await s.wait(is('accepted', 'c1'), 'ack');
    // Another client's order id: TWS answers 10147 to this client.
    (s.exec as unknown as { map: { set(id: number, cid: string): void } }).map.set(999_999, 'ghost');
    s.exec.cancel('ghost', 0);
    const cr = await s.wait(is('cancel_rejected', 'ghost'), 'cancel refused');
    expect(cr).toMatchObject({ reason: expect.stringMatching(/10147.*not assumed canceled/) });
    expect(s.reports.some(is('canceled', 'ghost'))).toBe(false);
  });

  it('an unsolicited 202 cancels; a stray 202 for an order TWS still works does not', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 90));
    s.exec.submit(lmt('c2', 'buy', 10, 91));
    await s.wait(is('accepted', 'c1'), 'ack 1');
    await s.wait(is('accepted', 'c2'), 'ack 2');
    w.fake.admin.inject({ unsolicited202: { clientId: 7, orderId: s.exec.ibOrderIdOf('c2')!, cancel: false } });
    w.fake.admin.inject({ unsolicited202: { clientId: 7, orderId: s.exec.ibOrderIdOf('c1')!, cancel: true } });
    await s.wait(is('canceled', 'c1'), 'venue cancel');
    await s.exec.idle();
    await sleep(100);
    await s.exec.idle();
    expect(s.reports.some(is('canceled', 'c2'))).toBe(false);
    expect(s.logs.join('\n')).toMatch(/c2: TWS 202 .* still works the order/);
  });

  it('user report: no duplicate orders on restart; order ids are never reused', async () => {
    w = await world();
    const a = await w.side();
    a.exec.submit(lmt('c1', 'buy', 10, 90));
    await a.wait(is('accepted', 'c1'), 'ack');
    const firstId = a.exec.ibOrderIdOf('c1')!;
    a.close();
    await until(() => w!.fake.admin.stats().connections.length === 0, 'first process gone');
    const b = await w.side();
    const open = await b.exec.queries.openOrders();
    expect(open.map((o) => o.clientOrderId)).toEqual(['c1']);
    expect(await b.exec.queries.order('c1')).toMatchObject({ status: 'accepted', venueOrderId: String(firstId) });
    await b.exec.resync('test');
    expect(w.fake.admin.stats().orders).toBe(1);
    b.exec.submit(lmt('c2', 'buy', 1, 80));
    await b.wait(is('accepted', 'c2'), 'ack 2');
    expect(b.exec.ibOrderIdOf('c2')!).toBeGreaterThan(firstId);
    expect(w.fake.admin.stats().orders).toBe(2);
  });

  it('queries: positions, account summary (cash, equity, buying power), executions, venue time', async () => {
    w = await world();
    const s = await w.side();
    s.exec.submit(lmt('c1', 'buy', 10, 100));
    await s.wait(is('accepted', 'c1'), 'ack');
    w.fake.admin.pushBar(bar('AAPL', 0, 101, 102, 99, 100.5));
    await s.wait(is('fill', 'c1'), 'fill');
    expect(await s.exec.queries.positions()).toEqual([{ symbol: 'AAPL', qty: 10, avgPrice: expect.any(Number) }]);
    const sum = await s.exec.accountSummary();
    expect(sum.cash).toBeCloseTo(100_000 - 1000 - 1, 6);
    expect(sum.buyingPower).toBeGreaterThan(0);
    expect(sum.equity).toBeGreaterThan(0);
    const x = await s.exec.queries.executionsSince(0);
    expect(x).toMatchObject([{ clientOrderId: 'c1', qty: 10, price: 100, fee: 1, side: 'buy', symbol: 'AAPL' }]);
    const t = await s.exec.queries.time();
    expect(Math.abs(t - Date.now())).toBeLessThan(5000);
  });
});

describe('IBKR connection errors', () => {
  it('326: a second session with the same client id is refused with the remedy', async () => {
    w = await world();
    await w.side({ clientId: 5 });
    await expect(w.side({ clientId: 5 })).rejects.toThrow(/client id 5 is already in use.*--ib-client-id/);
  });

  it('502: nothing listening says what to enable in TWS', async () => {
    w = await world();
    const port = w.fake.port;
    await w.fake.close();
    const { IbkrLink } = await import('../../../src/venues/ibkr/index.ts');
    const link = new IbkrLink({ host: '127.0.0.1', port, clientId: 1, connectTimeoutMs: 2000 });
    await expect(link.open()).rejects.toThrow(/cannot connect to TWS.*ActiveX and Socket Clients/);
    link.close();
    w = null;
  });

  it('the heartbeat shows its age on the connection status', async () => {
    w = await world();
    const s = await w.side({ heartbeatMs: 100, heartbeatTimeoutMs: 300 });
    await sleep(250);
    const st = s.exec.connection();
    expect(st.state).toBe('connected');
    expect(st.lastHeartbeat).not.toBeNull();
    expect(st.detail).toMatch(/heartbeat \d+ s ago/);
  });
});
