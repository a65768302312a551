/** The adapter's readers of profile data: URL overrides by origin, and dotted paths into venue answers. */
import { describe, expect, it } from 'vitest';
import { rewriteOrigins } from '../../../src/venues/ccxt/config.ts';
import { atPath } from '../../../src/venues/ccxt/wire.ts';

describe('rewriteOrigins', () => {
  it('sends every nested REST and websocket URL to the override, keeping the host as the first path segment', () => {
    const api = {
      fapiPrivate: 'https://fapi.binance.com/fapi/v1',
      public: 'https://api.binance.com/api/v3',
      ws: { spot: 'wss://stream.binance.com:9443/ws', future: 'wss://fstream.binance.com/ws', 'ws-api': { spot: 'wss://ws-api.binance.com:443/ws-api/v3' } },
      list: ['https://api.{hostname}'],
      note: 'not a url',
    };
    expect(rewriteOrigins(api, 'http://127.0.0.1:9', 'ws://127.0.0.1:9')).toEqual({
      fapiPrivate: 'http://127.0.0.1:9/fapi.binance.com/fapi/v1',
      public: 'http://127.0.0.1:9/api.binance.com/api/v3',
      ws: { spot: 'ws://127.0.0.1:9/stream.binance.com:9443/ws', future: 'ws://127.0.0.1:9/fstream.binance.com/ws', 'ws-api': { spot: 'ws://127.0.0.1:9/ws-api.binance.com:443/ws-api/v3' } },
      list: ['http://127.0.0.1:9/api.{hostname}'],
      note: 'not a url',
    });
  });
  it('leaves the websockets alone when only REST is overridden', () => {
    expect(rewriteOrigins({ a: 'https://x.com/p', b: 'wss://y.com/ws' }, 'http://127.0.0.1:1', undefined)).toEqual({ a: 'http://127.0.0.1:1/x.com/p', b: 'wss://y.com/ws' });
  });
});

describe('atPath', () => {
  it('walks keys and array indices, and is undefined past a missing step', () => {
    const x = { data: [{ details: [{ ccy: 'USDT' }], totalEq: '5' }], result: { list: [{ coin: [] }] } };
    expect(atPath(x, 'data.0.totalEq')).toBe('5');
    expect(atPath(x, 'data.0.details.0.ccy')).toBe('USDT');
    expect(atPath(x, 'result.list.0.coin')).toEqual([]);
    expect(atPath(x, 'data.1.totalEq')).toBeUndefined();
    expect(atPath(null, 'a')).toBeUndefined();
  });
});
