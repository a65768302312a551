/**
 * Defect 3 of "order truth": one transient HTTP 500 on a cancel left the order `pending_cancel` for
 * the session, and a second cancel-all sent nothing. Now a cancel that does not land is retried
 * (asking the venue first) with backoff, and `pending_cancel` / `pending_replace` always end: by an
 * answer, or by a timeout that asks the venue. Timers run on a ManualScheduler (the transport clock).
 */
import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../src/ports/scheduler.ts';
import { ScriptVenue, T0, start } from './helpers.ts';

const BUY = { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 10, tif: 'gtc' } as const;

async function working() {
  const sched = new ManualScheduler(0);
  const venue = new ScriptVenue();
  const h = await start(venue, {}, { ackTimeoutMs: 1000, commandTimeoutMs: 2000, scheduler: sched });
  const engine = h.engine;
  let id = '';
  await h.step(() => { id = engine.submit(BUY); });
  await h.step(() => venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 + 1 }));
  expect(engine.orders.get(id)!.status).toBe('accepted');
  const settle = async (ms: number) => { await sched.advance(ms); await h.settle(5); await h.step(); };
  return { sched, venue, h, engine, id, settle };
}

describe('cancels and replaces always end', () => {
  it('a cancel that failed in transit is asked about and sent again until it lands', async () => {
    const { venue, h, engine, id, settle } = await working();
    await h.step(() => engine.cancel(id));
    expect(venue.cancels).toEqual([id]);
    await h.step(() => venue.emit({ kind: 'cancel_rejected', clientOrderId: id, reason: 'HTTP 500', ts: T0 + 2, transient: true }));
    expect(engine.orders.get(id)!.status).toBe('accepted');
    await settle(300);
    expect(venue.queryCount).toBe(1);
    expect(venue.cancels).toEqual([id, id]);
    expect(engine.orders.get(id)!.status).toBe('pending_cancel');
    await h.step(() => venue.emit({ kind: 'canceled', clientOrderId: id, ts: T0 + 3 }));
    expect(engine.orders.get(id)!.status).toBe('canceled');
    await settle(60_000);
    expect(venue.cancels).toHaveLength(2);
    await h.finish();
  });

  it('a cancel with no answer at all: the timeout asks the venue, which says canceled', async () => {
    const { venue, h, engine, id, settle } = await working();
    await h.step(() => engine.cancel(id));
    venue.orders.set(id, { ...venue.orders.get(id)!, status: 'canceled' });
    await settle(1999);
    expect(venue.queryCount).toBe(0);
    await settle(2);
    expect(venue.queryCount).toBe(1);
    expect(engine.orders.get(id)!.status).toBe('canceled');
    await h.finish();
  });

  it('a cancel with no answer, the venue still working it: sent again', async () => {
    const { venue, h, engine, id, settle } = await working();
    await h.step(() => engine.cancel(id));
    await settle(2001);
    expect(engine.orders.get(id)!.status).toBe('accepted');
    await settle(300);
    expect(venue.cancels).toEqual([id, id]);
    await h.finish();
  });

  it('cancel-all again while a cancel is out asks the venue at once instead of sending nothing', async () => {
    const { venue, h, engine, id, settle } = await working();
    await h.step(() => engine.cancelAll());
    venue.orders.set(id, { ...venue.orders.get(id)!, status: 'canceled' });
    await h.step(() => engine.cancelAll());
    await settle(1);
    expect(venue.queryCount).toBe(1);
    expect(engine.orders.get(id)!.status).toBe('canceled');
    await h.finish();
  });

  it('retries stop after the limit, with an error that says what to do', async () => {
    const { venue, h, engine, id, settle } = await working();
    await h.step(() => engine.cancel(id));
    for (let k = 0; k < 8; k++) {
      await h.step(() => venue.emit({ kind: 'cancel_rejected', clientOrderId: id, reason: 'HTTP 503', ts: T0 + 10 + k, transient: true }));
      await settle(10_000);
    }
    expect(venue.cancels).toHaveLength(6);
    expect(h.logs.some((l) => l.level === 'error' && /cancel of .* failed 6 times/.test(l.message))).toBe(true);
    await h.finish();
  });

  it('a replace with no answer: the timeout asks the venue, which has the new terms', async () => {
    const { venue, h, engine, id, settle } = await working();
    await h.step(() => engine.replace(id, { limitPrice: 89 }));
    expect(engine.orders.get(id)!.status).toBe('pending_replace');
    venue.orders.set(id, { ...venue.orders.get(id)!, request: { ...BUY, limitPrice: 89 } });
    await settle(2001);
    const o = engine.orders.get(id)!;
    expect(o.status).toBe('accepted');
    expect(o.request).toMatchObject({ limitPrice: 89 });
    await h.finish();
  });
});
