/**
 * Finished orders leave the registry's hot maps for a compact archive, and stay what they were:
 * found by id, viewed through their handles, listed by all() in creation order, and a late report
 * (a fill after the cancel: the FSM's canceled -> filled row) still goes through the FSM.
 */
import { describe, expect, it } from 'vitest';
import { OrderRegistry } from '../../src/orders/registry.ts';
import type { OrderEvent } from '../../src/orders/order.ts';
import { AAPL, T0 } from './helpers.ts';

const req = (qty: number) => ({ symbol: 'AAPL', side: 'buy' as const, type: 'limit' as const, limitPrice: 100, qty });

function finishedOrder(reg: OrderRegistry, id: string): OrderEvent[] {
  const events: OrderEvent[] = [];
  const o = reg.create(id, req(10), T0);
  events.push(reg.apply(o, 'submit', T0)!);
  events.push(...reg.applyReport({ kind: 'accepted', clientOrderId: id, venueOrderId: `V-${id}`, ts: T0 + 1 }).events);
  events.push(...reg.applyReport({ kind: 'fill', clientOrderId: id, execId: `${id}-1`, qty: 4, price: 100, fee: 0.1, liquidity: 'maker', ts: T0 + 2 }).events);
  events.push(...reg.applyReport({ kind: 'canceled', clientOrderId: id, ts: T0 + 3 }).events);
  return events;
}

function finishedOrderFresh(reg: OrderRegistry, id: string): void {
  const o = reg.create(id, req(10), T0, false, true);
  reg.apply(o, 'submit', T0);
  reg.applyReport({ kind: 'accepted', clientOrderId: id, venueOrderId: `V-${id}`, ts: T0 + 1 });
  reg.applyReport({ kind: 'canceled', clientOrderId: id, ts: T0 + 3 });
}

describe('order archive', () => {
  it('keeps a finished order whole and routes a late fill for it through the FSM', () => {
    const reg = new OrderRegistry(() => AAPL);
    reg.snapshots = false; // events carry handles; views are built on demand
    const evA = finishedOrder(reg, 'A');
    finishedOrder(reg, 'B'); // its create() archives A
    reg.create('C', req(1), T0 + 10); // ... and this one B
    const handleA = evA[0]!.handle;
    expect(handleA.view()).toMatchObject({ clientOrderId: 'A', venueOrderId: 'V-A', status: 'canceled', filledQty: 4, avgFillPrice: 100, fees: 0.1, reason: 'canceled', updatedAt: T0 + 3 });
    expect([...reg.all()].map((o) => [o.clientOrderId, o.status])).toEqual([['A', 'canceled'], ['B', 'canceled'], ['C', 'initialized']]);
    expect(() => reg.create('A', req(1), T0)).toThrow(/already in use/);

    // The same execution again: still known (deduplicated), nothing booked.
    const dup = reg.applyReport({ kind: 'fill', clientOrderId: 'A', execId: 'A-1', qty: 4, price: 100, fee: 0.1, liquidity: 'maker', ts: T0 + 20 });
    expect(dup.fill).toBeNull();
    // A fill executed before the cancel, reported after it: the rest of the order, through the FSM.
    const late = reg.applyReport({ kind: 'fill', clientOrderId: 'A', execId: 'A-2', qty: 6, price: 101, fee: 0.2, liquidity: 'maker', ts: T0 + 21 });
    expect(late.problem).toBeNull();
    expect(late.fill).toMatchObject({ qty: 6, price: 101 });
    expect(late.events.map((e) => [e.kind, e.from, e.to])).toEqual([['fill_complete', 'canceled', 'filled']]);
    expect(late.events[0]!.order).toMatchObject({ status: 'filled', filledQty: 10 });
    expect(late.events[0]!.order.avgFillPrice).toBeCloseTo(100.6, 9);
    expect(handleA.view()).toMatchObject({ status: 'filled', filledQty: 10 });
    expect(reg.get('A')).toMatchObject({ status: 'filled', filledQty: 10, fees: 0.1 + 0.2 });
    expect([...reg.get('A')!.execIds]).toEqual(['A-1', 'A-2']);
    expect(reg.get('nobody')).toBeUndefined();
  });

  it('checks a fresh id against ids that entered another way, archived or hot', () => {
    const reg = new OrderRegistry(() => AAPL);
    finishedOrder(reg, 'A'); // created by hand: not fresh
    reg.create('B', req(1), T0 + 10, false, true); // archives A
    expect(() => reg.create('A', req(1), T0 + 11, false, true)).toThrow(/already in use/);
    expect(() => reg.create('B', req(1), T0 + 11, false, true)).toThrow(/already in use/);
    // Only fresh ids so far: nothing to collide with, and the orders are all there.
    const fresh = new OrderRegistry(() => AAPL);
    finishedOrderFresh(fresh, 'X1');
    fresh.create('X2', req(1), T0 + 10, false, true);
    expect([...fresh.all()].map((o) => [o.clientOrderId, o.status])).toEqual([['X1', 'canceled'], ['X2', 'initialized']]);
    // A restored order is foreign: a fresh id equal to it is refused from then on.
    fresh.restore({ ...fresh.viewById('X1')!, clientOrderId: 'X3', status: 'accepted', returnTo: null, execIds: [] });
    expect(() => fresh.create('X3', req(1), T0 + 12, false, true)).toThrow(/already in use/);
    expect(() => fresh.create('X1', req(1), T0 + 12, false, true)).toThrow(/already in use/);
  });

  it('takes the snapshot at the event when snapshots are on', () => {
    const reg = new OrderRegistry(() => AAPL);
    const [submit] = finishedOrder(reg, 'A');
    expect(submit!.order.status).toBe('submitted'); // not the canceled state it is in now
    expect(submit!.handle.view().status).toBe('canceled');
  });
});
