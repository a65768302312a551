/**
 * Symbols on Alpaca's wire versus parity's: the one place that knows how Alpaca spells them.
 *
 * parity says "AAPL" and "BTC-USD" (file names, config, strategies). Alpaca spells a crypto pair two
 * ways, depending on the endpoint:
 *   - orders, assets, market data, trade updates: "BTC/USD";
 *   - positions (GET /v2/positions and /v2/positions/{symbol}): "BTCUSD", with asset_class "crypto".
 *     The by-symbol lookup finds a crypto position only by that spelling: "BTC/USD", raw or
 *     percent-encoded, is a 404 (alpacahq/alpaca-py#537 and #179, alpacahq/Alpaca-API#215).
 * Equities are the same everywhere.
 *
 * Wire to parity: `fromAlpaca(wire, assetClass)` for every answer (orders, positions, fills, bars).
 * A slashless crypto symbol is split by the asset class plus the quote currencies Alpaca pairs
 * against (USD, USDT, USDC, BTC); without asset_class "crypto" a slashless symbol is an equity and
 * stays as it is: never guessed from its letters.
 * Parity to wire: `toAlpaca(symbol, endpoint, assetClass)`.
 */
import { guessAssetClass, type AssetClass } from '../../domain/instrument.ts';

/** Quote currencies of Alpaca's crypto pairs. None is a suffix of another, so a split is unique. */
export const ALPACA_CRYPTO_QUOTES = ['USDT', 'USDC', 'USD', 'BTC'] as const;

/** Where a symbol goes: each endpoint has its own spelling of a crypto pair. */
export type AlpacaEndpoint = 'order' | 'position' | 'asset' | 'data';

const isCrypto = (c: AssetClass): boolean => c === 'crypto_spot' || c === 'crypto_perp';

/** "BTCUSD" -> ["BTC", "USD"], "USDTUSD" -> ["USDT", "USD"], "ETHBTC" -> ["ETH", "BTC"]; null when no known quote ends it. */
export function splitCryptoPair(joined: string): readonly [base: string, quote: string] | null {
  const s = joined.trim().toUpperCase();
  for (const q of ALPACA_CRYPTO_QUOTES) {
    if (s.length > q.length + 1 && s.endsWith(q)) {
      const base = s.slice(0, -q.length);
      if (/^[A-Z0-9]+$/.test(base)) return [base, q];
    }
  }
  return null;
}

/**
 * Alpaca's symbol to parity's. `assetClass` is Alpaca's (a position's or order's asset_class:
 * "crypto", "us_equity"); give it whenever the answer carries one.
 *   "BTC/USD" (any endpoint)           -> "BTC-USD"
 *   "BTCUSD" with asset_class crypto   -> "BTC-USD"
 *   "AAPL", "BRK.B" (us_equity)        -> unchanged
 * A crypto symbol with no known quote currency is returned as sent (trimmed): it then names an
 * instrument parity does not trade, which is visible, rather than a wrong one.
 */
export function fromAlpaca(wire: string, assetClass?: string | null): string {
  const s = wire.trim();
  if (s.includes('/')) return s.replace('/', '-');
  if (assetClass === 'crypto') {
    const pair = splitCryptoPair(s);
    return pair === null ? s : `${pair[0]}-${pair[1]}`;
  }
  return s;
}

/** Parity's symbol as `endpoint` spells it at Alpaca. */
export function toAlpaca(symbol: string, endpoint: AlpacaEndpoint, assetClass: AssetClass = guessAssetClass(symbol)): string {
  if (!isCrypto(assetClass)) return symbol;
  const slashed = symbol.includes('/') ? symbol : symbol.replace('-', '/');
  return endpoint === 'position' ? slashed.replace('/', '') : slashed;
}

/** Parity to Alpaca for orders, assets and market data ("BTC-USD" -> "BTC/USD"). */
export function toWireSymbol(symbol: string, assetClass: AssetClass = guessAssetClass(symbol)): string {
  return toAlpaca(symbol, 'order', assetClass);
}

/** Alpaca to parity without an asset class (orders, bars: they always carry the slash). */
export function fromWireSymbol(wire: string): string {
  return fromAlpaca(wire);
}

export const isCryptoWire = (wire: string): boolean => wire.includes('/');

/** Alpaca's asset class for a parity asset class. */
export const wireAssetClass = (c: AssetClass): 'us_equity' | 'crypto' => (isCrypto(c) ? 'crypto' : 'us_equity');
