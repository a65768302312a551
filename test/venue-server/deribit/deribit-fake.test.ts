/**
 * The Deribit fake driven by the real ccxt 4.5 (ccxt.pro.deribit, sandbox mode with the urls set
 * as the profile's 'paths' override does) and parity's own JSON-RPC order connection: markets,
 * orders over the connection, ccxt's streams, signing refusals, funding in the transaction log,
 * cancel-on-disconnect, faults.
 */
import { createHmac } from 'node:crypto';
import ccxt, { type Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeribitFake, type DeribitFake } from '../../../src/venue-server/deribit/index.ts';
import { createExchange } from '../../../src/venues/ccxt/config.ts';
import { DeribitConnection } from '../../../src/venues/ccxt/jsonrpc-connection.ts';
import { DERIBIT_PROFILE } from '../../../src/venues/ccxt/profile-deribit.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0); // one hour before an 8-hourly funding time
const SYM = 'BTC/USDC:USDC';
const INST = 'BTC_USDC-PERPETUAL';
const bar = (px: number, lo = px, hi = px) => ({ instId: INST, open: px, high: hi, low: lo, close: px, volume: 100 });

async function client(fake: DeribitFake, over: { secret?: string; apiKey?: string } = {}): Promise<Exchange> {
  return createExchange(DERIBIT_PROFILE, {
    apiKey: over.apiKey ?? fake.credentials.apiKey, secret: over.secret ?? fake.credentials.secret, password: null, live: false,
    restUrl: fake.restUrl, wsUrl: fake.wsUrl,
  }, { enableRateLimit: false });
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('Deribit fake with ccxt and the order connection', () => {
  let fake: DeribitFake;
  let ex: Exchange;
  let conn: DeribitConnection;
  beforeAll(async () => {
    fake = await startDeribitFake({ port: 0, startTime: T0, speed: 0 });
    fake.admin.pushBar(bar(50_000));
    ex = await client(fake);
    await ex.loadMarkets();
    conn = new DeribitConnection({ url: fake.wsUrl, apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, exchange: ex });
  });
  afterAll(async () => {
    await conn.close();
    await closeExchange(ex);
    await fake.close();
  });

  it('lists the USDC linear perpetual with its grid, amounts in base currency; ticker, candles, time, account id', async () => {
    const m = ex.market(SYM);
    expect(m.id).toBe(INST);
    expect(m.swap && m.linear).toBe(true);
    expect(m.settle).toBe('USDC');
    // As Deribit lists it: a contract size, though amounts are in BTC (the profile's amountsInBase).
    expect(m.contractSize).toBe(0.001);
    expect(m.precision.price).toBe(1);
    expect(m.precision.amount).toBe(0.001);
    expect(ex.urls['api']).toMatchObject({ rest: fake.restUrl, ws: fake.wsUrl });
    const t = await ex.fetchTicker(SYM);
    expect(t.last).toBe(50_000);
    const candles = await ex.fetchOHLCV(SYM, '1m', T0 - 60_000, 10);
    expect(candles.at(-1)?.[4]).toBe(50_000);
    expect(Math.abs((await ex.fetchTime())! - Date.now())).toBeLessThan(5000);
    const s = await (ex as unknown as Record<string, (p: object) => Promise<{ result: { id: number } }>>)['privateGetGetAccountSummaries']!({});
    expect(s.result.id).toBe(1001);
  });

  it('places over the connection with a label, finds it by label over REST, fills on a bar, streams the order and the trade', async () => {
    const orders = ex.watchOrders();
    const trades = ex.watchMyTrades();
    await until(() => fake.admin.state().connections.some((c) => c.subscriptions >= 2));
    const placed = await conn.createOrder(SYM, 'limit', 'buy', 0.02, 49_900, { label: 'parityA1' }) as { id: string; status: string; info: { label: string } };
    expect(placed.status).toBe('open');
    expect(placed.info.label).toBe('parityA1');
    expect(fake.admin.state().orders[0]!.connection).not.toBeNull();
    const byLabel = await (ex as unknown as Record<string, (p: object) => Promise<{ result: { order_id: string; order_state: string }[] }>>)['privateGetGetOrderStateByLabel']!({ label: 'parityA1', currency: 'USDC' });
    expect(byLabel.result.map((o) => o.order_id)).toEqual([placed.id]);
    expect((await ex.fetchOpenOrders(undefined, undefined, undefined, { code: 'USDC' })).map((o) => o.id)).toEqual([placed.id]);
    const first = await orders;
    expect(first[0]!.id).toBe(placed.id);
    fake.admin.pushBar(bar(49_950, 49_800, 50_000));
    const t = await trades;
    expect(t[0]).toMatchObject({ order: placed.id, amount: 0.02, price: 49_900, takerOrMaker: 'maker', side: 'buy' });
    expect((t[0]!.info as { label: string }).label).toBe('parityA1');
    // Maker 2 bps of 0.02 x 49,900, positive = paid.
    expect(t[0]!.fee?.cost).toBeCloseTo(0.02 * 49_900 * 0.0002, 8);
    const done = await ex.fetchOrder(placed.id, SYM);
    expect(done.status).toBe('closed');
    const mine = await ex.fetchMyTrades(undefined, T0 - 1, 100, { code: 'USDC' });
    expect(mine.map((x) => x.order)).toEqual([placed.id]);
    const pos = await ex.fetchPositions([SYM]);
    expect(pos[0]).toMatchObject({ symbol: SYM, contracts: 0.02, side: 'long', entryPrice: 49_900 });
    const bal = await ex.fetchBalance();
    const row = (bal.info as { summaries: { currency: string; balance: number; equity: number }[] }).summaries.find((x) => x.currency === 'USDC')!;
    expect(row.balance).toBeCloseTo(100_000 - 0.02 * 49_900 * 0.0002, 6);
    expect(row.equity).toBeCloseTo(row.balance + 0.02 * 50, 6);
  });

  it('edits and cancels over the connection; refusals are ccxt error classes with the venue code', async () => {
    const o = await conn.createOrder(SYM, 'limit', 'sell', 0.01, 51_000, { label: 'parityB1' }) as { id: string };
    const edited = await conn.editOrder(o.id, SYM, 'limit', 'sell', 0.03, 51_500) as { amount: number; price: number; status: string };
    expect(edited).toMatchObject({ amount: 0.03, price: 51_500, status: 'open' });
    const c = await conn.cancelOrder(o.id, SYM) as { status: string };
    expect(c.status).toBe('canceled');
    await expect(conn.cancelOrder(o.id, SYM)).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(conn.cancelOrder('USDC-1', SYM)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(conn.createOrder(SYM, 'limit', 'buy', 100, 50_000, { label: 'tooBig' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    const err = await conn.createOrder(SYM, 'limit', 'buy', 100, 50_000, {}).catch((e: unknown) => e);
    expect((err as { venueCode: number }).venueCode).toBe(10009);
    // Off the amount grid (ccxt would round it): 10021 invalid_amount.
    await expect(conn.request('private/buy', { instrument_name: INST, amount: 0.0005, type: 'limit', price: 50_000 })).rejects.toBeInstanceOf(ccxt.InvalidOrder);
  });

  it('refuses a wrong secret (13004), an unknown key, no header (13009) and a stale timestamp (13004), over REST and on the websocket login', async () => {
    const bad = await client(fake, { secret: 'wrong' });
    bad.setMarkets(ex.markets);
    await expect(bad.fetchBalance()).rejects.toThrow(/13004/);
    await expect(bad.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const c2 = new DeribitConnection({ url: fake.wsUrl, apiKey: 'nobody', secret: 'x', exchange: ex });
    await expect(c2.connect()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await c2.close();
    await closeExchange(bad);
    // No Authorization header at all: 13009 unauthorized.
    const r = await fetch(`${fake.restUrl}/api/v2/private/get_positions?currency=USDC`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(13009);
    // Signed as ccxt signs, but two minutes old: 13004 with the timestamp as the reason.
    const ts = String(Date.now() - 120_000);
    const path = '/api/v2/private/get_positions?currency=USDC';
    const sig = createHmac('sha256', fake.credentials.secret).update(`${ts}\nn1\nGET\n${path}\n\n`).digest('hex');
    const stale = await fetch(`${fake.restUrl}${path}`, { headers: { authorization: `deri-hmac-sha256 id=${fake.credentials.apiKey},ts=${ts},sig=${sig},nonce=n1` } });
    const body = (await stale.json()) as { error: { code: number; data: { reason: string } } };
    expect(body.error.code).toBe(13004);
    expect(body.error.data.reason).toMatch(/timestamp/);
    // The same signature made now is accepted: the refusal was the clock, not the signing.
    const now = String(Date.now());
    const good = createHmac('sha256', fake.credentials.secret).update(`${now}\nn2\nGET\n${path}\n\n`).digest('hex');
    expect((await fetch(`${fake.restUrl}${path}`, { headers: { authorization: `deri-hmac-sha256 id=${fake.credentials.apiKey},ts=${now},sig=${good},nonce=n2` } })).status).toBe(200);
  });

  it('books funding as an 8-hourly settlement row in the transaction log', async () => {
    fake.admin.advance(3_600_000); // to 08:00 UTC
    const now = fake.admin.now();
    const log = await (ex as unknown as Record<string, (p: object) => Promise<{ result: { logs: { type: string; change: number; interest_pl: number; instrument_name: string; timestamp: number }[] } }>>)['privateGetGetTransactionLog']!({ currency: 'USDC', start_timestamp: T0, end_timestamp: now + 1, count: 100 });
    const settle = log.result.logs.filter((r) => r.type === 'settlement');
    expect(settle).toHaveLength(1);
    // Long 0.02 at mark 49,950, rate 0.0001: the long pays.
    expect(settle[0]).toMatchObject({ instrument_name: INST, timestamp: Date.UTC(2026, 0, 5, 8) });
    expect(settle[0]!.change).toBeCloseTo(-0.02 * 49_950 * 0.0001, 8);
    expect(settle[0]!.interest_pl).toBe(settle[0]!.change);
    expect(log.result.logs.filter((r) => r.type === 'trade')).toHaveLength(1);
  });

  it('cancel-on-disconnect: a dropped order connection cancels the orders made on it, not REST ones; logout cancels nothing', async () => {
    expect(await conn.enableCancelOnDisconnect()).toEqual({ result: 'ok' });
    const dropped: string[] = [];
    conn.onClose((why) => dropped.push(why));
    const mine = await conn.createOrder(SYM, 'limit', 'buy', 0.01, 40_000, { label: 'parityC1' }) as { id: string };
    const rest = await ex.createOrder(SYM, 'limit', 'buy', 0.01, 40_000, { label: 'parityREST' });
    fake.admin.inject({ dropOrderEntry: true });
    await until(() => dropped.length === 1);
    const st = fake.admin.state().orders;
    expect(st.find((o) => o.orderId === mine.id)).toMatchObject({ state: 'cancelled', cancelReason: 'cancel_on_disconnect' });
    expect(st.find((o) => o.orderId === rest.id)!.state).toBe('open');
    // The next call dials again and turns the switch on again before the order goes.
    const again = await conn.createOrder(SYM, 'limit', 'buy', 0.01, 40_000, { label: 'parityC2' }) as { id: string };
    expect(fake.admin.state().connections.filter((c) => c.cancelOnDisconnect)).toHaveLength(1);
    // A graceful close (private/logout) leaves the order working.
    await conn.close();
    await until(() => fake.admin.state().connections.every((c) => !c.cancelOnDisconnect));
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.admin.state().orders.find((o) => o.orderId === again.id)!.state).toBe('open');
    expect(dropped).toHaveLength(1);
    await ex.cancelOrder(rest.id!, SYM);
    await ex.cancelOrder(again.id, SYM);
    conn = new DeribitConnection({ url: fake.wsUrl, apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, exchange: ex });
  });

  it('faults: an injected reject answers the venue code; rate limit is 10028 (DDoSProtection); a dropped stream socket rejects the watch', async () => {
    fake.admin.inject({ reject: 1 });
    await expect(conn.createOrder(SYM, 'limit', 'buy', 0.01, 40_000, {})).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    fake.admin.inject({ rateLimit: 1 });
    await expect(conn.createOrder(SYM, 'limit', 'buy', 0.01, 40_000, {})).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    fake.admin.inject({ rateLimit: 1 });
    await expect(ex.fetchTicker(SYM)).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    const w = ex.watchOrders();
    await until(() => fake.admin.state().connections.some((c) => c.subscriptions > 0));
    fake.admin.inject({ dropStreams: true });
    await expect(w).rejects.toBeInstanceOf(ccxt.NetworkError);
    // The order connection was not among them.
    expect(conn.connected).toBe(true);
  });

  it('the admin over HTTP: bars, funding, faults and state on the same port; a bad body is a 400 saying why', async () => {
    const post = (path: string, body: unknown) => fetch(`${fake.adminUrl}/${path}`, { method: 'POST', body: JSON.stringify(body) });
    const t = fake.admin.now();
    expect((await post('bars', { bars: [{ instId: INST, ts: t + 60_000, open: 50_100, high: 50_100, low: 50_100, close: 50_100 }] })).status).toBe(200);
    expect((await ex.fetchTicker(SYM)).last).toBe(50_100);
    const fund = (await (await post('fund', { instId: INST, rate: 0.0002 })).json()) as { logIds: string[] };
    expect(fund.logIds).toHaveLength(1);
    expect((await post('faults', { rejectCode: 'x' })).status).toBe(400);
    const bad = await post('bars', { bars: [{ instId: 'NOPE', open: 1, high: 1, low: 1, close: 1 }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown instrument NOPE/);
    const st = (await (await fetch(`${fake.adminUrl}/state`)).json()) as { logs: number; positions: { instrument: string; size: number }[] };
    expect(st.positions).toEqual([{ instrument: INST, size: 0.02, averagePrice: 49_900 }]);
    expect(st.logs).toBeGreaterThanOrEqual(3);
  });
});
