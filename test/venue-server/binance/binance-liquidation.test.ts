/**
 * A liquidation at the Binance fake, as Binance shows it (USD-M): the venue's own forced order on
 * our account (client id `autoclose-<n>`, type LIQUIDATION, reduce-only, at the liquidation price),
 * pushed on the user-data stream as ORDER_TRADE_UPDATE (x NEW, then x CALCULATED: the liquidation
 * execution, with its trade id, commission and realized profit), listed in allOrders and by
 * orderId, its trade in userTrades; the income history then has its REALIZED_PNL and COMMISSION
 * (with the trade id in tradeId) and INSURANCE_CLEAR (the clearance fee). The wallet moves by
 * exactly those three rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BinanceFake } from '../../../src/venue-server/binance/index.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';
import { fakeAndCcxt, PERP } from './helpers.ts';
import type { Exchange } from 'ccxt';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });

async function listen(fake: BinanceFake): Promise<{ frames: Record<string, unknown>[]; ws: WebSocket }> {
  const r = await fetch(`${fake.restUrl}/demo-fapi.binance.com/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': fake.credentials.apiKey } });
  const { listenKey } = (await r.json()) as { listenKey: string };
  const ws = new WebSocket(`${fake.wsUrl}/fstream.binancefuture.com/private/ws?listenKey=${encodeURIComponent(listenKey)}`);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  return { frames, ws };
}

describe('Binance fake: a liquidation is the venue\'s forced order', () => {
  it('a long USD-M position through its liquidation price: autoclose order and trade, on the stream and over REST, and the income rows Binance writes', async () => {
    const { fake, ex } = await fakeAndCcxt({ cash: 400 });
    cleanup.push(() => fake.close());
    cleanup.push(() => closeExchange(ex as Exchange));
    fake.admin.pushBar(bar('BTCUSDT', 50_000));
    const { frames, ws } = await listen(fake);
    cleanup.push(async () => { ws.close(); });
    await ex.createOrder(PERP, 'market', 'buy', 0.02, undefined, { newClientOrderId: 'mine1' });
    fake.admin.pushBar(bar('BTCUSDT', 50_000));
    const cashBefore = fake.admin.state().cash;
    // A crash far through the liquidation price of a 3x long on 400 USDT.
    fake.admin.pushBar(bar('BTCUSDT', 30_000));
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.admin.state().positions).toEqual([]);

    // The stream: the forced order (NEW, then its liquidation execution), before the position update.
    const updates = frames.filter((f) => f['e'] === 'ORDER_TRADE_UPDATE').map((f) => f['o'] as Record<string, unknown>).filter((o) => String(o['c']).startsWith('autoclose-'));
    expect(updates.map((o) => [o['x'], o['X']])).toEqual([['NEW', 'NEW'], ['CALCULATED', 'FILLED']]);
    const exec = updates[1]!;
    expect(exec).toMatchObject({ s: 'BTCUSDT', S: 'SELL', o: 'LIQUIDATION', ot: 'LIQUIDATION', R: true, l: '0.02', z: '0.02', L: '30000', ap: '30000', N: 'USDT' });
    // Taker 5 bps of 600 of notional; the realized loss 0.02 x (30,000 - 50,000).
    expect(Number(exec['n'])).toBeCloseTo(0.3, 9);
    expect(Number(exec['rp'])).toBeCloseTo(-400, 9);
    const lastForced = frames.lastIndexOf(frames.find((f) => f['e'] === 'ORDER_TRADE_UPDATE' && (f['o'] as Record<string, unknown>)['x'] === 'CALCULATED')!);
    const flatAt = frames.findIndex((f, i) => i > lastForced && f['e'] === 'ACCOUNT_UPDATE');
    expect(flatAt).toBeGreaterThan(lastForced);

    // REST: the order by id and in allOrders, its trade in userTrades (the one the stream told).
    const orders = await ex.fetchOrders(PERP);
    const forced = orders.find((o) => o.clientOrderId?.startsWith('autoclose-'))!;
    expect(forced).toMatchObject({ id: String(exec['i']), side: 'sell', status: 'closed', filled: 0.02, average: 30_000, reduceOnly: true });
    expect(forced.info['type']).toBe('LIQUIDATION');
    expect((await ex.fetchOrder(forced.id!, PERP)).clientOrderId).toBe(forced.clientOrderId);
    const trades = (await ex.fetchMyTrades(PERP)).filter((t) => t.order === forced.id);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ id: String(exec['t']), side: 'sell', amount: 0.02, price: 30_000, takerOrMaker: 'taker' });
    expect(trades[0]!.fee?.cost).toBeCloseTo(0.3, 9);

    // Income: REALIZED_PNL and COMMISSION of that trade, INSURANCE_CLEAR the clearance fee (0.5% of 600).
    const income = ((await (ex as unknown as { fapiPrivateGetIncome(p: object): Promise<Record<string, string>[]> }).fapiPrivateGetIncome({ symbol: 'BTCUSDT', startTime: 0 })));
    const mine = income.filter((r) => r['tradeId'] === String(exec['t']));
    expect(mine.map((r) => r['incomeType']).sort()).toEqual(['COMMISSION', 'REALIZED_PNL']);
    expect(Number(mine.find((r) => r['incomeType'] === 'REALIZED_PNL')!['income'])).toBeCloseTo(-400, 8);
    expect(Number(mine.find((r) => r['incomeType'] === 'COMMISSION')!['income'])).toBeCloseTo(-0.3, 8);
    const clear = income.filter((r) => r['incomeType'] === 'INSURANCE_CLEAR');
    expect(clear).toHaveLength(1);
    expect(Number(clear[0]!['income'])).toBeCloseTo(-3, 8);
    // The wallet moved by exactly those rows.
    expect(fake.admin.state().cash).toBeCloseTo(cashBefore - 400 - 0.3 - 3, 8);
  });
});
