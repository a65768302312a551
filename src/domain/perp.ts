/**
 * Perpetual swap rules (USDT-margined linear swaps), pure: margins, the liquidation price, funding.
 * One place per rule: the ledger (portfolio), the simulator and the console all call these.
 *
 * Units: `qty` is signed contracts, `multiplier` the contract size (base units per contract), so a
 * position's notional at price P is qty x multiplier x P (signed, quote currency).
 */
import type { MarginMode, PerpSpec } from './instrument.ts';

/** Terms a perpetual gets when neither the config nor the venue names them. */
export const DEFAULT_PERP: PerpSpec = {
  leverage: 3,
  marginMode: 'cross',
  maintenanceMarginRate: 0.005,
  fundingIntervalMs: 8 * 3_600_000,
  fundingRate: 0.0001,
  liquidationFeeRate: 0.0005,
};

/** The full spec from partial terms over the defaults; throws naming the bad field. */
export function perpSpec(symbol: string, terms: Partial<PerpSpec> = {}, defaults: PerpSpec = DEFAULT_PERP): PerpSpec {
  const defined = Object.fromEntries(Object.entries(terms).filter(([, v]) => v !== undefined)) as Partial<PerpSpec>;
  const s: PerpSpec = { ...defaults, ...defined };
  const bad = (what: string, v: unknown): never => { throw new Error(`instrument ${symbol}: perp.${what}, got ${String(v)}`); };
  if (!(s.leverage >= 1) || !Number.isFinite(s.leverage)) bad('leverage must be a number >= 1', s.leverage);
  if (s.marginMode !== 'cross' && s.marginMode !== 'isolated') bad("marginMode must be 'cross' or 'isolated'", s.marginMode);
  if (!(s.maintenanceMarginRate >= 0 && s.maintenanceMarginRate < 1)) bad('maintenanceMarginRate must be in [0, 1)', s.maintenanceMarginRate);
  // Initial margin must exceed maintenance, or a position would be liquidated as it opens.
  if (s.maintenanceMarginRate >= 1 / s.leverage) bad(`maintenanceMarginRate must be below 1 / leverage (${1 / s.leverage})`, s.maintenanceMarginRate);
  if (!Number.isInteger(s.fundingIntervalMs) || !(s.fundingIntervalMs > 0)) bad('fundingIntervalMs must be a positive whole number of ms', s.fundingIntervalMs);
  if (!Number.isFinite(s.fundingRate) || Math.abs(s.fundingRate) > 0.1) bad('fundingRate must be a rate per interval in [-0.1, 0.1]', s.fundingRate);
  if (!(s.liquidationFeeRate >= 0 && s.liquidationFeeRate < 0.1)) bad('liquidationFeeRate must be in [0, 0.1)', s.liquidationFeeRate);
  return s;
}

/** Initial margin of a notional (either sign). */
export const initialMargin = (notional: number, leverage: number): number => Math.abs(notional) / leverage;

/** Maintenance margin of a notional at the mark price (either sign). */
export const maintenanceMargin = (notionalAtMark: number, rate: number): number => Math.abs(notionalAtMark) * rate;

/**
 * One funding payment, signed as cash: -sign(qty) x |qty x multiplier x mark| x rate. A positive
 * rate makes longs pay and shorts receive.
 */
export const fundingAmount = (qty: number, multiplier: number, mark: number, rate: number): number =>
  -qty * multiplier * mark * rate;

/** The first funding instant strictly after `ts` (funding happens at multiples of the interval from the epoch). */
export const fundingBoundaryAfter = (ts: number, intervalMs: number): number => (Math.floor(ts / intervalMs) + 1) * intervalMs;

/**
 * The mark price at which a position's collateral falls to its maintenance margin:
 *   collateral + q x (P - E) = mmr x |q| x P,  q = qty x multiplier (signed), E the entry price
 *   =>  P = (q x E - collateral) / (q - mmr x |q|).
 * Isolated: the collateral is the position's own margin (entry notional / leverage). Cross: it is
 * what the account holds apart from this position (see Portfolio.liquidationPrice). Null when no
 * positive price liquidates it (a long backed by more than its notional), or the position is flat.
 * The liquidation fee is not part of the estimate (it is charged after the close).
 */
export function liquidationPrice(q: number, entryPrice: number, collateral: number, mmr: number): number | null {
  if (q === 0) return null;
  const p = (q * entryPrice - collateral) / (q - mmr * Math.abs(q));
  return p > 0 && Number.isFinite(p) ? p : null;
}

/** Collateral of an isolated position: its entry notional over its leverage. */
export const isolatedCollateral = (entryNotional: number, leverage: number): number => initialMargin(entryNotional, leverage);

/** Whether the mark has reached the liquidation price (long: at or below it; short: at or above). */
export const breached = (q: number, mark: number, liq: number): boolean => (q > 0 ? mark <= liq : mark >= liq);

export type { MarginMode, PerpSpec };
