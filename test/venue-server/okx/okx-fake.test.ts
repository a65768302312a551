/**
 * The OKX fake driven by the real ccxt 4.5 (ccxt.pro.okx): what an adapter relies on, end to end
 * over HTTP and websocket on 127.0.0.1.
 */
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0); // 07:00 UTC: one hour before an 8-hourly funding time

function client(fake: OkxFake, over: { secret?: string; demo?: boolean } = {}) {
  const ex = new ccxt.pro.okx({
    apiKey: fake.credentials.apiKey, secret: over.secret ?? fake.credentials.secret, password: fake.credentials.passphrase,
    enableRateLimit: false,
    ...(over.demo === false ? {} : { headers: { 'x-simulated-trading': '1' } }),
    urls: { api: { rest: fake.restUrl, ws: fake.wsUrl } },
    options: { fetchMarkets: { types: ['spot', 'swap'] } },
  });
  return ex;
}

const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });

describe('OKX fake with ccxt', () => {
  let fake: OkxFake;
  let ex: ReturnType<typeof client>;
  beforeAll(async () => {
    fake = await startOkxFake({ port: 0, startTime: T0, speed: 0 });
    fake.admin.pushBar(bar('BTC-USDT', 50_000));
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    ex = client(fake);
  });
  afterAll(async () => {
    await ex.close();
    await fake.close();
  });

  it('lists spot and linear swaps with their grid and contract size', async () => {
    const markets = await ex.loadMarkets();
    const swap = markets['BTC/USDT:USDT']!;
    expect(swap.swap).toBe(true);
    expect(swap.linear).toBe(true);
    expect(swap.contractSize).toBe(0.01);
    expect(swap.precision.price).toBe(0.1);
    expect(markets['BTC/USDT']!.spot).toBe(true);
    const cfg = await ex.privateGetAccountConfig();
    expect(cfg.data[0].uid).toBe('parity-okx-1');
    expect(cfg.data[0].posMode).toBe('net_mode');
  });

  it('creates an order with a client id, fetches it by that id, fills it when a bar crosses', async () => {
    const placed = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 2, 49_900, { clientOrderId: 'parityA1' });
    expect(placed.clientOrderId).toBe('parityA1');
    const open = await ex.fetchOrder(undefined as unknown as string, 'BTC/USDT:USDT', { clientOrderId: 'parityA1' });
    expect(open.status).toBe('open');
    expect(open.id).toBe(placed.id);
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 49_950, 49_800, 50_000));
    const done = await ex.fetchOrder(placed.id!, 'BTC/USDT:USDT');
    expect(done.status).toBe('closed');
    expect(done.filled).toBe(2);
    expect(done.average).toBe(49_900);
    // A resting limit order filled later is a maker: 2 bps of 2 x 0.01 x 49,900, in USDT.
    expect(done.fee).toEqual({ cost: 0.1996, currency: 'USDT' });
    const trades = await ex.fetchMyTrades('BTC/USDT:USDT');
    const trade = trades.find((t) => t.order === placed.id)!;
    expect(trade.amount).toBe(2);
    expect(trade.takerOrMaker).toBe('maker');
    expect(trade.fee).toEqual({ cost: 0.1996, currency: 'USDT' });
    const positions = await ex.fetchPositions(['BTC/USDT:USDT']);
    const p = positions.find((x) => x.symbol === 'BTC/USDT:USDT')!;
    expect(p.contracts).toBe(2);
    expect(p.side).toBe('long');
    expect(p.markPrice).toBe(49_950);
    // Cross margin backed by the whole 100,000 USDT: no positive price liquidates 2 contracts ("" liqPx).
    expect(p.liquidationPrice).toBeUndefined();
    expect(p.info.liqPx).toBe('');
    expect(p.leverage).toBe(3);
    expect(p.marginMode).toBe('cross');
  });

  it('refuses a duplicate pending client id and a malformed one with OKX codes', async () => {
    await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 40_000, { clientOrderId: 'dup1' });
    await expect(ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 40_000, { clientOrderId: 'dup1' })).rejects.toThrow(/51016/);
    await expect(ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 40_000, { clientOrderId: 'bad-id_x' })).rejects.toThrow(/51000/);
    await ex.cancelOrder(undefined as unknown as string, 'BTC/USDT:USDT', { clientOrderId: 'dup1' });
    const o = await ex.fetchOrder(undefined as unknown as string, 'BTC/USDT:USDT', { clientOrderId: 'dup1' });
    expect(o.status).toBe('canceled');
  });

  it('amends an order in place (editOrder) and cancels it', async () => {
    const o = await ex.createOrder('BTC/USDT:USDT', 'limit', 'sell', 1, 60_000, { clientOrderId: 'amend1' });
    await ex.editOrder(o.id!, 'BTC/USDT:USDT', 'limit', 'sell', 3, 59_000);
    const after = await ex.fetchOrder(o.id!, 'BTC/USDT:USDT');
    expect(after.price).toBe(59_000);
    expect(after.amount).toBe(3);
    expect(after.status).toBe('open');
    await ex.cancelOrder(o.id!, 'BTC/USDT:USDT');
    expect((await ex.fetchOrder(o.id!, 'BTC/USDT:USDT')).status).toBe('canceled');
    const pending = await ex.fetchOpenOrders('BTC/USDT:USDT');
    expect(pending.find((x) => x.id === o.id!)).toBeUndefined();
  });

  it('refuses a wrong secret with 50113 as an AuthenticationError, and a live request on a demo account', async () => {
    const bad = client(fake, { secret: 'not-the-secret' });
    const err = await bad.fetchBalance().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(err)).toMatch(/50113/);
    const live = client(fake, { demo: false });
    await expect(live.fetchBalance()).rejects.toThrow(/50101/);
  });

  it('watchOrders receives the fill', async () => {
    await ex.loadHttpProxyAgent();
    const first = ex.watchOrders('BTC/USDT:USDT');
    // The subscription is in place once the first push (the order's 'live') arrives.
    const o = await (async () => {
      await new Promise((r) => setTimeout(r, 200));
      return ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 49_000, { clientOrderId: 'ws1' });
    })();
    const live = await first;
    expect(live.some((x) => x.id === o.id! && x.status === 'open')).toBe(true);
    const next = ex.watchOrders('BTC/USDT:USDT');
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 49_100, 48_900, 49_200));
    const filled = await next;
    expect(filled.some((x) => x.id === o.id! && x.status === 'closed' && x.filled === 1)).toBe(true);
  });

  it('cancelAllOrdersAfter: the countdown lapsing on the venue clock cancels our orders and pushes the cancel', async () => {
    const o = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 30_000, { clientOrderId: 'dms1' });
    const armed = await ex.cancelAllOrdersAfter(10_000);
    // Dated on this machine's clock (what public/time answers), not the replay's venue clock.
    expect(Math.abs(Number(armed.data[0].triggerTime) - (Date.now() + 10_000))).toBeLessThan(2000);
    const pushed = ex.watchOrders('BTC/USDT:USDT');
    fake.admin.advance(9_000);
    expect((await ex.fetchOrder(o.id!, 'BTC/USDT:USDT')).status).toBe('open');
    fake.admin.advance(1_500);
    const canceled = await pushed;
    expect(canceled.some((x) => x.id === o.id! && x.status === 'canceled')).toBe(true);
    expect((await ex.fetchOrder(o.id!, 'BTC/USDT:USDT')).status).toBe('canceled');
    expect(fake.admin.state().deadMan).toEqual([]);
  });

  it('funding at the 8-hourly time books a type 8 bill that fetchLedger returns', async () => {
    const before = (await ex.fetchBalance()).USDT!.total!;
    fake.admin.advance(T0 + 3_600_000 - fake.admin.now()); // 08:00 UTC
    // ccxt's fetchLedger sends instType=SPOT unless told the type: swap bills need { type: 'swap' }.
    expect((await ex.fetchLedger('USDT')).filter((e) => e.info.type === '8')).toEqual([]);
    const ledger = await ex.fetchLedger('USDT', undefined, undefined, { type: 'swap' });
    const funding = ledger.filter((e) => e.info.type === '8');
    expect(funding.length).toBe(1);
    // Long 3 contracts of 0.01 BTC at a 49,100 mark, rate 0.0001: the long pays 0.1473 USDT.
    expect(funding[0]!.amount).toBeCloseTo(-0.1473, 6);
    expect(funding[0]!.info.subType).toBe('173');
    expect(funding[0]!.info.instId).toBe('BTC-USDT-SWAP');
    const after = (await ex.fetchBalance()).USDT!.total!;
    expect(after).toBeCloseTo(before - 0.1473, 4);
  });
});
