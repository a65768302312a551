/**
 * The fake's cancel-all-after counts real seconds, as OKX does, whatever pace the replayed market
 * runs at: a replay at 60x must not lapse a 10 s countdown in a sixth of a second (found in the
 * console: a session on the fake at --speed 60 would have its working orders cancelled between two
 * heartbeats). The admin's advance still moves it at once, for tests that must not wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';

let fake: OkxFake | null = null;
afterEach(async () => { await fake?.close(); fake = null; });

describe('OKX fake: dead-man countdown', () => {
  it('runs on real time while the market replays faster; advance still lapses it', async () => {
    fake = await startOkxFake({ port: 0, startTime: Date.UTC(2026, 0, 5, 7, 0, 0), speed: 600 });
    fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open: 50_000, high: 50_000, low: 50_000, close: 50_000, volume: 1000 });
    const ex = new ccxt.okx({
      apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, enableRateLimit: false,
      headers: { 'x-simulated-trading': '1' }, urls: { api: { rest: fake.restUrl } }, options: { fetchMarkets: { types: ['swap'] } },
    });
    const o = await ex.createOrder('BTC/USDT:USDT', 'limit', 'buy', 1, 30_000, { clientOrderId: 'dmsreal1' });
    const before = Date.now();
    const armed = await ex.cancelAllOrdersAfter(10_000) as { data: { triggerTime: string }[] };
    // Dated on the clock public/time answers (this machine's, what ccxt signs with), as OKX dates it on
    // its own: a client comparing it with its clock must not see a countdown dated in the replay's past.
    const trigger = Number(armed.data[0]!.triggerTime);
    expect(trigger).toBeGreaterThanOrEqual(before + 10_000);
    expect(trigger).toBeLessThanOrEqual(Date.now() + 10_000);
    // 600x: 10 s of venue time pass in about 17 ms of real time.
    await new Promise((r) => setTimeout(r, 400));
    expect((await ex.fetchOrder(o.id!, 'BTC/USDT:USDT')).status).toBe('open');
    expect(fake.admin.state().deadMan.length).toBe(1);
    fake.admin.advance(10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect((await ex.fetchOrder(o.id!, 'BTC/USDT:USDT')).status).toBe('canceled');
  });
});
