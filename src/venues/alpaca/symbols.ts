/**
 * Symbols on Alpaca's wire versus parity's. Equities are the same ("AAPL"); crypto pairs are
 * "BTC/USD" at Alpaca and "BTC-USD" in parity (file names, config, strategies).
 */
import { guessAssetClass, type AssetClass } from '../../domain/instrument.ts';

export function toWireSymbol(symbol: string, assetClass: AssetClass = guessAssetClass(symbol)): string {
  if (assetClass === 'crypto_spot') return symbol.replace('-', '/');
  return symbol;
}

export function fromWireSymbol(wire: string): string {
  return wire.includes('/') ? wire.replace('/', '-') : wire;
}

export const isCryptoWire = (wire: string): boolean => wire.includes('/');

/** Alpaca's asset class for a parity asset class. */
export const wireAssetClass = (c: AssetClass): 'us_equity' | 'crypto' => (c === 'crypto_spot' || c === 'crypto_perp' ? 'crypto' : 'us_equity');
