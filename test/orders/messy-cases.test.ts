/** The messy cases of issue 3, item 2: each handled, each tested through the real engine. */
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/orders/order.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { ReconcileService } from '../../src/ops/reconcile.ts';
import { ManualScheduler } from '../../src/ports/scheduler.ts';
import { AAPL, ACCOUNT, INSTRUMENTS, Link, ScriptVenue, T0, bar, start, warnings } from './helpers.ts';

const BUY10 = { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 } as const;
const fill = (id: string, execId: string, qty: number, ts = T0 + 10) => ({ kind: 'fill', clientOrderId: id, execId, qty, price: 100, fee: 0, liquidity: 'taker', ts }) as const;

async function scripted(extra = {}) {
  const venue = new ScriptVenue();
  const events: OrderEvent[] = [];
  const h = await start(venue, { onOrderEvent: (e) => { events.push(e); } }, extra);
  return { venue, h, events, engine: h.engine };
}

describe('messy cases', () => {
  it('a fill before the acknowledgement: filled, and the late ack is quiet news', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); });
    await h.step(() => { venue.emit(fill(id, 'e1', 10)); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 + 11 }); });
    expect(engine.orders.get(id)!.status).toBe('filled');
    expect(engine.orders.get(id)!.venueOrderId).toBe('V1');
    expect(engine.portfolio.qty('AAPL')).toBe(10);
    expect(warnings(h.logs)).toEqual([]);
    await h.finish();
  });

  it('a fill racing a cancel: pending_cancel, then filled; the cancel reject after the fill is not a warning', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 }); });
    await h.step(() => engine.cancel(id));
    expect(engine.orders.get(id)!.status).toBe('pending_cancel');
    await h.step(() => venue.emit(fill(id, 'e1', 4)));
    expect(engine.orders.get(id)!.status).toBe('pending_cancel');
    await h.step(() => venue.emit(fill(id, 'e2', 6, T0 + 11)));
    expect(engine.orders.get(id)!.status).toBe('filled');
    await h.step(() => venue.emit({ kind: 'cancel_rejected', clientOrderId: id, reason: 'order already filled', ts: T0 + 12 }));
    expect(engine.orders.get(id)!.status).toBe('filled');
    expect(engine.portfolio.qty('AAPL')).toBe(10);
    expect(warnings(h.logs)).toEqual([]);
    await h.finish();
  });

  it('a duplicate execution report (same exec id) is ignored', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 }); });
    await h.step(() => { venue.emit(fill(id, 'e1', 4)); venue.emit(fill(id, 'e1', 4)); });
    expect(engine.orders.get(id)!.filledQty).toBe(4);
    expect(engine.portfolio.qty('AAPL')).toBe(4);
    await h.finish();
  });

  it('out-of-order reports: a status report older than what is applied is ignored (venue sequence and time)', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0, venueSeq: 1 }); });
    await h.step(() => engine.replace(id, { limitPrice: 99 }));
    await h.step(() => venue.emit({ kind: 'replaced', clientOrderId: id, qty: 10, limitPrice: 99, ts: T0 + 20, venueSeq: 3 }));
    // The reject of an earlier replace attempt arrives late: sequence 2 < 3.
    await h.step(() => venue.emit({ kind: 'replace_rejected', clientOrderId: id, reason: 'old', ts: T0 + 21, venueSeq: 2 }));
    const o = engine.orders.get(id)!;
    expect(o.status).toBe('accepted');
    expect(o.request.type === 'limit' && o.request.limitPrice).toBe(99);
    // Without a sequence: a canceled stamped before the newest applied status is stale.
    await h.step(() => venue.emit({ kind: 'canceled', clientOrderId: id, ts: T0 + 5 }));
    expect(engine.orders.get(id)!.status).toBe('accepted');
    await h.finish();
  });

  it('an overfill is flagged (and the extra quantity still booked: it happened)', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 }); });
    await h.step(() => { venue.emit(fill(id, 'e1', 6)); venue.emit(fill(id, 'e2', 6)); });
    const o = engine.orders.get(id)!;
    expect(o.flagged).toMatch(/overfill/);
    expect(engine.portfolio.qty('AAPL')).toBe(12);
    expect(warnings(h.logs).some((l) => /overfill/.test(l.message))).toBe(true);
    await h.finish();
  });

  it('an unsolicited cancel and an unsolicited expiry end the order and tell the strategy', async () => {
    const { venue, h, engine, events } = await scripted();
    let a = '';
    let b = '';
    await h.step(() => {
      a = engine.submit(BUY10); b = engine.submit(BUY10);
      venue.emit({ kind: 'accepted', clientOrderId: a, venueOrderId: 'V1', ts: T0 });
      venue.emit({ kind: 'accepted', clientOrderId: b, venueOrderId: 'V2', ts: T0 });
    });
    await h.step(() => { venue.emit({ kind: 'canceled', clientOrderId: a, reason: 'trading halt', ts: T0 + 30 }); venue.emit({ kind: 'expired', clientOrderId: b, ts: T0 + 30 }); });
    expect(engine.orders.get(a)!.status).toBe('canceled');
    expect(engine.orders.get(a)!.reason).toBe('trading halt');
    expect(engine.orders.get(b)!.status).toBe('expired');
    expect(events.filter((e) => e.to === 'canceled' || e.to === 'expired').map((e) => e.clientOrderId)).toEqual([a, b]);
    await h.finish();
  });

  it('a replace to a quantity at or below what is filled is refused before it is sent', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 }); });
    await h.step(() => venue.emit(fill(id, 'e1', 6)));
    await h.step(() => { engine.replace(id, { qty: 5 }); engine.replace(id, { qty: 6 }); });
    expect(venue.replaces).toEqual([]);
    expect(engine.orders.get(id)!.status).toBe('partially_filled');
    expect(warnings(h.logs).filter((l) => /not above the 6 already filled/.test(l.message))).toHaveLength(2);
    await h.finish();
  });

  it('no acknowledgement in time: unconfirmed, the venue is asked by client id, never resent', async () => {
    const sched = new ManualScheduler(0);
    const { venue, h, engine, events } = await scripted({ ackTimeoutMs: 1000, scheduler: sched });
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); });
    await sched.advance(1001); // the transport's clock passes the timeout
    await h.settle();
    await h.step();
    expect(events.map((e) => e.to)).toEqual(['submitted', 'unconfirmed', 'accepted']);
    expect(venue.queryCount).toBe(1);
    expect(venue.sent.map((s) => s.clientOrderId)).toEqual([id]);
    await h.finish();
  });

  it('the ack timeout runs on the transport clock, not engine time: engine time racing ahead fires nothing', async () => {
    // Defect 8: engine time follows bar stamps; judged on it, the timeout fired before the POST left.
    const sched = new ManualScheduler(0);
    const { venue, h, engine, events } = await scripted({ ackTimeoutMs: 1000, scheduler: sched });
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); });
    await h.step(() => engine.schedule(T0 + 120_000, () => undefined)); // two minutes of engine time
    await h.settle();
    await h.step();
    expect(events.map((e) => e.to)).toEqual(['submitted']);
    expect(venue.queryCount).toBe(0);
    await sched.advance(999);
    await h.step();
    expect(venue.queryCount).toBe(0);
    await sched.advance(2);
    await h.settle();
    await h.step();
    expect(engine.orders.get(id)!.status).toBe('accepted');
    expect(venue.queryCount).toBe(1);
    await h.finish();
  });

  it('no acknowledgement and the venue never heard of it: asked again, then lost; still sent once', async () => {
    const sched = new ManualScheduler(0);
    const { venue, h, engine, events } = await scripted({ ackTimeoutMs: 1000, ackQueries: 2, scheduler: sched });
    venue.receive = false;
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); });
    for (let k = 1; k <= 3; k++) {
      await sched.advance(1100);
      await h.settle();
      await h.step();
    }
    expect(engine.orders.get(id)!.status).toBe('lost');
    expect(events.at(-1)!.to).toBe('lost');
    expect(venue.queryCount).toBe(2);
    expect(venue.sent).toHaveLength(1);
    await h.finish();
  });

  it('an impossible transition never crashes: logged, flagged, and reconciliation reports it', async () => {
    const { venue, h, engine } = await scripted();
    let id = '';
    await h.step(() => { id = engine.submit(BUY10); venue.emit({ kind: 'rejected', clientOrderId: id, reason: 'no', ts: T0 }); });
    await h.step(() => venue.emit({ kind: 'replaced', clientOrderId: id, qty: 3, ts: T0 + 1 }));
    await h.step(() => venue.emit(fill(id, 'e1', 10, T0 + 2))); // rejected --fill--> is not in the table
    const o = engine.orders.get(id)!;
    expect(o.status).toBe('rejected');
    expect(o.flagged).toMatch(/invalid order transition: rejected --fill_complete-->/);
    const rec = new ReconcileService(engine);
    venue.positions = [{ symbol: 'AAPL', qty: 10, avgPrice: 100 }];
    const r = await rec.reconcileNow();
    expect(r.diffs.some((d) => d.kind === 'flagged' && d.clientOrderId === id)).toBe(true);
    await h.finish();
  });
});

describe('messy cases against the simulated venue behind a flaky link', () => {
  it('a fill while disconnected is recovered from the venue executions after reconnect, exactly once', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link = new Link(sim);
    const h = await start(link);
    const e = h.engine;
    h.market(bar(0, 101));
    let id = '';
    await h.step(() => { id = e.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }); });
    expect(e.orders.get(id)!.status).toBe('accepted');
    link.up = false;
    h.market(bar(1, 100.5, 101, 99, 100)); // fills at the venue; the report is lost
    await h.step();
    expect(link.dropped.some((r) => r.kind === 'fill')).toBe(true);
    expect(e.portfolio.qty('AAPL')).toBe(0);
    link.up = true;
    const rec = new ReconcileService(e);
    const r = await rec.afterReconnect(T0);
    expect(e.orders.get(id)!.status).toBe('filled');
    expect(e.portfolio.qty('AAPL')).toBe(10);
    expect(r.diffs).toEqual([]);
    // A second sync books nothing twice.
    await rec.afterReconnect(T0);
    expect(e.portfolio.qty('AAPL')).toBe(10);
    expect(e.portfolio.account().cash).toBeCloseTo(sim.snapshot().cash.USD!, 6);
    await h.finish();
  });

  it('a replace sent while the connection drops never leaves two live orders (replace reached the venue)', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link = new Link(sim);
    const h = await start(link);
    const e = h.engine;
    h.market(bar(0, 105));
    let id = '';
    await h.step(() => { id = e.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }); });
    link.up = false; // the replace goes out, its answer is lost
    await h.step(() => e.replace(id, { limitPrice: 101, qty: 12 }));
    expect(e.orders.get(id)!.status).toBe('pending_replace');
    link.up = true;
    await new ReconcileService(e).afterReconnect(T0);
    const o = e.orders.get(id)!;
    expect(o.status).toBe('accepted');
    expect(o.request.qty).toBe(12);
    expect(sim.snapshot().orders).toHaveLength(1);
    expect([...e.orders.openOrders()]).toHaveLength(1);
    await h.finish();
  });

  it('a replace lost with the connection: the old order keeps working, still one live order', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link = new Link(sim);
    const h = await start(link);
    const e = h.engine;
    h.market(bar(0, 105));
    let id = '';
    await h.step(() => { id = e.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }); });
    link.up = false;
    link.dropCommands = true;
    await h.step(() => e.replace(id, { limitPrice: 101 }));
    link.up = true;
    await new ReconcileService(e).afterReconnect(T0);
    const o = e.orders.get(id)!;
    expect(o.status).toBe('accepted');
    expect(o.request.type === 'limit' && o.request.limitPrice).toBe(100);
    expect(sim.snapshot().orders).toHaveLength(1);
    await h.finish();
  });
});

void AAPL;
