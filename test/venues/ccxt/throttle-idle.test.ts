/**
 * ccxt's leaky bucket (base/functions/throttle.js) refills only while a request waits in it: its
 * loop stops when the queue empties and restarts with a fresh lastTimestamp, so time spent idle is
 * never credited and every request pays its full cost in waiting however long ago the last one
 * went (Binance USD-M's order, cost 4 x 50 ms: 200 ms per order even one a minute; ccxt issue
 * 25556). The adapter credits the idle time (up to the bucket's capacity, as the loop would have).
 * Tokens, not wall time, are asserted: 1 - 4 = -3 exactly when the idle time was credited, about
 * -4 when the order had to wait for its cost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { startBinanceFake, type BinanceFake } from '../../../src/venue-server/binance/index.ts';
import { openCcxtClient, type CcxtClient } from '../../../src/venues/ccxt/client.ts';
import { BINANCE_PROFILE } from '../../../src/venues/ccxt/profile-binance.ts';
import { creditIdleTime, throttlerOf } from '../../../src/venues/ccxt/throttle-idle.ts';
import ccxt from 'ccxt';

const PERP = 'BTC/USDT:USDT';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const open: { fakes: BinanceFake[]; clients: CcxtClient[] } = { fakes: [], clients: [] };
afterEach(async () => {
  for (const c of open.clients.splice(0)) await c.execution.disconnect();
  for (const f of open.fakes.splice(0)) await f.close();
});

describe('ccxt throttle: idle time is credited', () => {
  it('an order after the bucket has had time to refill goes at once (throttle on, as sessions run)', async () => {
    const fake = await startBinanceFake({ port: 0, startTime: Date.now(), speed: 0 });
    open.fakes.push(fake);
    fake.admin.pushBar({ instId: 'BTCUSDT', open: 50_000, high: 50_000, low: 50_000, close: 50_000, volume: 1000 });
    const client = await openCcxtClient(BINANCE_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, {
      symbols: [PERP], terms: () => ({ leverage: 3, marginMode: 'cross' }), deadMan: { enabled: false, timeoutSec: 10 },
      enableRateLimit: true, say: () => undefined, tuning: { billsPollMs: 0, heartbeatMs: 0 },
    });
    open.clients.push(client);
    const t = throttlerOf(client.ex);
    // The bucket's tokens as each order request leaves for the wire (after ccxt's throttle let it go).
    const atWire: number[] = [];
    const ex = client.ex as unknown as { fetch(url: string, ...rest: unknown[]): Promise<unknown> };
    const fetch = ex.fetch.bind(ex);
    ex.fetch = (url, ...rest) => { if (url.includes('/fapi/v1/order')) atWire.push(t.config.tokens); return fetch(url, ...rest); };
    const reports: ExecutionReport[] = [];
    await client.execution.connect((r) => reports.push(r));
    const accepted = async (cid: string) => { for (let i = 0; i < 500 && !reports.some((r) => r.kind === 'accepted' && r.clientOrderId === cid); i++) await sleep(10); };
    for (const [i, side] of (['buy', 'sell'] as const).entries()) {
      // 4 x 50 ms is the order's cost: 300 ms idle is more than the bucket needs to refill.
      await sleep(300);
      client.execution.submit({ clientOrderId: `idle${i}`, request: { symbol: PERP, side, qty: 0.01, type: 'market' }, ts: Date.now() });
      await accepted(`idle${i}`);
    }
    expect(reports.filter((r) => r.kind === 'accepted')).toHaveLength(2);
    // Both orders: the bucket full (capacity 1) when they came, so 1 - 4; uncredited, about -4.
    expect(atWire).toHaveLength(2);
    for (const tokens of atWire) expect(tokens).toBeCloseTo(-3, 6);
  });

  it('keeps ccxt\'s pace: back-to-back requests still wait for their cost', async () => {
    const ex = new ccxt.binanceusdm({ enableRateLimit: true });
    creditIdleTime(ex);
    const t = throttlerOf(ex);
    await ex.throttle(4);
    await sleep(300);
    await ex.throttle(4); // credited: the bucket was full
    expect(t.config.tokens).toBeCloseTo(-3, 6);
    const t0 = Date.now();
    await ex.throttle(4); // nothing to credit: waits for 3 x 50 ms of refill
    // ccxt's loop admits once tokens reach 0 (at most its capacity, 1, on a late wake-up under
    // load), so what is left is in [-4, -3]; the wait is what tells pacing from a credit.
    expect(t.config.tokens).toBeLessThanOrEqual(-3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});
