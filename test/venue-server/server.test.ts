/** `parity venue` itself: auth, validation, durable state across a restart, the market data stream. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Alpaca } from '@alpacahq/alpaca-trade-api';
import { KEY, SECRET, pushBar, settingsFor, stats, venue, waitFor } from '../venues/alpaca/helpers.ts';
import { AlpacaRest } from '../../src/venues/alpaca/rest.ts';
import { AlpacaApiError } from '../../src/venues/alpaca/errors.ts';

const rest = (s: Awaited<ReturnType<typeof venue>>) => new AlpacaRest(settingsFor(s), { clientRateLimit: false });

describe('parity venue (alpaca protocol)', () => {
  it('refuses wrong keys with 401 and malformed orders with 422 {code, message}', async () => {
    const s = await venue();
    try {
      const bad = await fetch(`${s.url}/v2/account`, { headers: { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': 'nope' } });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toMatchObject({ code: 40110000, message: expect.any(String) });
      const h = { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET, 'content-type': 'application/json' };
      const r = await fetch(`${s.url}/v2/orders`, { method: 'POST', headers: h, body: JSON.stringify({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', time_in_force: 'day', client_order_id: 'x1' }) });
      expect(r.status).toBe(422);
      expect((await r.json() as { message: string }).message).toContain('limit_price is required');
      const long = await fetch(`${s.url}/v2/orders`, { method: 'POST', headers: h, body: JSON.stringify({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'x'.repeat(129) }) });
      expect(long.status).toBe(422);
      const ok = await rest(s).submitOrder({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'y'.repeat(128) });
      expect(ok.client_order_id).toHaveLength(128);
      // The invalid attempt with a client id was counted too: every attempt is.
      expect((await stats(s)).submissions.x1).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('duplicate client_order_id: 422, counted, the first order untouched', async () => {
    const s = await venue();
    try {
      const r = rest(s);
      await r.submitOrder({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', limitPrice: '10', timeInForce: 'gtc', clientOrderId: 'dup1' });
      const err = await r.submitOrder({ symbol: 'AAPL', qty: '5', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'dup1' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlpacaApiError);
      expect((err as AlpacaApiError).status).toBe(422);
      expect((err as AlpacaApiError).duplicateClientOrderId).toBe(true);
      const st = await stats(s);
      expect(st.submissions.dup1).toBe(2);
      expect(st.duplicates.dup1).toBe(1);
      expect(st.orders).toBe(1);
      expect((await r.orderByClientId('dup1'))!.qty).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('the state file survives a restart: orders, fills, positions, cash, seen ids, counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-venue-'));
    const statePath = join(dir, 'venue.json');
    let s = await venue({ statePath });
    let r = rest(s);
    await r.submitOrder({ symbol: 'BTC/USD', qty: '1', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'm1' });
    await pushBar(s, 'BTC/USD', 100, 105, 99, 104);
    await r.submitOrder({ symbol: 'BTC/USD', qty: '0.5', side: 'sell', type: 'limit', limitPrice: '120', timeInForce: 'gtc', clientOrderId: 'l1' });
    const before = JSON.parse(readFileSync(statePath, 'utf8')) as { fills: unknown[] };
    expect(before.fills).toHaveLength(1);
    await s.close();

    s = await venue({ statePath });
    r = rest(s);
    try {
      expect(await r.positions()).toMatchObject([{ symbol: 'BTCUSD', asset_class: 'crypto', qty: 1, avg_entry_price: 100 }]);
      expect((await r.account()).cash).toBe(100000 - 100);
      expect((await r.orderByClientId('m1'))!.status).toBe('filled');
      expect((await r.orderByClientId('l1'))!.status).toBe('new');
      const dup = await r.submitOrder({ symbol: 'BTC/USD', qty: '1', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'm1' }).catch((e: unknown) => e);
      expect((dup as AlpacaApiError).status).toBe(422);
      // The open limit order was resumed by the restarted matching core and still fills.
      await pushBar(s, 'BTC/USD', 110, 121, 109, 118);
      expect(await r.orderByClientId('l1')).toMatchObject({ status: 'filled', filled_avg_price: 120 });
      expect(await r.positions()).toMatchObject([{ qty: 0.5 }]);
      const st = await stats(s);
      expect(st.submissions).toEqual({ m1: 2, l1: 1 });
      expect(st.fills).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('a damaged state file stops the venue instead of starting empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-venue-'));
    const statePath = join(dir, 'venue.json');
    writeFileSync(statePath, '{"version":1,"orders":');
    await expect(venue({ statePath })).rejects.toThrow(/not valid JSON/);
  });

  it('replays --data on the msgpack market data stream, to the real SDK, and matches against it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-venue-'));
    const data = join(dir, 'AAPL.csv');
    const t0 = Date.UTC(2030, 0, 7, 15, 0, 0);
    const rows = Array.from({ length: 5 }, (_, i) => `${new Date(t0 + i * 60_000).toISOString()},${100 + i},${101 + i},${99 + i},${100.5 + i},1000`);
    writeFileSync(data, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const s = await venue({ dataFiles: [data], speed: 60 * 50 }); // 50 bars a second
    try {
      const r = rest(s);
      await r.submitOrder({ symbol: 'AAPL', qty: '2', side: 'buy', type: 'market', timeInForce: 'gtc', clientOrderId: 'd1' });
      const sdk = new Alpaca({ keyId: KEY, secret: SECRET, retry: false, rateLimit: false });
      const stream = sdk.marketData.stockStream({ url: `ws://127.0.0.1:${s.port}/v2/iex`, reconnect: false });
      const bars: { symbol: string; close: number; timestamp: Date }[] = [];
      stream.onBar((b) => bars.push(b));
      stream.onConnect(() => stream.subscribeForBars(['AAPL']));
      stream.connect();
      await waitFor(() => bars.length === 5, 'five bars', 3000);
      stream.disconnect();
      expect(bars.map((b) => b.close)).toEqual([100.5, 101.5, 102.5, 103.5, 104.5]);
      expect(bars[0]!.timestamp.getTime()).toBe(t0);
      const o = await r.orderByClientId('d1');
      expect(o).toMatchObject({ status: 'filled', filled_avg_price: 100 });
    } finally {
      await s.close();
    }
  });
});
