/**
 * The Alpaca adapter on the real @alpacahq/alpaca-trade-api SDK, against `parity venue` started
 * in-process on 127.0.0.1 (REST and the trade_updates stream over real sockets).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueServer } from '../../../src/venue-server/index.ts';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { connectAdapter, faults, kinds, kindsFolded, pushBar, stats, venue, waitFor, type Harness } from './helpers.ts';

let server: VenueServer;
let h: Harness;
let n = 0;
const cid = (): string => `T${Date.now().toString(36)}x${++n}`;
const fillsOf = (reps: readonly ExecutionReport[], id: string) => reps.filter((r): r is Extract<ExecutionReport, { kind: 'fill' }> => r.kind === 'fill' && r.clientOrderId === id);

beforeEach(async () => {
  server = await venue();
  h = await connectAdapter(server);
});
afterEach(async () => {
  h.close();
  await server.close();
});

describe('alpaca adapter against parity venue', () => {
  it('market order: accepted over REST, filled at the next bar open, sent exactly once', async () => {
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 0.5 }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await pushBar(server, 'BTC/USD', 100, 101, 99, 100.5);
    const [f] = await waitFor(() => fillsOf(h.reports, id).length === 1 && fillsOf(h.reports, id), 'fill');
    expect(f).toMatchObject({ qty: 0.5, price: 100 });
    expect(kindsFolded(h.reports, id)).toEqual(['accepted', 'fill']);
    expect((await stats(server)).submissions[id]).toBe(1);
    expect(await h.exec.queries.positions()).toEqual([{ symbol: 'BTC-USD', qty: 0.5, avgPrice: 100 }]);
  });

  it('limit, stop and stop-limit orders fill where the path reaches them', async () => {
    const lim = cid(); const stp = cid(); const stl = cid();
    h.exec.submit({ clientOrderId: lim, request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 95, qty: 0.1, tif: 'gtc' }, ts: 0 });
    h.exec.submit({ clientOrderId: stp, request: { symbol: 'BTC-USD', side: 'buy', type: 'stop', stopPrice: 104, qty: 0.1, tif: 'gtc' }, ts: 0 });
    h.exec.submit({ clientOrderId: stl, request: { symbol: 'BTC-USD', side: 'buy', type: 'stop_limit', stopPrice: 103, limitPrice: 103.5, qty: 0.1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => [lim, stp, stl].every((x) => kinds(h.reports, x).includes('accepted')), 'three acks');
    await pushBar(server, 'BTC/USD', 100, 101, 99, 100); // reaches none of them
    await pushBar(server, 'BTC/USD', 100, 105, 94, 96); // open, high 105 (stops), then low 94 (limit)
    await waitFor(() => [lim, stp, stl].every((x) => fillsOf(h.reports, x).length === 1), 'three fills');
    expect(fillsOf(h.reports, lim)[0]!.price).toBe(95);
    expect(fillsOf(h.reports, stp)[0]!.price).toBe(104);
    // Triggered at 103 on the way up, where the 103.5 limit is already marketable.
    expect(fillsOf(h.reports, stl)[0]!.price).toBe(103);
  });

  it('partial fill: two fills on two bars, the order working in between', async () => {
    await faults(server, { partialFill: 1 });
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 10, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await pushBar(server, 'AAPL', 190, 191, 189, 190);
    await waitFor(() => fillsOf(h.reports, id).length === 1, 'first part');
    expect((await h.exec.queries.order(id))).toMatchObject({ status: 'partially_filled', filledQty: 5 });
    await pushBar(server, 'AAPL', 191, 192, 190, 191);
    await waitFor(() => fillsOf(h.reports, id).length === 2, 'second part');
    expect(fillsOf(h.reports, id).map((f) => [f.qty, f.price])).toEqual([[5, 190], [5, 191]]);
    expect((await h.exec.queries.order(id))).toMatchObject({ status: 'filled', filledQty: 10, avgFillPrice: 190.5 });
  });

  it('cancel: a working order is canceled; a cancel after the fill is rejected', async () => {
    const a = cid();
    h.exec.submit({ clientOrderId: a, request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 50, qty: 0.1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, a).includes('accepted'), 'accepted');
    h.exec.cancel(a, 0);
    await waitFor(() => kinds(h.reports, a).includes('canceled'), 'canceled');

    const b = cid();
    h.exec.submit({ clientOrderId: b, request: { symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 0.1 }, ts: 0 });
    await waitFor(() => kinds(h.reports, b).includes('accepted'), 'accepted');
    await pushBar(server, 'BTC/USD', 100, 101, 99, 100);
    await waitFor(() => kinds(h.reports, b).includes('fill'), 'fill');
    h.exec.cancel(b, 0);
    const rej = await waitFor(() => h.reports.find((r) => r.clientOrderId === b && r.kind === 'cancel_rejected'), 'cancel_rejected');
    expect(rej).toMatchObject({ reason: expect.stringContaining('filled') });
  });

  it('reject: refused over REST (buying power) and refused on the stream after the ack', async () => {
    const big = cid();
    h.exec.submit({ clientOrderId: big, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 100000, tif: 'gtc' }, ts: 0 });
    const r1 = await waitFor(() => h.reports.find((r) => r.clientOrderId === big), 'answer');
    expect(r1).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('buying power') });

    await faults(server, { reject: 1 });
    const late = cid();
    h.exec.submit({ clientOrderId: late, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, late).includes('rejected'), 'stream reject');
    expect(kindsFolded(h.reports, late)).toEqual(['accepted', 'rejected']);
  });

  it('replace via PATCH: new price and quantity, one order at the venue, fills under the same client id', async () => {
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 90, qty: 0.2, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    h.exec.replace(id, { limitPrice: 99, qty: 0.3 }, 0);
    const rep = await waitFor(() => h.reports.find((r) => r.clientOrderId === id && r.kind === 'replaced'), 'replaced');
    expect(rep).toMatchObject({ qty: 0.3, limitPrice: 99 });
    await pushBar(server, 'BTC/USD', 100, 101, 98, 100);
    const [f] = await waitFor(() => fillsOf(h.reports, id).length === 1 && fillsOf(h.reports, id), 'fill');
    expect(f).toMatchObject({ qty: 0.3, price: 99 });
    const open = await h.exec.queries.openOrders();
    expect(open).toEqual([]);
    expect(await h.exec.queries.order(id)).toMatchObject({ status: 'filled', filledQty: 0.3 });
    expect(kinds(h.reports, id).filter((k) => k === 'replaced')).toHaveLength(1);
  });

  it('a replace the venue refuses comes back as replace_rejected, the order keeps working', async () => {
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 10, qty: 1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    h.exec.replace(id, { limitPrice: 10.001 }, 0);
    await waitFor(() => kinds(h.reports, id).includes('replace_rejected'), 'replace_rejected');
    expect(await h.exec.queries.order(id)).toMatchObject({ status: 'accepted' });
  });

  it('a fill during a stream gap is recovered from account activities after the reconnect', async () => {
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 0.25 }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await faults(server, { dropStream: true, streamDownMs: 400 });
    await waitFor(() => h.exec.connection().state !== 'connected', 'disconnect');
    await pushBar(server, 'BTC/USD', 100, 100, 100, 100); // fills while nobody listens
    expect(fillsOf(h.reports, id)).toHaveLength(0);
    await waitFor(() => fillsOf(h.reports, id).length === 1, 'recovered fill', 6000);
    await h.exec.idle();
    expect(fillsOf(h.reports, id)[0]).toMatchObject({ qty: 0.25, price: 100 });
    expect(h.exec.connection().state).toBe('connected');
    // A later duplicate of the same execution on the stream changes nothing.
    await faults(server, { duplicate: 2 });
    const id2 = cid();
    h.exec.submit({ clientOrderId: id2, request: { symbol: 'BTC-USD', side: 'sell', type: 'market', qty: 0.25 }, ts: 0 });
    await waitFor(() => kinds(h.reports, id2).includes('accepted'), 'accepted 2');
    await pushBar(server, 'BTC/USD', 101, 101, 101, 101);
    await waitFor(() => fillsOf(h.reports, id2).length >= 1, 'fill 2');
    await new Promise((r) => setTimeout(r, 50));
    // The adapter keeps no order state: a repeated frame is passed on with the same identity (exec id,
    // venue order and cumulative quantity), and the engine's registry books it once.
    const f2 = fillsOf(h.reports, id2);
    expect(new Set(f2.map((f) => `${f.execId}|${f.venueOrderId}|${f.venueCumQty}`)).size).toBe(1);
    const ex = await h.exec.queries.executionsSince(0);
    expect(ex.map((e) => e.clientOrderId)).toEqual([id, id2]);
  });

  it('429: waits (Retry-After) and retries; the order reaches the venue exactly once', async () => {
    await faults(server, { http429: 2, retryAfterSec: 0.05 });
    const id = cid();
    const t0 = Date.now();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    const s = await stats(server);
    expect(s.throttled[id]).toBe(2);
    expect(s.submissions[id]).toBe(1);
  });

  it('reordered and delayed events still end in the right state', async () => {
    await faults(server, { reorder: 1, delayMs: 20 });
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 0.1 }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await pushBar(server, 'BTC/USD', 100, 100, 100, 100);
    await waitFor(() => fillsOf(h.reports, id).length === 1, 'fill');
    await new Promise((r) => setTimeout(r, 300));
    expect(kindsFolded(h.reports, id)).toEqual(['accepted', 'fill']);
  });

  it('a client order id reused after a restart of the console is refused by the venue, never doubled', async () => {
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 50, qty: 1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    h.close();
    // A second console (nothing in memory) sends the same intent again: the venue answers 422 and
    // the adapter adopts the existing order instead of creating a second one.
    h = await connectAdapter(server);
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 50, qty: 1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'adopted');
    const s = await stats(server);
    expect(s.submissions[id]).toBe(2);
    expect(s.duplicates[id]).toBe(1);
    expect((await h.exec.queries.openOrders()).filter((o) => o.clientOrderId === id)).toHaveLength(1);
  });

  it('cancel-all through the engine path uses per-order DELETEs, never DELETE /v2/orders', async () => {
    const ids = [cid(), cid()];
    for (const id of ids) h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 20, qty: 1, tif: 'gtc' }, ts: 0 });
    await waitFor(() => ids.every((id) => kinds(h.reports, id).includes('accepted')), 'acks');
    for (const id of ids) h.exec.cancel(id, 0);
    await waitFor(() => ids.every((id) => kinds(h.reports, id).includes('canceled')), 'cancels');
    expect((await stats(server)).cancelAllCalls).toBe(0);
  });

  it('reduce-only is checked against the venue position before sending', async () => {
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'sell', type: 'market', qty: 1, reduceOnly: true, tif: 'gtc' }, ts: 0 });
    const r = await waitFor(() => h.reports.find((x) => x.clientOrderId === id), 'answer');
    expect(r).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('reduce-only') });
    expect((await stats(server)).submissions[id]).toBeUndefined();
  });

  it('queries: account, clock, no problems reported on the way', async () => {
    const a = await h.exec.queries.account();
    expect(a).toMatchObject({ currency: 'USD', status: 'active', live: false, cash: { USD: 100000 } });
    expect(typeof (await h.exec.queries.time())).toBe('number');
    expect(await h.exec.queries.order('never-sent')).toBeNull();
    expect(h.problems).toEqual([]);
  });
});
