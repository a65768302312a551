/**
 * A liquidation at the OKX fake: the sim closes a cross position whose mark reaches its liquidation
 * price; the fake shows it as OKX does: a type 5 bill (subType 104, liquidation long) at the mark,
 * the position gone, and the instrument's working orders canceled with cancelSource 3.
 */
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';

const T0 = Date.UTC(2026, 0, 5, 7, 0, 0);
const bar = (instId: string, px: number, lo = px, hi = px) => ({ instId, open: px, high: hi, low: lo, close: px, volume: 1000 });

describe('OKX fake: liquidation', () => {
  let fake: OkxFake;
  let ex: InstanceType<typeof ccxt.pro.okx>;
  beforeAll(async () => {
    fake = await startOkxFake({ startTime: T0, speed: 0, cash: 600 });
    fake.admin.pushBar(bar('BTC-USDT-SWAP', 50_000));
    ex = new ccxt.pro.okx({
      apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, enableRateLimit: false,
      headers: { 'x-simulated-trading': '1' }, urls: { api: { rest: fake.restUrl, ws: fake.wsUrl } }, options: { fetchMarkets: { types: ['spot', 'swap'] } },
    });
  });
  afterAll(async () => {
    await ex.close();
    await fake.close();
  });

  it('a small cross account has a liquidation price; a bar through it liquidates at the mark and books bill type 5', async () => {
    const buy = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 2, 49_900, { clientOrderId: 'liq1' });
    // Opens above the limit and trades down through it: the resting order fills as a maker.
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 49_950, high: 50_000, low: 49_800, close: 49_900, volume: 1000 });
    expect((await ex.fetchOrder(buy.id!, 'BTC/USDT:USDT')).status).toBe('closed');
    const pos = (await ex.fetchPositions(['BTC/USDT:USDT']))[0]!;
    // 600 USDT less the 0.1996 maker fee backs 2 x 0.01 BTC bought at 49,900 with 0.4% maintenance:
    // 599.8004 + 0.02 (P - 49,900) = 0.004 x 0.02 x P  =>  P = 398.1996 / 0.01992.
    expect(pos.liquidationPrice).toBeCloseTo(398.1996 / 0.01992, 6);
    const resting = await ex.createOrder('BTC/USDT:USDT', 'limit', 'sell', 1, 60_000, { clientOrderId: 'liq2', reduceOnly: true });

    fake.admin.pushBar(bar('BTC-USDT-SWAP', 19_500, 19_000, 20_500));
    expect(await ex.fetchPositions(['BTC/USDT:USDT'])).toEqual([]);
    const canceled = await ex.fetchOrder(resting.id!, 'BTC/USDT:USDT');
    expect(canceled.status).toBe('canceled');
    expect(canceled.info.cancelSource).toBe('3');
    const bills = await ex.fetchLedger('USDT', undefined, undefined, { type: 'swap' });
    const liq = bills.filter((b) => b.info.type === '5');
    expect(liq.length).toBe(1);
    expect(liq[0]!.info.subType).toBe('104');
    expect(Number(liq[0]!.info.px)).toBe(19_500);
    expect(Number(liq[0]!.info.sz)).toBe(2);
    // Closed at the 19,500 mark: 0.02 x (19,500 - 49,900) = -608, and the 0.05% fee on 390 of notional.
    expect(Number(liq[0]!.info.fee)).toBeCloseTo(-0.195, 9);
    expect(liq[0]!.amount).toBeCloseTo(-608.195, 6);
    expect((await ex.fetchBalance()).USDT?.total).toBeCloseTo(600 - 0.1996 - 608.195, 6);
  });
});
