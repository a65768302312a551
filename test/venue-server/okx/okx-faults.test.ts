/**
 * The OKX fake's refusals, faults, dead-man tags, admin HTTP, spot balances, leverage and private
 * pushes: what an adapter must handle, each checked through the real ccxt or a request signed by hand.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0);
const ROOT = join(import.meta.dirname, '..', '..', '..');

function client(fake: OkxFake, over: { secret?: string; password?: string; apiKey?: string } = {}) {
  return new ccxt.pro.okx({
    apiKey: over.apiKey ?? fake.credentials.apiKey, secret: over.secret ?? fake.credentials.secret, password: over.password ?? fake.credentials.passphrase,
    enableRateLimit: false, headers: { 'x-simulated-trading': '1' },
    urls: { api: { rest: fake.restUrl, ws: fake.wsUrl } }, options: { fetchMarkets: { types: ['spot', 'swap'] } },
  });
}

/** A request signed by hand, as OKX documents it (not through ccxt): ts + METHOD + path + body. */
async function signed(fake: OkxFake, method: 'GET' | 'POST', path: string, body: unknown, over: { ts?: string; demo?: boolean } = {}) {
  const ts = over.ts ?? new Date().toISOString();
  const text = body === undefined ? '' : JSON.stringify(body);
  const sig = createHmac('sha256', fake.credentials.secret).update(ts + method + path + text).digest('base64');
  const headers: Record<string, string> = {
    'OK-ACCESS-KEY': fake.credentials.apiKey, 'OK-ACCESS-SIGN': sig, 'OK-ACCESS-TIMESTAMP': ts, 'OK-ACCESS-PASSPHRASE': fake.credentials.passphrase,
    'content-type': 'application/json', ...(over.demo === false ? {} : { 'x-simulated-trading': '1' }),
  };
  const r = await fetch(fake.restUrl + path, { method, headers, ...(method === 'POST' ? { body: text } : {}) });
  return { status: r.status, json: (await r.json()) as { code: string; msg: string; data: Record<string, string>[] } };
}

const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });
const admin = async (fake: OkxFake, path: string, body?: unknown) => {
  const r = await fetch(`${fake.adminUrl}/${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

describe('OKX fake: refusals and faults', () => {
  let fake: OkxFake;
  let ex: ReturnType<typeof client>;
  beforeAll(async () => {
    fake = await startOkxFake({ startTime: T0, speed: 0 });
    fake.admin.pushBar(bar('BTC-USDT', 50_000));
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    ex = client(fake);
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex.close();
    await fake.close();
  });

  it('names what is wrong with a request: key, passphrase, expired timestamp, environment', async () => {
    await expect(client(fake, { apiKey: 'other' }).fetchBalance()).rejects.toThrow(/50111/);
    await expect(client(fake, { password: 'other' }).fetchBalance()).rejects.toThrow(/50105/);
    const stale = await signed(fake, 'GET', '/api/v5/account/balance', undefined, { ts: new Date(Date.now() - 60_000).toISOString() });
    expect(stale.json.code).toBe('50102');
    const good = await signed(fake, 'GET', '/api/v5/account/balance', undefined);
    expect(good.json.code).toBe('0');
    const live = await signed(fake, 'GET', '/api/v5/account/config', undefined, { demo: false });
    expect(live.json.code).toBe('50101');
    const liveFake = await startOkxFake({ liveAccount: true });
    try {
      expect((await signed(liveFake, 'GET', '/api/v5/account/config', undefined)).json.code).toBe('50101');
      expect((await signed(liveFake, 'GET', '/api/v5/account/config', undefined, { demo: false })).json.code).toBe('0');
    } finally {
      await liveFake.close();
    }
  });

  it('refuses a websocket login with a wrong secret (60007) as an AuthenticationError', async () => {
    const bad = client(fake, { secret: 'wrong' });
    await bad.loadHttpProxyAgent();
    await expect(bad.watchOrders('BTC/USDT:USDT')).rejects.toThrow(ccxt.AuthenticationError);
    await bad.close();
  });

  it('clOrdId and tag rules, batch answers with code 2 when some orders fail', async () => {
    const r = await signed(fake, 'POST', '/api/v5/trade/batch-orders', [
      { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'limit', sz: '1', px: '40000', clOrdId: 'batchOk1', tag: 'parity1' },
      { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'limit', sz: '1', px: '40000', clOrdId: 'x'.repeat(33) },
      { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'limit', sz: '1', px: '40000', clOrdId: 'batchOk2', tag: 'way-too-long-tag-here' },
      { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'limit', sz: '0.005', px: '40000' },
      { instId: 'NOPE-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'limit', sz: '1', px: '40000' },
    ]);
    expect(r.json.code).toBe('2');
    expect(r.json.data.map((d) => d.sCode)).toEqual(['0', '51000', '51000', '51121', '51001']);
    await ex.cancelOrder(r.json.data[0]!.ordId!, 'BTC/USDT:USDT');
    // A client id is unique among pending orders only: once canceled it may be used again.
    const again = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 40_000, { clientOrderId: 'batchOk1' });
    await ex.cancelOrder(again.id!, 'BTC/USDT:USDT');
  });

  it('faults: rejected orders (51008), 5xx (50013), rate limit (50011), delayed acks', async () => {
    fake.admin.inject({ reject: 1 });
    await expect(ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 40_000)).rejects.toThrow(ccxt.InsufficientFunds);
    fake.admin.inject({ serverError: 1 });
    await expect(ex.fetchBalance()).rejects.toThrow(ccxt.ExchangeNotAvailable);
    fake.admin.inject({ rateLimit: 1 });
    await expect(ex.fetchBalance()).rejects.toThrow(ccxt.RateLimitExceeded);
    expect((await ex.fetchBalance()).USDT?.total).toBeGreaterThan(0);
    fake.admin.inject({ delayAcks: { count: 1, ms: 300 } });
    const t = Date.now();
    const o = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 40_000);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    await ex.cancelOrder(o.id!, 'BTC/USDT:USDT');
  });

  it('partial-fill fault: half fills on one bar, the rest on the next, partially_filled between; watchMyTrades hears each fill', async () => {
    await ex.loadHttpProxyAgent();
    fake.admin.inject({ partialFill: 1 });
    const o = await ex.createOrder('BTC/USDT:USDT', 'limit', 'sell', 2, 50_100, { clientOrderId: 'part1' });
    const firstTrade = ex.watchMyTrades('BTC/USDT:USDT');
    await new Promise((r) => setTimeout(r, 100));
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_150, 50_000, 50_200));
    const heard = await firstTrade;
    expect(heard.map((x) => [x.order, x.amount, x.price, x.takerOrMaker])).toEqual([[o.id, 1, 50_150, 'taker']]);
    const half = await ex.fetchOrder(o.id!, 'BTC/USDT:USDT');
    expect(half.filled).toBe(1);
    expect(half.info.state).toBe('partially_filled');
    const secondTrade = ex.watchMyTrades('BTC/USDT:USDT');
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_150, 50_000, 50_200));
    // ccxt hands out only what is new since the last call: the second fill, under its own trade id.
    const second = await secondTrade;
    expect(second.map((x) => [x.order, x.amount])).toEqual([[o.id, 1]]);
    expect(second[0]!.id).not.toBe(heard[0]!.id);
    const done = await ex.fetchOrder(o.id!, 'BTC/USDT:USDT');
    expect(done.filled).toBe(2);
    expect(done.status).toBe('closed');
    const pos = (await ex.fetchPositions(['BTC/USDT:USDT']))[0]!;
    expect(pos.side).toBe('short');
    expect(pos.contracts).toBe(2);
    expect(pos.liquidationPrice).toBeGreaterThan(50_100);
  });

  it('dead-man switch with a tag cancels only that tag; timeOut 0 disarms; 5 s is refused', async () => {
    const tagged = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 30_000, { clientOrderId: 'tagA1', tag: 'desk1' });
    const other = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 30_000, { clientOrderId: 'tagB1', tag: 'desk2' });
    await expect(ex.cancelAllOrdersAfter(5_000, { tag: 'desk1' })).rejects.toThrow(/51000/);
    await ex.cancelAllOrdersAfter(10_000, { tag: 'desk2' });
    await ex.cancelAllOrdersAfter(0, { tag: 'desk2' });
    await ex.cancelAllOrdersAfter(10_000, { tag: 'desk1' });
    fake.admin.advance(11_000);
    expect((await ex.fetchOrder(tagged.id!, 'BTC/USDT:USDT')).status).toBe('canceled');
    expect((await ex.fetchOrder(tagged.id!, 'BTC/USDT:USDT')).info.cancelSource).toBe('20');
    expect((await ex.fetchOrder(other.id!, 'BTC/USDT:USDT')).status).toBe('open');
    await ex.cancelOrder(other.id!, 'BTC/USDT:USDT');
  });

  it('admin over HTTP: bars, advance, fund, faults (a bad body names the field), state', async () => {
    expect((await admin(fake, 'faults', { partialFil: 1 })).status).toBe(400);
    const badBar = await admin(fake, 'bars', { bars: [{ instId: 'BTC-USDT-SWAP', open: 1, high: 1, low: 1 }] });
    expect(badBar.status).toBe(400);
    expect(String(badBar.json.error)).toMatch(/close/);
    expect((await admin(fake, 'bars', { bars: [bar('BTC-USDT-SWAP', 50_000)] })).status).toBe(200);
    const before = fake.admin.now();
    expect((await admin(fake, 'advance', { ms: 1000 })).json.now).toBe(before + 1000);
    const funded = await admin(fake, 'fund', { instId: 'BTC-USDT-SWAP', rate: -0.0002 });
    expect((funded.json.billIds as string[]).length).toBe(1);
    const bills = await ex.fetchLedger('USDT', undefined, undefined, { type: 'swap' });
    const last = bills.find((b) => b.id === (funded.json.billIds as string[])[0])!;
    // Short 2 contracts of 0.01 marked at 50,000, rate -0.0002: shorts pay when the rate is negative.
    expect(last.amount).toBeCloseTo(-0.2, 9);
    expect(last.info.subType).toBe('173');
    const state = await admin(fake, 'state');
    // The sell limit at 50,100 filled at the bars' 50,150 open (a gap through the limit fills at the open).
    expect(state.json.positions).toEqual([{ instId: 'BTC-USDT-SWAP', pos: -2, avgPx: 50_150 }]);
  });

  it('spot: a buy shows up as a base-currency balance; selling more than held is 51008', async () => {
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    fake.admin.pushBar(bar('BTC-USDT', 50_000));
    const bal = await ex.fetchBalance();
    expect(bal.BTC?.total).toBe(0.5);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'sell', 0.6, 60_000)).rejects.toThrow(ccxt.InsufficientFunds);
  });

  it('set-leverage while flat is the leverage of the next position; with a position open only the same value passes (59000)', async () => {
    await ex.setLeverage(5, 'ETH/USDT:USDT', { marginMode: 'cross' });
    const lev = await ex.fetchLeverage('ETH/USDT:USDT', { marginMode: 'cross' });
    expect(lev.longLeverage).toBe(5);
    await ex.createOrder('ETH/USDT:USDT', 'limit', 'buy', 1, 3_000);
    fake.admin.pushBar(bar('ETH-USDT-SWAP', 2_990));
    const eth = (await ex.fetchPositions(['ETH/USDT:USDT']))[0]!;
    expect(eth.leverage).toBe(5);
    // Initial margin at 5x: 1 contract x 0.1 ETH x 2,990 / 5.
    expect(eth.initialMargin).toBeCloseTo(59.8, 9);
    await expect(ex.setLeverage(10, 'BTC/USDT:USDT', { marginMode: 'cross' })).rejects.toThrow(/59000/);
    await ex.setLeverage(3, 'BTC/USDT:USDT', { marginMode: 'cross' });
    await expect(ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 30_000, { marginMode: 'isolated' })).rejects.toThrow(/59000/);
  });

  it('watchPositions and watchBalance push after a fill; dropping the private websocket rejects the pending watch', async () => {
    await ex.loadHttpProxyAgent();
    const pos = ex.watchPositions(['BTC/USDT:USDT']);
    const first = await pos; // the snapshot on subscribe
    expect(first.some((p) => p.contracts === 2)).toBe(true);
    const bal = ex.watchBalance();
    await new Promise((r) => setTimeout(r, 100));
    const nextPos = ex.watchPositions(['BTC/USDT:USDT']);
    await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 1);
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    expect((await nextPos).some((p) => p.contracts === 1 && p.side === 'short')).toBe(true);
    expect((await bal).USDT?.total).toBeGreaterThan(0);
    const pending = ex.watchOrders('BTC/USDT:USDT');
    await new Promise((r) => setTimeout(r, 100));
    fake.admin.inject({ dropPrivate: true });
    await expect(pending).rejects.toThrow(ccxt.NetworkError);
  });
});

describe('OKX fake: a replayed data file', () => {
  it('a clock jump plays its events in time order: a countdown that lapses before the next bar cancels the order that bar would fill', async () => {
    const fake = await startOkxFake({ data: [join(ROOT, 'data/sample/BTC-USD-1m.csv')], speed: 0 });
    const ex = client(fake);
    try {
      fake.admin.advance(1); // the first bar (00:00) plays
      const o = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 70_000, { clientOrderId: 'order1' }); // marketable on the 00:01 bar
      await ex.cancelAllOrdersAfter(10_000);
      fake.admin.advance(120_000); // past the 00:00:10 lapse, the 00:01 and 00:02 bars
      const after = await ex.fetchOrder(o.id!, 'BTC/USDT:USDT');
      expect(after.status).toBe('canceled');
      expect(after.filled).toBe(0);
      // The countdown counts real seconds; its lapse is placed on the venue clock by how long ago it
      // passed, so the real milliseconds this test took before the jump shift it by that much.
      expect(Math.abs(after.lastUpdateTimestamp! - Date.parse('2024-03-04T00:00:10Z'))).toBeLessThan(1000);
    } finally {
      await ex.close();
      await fake.close();
    }
  });

  it('plays the file as the market on the venue clock: tickers, candles, the ws ticker', async () => {
    const fake = await startOkxFake({ data: [join(ROOT, 'data/sample/BTC-USD-1m.csv')], speed: 0 });
    const ex = client(fake);
    try {
      const t0 = fake.admin.now();
      fake.admin.advance(3 * 60_000);
      const candles = await ex.fetchOHLCV('BTC/USDT:USDT', '1m');
      expect(candles.length).toBe(3);
      expect(candles[0]![0]).toBe(t0 + 1);
      await ex.loadHttpProxyAgent();
      // OKX answers a tickers subscription with the current ticker, then pushes each new one.
      const now = await ex.watchTicker('BTC/USDT:USDT');
      expect(now.timestamp).toBe(t0 + 1 + 2 * 60_000);
      const tick = ex.watchTicker('BTC/USDT:USDT');
      fake.admin.advance(60_000);
      const t = await tick;
      expect(t.last).toBe(59_971.47);
      expect(t.timestamp).toBe(t0 + 1 + 3 * 60_000);
    } finally {
      await ex.close();
      await fake.close();
    }
  });
});
