/**
 * The Bybit fake driven by the real ccxt 4.5.84 (ccxt.pro.bybit), built as a session builds it
 * (createExchange: demo trading, then every URL under urls.api rewritten to the fake by origin):
 * markets, orders by orderLinkId, fills over REST and websocket, amend, cancel, Bybit's refusals,
 * signing, funding in the transaction log, and Disconnection Protect.
 */
import ccxt, { type Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBybitFake, type BybitFake } from '../../../src/venue-server/bybit/index.ts';
import { createExchange } from '../../../src/venues/ccxt/config.ts';
import { BYBIT_PROFILE } from '../../../src/venues/ccxt/profile-bybit.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0); // 07:00 UTC: one hour before an 8-hourly funding time
const PERP = 'BTC/USDT:USDT';
const SPOT = 'BTC/USDT';

async function client(fake: BybitFake, over: { secret?: string; apiKey?: string; live?: boolean } = {}): Promise<Exchange> {
  return createExchange(BYBIT_PROFILE, {
    apiKey: over.apiKey ?? fake.credentials.apiKey, secret: over.secret ?? fake.credentials.secret, password: null, live: over.live ?? false,
    restUrl: fake.restUrl, wsUrl: fake.wsUrl,
  }, { enableRateLimit: false });
}

const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });

async function until(what: string, cond: () => boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Bybit fake with ccxt', () => {
  let fake: BybitFake;
  let ex: Exchange;
  beforeAll(async () => {
    fake = await startBybitFake({ port: 0, startTime: T0, speed: 0 });
    fake.admin.pushBar(bar('BTCUSDT', 50_000));
    ex = await client(fake);
  });
  afterAll(async () => {
    await closeExchange(ex);
    await fake.close();
  });

  it('lists spot and linear markets under one symbol id, told apart by type', async () => {
    const markets = await ex.loadMarkets();
    const perp = markets[PERP]!;
    expect(perp.swap).toBe(true);
    expect(perp.linear).toBe(true);
    expect(perp.id).toBe('BTCUSDT');
    expect(perp.contractSize).toBe(1);
    expect(perp.precision.amount).toBe(0.001);
    expect(markets[SPOT]!.spot).toBe(true);
    expect(markets[SPOT]!.id).toBe('BTCUSDT');
    // The demo hosts are what ccxt reaches: the fake sees api-demo.bybit.com as the first path segment.
    expect(String((ex.urls as unknown as { api: { private: string } }).api.private)).toBe(`${fake.restUrl}/api-demo.{hostname}`);
    const t = await ex.fetchTicker(PERP);
    expect(t.symbol).toBe(PERP);
    expect(t.last).toBe(50_000);
    const st = await ex.fetchTicker(SPOT);
    expect(st.symbol).toBe(SPOT);
  });

  it('answers the UID, the unified account and the balance (walletBalance is cash)', async () => {
    const q = await (ex as unknown as { privateGetV5UserQueryApi(): Promise<{ result: { userID: number } }> }).privateGetV5UserQueryApi();
    expect(q.result.userID).toBe(50_000_001);
    const b = await ex.fetchBalance();
    expect((b.total as unknown as Record<string, number>)['USDT']).toBe(100_000);
  });

  it('creates a limit order with orderLinkId, finds it open, fills it on a crossing bar, and books the trade', async () => {
    const placed = await ex.createOrder(PERP, 'limit', 'buy', 0.02, 49_900, { clientOrderId: 'parity-A_1' });
    expect(placed.id).toBeTruthy();
    const open = await ex.fetchOpenOrders(PERP, undefined, undefined, { orderLinkId: 'parity-A_1' });
    expect(open).toHaveLength(1);
    expect(open[0]!.clientOrderId).toBe('parity-A_1');
    expect(open[0]!.status).toBe('open');
    expect(open[0]!.symbol).toBe(PERP);
    fake.admin.pushBar(bar('linear:BTCUSDT', 49_950, 49_800, 50_000));
    const closed = await ex.fetchClosedOrders(PERP, undefined, undefined, { orderLinkId: 'parity-A_1' });
    expect(closed[0]!.status).toBe('closed');
    expect(closed[0]!.filled).toBe(0.02);
    expect(closed[0]!.average).toBe(49_900);
    const trades = await ex.fetchMyTrades(PERP);
    const tr = trades.find((x) => x.order === placed.id)!;
    expect(tr.symbol).toBe(PERP);
    expect(tr.amount).toBe(0.02);
    expect(tr.takerOrMaker).toBe('maker');
    // 2 bps of 0.02 x 49,900.
    expect(tr.fee?.cost).toBeCloseTo(0.1996, 8);
    const [pos] = await ex.fetchPositions([PERP]);
    expect(pos!.contracts).toBe(0.02);
    expect(pos!.side).toBe('long');
    expect(pos!.entryPrice).toBe(49_900);
  });

  it('amends in place and cancels, and says 110001 for an order that is gone', async () => {
    const o = await ex.createOrder(PERP, 'limit', 'buy', 0.01, 48_000, { clientOrderId: 'parityB' });
    const edited = await ex.editOrder(o.id!, PERP, 'limit', 'buy', 0.02, 48_100);
    expect(edited.id).toBe(o.id);
    const [again] = await ex.fetchOpenOrders(PERP, undefined, undefined, { orderLinkId: 'parityB' });
    expect(again!.amount).toBe(0.02);
    expect(again!.price).toBe(48_100);
    await ex.cancelOrder(o.id!, PERP);
    const canceled = await ex.fetchCanceledOrders(PERP, undefined, undefined, { orderLinkId: 'parityB' });
    expect(canceled[0]!.status).toBe('canceled');
    await expect(ex.cancelOrder(o.id!, PERP)).rejects.toThrow(ccxt.OrderNotFound);
    await expect(ex.cancelOrder(o.id!, PERP)).rejects.toThrow(/110001/);
  });

  it("refuses as Bybit does: a duplicate orderLinkId (110072), a bad one (10001), reduce-only with nothing to reduce (110017), funds (110007), spot's unknown order (170213)", async () => {
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'parityDup' });
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'parityDup' })).rejects.toThrow(/110072/);
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'has space' })).rejects.toThrow(ccxt.BadRequest);
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'x'.repeat(37) })).rejects.toThrow(/10001/);
    await expect(ex.createOrder('ETH/USDT:USDT', 'limit', 'sell', 0.1, 3000, { reduceOnly: true })).rejects.toThrow(/110017/);
    await expect(ex.createOrder(PERP, 'limit', 'buy', 100, 49_000)).rejects.toThrow(ccxt.InsufficientFunds);
    await expect(ex.cancelOrder('123', SPOT)).rejects.toThrow(/170213/);
  });

  it('trades spot: a sell beyond the holding refused with the spot code (170131), a limit buy filled, the coin in the balance', async () => {
    const o = await ex.createOrder(SPOT, 'market', 'sell', 0.001).catch((e: unknown) => e);
    expect(o).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(String(o)).toMatch(/170131/);
    const buy = await ex.createOrder(SPOT, 'limit', 'buy', 0.01, 50_000, { clientOrderId: 'paritySpot1' });
    fake.admin.pushBar(bar('spot:BTCUSDT', 50_000, 49_900, 50_100));
    const [done] = await ex.fetchClosedOrders(SPOT, undefined, undefined, { orderLinkId: 'paritySpot1' });
    expect(done!.id).toBe(buy.id);
    expect(done!.symbol).toBe(SPOT);
    expect(done!.filled).toBe(0.01);
    const b = await ex.fetchBalance();
    expect((b.total as unknown as Record<string, number>)['BTC']).toBe(0.01);
  });

  it('books funding every 8 h as a SETTLEMENT row of the transaction log, with its category', async () => {
    fake.admin.advance(3_600_000);
    const ledger = await ex.fetchLedger(undefined, undefined, undefined, { paginate: true });
    const rows = ledger.filter((e) => (e.info as { type: string }).type === 'SETTLEMENT');
    expect(rows).toHaveLength(1);
    const info = rows[0]!.info as Record<string, string>;
    expect(info.category).toBe('linear');
    expect(info.symbol).toBe('BTCUSDT');
    expect(info.side).toBe('Buy');
    // A long pays 0.0001 x 0.02 x the mark (49,950, the last bar).
    expect(Number(info.change)).toBeCloseTo(-0.0001 * 0.02 * 49_950, 8);
    expect(rows[0]!.timestamp).toBe(Date.UTC(2026, 0, 5, 8));
    const hist = await ex.fetchFundingRateHistory(PERP);
    expect(hist.at(-1)?.fundingRate).toBe(0.0001);
  });

  it('streams orders and executions over the private websocket (auth op), and klines over the public one', async () => {
    const w = await client(fake);
    try {
      await w.loadMarkets();
      const got: string[] = [];
      const trades: string[] = [];
      void (async () => { for (;;) { const os = await w.watchOrders(); for (const o of os) got.push(`${o.clientOrderId}:${o.status}`); } })().catch(() => undefined);
      void (async () => { for (;;) { const ts = await w.watchMyTrades(); for (const t of ts) trades.push(`${t.symbol}:${t.amount}`); } })().catch(() => undefined);
      const candles: number[] = [];
      void (async () => { for (;;) { const cs = await w.watchOHLCV(PERP, '1m'); for (const c of cs) candles.push(c[4]!); } })().catch(() => undefined);
      await until('the private subscriptions', () => fake.admin.state().requests > 0 && true, 500).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await ex.createOrder(PERP, 'limit', 'sell', 0.01, 50_500, { clientOrderId: 'parityWs' });
      fake.admin.pushBar(bar('linear:BTCUSDT', 50_600, 50_400, 50_700));
      await until('the order to stream open and filled', () => got.includes('parityWs:open') && got.includes('parityWs:closed'));
      await until('the execution', () => trades.includes(`${PERP}:0.01`));
      await until('the kline', () => candles.includes(50_600));
      // Positions: ccxt first loads a snapshot over REST (linear AND inverse), then the position topic.
      const sizes: number[] = [];
      void (async () => { for (;;) { const ps = await w.watchPositions([PERP]); for (const p of ps) sizes.push(p.contracts ?? 0); } })().catch(() => undefined);
      const balances: number[] = [];
      void (async () => { for (;;) { const b = await w.watchBalance(); balances.push((b.total as unknown as Record<string, number>)['USDT'] ?? 0); } })().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await ex.createOrder(PERP, 'limit', 'buy', 0.03, 50_700, { clientOrderId: 'parityWsPos' });
      fake.admin.pushBar(bar('linear:BTCUSDT', 50_650, 50_600, 50_700));
      await until('a position push', () => sizes.length > 0);
      await until('a wallet push', () => balances.length > 0);
    } finally {
      await closeExchange(w);
    }
  });

  it('refuses a bad signature (10004), an unknown key (10003), a stale timestamp (10002) and a demo key on the live host', async () => {
    const wrong = await client(fake, { secret: 'not-the-secret' });
    await expect(wrong.fetchBalance()).rejects.toThrow(/10004/);
    await closeExchange(wrong);
    const unknown = await client(fake, { apiKey: 'nobody' });
    await expect(unknown.fetchBalance()).rejects.toThrow(/10003/);
    await closeExchange(unknown);
    const stale = await client(fake);
    (stale.options as Record<string, unknown>)['timeDifference'] = 60_000;
    await expect(stale.fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
    await closeExchange(stale);
    const liveHost = await client(fake, { live: true });
    await expect(liveHost.fetchBalance()).rejects.toThrow(/10003/);
    await closeExchange(liveHost);
  });

  it('fires Disconnection Protect only when every dcp socket has been gone for the window: our derivatives orders canceled, spot kept', async () => {
    const w = await client(fake);
    try {
      await w.loadMarkets();
      const answer = await w.cancelAllOrdersAfter(10_000);
      expect(answer).toMatchObject({ retCode: 0 });
      const o = await w.createOrder(PERP, 'limit', 'buy', 0.01, 45_000, { clientOrderId: 'parityDcp' });
      const s = await w.createOrder(SPOT, 'limit', 'buy', 0.001, 45_000, { clientOrderId: 'parityDcpSpot' });
      // No dcp socket ever: nothing fires.
      fake.admin.advance(11_000);
      expect(fake.admin.state().orders.find((x) => x.orderId === o.id)?.orderStatus).toBe('New');
      // A private socket subscribed to dcp.future (ccxt's authenticate, then ccxt's watch).
      const url = `${fake.wsUrl}/stream-demo.bybit.com/v5/private`;
      const pro = w as unknown as { authenticate(url: string): Promise<unknown>; watch(url: string, hash: string, msg: unknown, sub: string): Promise<unknown> };
      await pro.authenticate(url);
      void pro.watch(url, 'dcp', { op: 'subscribe', req_id: 'dcp1', args: ['dcp.future'] }, 'dcp').catch(() => undefined);
      await until('the dcp subscription', () => fake.admin.state().dcp.find((d) => d.product === 'DERIVATIVES')!.sockets === 1);
      fake.admin.advance(60_000);
      expect(fake.admin.state().orders.find((x) => x.orderId === o.id)?.orderStatus).toBe('New');
      fake.admin.inject({ dropPrivate: true });
      await until('the socket gone', () => fake.admin.state().dcp.find((d) => d.product === 'DERIVATIVES')!.sockets === 0);
      fake.admin.advance(9_000);
      expect(fake.admin.state().orders.find((x) => x.orderId === o.id)?.orderStatus).toBe('New');
      fake.admin.advance(1_500);
      const st = fake.admin.state();
      expect(st.orders.find((x) => x.orderId === o.id)?.orderStatus).toBe('Cancelled');
      expect(st.orders.find((x) => x.orderId === s.id)?.orderStatus).toBe('New');
      const [gone] = await ex.fetchCanceledOrders(PERP, undefined, undefined, { orderLinkId: 'parityDcp' });
      expect((gone!.info as { cancelType: string }).cancelType).toBe('CancelByDCP');
    } finally {
      await closeExchange(w);
    }
  });
});

describe('Bybit fake: Disconnection Protect ended in order', () => {
  it('an unsubscribe of the last dcp socket is an orderly end: nothing fires; the bare dcp topic covers every product; query-dcp-info answers the windows', async () => {
    const fake = await startBybitFake({ port: 0, startTime: T0, speed: 0 });
    const ex = await client(fake);
    try {
      fake.admin.pushBar(bar('BTCUSDT', 50_000));
      await ex.loadMarkets();
      await ex.cancelAllOrdersAfter(5_000);
      const o = await ex.createOrder(PERP, 'limit', 'buy', 0.01, 45_000);
      const url = `${fake.wsUrl}/stream-demo.bybit.com/v5/private`;
      const pro = ex as unknown as { authenticate(url: string): Promise<unknown>; watch(url: string, hash: string, msg: unknown, sub: string): Promise<unknown>; clients: Record<string, { send(m: unknown): Promise<unknown> }> };
      await pro.authenticate(url);
      void pro.watch(url, 'dcp', { op: 'subscribe', req_id: 'd1', args: ['dcp'] }, 'dcp').catch(() => undefined);
      await until('the dcp subscription', () => fake.admin.state().dcp.every((d) => d.sockets === 1));
      const info = await (ex as unknown as { privateGetV5AccountQueryDcpInfo(): Promise<{ result: { dcpInfos: { product: string; timeWindow: string }[] } }> }).privateGetV5AccountQueryDcpInfo();
      expect(info.result.dcpInfos.find((d) => d.product === 'DERIVATIVES')?.timeWindow).toBe('5');
      await pro.clients[url]!.send({ op: 'unsubscribe', req_id: 'd2', args: ['dcp'] });
      await until('unsubscribed', () => fake.admin.state().dcp.every((d) => d.sockets === 0));
      fake.admin.inject({ dropPrivate: true });
      fake.admin.advance(20_000);
      expect(fake.admin.state().orders.find((x) => x.orderId === o.id)?.orderStatus).toBe('New');
      expect(fake.admin.state().dcp.every((d) => d.firesAt === null)).toBe(true);
    } finally {
      await closeExchange(ex);
      await fake.close();
    }
  });
});

describe('Bybit fake: an account without Disconnection Protect, and faults', () => {
  it('answers the DCP call with an error ccxt throws, and injects rejects, server errors and rate limits', async () => {
    const fake = await startBybitFake({ port: 0, startTime: T0, speed: 0, dcpEnabled: false });
    const ex = await client(fake);
    try {
      fake.admin.pushBar(bar('BTCUSDT', 50_000));
      await ex.loadMarkets();
      await expect(ex.cancelAllOrdersAfter(10_000)).rejects.toThrow(/Disconnection Protect is not enabled/);
      fake.admin.inject({ reject: 1, rejectCode: '110007' });
      await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 49_000)).rejects.toThrow(ccxt.InsufficientFunds);
      fake.admin.inject({ rateLimit: 1 });
      await expect(ex.fetchBalance()).rejects.toThrow(ccxt.RateLimitExceeded);
      fake.admin.inject({ serverError: 1 });
      await expect(ex.fetchBalance()).rejects.toThrow(ccxt.ExchangeError);
      fake.admin.inject({ partialFill: 1 });
      await ex.createOrder(PERP, 'limit', 'buy', 0.02, 49_000, { clientOrderId: 'parityHalf' });
      fake.admin.pushBar(bar('linear:BTCUSDT', 48_900));
      const [half] = await ex.fetchOpenOrders(PERP, undefined, undefined, { orderLinkId: 'parityHalf' });
      expect(half!.filled).toBe(0.01);
      const r = await fetch(`${fake.adminUrl}/state`);
      expect(((await r.json()) as { dcp: unknown[] }).dcp).toHaveLength(3);
    } finally {
      await closeExchange(ex);
      await fake.close();
    }
  });
});
