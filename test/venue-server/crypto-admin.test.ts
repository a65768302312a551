/**
 * The unsigned admin of the four crypto fakes over HTTP (/admin on each fake's port), one contract:
 * every route's answer, the 400 that names the field a body gets wrong, the 400 for a body that is
 * not JSON or a fault / bar the venue refuses, the 404 for a route it does not serve, and the key
 * of the fund answer in each venue's word (billIds, tranIds, transactionIds, logIds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinanceFake } from '../../src/venue-server/binance/index.ts';
import { startBybitFake } from '../../src/venue-server/bybit/index.ts';
import { startDeribitFake } from '../../src/venue-server/deribit/index.ts';
import { startOkxFake } from '../../src/venue-server/okx/index.ts';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
type Started = { adminUrl: string; close(): Promise<void> };

const venues: readonly { name: string; start: () => Promise<Started>; perp: string; fundKey: string }[] = [
  { name: 'okx', start: () => startOkxFake({ startTime: T0, speed: 0 }), perp: 'BTC-USDT-SWAP', fundKey: 'billIds' },
  { name: 'binance', start: () => startBinanceFake({ startTime: T0, speed: 0 }), perp: 'BTCUSDT', fundKey: 'tranIds' },
  { name: 'bybit', start: () => startBybitFake({ startTime: T0, speed: 0 }), perp: 'BTCUSDT', fundKey: 'transactionIds' },
  { name: 'deribit', start: () => startDeribitFake({ startTime: T0, speed: 0 }), perp: 'BTC_USDC-PERPETUAL', fundKey: 'logIds' },
];

describe.each(venues)('$name fake: the admin over HTTP', ({ start, perp, fundKey }) => {
  let fake: Started;
  beforeAll(async () => { fake = await start(); });
  afterAll(async () => { await fake.close(); });

  const call = async (method: 'GET' | 'POST', path: string, body?: string) => {
    const r = await fetch(`${fake.adminUrl}/${path}`, { method, ...(body !== undefined ? { body } : {}) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: unknown) => call('POST', path, JSON.stringify(body));

  it('answers each route, names the field a body gets wrong, and 404s what it does not serve', async () => {
    expect(await call('POST', 'advance', '{ms:')).toEqual({ status: 400, json: { error: 'body is not JSON' } });
    const noMs = await post('advance', {});
    expect(noMs.status).toBe(400);
    expect(noMs.json['error']).toMatch(/^ms: /);
    expect((await post('advance', { ms: -1 })).json['error']).toMatch(/^ms: /);
    expect((await post('advance', { ms: 1, extra: 1 })).status).toBe(400);
    expect(await post('advance', { ms: 1000 })).toEqual({ status: 200, json: { now: T0 + 1000 } });
    expect(await post('time-scale', { scale: 0 })).toEqual({ status: 200, json: { now: T0 + 1000, scale: 0 } });
    expect((await post('time-scale', { scale: 'fast' })).json['error']).toMatch(/^scale: /);

    const state = await call('GET', 'state');
    expect(state.status).toBe(200);
    expect(state.json['now']).toBe(T0 + 1000);
    expect(state.json['timeScale']).toBe(0);

    const bar = { instId: perp, ts: T0 + 60_000, open: 50_000, high: 50_000, low: 50_000, close: 50_000, volume: 1 };
    expect(await post('bars', { bars: [bar] })).toEqual({ status: 200, json: { played: 1 } });
    const noHigh = await post('bars', { bars: [{ instId: perp, open: 1 }] });
    expect(noHigh.status).toBe(400);
    expect(noHigh.json['error']).toMatch(/bars\.0\.high: /);
    const unknown = await post('bars', { bars: [{ ...bar, instId: 'NOPE' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.json['error']).toMatch(/unknown instr?[a-zA-Z]* NOPE/);

    expect(await post('fund', { instId: perp, rate: 0.0001 })).toEqual({ status: 200, json: { [fundKey]: [] } });
    expect((await post('fund', { rate: 'x' })).json['error']).toMatch(/^rate: /);

    expect(await post('faults', { serverError: 0 })).toEqual({ status: 200, json: { ok: true } });
    const badFault = await post('faults', { nonsense: 1 });
    expect(badFault.status).toBe(400);
    expect(badFault.json['error']).toMatch(/^fault: /);

    expect(await call('GET', 'advance')).toEqual({ status: 404, json: { error: 'no admin route GET /admin/advance' } });
    expect(await call('GET', 'nope')).toEqual({ status: 404, json: { error: 'no admin route GET /admin/nope' } });
    expect(await post('nope', {})).toEqual({ status: 404, json: { error: 'no admin route POST /admin/nope' } });
    expect(await post('toString', {})).toEqual({ status: 404, json: { error: 'no admin route POST /admin/toString' } });
  });
});
