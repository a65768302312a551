/**
 * Hostile frames on Bybit's private socket (ccxt.pro.bybit over a real socket) against the adapter
 * as a session assembles it: executions twice, before their order, for ids we never issued, with
 * numbers "", and an order that ends part filled. Each test says what a trader needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execRow, orderRow } from './bybit-hostile-server.ts';
import { brig, sleep, until, type BRig } from './bybit-harness.ts';

const rigs: BRig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof brig>[0] = {}): Promise<BRig> => { const r = await brig(o); rigs.push(r); return r; };

const CID = 'q8hostile0000001';
const sub = (cid = CID, symbol = 'BTC/USDT:USDT') => ({ clientOrderId: cid, ts: Date.now(), request: { symbol, side: 'buy' as const, qty: 0.01, type: 'limit' as const, limitPrice: 49_000 } });
const fills = (r: BRig) => r.reports.filter((x) => x.kind === 'fill');

async function placed(r: BRig, cid = CID, symbol?: string): Promise<string> {
  r.c.execution.submit(sub(cid, symbol));
  await until('accepted', () => r.reports.some((x) => x.kind === 'accepted' && x.clientOrderId === cid), 5000);
  return (r.reports.find((x) => x.kind === 'accepted' && x.clientOrderId === cid) as { venueOrderId: string }).venueOrderId;
}

describe('Bybit private socket: hostile frames', () => {
  it('the same execution pushed twice (and found again by REST after a gap) is one fill', async () => {
    const r = await make();
    const id = await placed(r);
    const e = execRow({ execId: 'e1', orderId: id, orderLinkId: CID, execQty: '0.004', execTime: String(Date.now()) });
    r.h.executions.push(e);
    r.h.push('execution', [e]);
    r.h.push('execution', [e]);
    await until('a fill', () => fills(r).length > 0, 3000);
    await r.c.execution.recover('test gap');
    await r.c.execution.idle();
    await sleep(100);
    expect(fills(r)).toHaveLength(1);
    expect(fills(r)[0]).toMatchObject({ clientOrderId: CID, qty: 0.004, price: 49_000, fee: 0.245 });
  });

  it('an execution heard before its order\'s New: one fill, and the late New neither rejects nor repeats it', async () => {
    const r = await make();
    r.h.routes.push((q) => (q.path === 'order/create' ? 'hang' : undefined));
    r.c.execution.submit(sub());
    await sleep(100);
    const t = Date.now();
    r.h.orders.push(orderRow({ orderId: 'o77', orderLinkId: CID, orderStatus: 'PartiallyFilled', cumExecQty: '0.004', leavesQty: '0.006' }));
    r.h.push('execution', [execRow({ execId: 'e2', orderId: 'o77', orderLinkId: CID, execQty: '0.004', execTime: String(t) })]);
    r.h.push('order', [orderRow({ orderId: 'o77', orderLinkId: CID, orderStatus: 'New', createdTime: String(t - 5), updatedTime: String(t - 5) })]);
    await until('a fill', () => fills(r).length > 0, 3000);
    await sleep(200);
    expect(fills(r)).toHaveLength(1);
    expect(r.reports.some((x) => x.kind === 'rejected')).toBe(false);
  });

  it('an execution for an orderLinkId we never issued is never reported as one of our orders', async () => {
    const r = await make();
    await placed(r);
    r.h.push('execution', [execRow({ execId: 'e3', orderId: 'o999', orderLinkId: 'someone-elses-bot-1', execTime: String(Date.now()) })]);
    await sleep(400);
    expect(fills(r).filter((f) => f.clientOrderId === CID)).toEqual([]);
  });

  it('an execution with no orderLinkId on an order id we never placed (the venue\'s own trade: liquidation) is not ours; the transaction log is asked', async () => {
    const r = await make();
    const before = r.h.log.filter((l) => l.includes('transaction-log')).length;
    r.h.push('execution', [execRow({ execId: 'e4', orderId: 'liq-1', orderLinkId: '', execType: 'BustTrade', execTime: String(Date.now()) })]);
    await until('a transaction-log pull', () => r.h.log.filter((l) => l.includes('transaction-log')).length > before, 3000);
    expect(fills(r)).toEqual([]);
  });

  it('an execution with execPrice and execQty "" is no fill at 0 or NaN', async () => {
    const r = await make();
    const id = await placed(r);
    r.h.push('execution', [execRow({ execId: 'e5', orderId: id, orderLinkId: CID, execPrice: '', execQty: '', execValue: '', execFee: '' })]);
    await sleep(400);
    expect(fills(r)).toEqual([]);
    for (const rep of r.reports) for (const v of Object.values(rep)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  });

  it('a spot order part filled then cancelled (Bybit PartiallyFilledCanceled, which ccxt files as closed) ends as canceled, not filled', async () => {
    const r = await make({ symbols: ['BTC/USDT'] });
    const id = await placed(r, CID, 'BTC/USDT');
    const t = Date.now();
    const o = r.h.orders.find((x) => x['orderId'] === id)!;
    Object.assign(o, { category: 'spot', orderStatus: 'PartiallyFilledCanceled', cumExecQty: '0.004', leavesQty: '0', avgPrice: '49000', updatedTime: String(t + 1), isLeverage: '0', marketUnit: '' });
    delete o['tpslMode'];
    const e = execRow({ execId: 'e6', orderId: id, orderLinkId: CID, category: 'spot', execQty: '0.004', execTime: String(t), feeCurrency: 'BTC', execFee: '0.000004' });
    delete e['createType'];
    r.h.executions.push(e);
    r.h.push('execution', [e]);
    r.h.push('order', [o]);
    await until('a fill', () => fills(r).length > 0, 3000);
    await r.c.execution.recover('test gap');
    await r.c.execution.idle();
    expect(r.reports.some((x) => x.kind === 'canceled' && x.clientOrderId === CID)).toBe(true);
    expect((await r.c.execution.queries.order(CID))?.status).toBe('canceled');
  });
});

describe('Bybit: our orderLinkId on another market', () => {
  it('a spot order and execution that reuse our linear order\'s orderLinkId (another bot, or a hand) neither fill nor end our order', async () => {
    const r = await make({ symbols: ['BTC/USDT', 'BTC/USDT:USDT'] });
    await placed(r);
    const t = Date.now();
    const e = execRow({ execId: 'e9', orderId: 's-1', orderLinkId: CID, category: 'spot', execQty: '0.01', execTime: String(t), feeCurrency: 'BTC', execFee: '0.00001' });
    delete e['createType'];
    r.h.push('execution', [e]);
    const o = orderRow({ orderId: 's-1', orderLinkId: CID, category: 'spot', orderStatus: 'Cancelled', isLeverage: '0', marketUnit: '' });
    delete o['tpslMode'];
    r.h.push('order', [o]);
    await sleep(500);
    expect(fills(r)).toEqual([]);
    expect(r.reports.some((x) => x.kind === 'canceled')).toBe(false);
  });
});
