/**
 * Keeping the order connection alive, with a heartbeat second shortened to 10 ms on both sides:
 * the connection answers the venue's test_request and stays up; a client that does not answer is
 * closed by the fake; a venue gone silent (a half-open link) is noticed by the connection's
 * watchdog, which closes it and says so, and the fake's cancel-on-disconnect fires on the close.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { startDeribitFake, type DeribitFake } from '../../../src/venue-server/deribit/index.ts';
import { createExchange } from '../../../src/venues/ccxt/config.ts';
import { DeribitConnection } from '../../../src/venues/ccxt/jsonrpc-connection.ts';
import { DERIBIT_PROFILE } from '../../../src/venues/ccxt/profile-deribit.ts';
import { closeExchange } from '../../../src/venues/ccxt/teardown.ts';

const UNIT = 10; // wall ms per heartbeat second: an interval of 10 is 100 ms
const SYM = 'BTC/USDC:USDC';

const until = async (what: string, cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the order connection\'s heartbeat on the Deribit fake', () => {
  let fake: DeribitFake;
  let ex: Exchange;
  const conns: DeribitConnection[] = [];
  async function setup(): Promise<void> {
    fake = await startDeribitFake({ port: 0, speed: 0, heartbeatUnitMs: UNIT });
    fake.admin.pushBar({ instId: 'BTC_USDC-PERPETUAL', open: 50_000, high: 50_000, low: 50_000, close: 50_000 });
    ex = await createExchange(DERIBIT_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, { enableRateLimit: false });
    await ex.loadMarkets();
  }
  const connection = (): DeribitConnection => {
    const c = new DeribitConnection({ url: fake.wsUrl, apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, exchange: ex, heartbeatUnitMs: UNIT });
    conns.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close();
    await closeExchange(ex);
    await fake.close();
  });

  it('answers the venue\'s test_request and stays up over many intervals', async () => {
    await setup();
    const c = connection();
    const drops: string[] = [];
    c.onClose((why) => drops.push(why));
    await c.connect();
    await new Promise((r) => setTimeout(r, 700));
    expect(drops).toEqual([]);
    expect(c.connected).toBe(true);
    expect(fake.admin.state().connections).toHaveLength(1);
  });

  it('the fake closes a client that sets a heartbeat and never answers test_request', async () => {
    await setup();
    const ws = new WebSocket(fake.wsUrl);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'public/set_heartbeat', params: { interval: 10 } }));
    const t = Date.now();
    await closed;
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('a venue gone silent: the watchdog closes the link and says why; the venue cancels the orders made on it', async () => {
    await setup();
    const c = connection();
    const drops: string[] = [];
    c.onClose((why) => drops.push(why));
    await c.enableCancelOnDisconnect();
    const o = await c.createOrder(SYM, 'limit', 'buy', 0.01, 40_000, { label: 'parityH1' }) as { id: string };
    fake.admin.inject({ stallOrderEntry: true });
    await until('the watchdog', () => drops.length === 1);
    expect(drops[0]).toMatch(/nothing heard from the venue/);
    await until('cancel-on-disconnect', () => fake.admin.state().orders.find((x) => x.orderId === o.id)?.state === 'cancelled');
    expect(fake.admin.state().orders.find((x) => x.orderId === o.id)?.cancelReason).toBe('cancel_on_disconnect');
  });
});
