/**
 * "Order truth" defects 1, 3, 4 and 5 on the Alpaca path, against `parity venue` over real sockets
 * with the real SDK. The adapter keeps no order state: a new adapter (a restarted process) routes the
 * fills of orders an earlier one placed and can cancel them; cancels and replaces ask the venue where
 * the order stands before acting, so a lost answer or a rejected replacement cannot leave a dead id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueServer } from '../../../src/venue-server/index.ts';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { OrderRegistry } from '../../../src/orders/registry.ts';
import { connectAdapter, faults, instruments, kinds, pushBar, stats, venue, waitFor, type Harness } from './helpers.ts';

let server: VenueServer;
const open: Harness[] = [];
let n = 0;
const cid = (): string => `OT${Date.now().toString(36)}x${++n}`;
const fillsOf = (reps: readonly ExecutionReport[], id: string) => reps.filter((r): r is Extract<ExecutionReport, { kind: 'fill' }> => r.kind === 'fill' && r.clientOrderId === id);
const connect = async (): Promise<Harness> => { const h = await connectAdapter(server); open.push(h); return h; };
const restingBuy = (px: number, qty = 0.1) => ({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: px, qty, tif: 'gtc' }) as const;
const venueOpen = async (): Promise<{ client_order_id: string; id: string; limit_price: string }[]> =>
  (await (await fetch(`${server.url}/v2/orders?status=open`, { headers: { 'APCA-API-KEY-ID': 'test-key-id', 'APCA-API-SECRET-KEY': 'test-secret-key' } })).json()) as never;

beforeEach(async () => { server = await venue(); });
afterEach(async () => {
  for (const h of open.splice(0)) h.close();
  await server.close();
});

describe('orders outlive the process that placed them (defect 1)', () => {
  it('a restarted adapter hears the fill of an order placed before the restart', async () => {
    const a = await connect();
    const id = cid();
    a.exec.submit({ clientOrderId: id, request: restingBuy(95), ts: 0 });
    await waitFor(() => kinds(a.reports, id).includes('accepted'), 'accepted');
    a.close();
    const b = await connect();
    await pushBar(server, 'BTC/USD', 100, 101, 94, 96);
    const [f] = await waitFor(() => fillsOf(b.reports, id).length === 1 && fillsOf(b.reports, id), 'fill heard by the new adapter');
    expect(f).toMatchObject({ clientOrderId: id, qty: 0.1, price: 95 });
    expect(b.problems).toEqual([]);
  });

  it('a restarted adapter cancels a working order placed before the restart: the DELETE reaches the venue', async () => {
    const a = await connect();
    const id = cid();
    a.exec.submit({ clientOrderId: id, request: restingBuy(50), ts: 0 });
    await waitFor(() => kinds(a.reports, id).includes('accepted'), 'accepted');
    a.close();
    const b = await connect();
    b.exec.cancel(id, 0);
    await waitFor(() => kinds(b.reports, id).includes('canceled'), 'canceled');
    expect(kinds(b.reports, id)).not.toContain('cancel_rejected');
    expect(await venueOpen()).toEqual([]);
  });

  it('a restarted adapter replaces an order placed before the restart, and the replacement id is fresh', async () => {
    const a = await connect();
    const id = cid();
    a.exec.submit({ clientOrderId: id, request: restingBuy(50), ts: 0 });
    await waitFor(() => kinds(a.reports, id).includes('accepted'), 'accepted');
    a.exec.replace(id, { limitPrice: 51 }, 0);
    await waitFor(() => kinds(a.reports, id).includes('replaced'), 'first replace');
    a.close();
    const b = await connect();
    b.exec.replace(id, { limitPrice: 52 }, 0);
    const rep = await waitFor(() => b.reports.find((r) => r.clientOrderId === id && r.kind === 'replaced'), 'replaced by the new adapter');
    expect(rep).toMatchObject({ limitPrice: 52 });
    const live = await venueOpen();
    expect(live.map((o) => [o.client_order_id, Number(o.limit_price)])).toEqual([[`${id}-r2`, 52]]);
  });
});

describe('a cancel that fails in transit (defect 3)', () => {
  it('HTTP 500 on the DELETE comes back as a transient cancel_rejected, so the engine can retry', async () => {
    const h = await connect();
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: restingBuy(50), ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await faults(server, { failNext: [{ method: 'DELETE', path: '^/v2/orders/', status: 500 }] });
    h.exec.cancel(id, 0);
    const rej = await waitFor(() => h.reports.find((r) => r.clientOrderId === id && r.kind === 'cancel_rejected'), 'cancel_rejected');
    expect(rej).toMatchObject({ transient: true });
    h.exec.cancel(id, 0); // the engine's retry
    await waitFor(() => kinds(h.reports, id).includes('canceled'), 'canceled on the retry');
  });

  it('HTTP 500 after the venue did cancel: the adapter asks and reports canceled', async () => {
    const h = await connect();
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: restingBuy(50), ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await faults(server, { failNext: [{ method: 'DELETE', path: '^/v2/orders/', status: 500, apply: true }] });
    h.exec.cancel(id, 0);
    await waitFor(() => kinds(h.reports, id).includes('canceled'), 'canceled');
    expect(kinds(h.reports, id)).not.toContain('cancel_rejected');
  });
});

describe('replace tracking (defect 4)', () => {
  it('a PATCH applied at the venue with its answer lost: the new terms are reported and the next cancel reaches the live order', async () => {
    const h = await connect();
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: restingBuy(50), ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await faults(server, { failNext: [{ method: 'PATCH', path: '^/v2/orders/', status: 500, apply: true }] });
    h.exec.replace(id, { limitPrice: 55 }, 0);
    const rep = await waitFor(() => h.reports.find((r) => r.clientOrderId === id && (r.kind === 'replaced' || r.kind === 'replace_rejected')), 'replace outcome');
    expect(rep).toMatchObject({ kind: 'replaced', limitPrice: 55 });
    h.exec.cancel(id, 0);
    await waitFor(() => kinds(h.reports, id).includes('canceled'), 'canceled');
    expect(await venueOpen()).toEqual([]);
    await pushBar(server, 'BTC/USD', 56, 57, 40, 45);
    await new Promise((r) => setTimeout(r, 100));
    expect(fillsOf(h.reports, id)).toEqual([]);
  });

  it('a replacement accepted and then rejected: replace_rejected, and the next cancel reaches the old order, which stops working', async () => {
    const h = await connect();
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: restingBuy(50), ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await faults(server, { rejectReplacement: 1 });
    h.exec.replace(id, { limitPrice: 55 }, 0);
    await waitFor(() => kinds(h.reports, id).includes('replace_rejected'), 'replace_rejected');
    expect(kinds(h.reports, id)).not.toContain('replaced');
    h.exec.cancel(id, 0);
    await waitFor(() => kinds(h.reports, id).includes('canceled'), 'canceled');
    expect(await venueOpen()).toEqual([]);
    await pushBar(server, 'BTC/USD', 52, 53, 40, 45);
    await new Promise((r) => setTimeout(r, 100));
    expect(fillsOf(h.reports, id)).toEqual([]);
    expect((await stats(server)).fills).toBe(0);
  });
});

describe('a partial fill without an execution id (defect 5)', () => {
  it('is known by order and cumulative quantity from the stream and from the activity list alike: booked once', async () => {
    const h = await connect();
    const id = cid();
    await faults(server, { partialFill: 1, omitExecutionId: 1 });
    h.exec.submit({ clientOrderId: id, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 10, tif: 'gtc' }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).includes('accepted'), 'accepted');
    await pushBar(server, 'AAPL', 190, 191, 189, 190);
    const [streamFill] = await waitFor(() => fillsOf(h.reports, id).length === 1 && fillsOf(h.reports, id), 'partial fill');
    const [activity] = (await h.exec.queries.executionsSince(0)).filter((x) => x.clientOrderId === id);
    expect(activity!.execId).not.toBe(streamFill!.execId); // two sources, two ids...
    expect([activity!.venueOrderId, activity!.venueCumQty]).toEqual([streamFill!.venueOrderId, streamFill!.venueCumQty]); // ...one execution

    // What a restarted engine does with both: the registry books the quantity once.
    const reg = new OrderRegistry((s) => instruments.get(s));
    const o = reg.create(id, { symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }, 0);
    reg.apply(o, 'submit', 0);
    reg.applyReport({ kind: 'accepted', clientOrderId: id, venueOrderId: streamFill!.venueOrderId!, ts: 1 });
    reg.applyReport(streamFill!);
    const again = reg.applyReport({ kind: 'fill', clientOrderId: id, execId: activity!.execId, qty: activity!.qty, price: activity!.price, fee: 0, liquidity: 'taker', ts: activity!.ts, venueOrderId: activity!.venueOrderId!, venueCumQty: activity!.venueCumQty! });
    expect(again.fill).toBeNull();
    expect(reg.get(id)!.filledQty).toBe(5);
  });
});
