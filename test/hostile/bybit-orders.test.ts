/**
 * Hostile Bybit answers to our order calls (REST through ccxt.pro.bybit): an answer without the
 * order id, an amend answered with another order's id, a duplicate orderLinkId, a liquidation row
 * whose side is missing. Each says what a trader needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bybitErr, logRow, ok, orderRow } from './bybit-hostile-server.ts';
import { brig, sleep, until, type BRig } from './bybit-harness.ts';

const rigs: BRig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof brig>[0] = {}): Promise<BRig> => { const r = await brig(o); rigs.push(r); return r; };
const CID = 'q8hostile0000003';
const sub = () => ({ clientOrderId: CID, ts: Date.now(), request: { symbol: 'BTC/USDT:USDT', side: 'buy' as const, qty: 0.01, type: 'limit' as const, limitPrice: 49_000 } });
const creates = (r: BRig): number => r.h.log.filter((l) => l.startsWith('POST order/create')).length;

describe('Bybit order answers: hostile', () => {
  it('a create answered retCode 0 without an orderId (the order landed): never reported rejected, found by orderLinkId, not placed twice', async () => {
    const r = await make();
    r.h.routes.push((q) => {
      if (q.path !== 'order/create') return undefined;
      r.h.orders.push(orderRow({ orderId: 'o61', orderLinkId: String(q.body?.['orderLinkId']) }));
      return ok({});
    });
    r.c.execution.submit(sub());
    await until('an outcome', () => r.reports.some((x) => x.kind === 'accepted' || x.kind === 'rejected'), 8000);
    await r.c.execution.idle();
    expect(r.reports.some((x) => x.kind === 'rejected')).toBe(false);
    expect(r.reports.find((x) => x.kind === 'accepted')).toMatchObject({ venueOrderId: 'o61' });
    expect(creates(r)).toBe(1);
  }, 15_000);

  it('110072 (orderLinkId taken: an earlier attempt landed) is the order that landed, not a reject', async () => {
    const r = await make();
    r.h.routes.push((q) => {
      if (q.path !== 'order/create') return undefined;
      if (!r.h.orders.some((o) => o['orderLinkId'] === q.body?.['orderLinkId'])) r.h.orders.push(orderRow({ orderId: 'o62', orderLinkId: String(q.body?.['orderLinkId']) }));
      return bybitErr(110072, 'OrderLinkedID is duplicate');
    });
    r.c.execution.submit(sub());
    await until('an outcome', () => r.reports.some((x) => x.kind === 'accepted' || x.kind === 'rejected'), 8000);
    expect(r.reports.find((x) => x.kind === 'accepted')).toMatchObject({ venueOrderId: 'o62' });
    expect(r.reports.some((x) => x.kind === 'rejected')).toBe(false);
  }, 15_000);

  it('an amend answered with another order\'s id: our order is read back by orderLinkId, and a cancel reaches ours', async () => {
    const r = await make();
    r.c.execution.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 5000);
    r.h.routes.push((q) => {
      if (q.path !== 'order/amend') return undefined;
      const mine = r.h.orders.find((o) => o['orderLinkId'] === CID)!;
      mine['price'] = String(q.body?.['price'] ?? mine['price']);
      return ok({ orderId: 'o-other', orderLinkId: 'not-ours' });
    });
    r.c.execution.replace(CID, { limitPrice: 48_000 }, Date.now());
    await until('replaced', () => r.reports.some((x) => x.kind === 'replaced' || x.kind === 'replace_rejected'), 5000);
    expect(r.reports.find((x) => x.kind === 'replaced')).toMatchObject({ limitPrice: 48_000 });
    r.c.execution.cancel(CID, Date.now());
    await until('canceled', () => r.reports.some((x) => x.kind === 'canceled'), 5000);
    expect(r.h.log.filter((l) => l.startsWith('POST order/cancel')).some((l) => l.includes('o-other'))).toBe(false);
  }, 15_000);

  it('a LIQUIDATION row with no side is told and not booked half; the funding row beside it is booked', async () => {
    const r = await make();
    const t = Date.now();
    r.h.logs.push(logRow({ id: 'l1', type: 'LIQUIDATION', side: '', change: '-40', cashFlow: '-38', qty: '0.01', tradePrice: '45000', transactionTime: String(t + 1000) }));
    r.h.logs.push(logRow({ id: 'f1', type: 'SETTLEMENT', change: '-0.7', transactionTime: String(t + 900) }));
    await r.c.execution.pullEntries();
    await r.c.execution.pullEntries();
    await sleep(50);
    expect(r.entries.map((e) => e.entryId)).toEqual(['f1']);
    expect(r.said.join('\n')).toMatch(/l1/);
  }, 15_000);
});
