/** One-minute bars from the OKX fake's candle channel through ccxt.pro's watchOHLCV, each once, complete. */
import { afterEach, describe, expect, it } from 'vitest';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { CcxtFeed, OKX_PROFILE, closedBars, createExchange } from '../../../src/venues/ccxt/index.ts';
import type { MarketEvent } from '../../../src/domain/market.ts';

describe('closing candles', () => {
  it('passes a candle on once a later one appears or its minute has passed, never twice, never a forming one', () => {
    const st = { forming: null, emittedTs: -Infinity };
    const c = (t: number, px: number) => [t, px, px, px, px, 1] as const;
    expect(closedBars('X', st, [c(0, 1)], 30_000)).toEqual([]);
    expect(closedBars('X', st, [c(0, 2)], 40_000)).toEqual([]);
    expect(closedBars('X', st, [c(60_000, 3)], 61_000).map((b) => [b.ts, b.close])).toEqual([[0, 2]]);
    expect(closedBars('X', st, [c(0, 9), c(60_000, 4)], 121_000).map((b) => [b.ts, b.close])).toEqual([[60_000, 4]]);
    expect(closedBars('X', st, [], 300_000)).toEqual([]);
  });
});

describe('CcxtFeed on the OKX fake', () => {
  let fake: OkxFake | undefined;
  afterEach(async () => { await fake?.close(); });

  it('streams bars over watchOHLCV in time order, each once', async () => {
    fake = await startOkxFake({ port: 0, speed: 0, startTime: Date.UTC(2024, 2, 4) });
    const ex = await createExchange(OKX_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, { enableRateLimit: false });
    await ex.loadMarkets();
    const feed = new CcxtFeed({ profile: OKX_PROFILE, exchange: ex, symbols: ['BTC/USDT:USDT'], now: () => fake!.admin.now() + 60_000 });
    const got: MarketEvent[] = [];
    feed.start((e) => got.push(e), () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = fake.admin.now();
    for (let i = 0; i < 3; i++) fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', ts: t0 + i * 60_000, open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 5 });
    const end = Date.now() + 5000;
    while (got.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    feed.stop();
    await ex.close();
    expect(got.map((e) => (e.kind === 'bar' ? [e.symbol, e.ts, e.close] : null))).toEqual([
      ['BTC/USDT:USDT', t0, 100.5], ['BTC/USDT:USDT', t0 + 60_000, 101.5], ['BTC/USDT:USDT', t0 + 120_000, 102.5],
    ]);
  });
});
