/**
 * The OKX fake's websocket and bills at the wire, without ccxt: OKX's text keepalive, login before
 * private channels (60011), unknown channels (60018), a public login (60008), and the trade bills'
 * subTypes (open long, close long, open short, close short) as OKX writes them.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0);

function open(url: string): Promise<{ ws: WebSocket; next: () => Promise<string> }> {
  const ws = new WebSocket(url);
  const queue: string[] = [];
  const waiters: ((s: string) => void)[] = [];
  ws.on('message', (d) => {
    const s = d.toString();
    const w = waiters.shift();
    if (w !== undefined) w(s);
    else queue.push(s);
  });
  const next = () => new Promise<string>((res) => {
    const q = queue.shift();
    if (q !== undefined) res(q);
    else waiters.push(res);
  });
  return new Promise((res, rej) => {
    ws.once('open', () => res({ ws, next }));
    ws.once('error', rej);
  });
}

async function rest(fake: OkxFake, method: 'GET' | 'POST', path: string, body?: unknown) {
  const ts = new Date().toISOString();
  const text = body === undefined ? '' : JSON.stringify(body);
  const sign = createHmac('sha256', fake.credentials.secret).update(ts + method + path + text).digest('base64');
  const r = await fetch(fake.restUrl + path, {
    method, ...(method === 'POST' ? { body: text } : {}),
    headers: { 'OK-ACCESS-KEY': fake.credentials.apiKey, 'OK-ACCESS-SIGN': sign, 'OK-ACCESS-TIMESTAMP': ts, 'OK-ACCESS-PASSPHRASE': fake.credentials.passphrase, 'x-simulated-trading': '1', 'content-type': 'application/json' },
  });
  return (await r.json()) as { code: string; data: Record<string, string>[] };
}

describe('OKX fake at the wire', () => {
  let fake: OkxFake;
  beforeAll(async () => {
    fake = await startOkxFake({ startTime: T0, speed: 0 });
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 50_000, high: 50_000, low: 50_000, close: 50_000 });
  });
  afterAll(async () => fake.close());

  it('answers ping with pong, refuses private channels before login and unknown channels, logs in with a good signature', async () => {
    const { ws, next } = await open(`${fake.wsUrl}/private`);
    ws.send('ping');
    expect(await next()).toBe('pong');
    ws.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'orders', instType: 'ANY' }] }));
    expect(JSON.parse(await next())).toMatchObject({ event: 'error', code: '60011' });
    ws.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'books5', instId: 'BTC-USDT' }] }));
    expect(JSON.parse(await next())).toMatchObject({ event: 'error', code: '60018' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHmac('sha256', fake.credentials.secret).update(`${timestamp}GET/users/self/verify`).digest('base64');
    ws.send(JSON.stringify({ op: 'login', args: [{ apiKey: fake.credentials.apiKey, passphrase: fake.credentials.passphrase, timestamp, sign }] }));
    expect(JSON.parse(await next())).toMatchObject({ event: 'login', code: '0' });
    ws.send(JSON.stringify({ id: 'sub1', op: 'subscribe', args: [{ channel: 'orders', instType: 'SWAP' }] }));
    expect(JSON.parse(await next())).toMatchObject({ id: 'sub1', event: 'subscribe', arg: { channel: 'orders', instType: 'SWAP' } });
    ws.close();
    const pub = await open(`${fake.wsUrl}/public`);
    pub.ws.send(JSON.stringify({ op: 'login', args: [{ apiKey: 'x', passphrase: 'x', timestamp, sign }] }));
    expect(JSON.parse(await pub.next())).toMatchObject({ event: 'error', code: '60008' });
    pub.ws.close();
  });

  it('writes trade bills with OKX subTypes: 3 open long, 5 close long, 4 open short, 6 close short', async () => {
    const order = async (side: 'buy' | 'sell', sz: string) => {
      const r = await rest(fake, 'POST', '/api/v5/trade/order', { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side, ordType: 'market', sz });
      expect(r.code).toBe('0');
      fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 50_000, high: 50_000, low: 50_000, close: 50_000 });
    };
    await order('buy', '1'); // open long 1
    await order('sell', '3'); // close long 1, then open short 2: one fill, one bill (OKX splits it; the fake names it by what it closes)
    await order('buy', '2'); // close short 2
    await order('sell', '1'); // open short 1
    const bills = await rest(fake, 'GET', '/api/v5/account/bills?instType=SWAP&type=2');
    expect(bills.data.map((b) => b.subType).reverse()).toEqual(['3', '5', '6', '4']);
    expect(bills.data.every((b) => Number(b.fee) < 0)).toBe(true);
  });

  it('refuses a reduce-only order that would grow the position (51169); the venue cancels one left with nothing to reduce when its price is reached (cancelSource 22)', async () => {
    // Short 1 from the test before: a reduce-only sell would add to it.
    const grow = await rest(fake, 'POST', '/api/v5/trade/order', { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'sell', ordType: 'limit', px: '60000', sz: '1', reduceOnly: true });
    expect(grow.code).toBe('1');
    expect(grow.data[0]!.sCode).toBe('51169');
    const cover = await rest(fake, 'POST', '/api/v5/trade/order', { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'limit', px: '40000', sz: '1', reduceOnly: true, clOrdId: 'ro1' });
    expect(cover.code).toBe('0');
    await rest(fake, 'POST', '/api/v5/trade/order', { instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'buy', ordType: 'market', sz: '1' });
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 50_000, high: 50_000, low: 50_000, close: 50_000 });
    // The sim looks at a reduce-only order's room when its price is reached (OKX cancels it once the position is gone).
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 41_000, high: 41_000, low: 39_900, close: 40_500 });
    const o = await rest(fake, 'GET', '/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=ro1');
    expect(o.data[0]).toMatchObject({ state: 'canceled', cancelSource: '22' });
  });
});
