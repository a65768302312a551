/**
 * Alpaca's symbol spellings, wire to parity and back, tested with the spellings Alpaca sends
 * (fixtures/README.md says where each comes from): orders "BTC/USD", positions "BTCUSD" with
 * asset_class "crypto", equities as themselves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { venuePositionOf } from '../../../src/venues/alpaca/rest.ts';
import { ALPACA_CRYPTO_QUOTES, fromAlpaca, fromWireSymbol, splitCryptoPair, toAlpaca, toWireSymbol } from '../../../src/venues/alpaca/symbols.ts';
import { WirePosition } from '../../../src/venues/alpaca/wire.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));
const one = (name: string) => WirePosition.parse(fixture(name));
const list = (name: string) => WirePosition.array().parse(fixture(name));

describe('Alpaca positions, as Alpaca sends them, in parity terms', () => {
  it('the documented equity position (its "AAPL " has a trailing space)', () => {
    const p = one('position-equity.json');
    expect(p.symbol).toBe('AAPL ');
    expect(venuePositionOf(p)).toEqual({ symbol: 'AAPL', qty: 5, avgPrice: 100 });
  });

  it('the documented list of equity positions', () => {
    expect(list('positions-equity-list.json').map(venuePositionOf)).toEqual([
      { symbol: 'NVDA', qty: 4, avgPrice: 826.63 },
      { symbol: 'TSLA', qty: 10, avgPrice: 201.3075 },
    ]);
  });

  it('a crypto position: BTCUSD with asset_class crypto is BTC-USD', () => {
    const p = one('position-crypto.json');
    expect(p).toMatchObject({ symbol: 'BTCUSD', asset_class: 'crypto' });
    expect(venuePositionOf(p)).toEqual({ symbol: 'BTC-USD', qty: 1, avgPrice: 42000 });
  });

  it('a mixed account: a short equity, fractional BTCUSD, ETHBTC and USDTUSD', () => {
    expect(list('positions-mixed-list.json').map(venuePositionOf)).toEqual([
      { symbol: 'AAPL', qty: -5, avgPrice: 190.5 },
      { symbol: 'BTC-USD', qty: 0.4956233, avgPrice: 42000 },
      { symbol: 'ETH-BTC', qty: 2, avgPrice: 0.052 },
      { symbol: 'USDT-USD', qty: 250, avgPrice: 1.0002 },
    ]);
  });

  it('a short sent with a positive qty and side short is still negative', () => {
    const p = WirePosition.parse({ ...(fixture('position-equity.json') as object), qty: '5', side: 'short' });
    expect(venuePositionOf(p).qty).toBe(-5);
  });
});

describe('fromAlpaca: wire to parity', () => {
  it('splits a slashless crypto symbol by the known quote currencies', () => {
    expect(fromAlpaca('BTCUSD', 'crypto')).toBe('BTC-USD');
    expect(fromAlpaca('USDTUSD', 'crypto')).toBe('USDT-USD');
    expect(fromAlpaca('USDCUSD', 'crypto')).toBe('USDC-USD');
    expect(fromAlpaca('ETHBTC', 'crypto')).toBe('ETH-BTC');
    expect(fromAlpaca('BTCUSDT', 'crypto')).toBe('BTC-USDT');
    expect(fromAlpaca('ETHUSDC', 'crypto')).toBe('ETH-USDC');
    expect(fromAlpaca('AAVEUSD', 'crypto')).toBe('AAVE-USD');
    expect(fromAlpaca('SHIBUSD', 'crypto')).toBe('SHIB-USD');
  });

  it('the order spelling is the same pair whatever the asset class says', () => {
    expect(fromAlpaca('BTC/USD')).toBe('BTC-USD');
    expect(fromAlpaca('BTC/USD', 'crypto')).toBe('BTC-USD');
    expect(fromAlpaca('USDT/USD', 'crypto')).toBe('USDT-USD');
    expect(fromWireSymbol('ETH/BTC')).toBe('ETH-BTC');
  });

  it('never guesses crypto from the letters: without asset_class crypto a slashless symbol is an equity', () => {
    expect(fromAlpaca('BTCUSD')).toBe('BTCUSD');
    expect(fromAlpaca('BTCUSD', 'us_equity')).toBe('BTCUSD');
    expect(fromAlpaca('AAPL', 'us_equity')).toBe('AAPL');
    expect(fromAlpaca('BRK.B', 'us_equity')).toBe('BRK.B');
  });

  it('a crypto symbol with no known quote comes back as sent, not as a wrong pair', () => {
    expect(fromAlpaca('BTCEUR', 'crypto')).toBe('BTCEUR');
    expect(fromAlpaca('USD', 'crypto')).toBe('USD');
    expect(splitCryptoPair('USD')).toBeNull();
    expect(splitCryptoPair('XUSD')).toBeNull(); // a one-letter base is no pair
    expect(splitCryptoPair('BTC')).toBeNull();
  });
});

describe('toAlpaca: parity to each endpoint', () => {
  it('crypto: orders, assets and data with the slash; positions without', () => {
    expect(toAlpaca('BTC-USD', 'order')).toBe('BTC/USD');
    expect(toAlpaca('BTC-USD', 'asset')).toBe('BTC/USD');
    expect(toAlpaca('BTC-USD', 'data')).toBe('BTC/USD');
    expect(toAlpaca('BTC-USD', 'position')).toBe('BTCUSD');
    expect(toAlpaca('ETH-BTC', 'position', 'crypto_spot')).toBe('ETHBTC');
    expect(toAlpaca('USDT-USD', 'position', 'crypto_spot')).toBe('USDTUSD');
    expect(toWireSymbol('BTC-USD')).toBe('BTC/USD');
  });

  it('equities are themselves at every endpoint', () => {
    for (const e of ['order', 'position', 'asset', 'data'] as const) expect(toAlpaca('AAPL', e, 'equity')).toBe('AAPL');
  });

  it('every pair survives the round trip through the positions spelling', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Z0-9]{2,8}$/), fc.constantFrom(...ALPACA_CRYPTO_QUOTES), (base, quote) => {
      const parity = `${base}-${quote}`;
      expect(fromAlpaca(toAlpaca(parity, 'position', 'crypto_spot'), 'crypto')).toBe(parity);
      expect(fromAlpaca(toAlpaca(parity, 'order', 'crypto_spot'))).toBe(parity);
    }));
  });
});
