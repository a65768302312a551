/**
 * The sim keeps every finished order and every execution queryable (by client order id, by time)
 * after they left its book: recovery asks for them exactly as it asks a broker.
 */
import { describe, expect, it } from 'vitest';
import { harness, MIN, T0 } from './helpers.ts';

describe('sim venue: the past stays queryable', () => {
  it('answers for finished orders by client order id and lists executions since a time', async () => {
    // o1 fills in two parts (volume cap), o2 fills at once, o3 is canceled unfilled, o4 is rejected.
    const v = harness({ volumeShare: 0.5, latency: { submitMs: 0, ackMs: 5 } });
    v.bar(T0, 100, 100, 100, 100, 1000);
    v.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 800 }, T0);
    v.bar(T0 + MIN, 101, 101, 101, 101, 1000); // 500 at 101
    v.bar(T0 + 2 * MIN, 102, 102, 102, 102, 1000); // 300 at 102
    v.submit({ symbol: 'AAPL', side: 'sell', type: 'market', qty: 100 }, T0 + 2 * MIN);
    v.bar(T0 + 3 * MIN, 103, 103, 103, 103, 1000);
    v.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 50, qty: 1 }, T0 + 3 * MIN);
    v.venue.cancel('o3', T0 + 3 * MIN);
    v.submit({ symbol: 'NOPE', side: 'buy', type: 'market', qty: 1 }, T0 + 3 * MIN);
    for (let i = 4; i < 40; i++) v.bar(T0 + i * MIN, 103, 103, 103, 103, 1000); // time moves on

    const q = v.venue.queries!;
    const o1 = await q.order('o1');
    expect(o1).toMatchObject({ clientOrderId: 'o1', venueOrderId: 'S1', status: 'filled', filledQty: 800, createdAt: T0, updatedAt: T0 + 2 * MIN + 5 });
    expect(o1!.avgFillPrice).toBeCloseTo((500 * 101 + 300 * 102) / 800, 10);
    expect(await q.order('o2')).toMatchObject({ venueOrderId: 'S2', status: 'filled', filledQty: 100, avgFillPrice: 103 });
    expect(await q.order('o3')).toMatchObject({ venueOrderId: 'S3', status: 'canceled', filledQty: 0, avgFillPrice: 0 });
    expect(await q.order('o4')).toBeNull(); // refused at entry: the venue never had it
    expect(await q.order('nobody')).toBeNull();

    const all = await q.executionsSince(0);
    expect(all.map((e) => [e.clientOrderId, e.execId, e.side, e.qty, e.price, e.ts])).toEqual([
      ['o1', 'S1-1', 'buy', 500, 101, T0 + MIN + 5],
      ['o1', 'S1-2', 'buy', 300, 102, T0 + 2 * MIN + 5],
      ['o2', 'S2-1', 'sell', 100, 103, T0 + 3 * MIN + 5],
    ]);
    expect(all[0]).toEqual({ clientOrderId: 'o1', execId: 'S1-1', symbol: 'AAPL', side: 'buy', qty: 500, price: 101, fee: 0, ts: T0 + MIN + 5 });
    expect((await q.executionsSince(T0 + 2 * MIN + 5)).map((e) => e.execId)).toEqual(['S1-2', 'S2-1']);
    expect(await q.executionsSince(T0 + 3 * MIN + 6)).toEqual([]);
    // The execution ids match what the fill reports said.
    expect(v.fills().map((f) => f.execId)).toEqual(['S1-1', 'S1-2', 'S2-1']);
    // A finished order's id stays taken; the refused one may be used again.
    v.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }, T0 + 40 * MIN, 'o1');
    expect(v.last()).toMatchObject({ kind: 'rejected', clientOrderId: 'o1' });
    v.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }, T0 + 40 * MIN, 'o4');
    expect(v.last()).toMatchObject({ kind: 'accepted', clientOrderId: 'o4' });
    v.venue.cancel('o3', T0 + 40 * MIN);
    expect(v.last()).toMatchObject({ kind: 'cancel_rejected', clientOrderId: 'o3', reason: 'order already canceled' });
  });
});
