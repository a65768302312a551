/**
 * Instruments from the venue's markets as ccxt loaded them: tick, lot, minimum and contract size
 * (OKX ctVal is the multiplier) per symbol, perpetual terms for swaps (leverage and margin mode
 * from the config; the venue books funding itself, so no modelled rate).
 */
import type { Exchange } from 'ccxt';
import { z } from 'zod';
import { makeInstrument, type Instrument, type MarginMode } from '../../domain/instrument.ts';
import { zodMessage } from '../../util/zod-message.ts';
import { CcxtConfigError } from './errors.ts';
import { marketTypeOf } from './profiles.ts';

const pos = z.number().finite().positive();
const Market = z.looseObject({
  symbol: z.string(),
  type: z.string(),
  quote: z.string().min(1),
  contractSize: pos.nullish(),
  precision: z.looseObject({ price: pos, amount: pos }),
  limits: z.looseObject({ amount: z.looseObject({ min: z.number().finite().nonnegative().nullish() }).prefault({}) }).prefault({}),
});

export interface PerpTerms { readonly leverage: number; readonly marginMode: MarginMode }

/** OKX tier-1 maintenance rate for the majors and its 8 h funding interval: the venue's own figures apply at the venue. */
const PERP_BASE = { maintenanceMarginRate: 0.004, fundingIntervalMs: 8 * 3_600_000, fundingRate: 0, liquidationFeeRate: 0.0005 } as const;

/**
 * `amountsInBase`: the venue's swap amounts are in the base currency whatever its market's
 * contractSize says (the profile's amountsInBase, Deribit): the multiplier is 1.
 */
export function instrumentsFromMarkets(ex: Exchange, venue: string, symbols: readonly string[], perp: (symbol: string) => PerpTerms, o: { readonly amountsInBase?: boolean } = {}): Instrument[] {
  return symbols.map((symbol) => {
    const raw = ex.markets?.[symbol];
    if (raw === undefined) throw new CcxtConfigError(`${symbol}: ${venue} has no such market (spot "BTC/USDT", USDT swap "BTC/USDT:USDT")`);
    const r = Market.safeParse(raw);
    if (!r.success) throw new CcxtConfigError(`${symbol}: the venue's market does not read (${zodMessage(r.error)})`);
    const m = r.data;
    const swap = marketTypeOf(symbol) === 'swap';
    return makeInstrument(symbol, venue, {
      assetClass: swap ? 'crypto_perp' : 'crypto_spot', quoteCurrency: m.quote, tickSize: m.precision.price, lotSize: m.precision.amount,
      minQty: m.limits.amount.min ?? m.precision.amount, multiplier: swap && o.amountsInBase !== true ? m.contractSize ?? 1 : 1, calendar: '24x7', source: 'venue',
      ...(swap ? { perp: { ...PERP_BASE, ...perp(symbol) } } : {}),
    });
  });
}
