/**
 * The Binance fake driven by the real ccxt.pro.binance (one class for spot and USD-M, demo
 * trading's hosts, every origin rewritten): markets of both, a USD-M order that fills on a bar, is
 * seen on the user-data stream, replaced in place and canceled; a spot order and its execution
 * report over the WS-API; the client-id rule and duplicates; funding as FUNDING_FEE income; the
 * countdown cancelling the symbol's orders; wallet vs margin balance.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import type { BinanceFake } from '../../../src/venue-server/binance/index.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';
import { fakeAndCcxt, flat, PERP, SPOT } from './helpers.ts';

let fake: BinanceFake | null = null;
let ex: Exchange | null = null;
afterEach(async () => {
  if (ex !== null) await closeExchange(ex);
  if (fake !== null) await fake.close();
  ex = null;
  fake = null;
});

async function open() {
  const r = await fakeAndCcxt();
  fake = r.fake;
  ex = r.ex;
  await r.ex.loadMarkets();
  r.fake.admin.pushBar(flat('BTCUSDT', 50_000));
  r.fake.admin.pushBar(flat('BTCUSDT@spot', 50_000));
  return r;
}

describe('Binance fake through ccxt.pro.binance', () => {
  it('loads spot and USD-M markets with their filters', async () => {
    const { ex } = await open();
    const perp = ex.market(PERP);
    expect(perp.type).toBe('swap');
    expect(perp.linear).toBe(true);
    expect(perp.settle).toBe('USDT');
    expect(perp.precision.price).toBe(0.1);
    expect(perp.precision.amount).toBe(0.001);
    expect(perp.limits.cost?.min).toBe(100);
    expect(ex.market(SPOT).type).toBe('spot');
    expect(ex.market(SPOT).precision.amount).toBe(0.00001);
  });

  it('USD-M: an order fills on a bar and the user-data stream says so; modify in place; cancel', async () => {
    const { ex, fake } = await open();
    const seen: string[] = [];
    const watching = (async () => {
      for (;;) {
        const os = await ex.watchOrders();
        for (const o of os) seen.push(`${o.clientOrderId}:${o.status}:${o.filled}`);
        if (seen.some((x) => x.startsWith('fill-1:closed'))) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const o = await ex.createOrder(PERP, 'limit', 'buy', 0.01, 49_000, { clientOrderId: 'fill-1' });
    expect(o.status).toBe('open');
    const edited = await ex.editOrder(String(o.id), PERP, 'limit', 'buy', 0.01, 49_500);
    expect(edited.id).toBe(o.id);
    expect(edited.price).toBe(49_500);
    fake.admin.pushBar({ instId: 'BTCUSDT', open: 49_600, high: 49_700, low: 49_400, close: 49_550 });
    await watching;
    expect(seen).toContain('fill-1:open:0');
    expect(seen).toContain('fill-1:closed:0.01');
    const got = await ex.fetchOrder('', PERP, { clientOrderId: 'fill-1' });
    expect(got.status).toBe('closed');
    expect(got.average).toBe(49_500);
    const trades = await ex.fetchMyTrades(PERP);
    expect(trades.map((t) => [t.amount, t.price, t.fee?.cost])).toEqual([[0.01, 49_500, 0.099]]);
    const pos = await ex.fetchPositions([PERP]);
    expect(pos[0]?.contracts).toBe(0.01);
    expect(pos[0]?.side).toBe('long');
    const rest = await ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { clientOrderId: 'rest-1' });
    const c = await ex.cancelOrder(String(rest.id), PERP);
    expect(c.status).toBe('canceled');
    await expect(ex.cancelOrder(String(rest.id), PERP)).rejects.toThrow(/-2011/);
    expect(await ex.fetchOpenOrders(PERP)).toEqual([]);
  });

  it('client ids: the rule (-4015) and a duplicate among open orders (-4116)', async () => {
    const { ex } = await open();
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'bad id!' })).rejects.toThrow(/-4015/);
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'x'.repeat(37) })).rejects.toThrow(/-4015/);
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'A.b:c/d_e-1' });
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'A.b:c/d_e-1' })).rejects.toThrow(/-4116/);
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.001, 40_000)).rejects.toThrow(/-4164/);
    await expect(ex.createOrder(PERP, 'market', 'sell', 0.01, undefined, { reduceOnly: true })).rejects.toThrow(/-2022/);
  });

  it('spot: an order over /api/v3 and its execution report over the WS-API subscription', async () => {
    const { ex, fake } = await open();
    const reports: string[] = [];
    const watching = (async () => {
      for (;;) {
        const os = await ex.watchOrders(SPOT);
        for (const o of os) reports.push(`${o.clientOrderId}:${o.status}`);
        if (reports.includes('spot-1:closed')) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const o = await ex.createOrder(SPOT, 'limit', 'buy', 0.001, 49_900, { clientOrderId: 'spot-1' });
    expect(o.symbol).toBe(SPOT);
    fake.admin.pushBar({ instId: 'BTCUSDT@spot', open: 49_800, high: 49_900, low: 49_700, close: 49_800 });
    await watching;
    expect(reports).toContain('spot-1:closed');
    const bal = await ex.fetchBalance({ type: 'spot' });
    expect((bal.total as unknown as Record<string, number>)['BTC']).toBe(0.001);
    expect(await ex.fetchMyTrades(SPOT)).toHaveLength(1);
    // Spot's own wallet: the USD-M wallet is untouched.
    expect(fake.admin.state().cash).toBe(100_000);
  });

  it('funding every 8 h is FUNDING_FEE income; the account keeps walletBalance apart from unrealized P&L', async () => {
    const { ex, fake } = await open();
    await ex.createOrder(PERP, 'market', 'buy', 0.1);
    fake.admin.pushBar(flat('BTCUSDT', 50_000));
    fake.admin.pushBar(flat('BTCUSDT', 51_000));
    // To the next funding time (multiples of 8 h from the epoch; T0 is one).
    fake.admin.advance(8 * 3_600_000);
    const ledger = await ex.fetchLedger(undefined, undefined, 100);
    const funding = ledger.filter((e) => (e.info as Record<string, unknown>)['incomeType'] === 'FUNDING_FEE');
    expect(funding).toHaveLength(1);
    expect(Number((funding[0]!.info as Record<string, string>)['income'])).toBeCloseTo(-0.1 * 51_000 * 0.0001, 8);
    const commission = ledger.filter((e) => (e.info as Record<string, unknown>)['incomeType'] === 'COMMISSION');
    expect(commission).toHaveLength(1);
    const bal = await ex.fetchBalance({ type: 'swap' });
    const info = bal.info as { assets: { asset: string; walletBalance: string; marginBalance: string; unrealizedProfit: string }[] };
    const usdt = info.assets.find((a) => a.asset === 'USDT')!;
    expect(Number(usdt.unrealizedProfit)).toBeCloseTo(100, 6);
    expect(Number(usdt.marginBalance) - Number(usdt.walletBalance)).toBeCloseTo(100, 6);
    expect(Number(usdt.walletBalance)).toBeCloseTo(100_000 - 2.5 - 0.51, 6);
  });

  it('countdownCancelAll: echoed, and when it lapses every working order of that symbol is canceled (ETH keeps its own)', async () => {
    const { ex, fake } = await open();
    const call = (p: Record<string, unknown>) => (ex as unknown as Record<string, (p: Record<string, unknown>) => Promise<unknown>>)['fapiPrivatePostCountdownCancelAll']!(p);
    expect(await call({ symbol: 'BTCUSDT', countdownTime: 5000 })).toEqual({ symbol: 'BTCUSDT', countdownTime: '5000' });
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 40_000, { clientOrderId: 'dm-1' });
    await ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { clientOrderId: 'dm-2' });
    fake.admin.pushBar(flat('ETHUSDT', 3000));
    await ex.createOrder('ETH/USDT:USDT', 'limit', 'buy', 0.01, 2500, { clientOrderId: 'dm-eth' });
    fake.admin.advance(4000);
    expect(await ex.fetchOpenOrders(PERP)).toHaveLength(2);
    fake.admin.advance(1500);
    expect(await ex.fetchOpenOrders(PERP)).toEqual([]);
    expect((await ex.fetchOrder('', PERP, { clientOrderId: 'dm-1' })).status).toBe('canceled');
    expect(await ex.fetchOpenOrders('ETH/USDT:USDT')).toHaveLength(1);
    expect(fake.admin.state().deadMan).toEqual([]);
    // 0 turns it off.
    await call({ symbol: 'BTCUSDT', countdownTime: 5000 });
    expect(await call({ symbol: 'BTCUSDT', countdownTime: 0 })).toEqual({ symbol: 'BTCUSDT', countdownTime: '0' });
    expect(fake.admin.state().deadMan).toEqual([]);
  });

  it('leverage and margin type: set on a flat symbol, -4046 when unchanged, -4048 with a position', async () => {
    const { ex } = await open();
    expect(await ex.setLeverage(5, PERP)).toMatchObject({ leverage: 5 });
    await ex.setMarginMode('isolated', PERP);
    await expect(ex.setMarginMode('isolated', PERP)).rejects.toThrow(/-4046/);
    await ex.setMarginMode('cross', PERP);
    const pos = await ex.fetchPositions();
    expect(pos.find((p) => p.symbol === PERP)?.leverage ?? 5).toBe(5);
  });
});
