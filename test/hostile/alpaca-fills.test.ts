/**
 * Fills against a hostile Alpaca: duplicated, reordered, missed by the stream, for orders of a
 * previous process, racing a replace. Judged by the engine's own order registry (fill dedupe by
 * exec id and by (venue order, cumulative quantity)), not by counting reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rig, reportsOf, until, type Rig } from './alpaca-harness.ts';

let r: Rig | null = null;
afterEach(async () => { await r?.close(); r = null; });

const filledQty = (x: Rig, cid: string): number => x.registry.get(cid)?.filledQty ?? Number.NaN;

async function placed(x: Rig, cid: string, qty: number, symbol = 'BTC-USD'): Promise<string> {
  x.place(cid, { symbol, side: 'buy', qty, type: 'limit', limitPrice: 100 });
  await until(() => reportsOf(x, 'accepted', cid).length > 0, 5000, `ack of ${cid}`);
  return x.fake.byClientId(cid)!.id;
}

describe('hostile alpaca: fills', () => {
  it('a fill frame sent twice (and once more as a binary frame) is booked once', async () => {
    r = await rig();
    const id = await placed(r, 'dup1', 1);
    const frame = r.fake.fill(id, '0.4', '100.123456789');
    r.fake.inject(frame);
    r.fake.inject(frame, { binary: true });
    r.fake.fill(id, '0.6', '100');
    await until(() => reportsOf(r!, 'fill', 'dup1').length >= 4, 5000, 'four fill reports');
    expect(filledQty(r, 'dup1')).toBeCloseTo(1, 9);
    expect(r.registry.get('dup1')!.status).toBe('filled');
    expect(r.registry.get('dup1')!.flagged).toBeNull();
  });

  it('a fill the stream never carried (stream dropped) arrives from the FILL activities after the reconnect', async () => {
    r = await rig();
    const id = await placed(r, 'gap1', 2);
    r.fake.fill(id, '0.5', '100');
    await until(() => filledQty(r!, 'gap1') === 0.5, 5000, 'first fill');
    r.fake.streamDown = true;
    r.fake.dropStream();
    r.fake.fill(id, '1.5', '99.5', { stream: false });
    r.fake.streamDown = false;
    await until(() => filledQty(r!, 'gap1') === 2, 8000, 'the missed fill, from activities');
    expect(r.registry.get('gap1')!.status).toBe('filled');
    // Both fills are in the activities list too: booked once each.
    expect(r.registry.get('gap1')!.flagged).toBeNull();
  });

  it('partial fills that arrive out of order add up, and the later duplicate from REST is not booked again', async () => {
    r = await rig();
    const id = await placed(r, 'ooo1', 3);
    const a = r.fake.fill(id, '1', '100', { stream: false });
    const b = r.fake.fill(id, '1', '101', { stream: false });
    const c = r.fake.fill(id, '1', '102', { stream: false });
    r.fake.inject(c);
    r.fake.inject(a);
    r.fake.inject(b);
    await until(() => reportsOf(r!, 'fill', 'ooo1').length >= 3, 5000, 'three fills');
    expect(filledQty(r, 'ooo1')).toBe(3);
    expect(r.registry.get('ooo1')!.avgFillPrice).toBeCloseTo(101, 9);
    // A reconnect replays the activities: nothing is booked twice.
    r.fake.dropStream();
    await until(() => r!.infos.some((m) => m.includes('recovering')), 5000, 'recovery');
    await r.exec.idle();
    expect(filledQty(r, 'ooo1')).toBe(3);
    expect(r.registry.get('ooo1')!.flagged).toBeNull();
  });

  it('a fill for an order placed by a previous process routes by its client order id', async () => {
    const { AlpacaFake } = await import('./alpaca-fake.ts');
    const fake = await AlpacaFake.start();
    // Placed by the process before this one: the journal knows the client id; this adapter never saw it.
    const old = fake.seedOrder({ client_order_id: 'prevproc-7', symbol: 'BTC/USD', qty: '0.25', side: 'buy', status: 'new' });
    const done = fake.seedOrder({ client_order_id: 'prevproc-8-r2', symbol: 'ETH/USD', qty: '1', side: 'sell', status: 'new', replaces: 'x' });
    r = await rig({ fake });
    r.registry.create('prevproc-7', { symbol: 'BTC-USD', side: 'buy', qty: 0.25, type: 'limit', limitPrice: 100 }, 0);
    r.registry.apply(r.registry.get('prevproc-7')!, 'submit', 0);
    r.registry.apply(r.registry.get('prevproc-7')!, 'accept', 0);
    r.fake.fill(old.id, '0.25', '100');
    r.fake.fill(done.id, '0.1', '2000');
    await until(() => reportsOf(r!, 'fill').length >= 2, 5000, 'both fills');
    expect(reportsOf(r, 'fill').map((x) => x.clientOrderId).sort()).toEqual(['prevproc-7', 'prevproc-8']);
    expect(r.registry.get('prevproc-7')!.status).toBe('filled');
  });

  it('a replace that changes only the price of a partially filled order asks for what is left, not the original quantity', async () => {
    // Alpaca gives the replacement the ORIGINAL qty when the PATCH omits it (alpacahq/Alpaca-API#165):
    // 4 filled + a new order of 10 would buy 14 of an order of 10.
    r = await rig();
    const id = await placed(r, 'rep1', 10);
    r.fake.fill(id, '4', '100');
    await until(() => filledQty(r!, 'rep1') === 4, 5000, 'partial fill');
    r.registry.apply(r.registry.get('rep1')!, 'replace_request', Date.now());
    r.exec.replace('rep1', { limitPrice: 101 }, Date.now());
    await until(() => r!.fake.requestsTo('PATCH', /^\/v2\/orders\//).length === 1, 5000, 'the PATCH');
    await r.exec.idle();
    const patch = r.fake.requestsTo('PATCH', /^\/v2\/orders\//)[0]!;
    expect(patch.body?.qty).toBe('6');
    const n = r.fake.byClientId('rep1-r1')!;
    r.fake.completeReplace(n.id);
    await until(() => reportsOf(r!, 'replaced', 'rep1').length === 1, 5000, 'replaced');
    expect(r.registry.get('rep1')!.request.qty).toBe(10);
  });

  it('a fill on the old order after the PATCH was sent is booked, and the replaced order does not grow past what was asked', async () => {
    r = await rig();
    const id = await placed(r, 'race1', 10);
    r.fake.fill(id, '2', '100');
    await until(() => filledQty(r!, 'race1') === 2, 5000, 'partial fill');
    r.registry.apply(r.registry.get('race1')!, 'replace_request', Date.now());
    r.exec.replace('race1', { qty: 10, limitPrice: 101 }, Date.now());
    await until(() => r!.fake.byClientId('race1-r1') !== undefined, 5000, 'the PATCH landed');
    await r.exec.idle();
    expect(r.fake.requestsTo('PATCH', /^\/v2\/orders\//)[0]!.body?.qty).toBe('8');
    // The old order fills 3 more before the replacement reaches the market.
    r.fake.fill(id, '3', '100');
    const n = r.fake.byClientId('race1-r1')!;
    r.fake.completeReplace(n.id);
    await until(() => filledQty(r!, 'race1') === 5, 5000, 'the racing fill');
    // The adapter shrinks the replacement (8 would let the chain buy 13); the venue confirms that too.
    await until(() => r!.fake.byClientId('race1-r2') !== undefined || r!.fake.byClientId('race1-r1')!.status === 'canceled', 5000, 'a correction');
    const fix = r.fake.byClientId('race1-r2');
    if (fix !== undefined) r.fake.completeReplace(fix.id);
    await until(() => reportsOf(r!, 'replaced', 'race1').length === 1, 5000, 'replaced');
    await r.exec.idle();
    // What the chain can still buy at the venue: the open quantity of every working link.
    const open = [...r.fake.orders.values()].filter((o) => o.client_order_id.startsWith('race1') && ['new', 'partially_filled', 'pending_new'].includes(o.status))
      .reduce((a, o) => a + Number(o.qty) - Number(o.filled_qty), 0);
    expect(5 + open).toBeLessThanOrEqual(10);
    expect(r.registry.get('race1')!.request.qty).toBe(10);
    expect(r.problems.some((p) => p.message.includes('filled after the replace was sent'))).toBe(true);
  });
});
