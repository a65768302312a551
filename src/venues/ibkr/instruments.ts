/**
 * Instrument specs and contract pins from TWS's contract details: each symbol's conId, primary
 * exchange and currency (what the config's `ibkr.contracts` does not pin), and its tick (minTick).
 * A symbol TWS does not know (200) or matches more than once (ambiguous) stops the start with the
 * remedy: pin it in the config.
 */
import { z } from 'zod';
import { makeInstrument, type Instrument } from '../../domain/instrument.ts';
import { IbkrApiError, IbkrConfigError } from './errors.ts';
import type { IbkrLink } from './link.ts';
import { toContract, type ContractSpec } from './translate.ts';

const Details = z.looseObject({
  contract: z.looseObject({
    conId: z.number().int().positive(),
    symbol: z.string().optional(),
    primaryExch: z.string().optional(),
    currency: z.string().optional(),
  }),
  minTick: z.number().positive().optional(),
});

export interface ResolvedInstrument {
  readonly instrument: Instrument;
  readonly spec: ContractSpec;
}

/** The spec for one symbol: the config's pins first, then what TWS says. */
export async function resolveContract(link: IbkrLink, base: Instrument, route: string, pinned: ContractSpec = {}): Promise<ResolvedInstrument> {
  let list: unknown[];
  try {
    list = await link.contractDetails(toContract(base, route, pinned));
  } catch (err) {
    if (err instanceof IbkrApiError && err.code === 200) {
      throw new IbkrConfigError(`${base.symbol}: TWS has no security definition for it (200: ${err.venueText}); check the symbol, or pin it in the config: ibkr.contracts.${base.symbol} = { "exchange", "primaryExchange", "currency", "conId" }`);
    }
    throw err;
  }
  const parsed = list.map((d) => Details.safeParse(d)).filter((p) => p.success).map((p) => p.data);
  if (parsed.length === 0) throw new IbkrConfigError(`${base.symbol}: TWS returned no readable contract details; pin it in the config (ibkr.contracts.${base.symbol})`);
  if (parsed.length > 1) {
    const which = parsed.map((d) => `${d.contract.primaryExch ?? '?'} ${d.contract.currency ?? '?'} conId ${d.contract.conId}`).join('; ');
    throw new IbkrConfigError(`${base.symbol}: ambiguous at TWS (${which}); pin one in the config: ibkr.contracts.${base.symbol}.conId`);
  }
  const d = parsed[0]!;
  const spec: ContractSpec = {
    ...pinned,
    conId: pinned.conId ?? d.contract.conId,
    ...(pinned.primaryExchange ?? d.contract.primaryExch) !== undefined ? { primaryExchange: pinned.primaryExchange ?? d.contract.primaryExch! } : {},
    ...(pinned.currency ?? d.contract.currency) !== undefined ? { currency: pinned.currency ?? d.contract.currency! } : {},
  };
  const instrument = base.source === 'config'
    ? base
    : makeInstrument(base.symbol, 'ibkr', {
      assetClass: base.assetClass, calendar: base.calendar, lotSize: base.lotSize, minQty: base.minQty,
      quoteCurrency: spec.currency ?? base.quoteCurrency, tickSize: d.minTick ?? base.tickSize, source: 'venue',
    });
  return { instrument, spec };
}
