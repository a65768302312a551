/**
 * Instrument specs for a run, from a named source: the config file's `instruments` section first,
 * then the asset-class defaults (equity: tick 0.01, lot 1; crypto spot: tick 0.01, lot 0.00001; ...).
 * Venue-provided specs (issue 3) replace both.
 */
import { makeInstrument, type Instrument, type PerpSpec } from '../domain/instrument.ts';
import { DEFAULT_PERP } from '../domain/perp.ts';
import { InstrumentRegistry } from '../domain/instrument-registry.ts';
import type { InstrumentSpecT } from '../config/schema.ts';

/** `perpDefaults`: the terms a perpetual gets where its spec names none (the account's perpLeverage: modes/parts.ts perpDefaultsOf). */
export function buildInstruments(symbols: readonly string[], specs: readonly InstrumentSpecT[], venue: string, perpDefaults: PerpSpec = DEFAULT_PERP): InstrumentRegistry {
  const reg = new InstrumentRegistry();
  const bySymbol = new Map(specs.map((s) => [s.symbol, s]));
  for (const sym of symbols) {
    const spec = bySymbol.get(sym);
    let inst: Instrument;
    if (spec === undefined) inst = makeInstrument(sym, venue, {}, perpDefaults);
    else {
      const { symbol: _s, ...rest } = spec;
      const overrides = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      inst = makeInstrument(sym, venue, { ...overrides, source: 'config' }, perpDefaults);
    }
    reg.add(inst);
  }
  return reg;
}

export function describeInstrument(i: Instrument): string {
  return `${i.symbol} ${i.assetClass} tick ${i.tickSize} lot ${i.lotSize} min ${i.minQty} x${i.multiplier} ${i.quoteCurrency} (${i.source})`;
}
