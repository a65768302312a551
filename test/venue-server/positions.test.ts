/**
 * `parity venue` lists positions the way the real Alpaca does: a crypto position is "BTCUSD" (no
 * slash) with asset_class "crypto", although its orders say "BTC/USD", and GET /v2/positions/{symbol}
 * finds it only by that slashless spelling (or its asset id): "BTC/USD", raw or percent-encoded, is a
 * 404. Sources: alpacahq/alpaca-py#537 and #179, alpacahq/Alpaca-API#215, d-e-s-o/apca#96, and the
 * Position object of Alpaca's positions reference (see test/venues/alpaca/fixtures/README.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueServer } from '../../src/venue-server/index.ts';
import { KEY, SECRET, pushBar, venue } from '../venues/alpaca/helpers.ts';

const FIXTURES = join(import.meta.dirname, '../venues/alpaca/fixtures');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

const H = { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET, 'content-type': 'application/json' };
let s: VenueServer;

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${s.url}${path}`, { headers: H });
  return { status: r.status, body: await r.json() };
}

async function buy(symbol: string, qty: string, cid: string): Promise<void> {
  const r = await fetch(`${s.url}/v2/orders`, { method: 'POST', headers: H, body: JSON.stringify({ symbol, qty, side: 'buy', type: 'market', time_in_force: 'gtc', client_order_id: cid }) });
  if (r.status !== 200) throw new Error(`buy ${symbol}: ${r.status} ${await r.text()}`);
}

beforeEach(async () => {
  s = await venue();
  await buy('BTC/USD', '1', 'b1');
  await buy('AAPL', '5', 'a1');
  await pushBar(s, 'BTC/USD', 100, 101, 99, 100);
  await pushBar(s, 'AAPL', 190, 191, 189, 190);
});
afterEach(async () => { await s.close(); });

describe('parity venue positions, spelled like Alpaca', () => {
  it('GET /v2/positions: crypto as BTCUSD with asset_class crypto, equities as themselves', async () => {
    const { status, body } = await get('/v2/positions');
    expect(status).toBe(200);
    const list = body as Record<string, unknown>[];
    const btc = list.find((p) => p.asset_class === 'crypto');
    expect(btc).toMatchObject({ symbol: 'BTCUSD', asset_class: 'crypto', qty: '1', side: 'long' });
    expect(list.find((p) => p.asset_class === 'us_equity')).toMatchObject({ symbol: 'AAPL', qty: '5' });
  });

  it('a position carries the same keys as Alpaca documents (the fixtures)', async () => {
    const { body } = await get('/v2/positions');
    const list = body as Record<string, unknown>[];
    for (const [p, f] of [[list.find((x) => x.symbol === 'BTCUSD'), fixture('position-crypto.json')], [list.find((x) => x.symbol === 'AAPL'), fixture('position-equity.json')]] as const) {
      expect(Object.keys(p!).sort()).toEqual(expect.arrayContaining(Object.keys(f).sort()));
    }
  });

  it('the asset id of a position is its asset\'s and its orders\' id', async () => {
    const { body } = await get('/v2/positions');
    const btc = (body as Record<string, unknown>[]).find((p) => p.symbol === 'BTCUSD')!;
    const asset = (await get('/v2/assets/BTC%2FUSD')).body as Record<string, unknown>;
    const order = (await get('/v2/orders:by_client_order_id?client_order_id=b1')).body as Record<string, unknown>;
    expect(btc.asset_id).toBe(asset.id);
    expect(btc.asset_id).toBe(order.asset_id);
    expect(order.symbol).toBe('BTC/USD');
  });

  it('GET /v2/positions/BTCUSD finds it; BTC/USD, raw or encoded, is a 404 as at Alpaca', async () => {
    expect(await get('/v2/positions/BTCUSD')).toMatchObject({ status: 200, body: { symbol: 'BTCUSD', asset_class: 'crypto', qty: '1' } });
    expect(await get('/v2/positions/BTC%2FUSD')).toMatchObject({ status: 404, body: { code: 40410000 } });
    expect((await get('/v2/positions/BTC/USD')).status).toBe(404);
    expect(await get('/v2/positions/AAPL')).toMatchObject({ status: 200, body: { symbol: 'AAPL', asset_class: 'us_equity' } });
    expect((await get('/v2/positions/ETHUSD')).status).toBe(404);
  });

  it('GET /v2/positions/{asset_id} finds the position too', async () => {
    const { body } = await get('/v2/positions');
    const btc = (body as Record<string, unknown>[]).find((p) => p.symbol === 'BTCUSD')!;
    expect(await get(`/v2/positions/${String(btc.asset_id)}`)).toMatchObject({ status: 200, body: { symbol: 'BTCUSD' } });
  });
});
