/**
 * Hostile answers on Deribit's order connection (parity's JSON-RPC websocket) against the real
 * adapter as a session assembles it: what a real Deribit, or the network between, can do to an
 * order in flight. Each test says what a trader with real money needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { orderRow, tradeRow, SYMBOL } from './deribit-hostile-server.ts';
import { drig, leaks, sleep, until, type DRig } from './deribit-harness.ts';

const rigs: DRig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof drig>[0] = {}): Promise<DRig> => { const r = await drig(o); rigs.push(r); return r; };

const CID = 'p7hostile000001';
const sub = (cid = CID) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol: SYMBOL, side: 'buy' as const, qty: 0.01, type: 'limit' as const, limitPrice: 49_000 } });
const buys = (r: DRig): number => r.h.log.filter((l) => / private\/buy /.test(l)).length;

describe('Deribit order connection: hostile answers', () => {
  it('the connection drops after private/buy is sent and before its answer: the order that landed is found by label, never placed twice', async () => {
    const r = await make();
    let dropped = false;
    r.h.scripts.push((m, p, via) => {
      if (m !== 'private/buy' || via === 'rest' || dropped) return undefined;
      dropped = true;
      r.h.orders.push(orderRow({ order_id: 'USDC-500', label: String(p['label']) }));
      return 'drop';
    });
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 8000);
    await r.c.execution.idle();
    expect(buys(r)).toBe(1);
    expect(r.reports.find((x) => x.kind === 'accepted')).toMatchObject({ venueOrderId: 'USDC-500' });
    expect(r.h.log.some((l) => l.includes('get_order_state_by_label'))).toBe(true);
  }, 15_000);

  it('10028 too_many_requests on a buy that did NOT land: asked by label first, then sent once more under the same label', async () => {
    const r = await make();
    let n = 0;
    r.h.scripts.push((m) => (m === 'private/buy' && n++ === 0 ? { error: { code: 10028, message: 'too_many_requests' } } : undefined));
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 8000);
    await r.c.execution.idle();
    expect(buys(r)).toBe(2);
    expect(r.h.orders.filter((o) => o['label'] === CID)).toHaveLength(1);
    const i = r.h.log.findIndex((l) => l.includes('get_order_state_by_label'));
    const second = r.h.log.map((l, k) => ({ l, k })).filter((x) => / private\/buy /.test(x.l))[1]!.k;
    expect(i).toBeGreaterThan(-1);
    expect(i).toBeLessThan(second);
    expect(r.reports.some((x) => x.kind === 'rejected')).toBe(false);
  }, 15_000);

  it('10028 on a buy that DID land (the venue booked it, then refused): no second order', async () => {
    const r = await make();
    r.h.scripts.push((m, p) => {
      if (m !== 'private/buy') return undefined;
      r.h.orders.push(orderRow({ order_id: 'USDC-501', label: String(p['label']) }));
      return { error: { code: 10028, message: 'too_many_requests' } };
    });
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 8000);
    await r.c.execution.idle();
    expect(buys(r)).toBe(1);
    expect(r.reports.find((x) => x.kind === 'accepted')).toMatchObject({ venueOrderId: 'USDC-501' });
  }, 15_000);

  it('an order answer whose label is not ours (another order\'s answer) is not taken as our order: ours is found by label', async () => {
    const r = await make();
    r.h.scripts.push((m, p) => {
      if (m !== 'private/buy') return undefined;
      r.h.orders.push(orderRow({ order_id: 'USDC-502', label: String(p['label']) }));
      return { result: { order: orderRow({ order_id: 'USDC-999', label: 'someone-elses-bot' }), trades: [] } };
    });
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 8000);
    await r.c.execution.idle();
    const acc = r.reports.filter((x) => x.kind === 'accepted');
    expect(acc.map((x) => x.kind === 'accepted' && x.venueOrderId)).toEqual(['USDC-502']);
    expect(buys(r)).toBe(1);
    // A cancel then goes to OUR order, not the other one.
    r.c.execution.cancel(CID, Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'), 5000);
    expect(r.h.log.filter((l) => l.includes('private/cancel ')).every((l) => l.includes('USDC-502'))).toBe(true);
  }, 15_000);

  it('an amend answered with a different order id: the order is still ours by label, and a cancel reaches it', async () => {
    const r = await make();
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 5000);
    r.h.scripts.push((m, p) => {
      if (m !== 'private/edit') return undefined;
      // Deribit keeps the id on edit; a venue that answers another order's id has not amended ours.
      const mine = r.h.orders.find((o) => o['order_id'] === p['order_id'])!;
      Object.assign(mine, { price: p['price'], replaced: true });
      return { result: { order: orderRow({ order_id: 'USDC-998', label: 'not-ours' }), trades: [] } };
    });
    r.c.execution.replace(CID, { limitPrice: 48_000 }, Date.now());
    await until('replaced', () => r.reports.some((x) => x.kind === 'replaced' || x.kind === 'replace_rejected'), 5000);
    expect(r.reports.find((x) => x.kind === 'replaced')).toMatchObject({ limitPrice: 48_000 });
    r.c.execution.cancel(CID, Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'), 5000);
    expect(r.h.log.filter((l) => l.includes('private/cancel ')).some((l) => l.includes('USDC-998'))).toBe(false);
  }, 15_000);

  it('a partial fill then a cancel, heard on the stream: one fill of the part, then canceled', async () => {
    const r = await make();
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 5000);
    await until('streams subscribed', () => r.h.streamSockets() > 0, 5000);
    await sleep(200);
    const id = (r.reports.find((x) => x.kind === 'accepted') as { venueOrderId: string }).venueOrderId;
    const t = Date.now();
    const trade = tradeRow({ trade_id: 'USDC-T1', order_id: id, label: CID, amount: 0.004, price: 49_000, timestamp: t, state: 'open' });
    r.h.trades.push(trade);
    r.h.push('user.trades', [trade]);
    const o = r.h.orders.find((x) => x['order_id'] === id)!;
    Object.assign(o, { order_state: 'cancelled', filled_amount: 0.004, average_price: 49_000, cancel_reason: 'user_request', last_update_timestamp: t + 1 });
    r.h.push('user.orders', o);
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'), 5000);
    await r.c.execution.recover('test gap');
    await r.c.execution.idle();
    const fills = r.reports.filter((x) => x.kind === 'fill');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ qty: 0.004, price: 49_000, clientOrderId: CID });
  }, 15_000);

  it('a trade pushed with numbers null or "" is a problem, never a fill at 0 or NaN', async () => {
    const r = await make();
    await until('streams subscribed', () => r.h.streamSockets() > 0, 5000);
    await sleep(200);
    r.h.push('user.trades', [tradeRow({ trade_id: 'USDC-T2', order_id: 'USDC-1', label: CID, amount: null, price: '' })]);
    await sleep(400);
    expect(r.reports.filter((x) => x.kind === 'fill')).toEqual([]);
  }, 15_000);
});

describe('Deribit streams: whose trade is it', () => {
  it('a trade for a label we never issued is not reported as one of our orders', async () => {
    const r = await make();
    await placedOn(r);
    r.h.push('user.trades', [tradeRow({ trade_id: 'USDC-T7', order_id: 'USDC-4040', label: 'someone-elses-bot' })]);
    await sleep(400);
    expect(r.reports.filter((x) => x.kind === 'fill' && x.clientOrderId === CID)).toEqual([]);
  }, 15_000);

  it('a trade with no label on an order id we placed is ours (found by the order id)', async () => {
    const r = await make();
    const id = await placedOn(r);
    r.h.push('user.trades', [tradeRow({ trade_id: 'USDC-T8', order_id: id, label: '', amount: 0.002 })]);
    await until('a fill', () => r.reports.some((x) => x.kind === 'fill'), 3000);
    expect(r.reports.find((x) => x.kind === 'fill')).toMatchObject({ clientOrderId: CID, qty: 0.002 });
  }, 15_000);

  it('a REST answer refused with our client id echoed: the problem the operator reads carries no key', async () => {
    const r = await make();
    r.h.scripts.push((m, p) => (m === 'private/get_transaction_log' ? { error: { code: 13009, message: 'unauthorized', data: { reason: `token of ${String(p['currency'])} for client ${'DrbHostileClientId77'} expired` } } } : undefined));
    await r.c.execution.pullEntries().catch(() => undefined);
    await r.c.execution.recover('test');
    expect(r.said.some((l) => /unauthorized/.test(l))).toBe(true);
    expect(leaks(r.said.join('\n'))).toEqual([]);
  }, 15_000);

  it('the ccxt stream socket\'s login refused (the order connection\'s accepted): the problem says the login, names no key', async () => {
    const r = await make({ before: (h) => h.scripts.push((m, p, via) => (m === 'public/auth' && via !== 'rest' && p['nonce'] === String(p['timestamp']) ? { error: { code: 13004, message: 'invalid_credentials', data: { reason: `client_id ${String(p['client_id'])}` } } } : undefined)) });
    await until('a problem', () => r.said.some((l) => /login|auth|credentials/i.test(l)), 5000);
    expect(leaks(r.said.join('\n'))).toEqual([]);
  }, 15_000);
});

async function placedOn(r: DRig): Promise<string> {
  r.c.execution.submit(sub());
  await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 5000);
  await until('streams subscribed', () => r.h.streamSockets() > 0, 5000);
  await sleep(200);
  return (r.reports.find((x) => x.kind === 'accepted') as { venueOrderId: string }).venueOrderId;
}
