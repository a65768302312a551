/**
 * Instruments: what can be traded and on which price / quantity grid.
 *
 * Prices and quantities travel as plain numbers that sit exactly on the instrument's grid; every
 * comparison or sum that must not drift happens on integer ticks / lots (see `toTicks`, `toLots`).
 */
import { DEFAULT_PERP, perpSpec } from './perp.ts';

export type AssetClass = 'equity' | 'etf' | 'crypto_spot' | 'crypto_perp';

/** How a fill moves cash: spot instruments pay the notional; perpetuals settle only P&L. */
export type Settlement = 'notional' | 'pnl';

export type MarginMode = 'cross' | 'isolated';

/**
 * What only a perpetual swap has (USDT-margined linear swaps; inverse swaps need coin-margined cash
 * and are not modelled). Quantity is in contracts; `Instrument.multiplier` is the contract size (base
 * units per contract, OKX ctVal): notional = contracts x multiplier x price.
 */
export interface PerpSpec {
  /** Initial margin = notional / leverage. */
  readonly leverage: number;
  readonly marginMode: MarginMode;
  /** Maintenance margin = notional at the mark price x this rate; below it the venue liquidates. */
  readonly maintenanceMarginRate: number;
  /** Funding is exchanged every interval, at multiples of it from the epoch (OKX: 8 h). */
  readonly fundingIntervalMs: number;
  /** The rate per interval when the data carries no funding_rate column (positive: longs pay shorts). */
  readonly fundingRate: number;
  /** Fee charged on the notional closed by a liquidation (share of notional). */
  readonly liquidationFeeRate: number;
}

/** Where an instrument's specification came from; shown to the user when a spec looks wrong. */
export type SpecSource = 'default' | 'config' | 'venue';

export interface Instrument {
  readonly symbol: string;
  readonly venue: string;
  readonly assetClass: AssetClass;
  readonly quoteCurrency: string;
  readonly tickSize: number;
  readonly lotSize: number;
  readonly minQty: number;
  readonly multiplier: number;
  /** US equity calendar for equities and ETFs, 24/7 for crypto. */
  readonly calendar: 'us_equity' | '24x7';
  readonly source: SpecSource;
  /** Present exactly when assetClass is 'crypto_perp' (makeInstrument fills the defaults). */
  readonly perp?: PerpSpec;
}

export const settlementOf = (i: Pick<Instrument, 'assetClass'>): Settlement =>
  i.assetClass === 'crypto_perp' ? 'pnl' : 'notional';

/** Defaults per asset class, used when neither the config file nor the venue names a spec. */
export const ASSET_CLASS_DEFAULTS: Record<AssetClass, Omit<Instrument, 'symbol' | 'venue' | 'source'>> = {
  equity: { assetClass: 'equity', quoteCurrency: 'USD', tickSize: 0.01, lotSize: 1, minQty: 1, multiplier: 1, calendar: 'us_equity' },
  etf: { assetClass: 'etf', quoteCurrency: 'USD', tickSize: 0.01, lotSize: 1, minQty: 1, multiplier: 1, calendar: 'us_equity' },
  crypto_spot: { assetClass: 'crypto_spot', quoteCurrency: 'USD', tickSize: 0.01, lotSize: 0.00001, minQty: 0.00001, multiplier: 1, calendar: '24x7' },
  crypto_perp: { assetClass: 'crypto_perp', quoteCurrency: 'USDT', tickSize: 0.1, lotSize: 0.001, minQty: 0.001, multiplier: 1, calendar: '24x7' },
};

/** Guess an asset class from a symbol's shape: "BTC-USD", "BTC/USDT", "BTC-USDT-PERP", "ETH-PERP". */
export function guessAssetClass(symbol: string): AssetClass {
  const s = symbol.toUpperCase();
  if (/(-|\/|:)?(PERP|SWAP)$/.test(s) || s.includes(':')) return 'crypto_perp';
  if (/^[A-Z0-9]{2,10}[-/](USD|USDT|USDC|EUR|BTC|ETH)$/.test(s)) return 'crypto_spot';
  return 'equity';
}

/** What a caller may name of an instrument: everything but its symbol and venue, perpetual terms in part. */
export type InstrumentOverrides = Partial<Omit<Instrument, 'symbol' | 'venue' | 'perp'>> & { readonly perp?: Partial<PerpSpec> };

/**
 * An instrument from the asset-class defaults and `overrides`. A perpetual gets its full `perp` terms
 * (the named ones over `perpDefaults`, which default to DEFAULT_PERP); any other class has none.
 */
export function makeInstrument(
  symbol: string,
  venue: string,
  overrides: InstrumentOverrides = {},
  perpDefaults: PerpSpec = DEFAULT_PERP,
): Instrument {
  const assetClass = overrides.assetClass ?? guessAssetClass(symbol);
  const base = ASSET_CLASS_DEFAULTS[assetClass];
  const source: SpecSource = overrides.source ?? (Object.keys(overrides).length > 0 ? 'config' : 'default');
  const { perp: terms, ...rest } = overrides;
  if (terms !== undefined && assetClass !== 'crypto_perp') {
    throw new Error(`instrument ${symbol}: perp terms given for a ${assetClass} instrument (only crypto_perp has them)`);
  }
  const inst: Instrument = {
    ...base, ...rest, assetClass, symbol, venue, source,
    ...(assetClass === 'crypto_perp' ? { perp: perpSpec(symbol, terms, perpDefaults) } : {}),
  };
  for (const key of ['tickSize', 'lotSize', 'multiplier'] as const) {
    if (!(inst[key] > 0) || !Number.isFinite(inst[key])) {
      throw new Error(`instrument ${symbol}: ${key} must be a positive number, got ${inst[key]}`);
    }
  }
  if (!(inst.minQty >= 0)) throw new Error(`instrument ${symbol}: minQty must be >= 0, got ${inst.minQty}`);
  return inst;
}

/** Number of decimals needed to print a grid step exactly (0.01 -> 2, 0.00001 -> 5, 5 -> 0). */
export function decimalsOf(step: number): number {
  if (Number.isInteger(step)) return 0;
  const s = step.toString();
  const e = s.match(/e-(\d+)$/);
  if (e) return Number(e[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

/** Grid tolerance: a value within 1e-9 of a step counts as on the grid (floats from CSV text). */
const GRID_EPS = 1e-9;

export function isOnGrid(value: number, step: number): boolean {
  const n = value / step;
  return Math.abs(n - Math.round(n)) < GRID_EPS * Math.max(1, Math.abs(n));
}

export const toTicks = (price: number, tickSize: number): number => Math.round(price / tickSize);
export const toLots = (qty: number, lotSize: number): number => Math.round(qty / lotSize);

const scaleCache = new Map<number, { readonly pow: number; readonly stepInt: number }>();

/**
 * Turn an integer count of steps back into the exact decimal number (no 0.30000000000000004):
 * an integer product and one division by a power of ten give the double nearest the decimal.
 */
export function fromSteps(steps: number, step: number): number {
  // The last step asked for (one instrument's lot size, over and over in a backtest): no Map lookup.
  let s = step === lastScaleStep ? lastScale : scaleCache.get(step);
  if (s === undefined) {
    const pow = 10 ** decimalsOf(step);
    s = { pow, stepInt: Math.round(step * pow) };
    scaleCache.set(step, s);
  }
  lastScaleStep = step;
  lastScale = s;
  return (steps * s.stepInt) / s.pow;
}
let lastScaleStep = Number.NaN;
let lastScale: { readonly pow: number; readonly stepInt: number } | undefined;

/** Round a price onto the tick grid in the direction that is worse for the trader. */
export function roundPriceAgainst(price: number, tickSize: number, side: 'buy' | 'sell'): number {
  const n = price / tickSize;
  const near = Math.round(n);
  if (Math.abs(n - near) < GRID_EPS * Math.max(1, Math.abs(n))) return fromSteps(near, tickSize);
  return fromSteps(side === 'buy' ? Math.ceil(n) : Math.floor(n), tickSize);
}

export const roundToTick = (price: number, tickSize: number): number => fromSteps(toTicks(price, tickSize), tickSize);
