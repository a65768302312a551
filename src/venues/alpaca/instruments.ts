/**
 * Instrument specs from Alpaca's assets: the tick from price_increment, the lot from
 * min_trade_increment when the asset is fractionable (else whole shares), the minimum from
 * min_order_size. Config specs are not consulted: the venue's word wins for a venue session.
 */
import { makeInstrument, type Instrument } from '../../domain/instrument.ts';
import { AlpacaConfigError } from './errors.ts';
import type { AlpacaRest } from './rest.ts';
import { toWireSymbol } from './symbols.ts';
import type { WireAssetT } from './wire.ts';

export function instrumentFromAsset(symbol: string, a: WireAssetT): Instrument {
  const crypto = a.class === 'crypto';
  const lot = a.fractionable === true ? (a.min_trade_increment ?? (crypto ? 0.00001 : 0.001)) : 1;
  const tick = a.price_increment ?? 0.01;
  return makeInstrument(symbol, 'alpaca', {
    assetClass: crypto ? 'crypto_spot' : 'equity', tickSize: tick, lotSize: lot, minQty: a.min_order_size ?? lot,
    calendar: crypto ? '24x7' : 'us_equity', quoteCurrency: 'USD', source: 'venue',
  });
}

export async function loadAlpacaInstruments(rest: AlpacaRest, symbols: readonly string[]): Promise<Instrument[]> {
  const out: Instrument[] = [];
  for (const s of symbols) {
    const a = await rest.asset(toWireSymbol(s));
    if (a.status !== 'active' || !a.tradable) throw new AlpacaConfigError(`${s} is not tradable at Alpaca (status ${a.status})`);
    out.push(instrumentFromAsset(s, a));
  }
  return out;
}
