/**
 * Hostile websocket frames against the real ccxt adapter (ccxt.pro.okx over a real socket): what a
 * real OKX does that a friendly fake does not. Each test states what a trader with real money needs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { orderJson, type HOrder } from './okx-hostile-server.ts';
import { leaks, rig, sleep, until, type Rig } from './okx-harness.ts';

const rigs: Rig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof rig>[0] = {}): Promise<Rig> => { const r = await rig(o); rigs.push(r); return r; };

const CID = 'k3f9x2000001hostile';
const t0 = Date.now();
const base = (o: Partial<HOrder> = {}): HOrder => ({
  ordId: '555', clOrdId: CID, tag: 'parity', px: '50000', sz: '2', side: 'buy', ordType: 'limit', state: 'live', accFillSz: '0', avgPx: '', cTime: String(t0), uTime: String(t0), ...o,
});
const fillFrame = (o: Partial<HOrder> = {}): Record<string, unknown> => orderJson(base({
  state: 'partially_filled', accFillSz: '1', avgPx: '50000', fillSz: '1', fillPx: '50000', tradeId: 't1', fillTime: String(t0 + 10), fillFee: '-0.5', uTime: String(t0 + 10), ...o,
}));

describe('OKX private socket: hostile frames', () => {
  it('numbers sent as "" (OKX absent values) never reach the books as NaN or 0 fills', async () => {
    const r = await make();
    // A live order update where every optional number is "" (avgPx, fillPx, px of a market order).
    r.h.pushOrders([orderJson(base({ px: '', avgPx: '', accFillSz: '', fillSz: '', fillPx: '', ordType: 'market' }))]);
    await sleep(300);
    for (const rep of r.reports) {
      for (const v of Object.values(rep)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
    }
    expect(r.reports.filter((x) => x.kind === 'fill')).toEqual([]);
  });

  it('an order state unknown to both OKX docs and ccxt (suspended) is a named protocol problem, not a crash and not a silent drop', async () => {
    const r = await make();
    r.h.pushOrders([orderJson(base({ state: 'suspended' }))]);
    await until('a problem', () => r.problems.length > 0, 3000);
    expect(r.problems.join('\n')).toMatch(/status|state/i);
    // The stream keeps working after the surprise.
    r.h.pushOrders([fillFrame()]);
    await until('the next fill', () => r.reports.some((x) => x.kind === 'fill'), 3000);
  });

  it('the same trade id pushed twice (and found again by REST after a gap) is booked once', async () => {
    const r = await make();
    r.h.fills.push({ instType: 'SWAP', instId: 'BTC-USDT-SWAP', tradeId: 't1', ordId: '555', clOrdId: CID, billId: 'b1', tag: 'parity', fillPx: '50000', fillSz: '1', side: 'buy', posSide: 'net', execType: 'T', feeCcy: 'USDT', fee: '-0.5', ts: String(t0 + 10), fillTime: String(t0 + 10) });
    r.h.pushOrders([fillFrame()]);
    r.h.pushOrders([fillFrame()]);
    await until('a fill', () => r.reports.some((x) => x.kind === 'fill'), 3000);
    await r.exec.recover('test gap');
    await r.exec.idle();
    await sleep(200);
    expect(r.reports.filter((x) => x.kind === 'fill')).toHaveLength(1);
  });

  it('a fill the venue pushes with no clOrdId (the venue\'s own trade on our account) is not booked as ours; the ledger is asked', async () => {
    const r = await make();
    const before = r.h.log.filter((l) => l.includes('account/bills')).length;
    r.h.pushOrders([fillFrame({ clOrdId: '', tag: '', ordId: '999', tradeId: 'liq1' })]);
    await until('a bills pull', () => r.h.log.filter((l) => l.includes('account/bills')).length > before, 3000);
    await sleep(100);
    expect(r.reports.filter((x) => x.kind === 'fill')).toEqual([]);
  });

  it("'filled' heard before 'live' (out of order): one fill of the whole order, and nothing that ends it otherwise", async () => {
    const r = await make();
    r.h.pushOrders([fillFrame({ state: 'filled', accFillSz: '2', fillSz: '2', sz: '2' })]);
    await until('the fill', () => r.reports.some((x) => x.kind === 'fill'), 3000);
    r.h.pushOrders([orderJson(base({ state: 'live' }))]);
    await sleep(300);
    // A late 'accepted' may follow: the registry drops an ack after the order moved on (registry.ts 'accepted').
    expect(r.reports.filter((x) => x.kind === 'fill')).toMatchObject([{ qty: 2, venueCumQty: 2 }]);
    expect(r.reports.some((x) => x.kind === 'canceled' || x.kind === 'rejected' || x.kind === 'expired')).toBe(false);
  });

  it('a fill priced "" (OKX sends it) is reported as a problem and not booked at price 0', async () => {
    const r = await make();
    r.h.pushOrders([fillFrame({ fillPx: '', avgPx: '' })]);
    await sleep(400);
    const fills = r.reports.filter((x) => x.kind === 'fill');
    for (const f of fills) if (f.kind === 'fill') expect(f.price).toBeGreaterThan(0);
    expect(fills.length === 0 ? r.problems.length : 1).toBeGreaterThan(0);
  });

  it('a half-open socket (open, silent, no pong) is noticed: the connection status says the websocket is down', async () => {
    const r = await make({ keepAliveMs: 300 });
    expect(r.exec.connection().state).toBe('connected');
    r.h.silent = true;
    await until('the socket noticed down', () => r.exec.connection().state !== 'connected', 6000);
    expect(r.exec.connection().detail ?? '').toMatch(/websocket/);
  });

  it('a fill made while the socket was half-open is booked once, from REST, when the stream is back', async () => {
    const r = await make({ keepAliveMs: 300 });
    r.h.silent = true;
    r.h.fills.push({ instType: 'SWAP', instId: 'BTC-USDT-SWAP', tradeId: 'gap1', ordId: '555', clOrdId: CID, billId: 'bg1', tag: 'parity', fillPx: '50000', fillSz: '1', side: 'buy', posSide: 'net', execType: 'T', feeCcy: 'USDT', fee: '-0.5', ts: String(Date.now()), fillTime: String(Date.now()) });
    await until('the socket noticed down', () => r.exec.connection().state !== 'connected', 6000);
    r.h.silent = false;
    await until('the gap fill', () => r.reports.some((x) => x.kind === 'fill'), 6000);
    await sleep(300);
    await r.exec.idle();
    expect(r.reports.filter((x) => x.kind === 'fill')).toMatchObject([{ execId: 'gap1', qty: 1 }]);
  });

  it('once the half-open socket is replaced and resubscribed, a QUIET account shows connected again (no order update needed)', async () => {
    const r = await make({ keepAliveMs: 300 });
    r.h.silent = true;
    await until('the socket noticed down', () => r.exec.connection().state !== 'connected', 6000);
    r.h.silent = false;
    await until('resubscribed', () => r.h.privateSockets() > 0, 4000);
    // The venue has nothing to say (no orders working): the stream is up all the same. Until the
    // status says so the watchdog holds trading paused, and a paused strategy places no order that
    // would produce the update that clears it.
    await until('connected again', () => r.exec.connection().state === 'connected', 4000);
  });

  it('a websocket login refused (REST keys fine) says so in words about the keys, and never prints the secret', async () => {
    const r = await make({ before: (h) => { h.wsLogin = 'login-fails-echo'; }, ws: false });
    await until('a problem', () => r.problems.length > 0, 4000);
    const text = r.problems.join('\n');
    expect(leaks(text)).toEqual([]);
    expect(r.exec.connection().state).not.toBe('connected');
  });

  it('a websocket login refused (60009) makes the status name the login failure, not a plain reconnect', async () => {
    const r = await make({ before: (h) => { h.wsLogin = 'login-fails'; }, ws: false });
    await until('a problem', () => r.problems.length > 0, 4000);
    await sleep(500);
    const st = r.exec.connection();
    expect(st.state).not.toBe('connected');
    expect(`${st.detail ?? ''} ${r.problems.join(' ')}`).toMatch(/login|auth|key/i);
    // What to do: a refused login is the keys' (or the clock's), not the network's; saying
    // "resubscribing with backoff, REST covers the gap" sends the trader to the wrong place.
    expect(r.problems.join('\n')).toMatch(/OKX_API_KEY|keys|passphrase/i);
    expect(r.problems.join('\n')).not.toMatch(/CcxtNetworkError/);
  });

  it('a login refused once (OKX answers 60009 on a busy moment) is retried: the private stream comes back', async () => {
    const r = await make({ before: (h) => { h.wsLogin = 'login-fails'; }, ws: false });
    await until('a problem', () => r.problems.length > 0, 4000);
    r.h.wsLogin = 'ok';
    await until('the private socket subscribed again', () => r.h.privateSockets() > 0, 5000);
    await until('connected', () => r.exec.connection().state === 'connected', 3000);
  });
});
