/**
 * The Binance fake refuses what Binance refuses, as ccxt sees it: an unknown key (-2015), a wrong
 * secret (-1022), a timestamp outside recvWindow (-1021, ccxt InvalidNonce), a demo key on the live
 * hosts (-2015); a bad WS-API signature. Faults: a reject with Binance's code, 503 / 429, held acks,
 * a dropped user-data socket. The admin answers over HTTP on the same port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import ccxt, { type Exchange } from 'ccxt';
import { WebSocket } from 'ws';
import { signHex } from '../../../src/venue-server/binance/signing.ts';
import type { BinanceFake } from '../../../src/venue-server/binance/index.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';
import { binanceFor, fakeAndCcxt, flat, PERP, SPOT } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
const track = (fake: BinanceFake, ...exs: Exchange[]) => {
  cleanup.push(() => fake.close());
  for (const e of exs) cleanup.push(() => closeExchange(e));
};

describe('Binance fake: signing', () => {
  it('refuses an unknown key, a wrong secret, a stale timestamp, and a demo key on the live hosts', async () => {
    const { fake, ex } = await fakeAndCcxt();
    await ex.loadMarkets();
    const badKey = await binanceFor(fake, { apiKey: 'nope' });
    const badSecret = await binanceFor(fake, { secret: 'wrong' });
    const stale = await binanceFor(fake, { options: { timeDifference: -120_000 } });
    const live = await binanceFor(fake, { live: true });
    track(fake, ex, badKey, badSecret, stale, live);
    for (const e of [badKey, badSecret, stale, live]) e.setMarkets(ex.markets);
    await expect(badKey.fetchBalance({ type: 'swap' })).rejects.toSatisfy((e: unknown) => e instanceof ccxt.AuthenticationError && /-2015/.test((e as Error).message));
    await expect(badSecret.fetchBalance({ type: 'swap' })).rejects.toSatisfy((e: unknown) => e instanceof ccxt.AuthenticationError && /-1022/.test((e as Error).message));
    await expect(stale.fetchBalance({ type: 'swap' })).rejects.toSatisfy((e: unknown) => e instanceof ccxt.InvalidNonce && /-1021/.test((e as Error).message));
    await expect(live.fetchBalance({ type: 'spot' })).rejects.toThrow(/-2015/);
    // The right key on its own side works.
    expect(((await ex.fetchBalance({ type: 'swap' })).total as unknown as Record<string, number>)['USDT']).toBe(100_000);
  });

  it('a spot WS-API subscription signed with the wrong secret is refused with -1022 (raw socket: ccxt leaves that rejection unhandled)', async () => {
    const { fake, ex } = await fakeAndCcxt();
    track(fake, ex);
    const ws = new WebSocket(`${fake.wsUrl}/demo-ws-api.binance.com/ws-api/v3`);
    await new Promise((r) => ws.once('open', r));
    const answer = (params: Record<string, unknown>) => new Promise<unknown>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      const payload = Object.keys(params).sort().map((k) => `${k}=${String(params[k])}`).join('&');
      ws.send(JSON.stringify({ id: '1', method: 'userDataStream.subscribe.signature', params: { ...params, signature: signHex(String(params['secret'] ?? fake.credentials.secret), payload) } }));
    });
    const base = { apiKey: fake.credentials.apiKey, timestamp: Date.now(), recvWindow: 5000 };
    expect(await answer({ ...base, secret: 'wrong' })).toMatchObject({ id: '1', status: 400, error: { code: -1022 } });
    expect(await answer({ ...base, timestamp: Date.now() - 60_000 })).toMatchObject({ status: 400, error: { code: -1021 } });
    expect(await answer(base)).toMatchObject({ id: '1', status: 200, result: { subscriptionId: 0 } });
    ws.close();
  });
});

describe('a refused spot WS-API subscription through ccxt', () => {
  it('rejects the watch with -1022 and leaves no unhandled rejection (teardown.ts marks the future ccxt makes ahead handled)', async () => {
    const { fake, ex } = await fakeAndCcxt();
    const bad = await binanceFor(fake, { secret: 'wrong' });
    track(fake, ex, bad);
    await ex.loadMarkets();
    bad.setMarkets(ex.markets);
    await expect(bad.watchOrders(SPOT)).rejects.toThrow(/-1022/);
    // The orphan future's rejection would surface on the next turns of the loop.
    await new Promise((r) => setTimeout(r, 100));
  });
});

describe('Binance fake: faults', () => {
  it('a reject with Binance code, 503 and 429, a held ack', async () => {
    const { fake, ex } = await fakeAndCcxt();
    track(fake, ex);
    await ex.loadMarkets();
    fake.admin.pushBar(flat('BTCUSDT', 50_000));
    fake.admin.inject({ reject: 1, rejectCode: '-2019' });
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 49_000)).rejects.toThrow(/-2019/);
    fake.admin.inject({ serverError: 1 });
    await expect(ex.fetchOpenOrders(PERP)).rejects.toBeInstanceOf(ccxt.OperationFailed);
    fake.admin.inject({ rateLimit: 1 });
    await expect(ex.fetchOpenOrders(PERP)).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    fake.admin.inject({ delayAcks: { count: 1, ms: 300 } });
    const t = Date.now();
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 49_000, { clientOrderId: 'slow-1' });
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    fake.admin.inject({ partialFill: 1 });
    await ex.createOrder(PERP, 'limit', 'buy', 0.02, 49_000, { clientOrderId: 'half-1' });
    fake.admin.pushBar(flat('BTCUSDT', 48_900));
    expect((await ex.fetchOrder('', PERP, { clientOrderId: 'half-1' })).filled).toBe(0.01);
    fake.admin.pushBar(flat('BTCUSDT', 48_900));
    expect((await ex.fetchOrder('', PERP, { clientOrderId: 'half-1' })).filled).toBe(0.02);
  });

  it('dropPrivate cuts the USD-M user-data socket: the pending watch rejects, a new watch gets the next push', async () => {
    const { fake, ex } = await fakeAndCcxt();
    track(fake, ex);
    await ex.loadMarkets();
    fake.admin.pushBar(flat('BTCUSDT', 50_000));
    const first = ex.watchOrders();
    await new Promise((r) => setTimeout(r, 200));
    fake.admin.inject({ dropPrivate: true });
    await expect(first).rejects.toBeInstanceOf(ccxt.NetworkError);
    const again = ex.watchOrders();
    await new Promise((r) => setTimeout(r, 200));
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 49_000, { clientOrderId: 'after-drop' });
    expect((await again).map((o) => o.clientOrderId)).toContain('after-drop');
  });

  it('the admin over HTTP: bars, advance, fund, faults, state; a bad body names the field', async () => {
    const { fake, ex } = await fakeAndCcxt();
    track(fake, ex);
    const post = (path: string, body: unknown) => fetch(`${fake.adminUrl}/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('bars', { bars: [flat('BTCUSDT', 50_000), flat('BTCUSDT@spot', 50_000)] })).status).toBe(200);
    expect((await post('advance', { ms: 1000 })).status).toBe(200);
    expect((await post('faults', { serverError: 1 })).status).toBe(200);
    const bad = await post('bars', { bars: [{ instId: 'BTCUSDT', open: 1 }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/high/);
    expect((await post('bars', { bars: [flat('NOPE', 1)] })).status).toBe(400);
    const st = await (await fetch(`${fake.adminUrl}/state`)).json() as { cash: number; spotCash: number; now: number };
    expect(st.cash).toBe(100_000);
    expect(st.spotCash).toBe(100_000);
  });
});
