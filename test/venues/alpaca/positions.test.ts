/**
 * Crypto positions through the real SDK against `parity venue`, which spells them the way Alpaca
 * does: "BTCUSD" (asset_class crypto) in /v2/positions while orders say "BTC/USD". The adapter must
 * hand parity "BTC-USD" whichever spelling the venue uses, and its reduce-only check must find the
 * position (a 404 there used to refuse the operator's flatten while 1 BTC was held).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueServer } from '../../../src/venue-server/index.ts';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { AlpacaRest } from '../../../src/venues/alpaca/rest.ts';
import { connectAdapter, kinds, pushBar, settingsFor, venue, waitFor, type Harness } from './helpers.ts';

let server: VenueServer;
let rest: AlpacaRest;
let n = 0;
const cid = (): string => `P${Date.now().toString(36)}x${++n}`;
const harnesses: Harness[] = [];
const adapter = async (): Promise<Harness> => { const h = await connectAdapter(server); harnesses.push(h); return h; };
const fillsOf = (reps: readonly ExecutionReport[], id: string) => reps.filter((r) => r.kind === 'fill' && r.clientOrderId === id);

/** Buys straight over REST (as a session before a restart did) and fills it on the next bar. */
async function holdAtVenue(wire: string, qty: string, price: number): Promise<void> {
  await rest.submitOrder({ symbol: wire, qty, side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: cid() });
  await pushBar(server, wire, price, price + 1, price - 1, price);
}

beforeEach(async () => {
  server = await venue();
  rest = new AlpacaRest(settingsFor(server), { clientRateLimit: false, backoffMs: 10 });
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) h.close();
  await server.close();
});

describe('alpaca crypto positions, spelled BTCUSD at the venue', () => {
  it('the venue says BTCUSD; rest.openPositions() says BTC-USD, signed, equities untouched', async () => {
    await holdAtVenue('BTC/USD', '1', 100);
    await holdAtVenue('AAPL', '3', 190);
    expect((await rest.positions()).map((p) => p.symbol).sort()).toEqual(['AAPL', 'BTCUSD']);
    expect((await rest.openPositions()).sort((a, b) => a.symbol.localeCompare(b.symbol))).toEqual([
      { symbol: 'AAPL', qty: 3, avgPrice: 190 },
      { symbol: 'BTC-USD', qty: 1, avgPrice: 100 },
    ]);
  });

  it('rest.positionOf finds a crypto position by its parity symbol; null when flat', async () => {
    await holdAtVenue('BTC/USD', '1', 100);
    expect(await rest.positionOf('BTC-USD', 'crypto_spot')).toEqual({ symbol: 'BTC-USD', qty: 1, avgPrice: 100 });
    expect(await rest.positionOf('ETH-USD', 'crypto_spot')).toBeNull();
    expect(await rest.positionOf('AAPL', 'equity')).toBeNull();
    // The order spelling works too (what today's reduce-only check passes to rest.position()).
    expect(await rest.position('BTC/USD')).toMatchObject({ symbol: 'BTCUSD', qty: 1 });
  });

  it('after a restart while long, the adapter reports BTC-USD, not BTCUSD', async () => {
    await holdAtVenue('BTC/USD', '1', 100);
    const h = await adapter(); // a fresh adapter: nothing in memory, as after a restart
    expect(await h.exec.queries.positions()).toEqual([{ symbol: 'BTC-USD', qty: 1, avgPrice: 100 }]);
  });

  it('a reduce-only sell of a held crypto position is sent and fills (it was refused: "venue position is 0")', async () => {
    await holdAtVenue('BTC/USD', '1', 100);
    const h = await adapter();
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'BTC-USD', side: 'sell', type: 'market', qty: 1, reduceOnly: true }, ts: 0 });
    await waitFor(() => kinds(h.reports, id).length > 0, 'an answer');
    expect(kinds(h.reports, id)).toContain('accepted');
    expect(kinds(h.reports, id)).not.toContain('rejected');
    await pushBar(server, 'BTC/USD', 101, 102, 100, 101);
    await waitFor(() => fillsOf(h.reports, id).length === 1, 'the closing fill');
    expect(await rest.positionOf('BTC-USD', 'crypto_spot')).toBeNull();
    expect(await rest.openPositions()).toEqual([]);
  });

  it('a reduce-only sell larger than the crypto position is refused, naming what the venue holds', async () => {
    await holdAtVenue('BTC/USD', '0.5', 100);
    const h = await adapter();
    const id = cid();
    h.exec.submit({ clientOrderId: id, request: { symbol: 'BTC-USD', side: 'sell', type: 'market', qty: 1, reduceOnly: true }, ts: 0 });
    const r = await waitFor(() => h.reports.find((x) => x.clientOrderId === id), 'an answer');
    expect(r).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('venue position is 0.5') });
  });
});
