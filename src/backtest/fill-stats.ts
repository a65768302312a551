/**
 * The summary's per-fill statistics (round trips, wins, traded notional, fees), kept as the fills
 * happen, on the ledger's integer units: lots, ticks and money units (10^-8), all exact Numbers.
 * At the end there is nothing left to do but two divisions, so `summarize` costs nothing per fill.
 *
 * It gives the same numbers as metrics.ts `roundTrips` / `fillTotals` (exact decimals through
 * BigInt) whenever the integers are exact: every fill's price and quantity on its instrument's
 * grid, grids of at most 6 decimals (what `toFixedBig` reads exactly), a tick x lot worth a whole
 * number of money units, products within 2^53. A fill that breaks one of these (or a fee split
 * pro rata on a fill that reverses a position) turns the accumulator off (`exact` false) and the
 * summary goes back to the BigInt path over the fills: never a wrong figure, at worst a slower one.
 */
import type { Fill } from '../domain/fill.ts';
import { type Instrument, fromSteps, toLots, toTicks } from '../domain/instrument.ts';
import { toFixedBig } from './decimal.ts';

const MONEY_SCALE = 100_000_000;
const MAX_FEE_UNITS = 1e15;

/** What the summary reads (metrics.ts summarize). */
export interface FillStatsResult {
  readonly trades: number;
  readonly wins: number;
  /** Sum of |price x qty| (multiplier 1, as summarize takes it by default), account currency. */
  readonly notional: number;
  readonly fees: number;
}

interface Trip {
  dir: 1 | -1;
  /** Signed position in lots. */
  lots: number;
  /** Sums of ticks x lots in and out (tick·lot units). */
  entryTL: number;
  exitTL: number;
  feesM: number;
}

interface Units {
  readonly tick: number;
  readonly lot: number;
  /** Money units one tick x one lot is worth (0 = not a whole number: not exact). */
  readonly perTickLot: number;
}

export class FillStats {
  private ok = true;
  private readonly trips = new Map<string, Trip>();
  private readonly units = new Map<string, Units>();
  private trades = 0;
  private wins = 0;
  /** Traded notional in money units as whole currency units + remainder (stays within 2^53). */
  private notionalHi = 0;
  private notionalLo = 0;
  private feesM = 0;

  /** False once a fill could not be taken exactly: the caller falls back to the BigInt path. */
  get exact(): boolean {
    return this.ok;
  }

  add(f: Fill, inst: Instrument | undefined): void {
    if (!this.ok) return;
    if (inst === undefined) { this.ok = false; return; }
    const u = this.unitsOf(inst);
    if (u.perTickLot === 0) { this.ok = false; return; }
    const lots = toLots(Math.abs(f.qty), u.lot);
    const ticks = toTicks(Math.abs(f.price), u.tick);
    const feeM = Math.round(f.fee * MONEY_SCALE);
    if (fromSteps(lots, u.lot) !== Math.abs(f.qty) || fromSteps(ticks, u.tick) !== Math.abs(f.price)
      || feeM / MONEY_SCALE !== f.fee || Math.abs(feeM) >= MAX_FEE_UNITS) { this.ok = false; return; }
    this.feesM += feeM;
    if (!Number.isSafeInteger(this.feesM)) { this.ok = false; return; }
    if (lots === 0) return; // no quantity: its fee counts, it opens or closes nothing
    const tl = ticks * lots;
    const nM = tl * u.perTickLot;
    if (!Number.isSafeInteger(nM)) { this.ok = false; return; }
    const whole = Math.floor(nM / MONEY_SCALE);
    this.notionalHi += whole;
    this.notionalLo += nM - whole * MONEY_SCALE;

    const dir: 1 | -1 = f.side === 'buy' ? 1 : -1;
    const t = this.trips.get(f.symbol);
    if (t === undefined || t.lots === 0) {
      this.open(f.symbol, t, dir, lots, tl, feeM);
      return;
    }
    if (t.dir === dir) {
      t.lots += dir * lots;
      t.entryTL += tl;
      t.feesM += feeM;
      if (!Number.isSafeInteger(t.entryTL)) this.ok = false;
      return;
    }
    const held = Math.abs(t.lots);
    const close = lots < held ? lots : held;
    // A reversing fill's fee is split pro rata at 10^-12 in the BigInt path: not a whole number of
    // money units in general, so that (rare) case goes back to it.
    if (close < lots && feeM !== 0) { this.ok = false; return; }
    t.lots += dir * close;
    t.exitTL += ticks * close;
    t.feesM += close === lots ? feeM : 0;
    if (!Number.isSafeInteger(t.exitTL)) { this.ok = false; return; }
    if (t.lots !== 0) return;
    const pnlM = t.dir * (t.exitTL - t.entryTL) * u.perTickLot - t.feesM;
    if (!Number.isSafeInteger(pnlM)) { this.ok = false; return; }
    this.trades++;
    if (pnlM > 0) this.wins++;
    if (close < lots) this.open(f.symbol, t, dir, lots - close, ticks * (lots - close), 0);
  }

  result(): FillStatsResult {
    const carry = Math.floor(this.notionalLo / MONEY_SCALE);
    const hi = this.notionalHi + carry;
    const lo = this.notionalLo - carry * MONEY_SCALE;
    // The double nearest the exact decimal (what fromFixedBig gives): one parse, at the end.
    const notional = Number(`${hi}.${String(lo).padStart(8, '0')}`);
    return { trades: this.trades, wins: this.wins, notional, fees: this.feesM / MONEY_SCALE };
  }

  private open(symbol: string, t: Trip | undefined, dir: 1 | -1, lots: number, tl: number, feeM: number): void {
    if (t === undefined) {
      this.trips.set(symbol, { dir, lots: dir * lots, entryTL: tl, exitTL: 0, feesM: feeM });
      return;
    }
    t.dir = dir;
    t.lots = dir * lots;
    t.entryTL = tl;
    t.exitTL = 0;
    t.feesM = feeM;
  }

  private unitsOf(inst: Instrument): Units {
    let u = this.units.get(inst.symbol);
    if (u === undefined) {
      u = { tick: inst.tickSize, lot: inst.lotSize, perTickLot: perTickLot(inst.tickSize, inst.lotSize) };
      this.units.set(inst.symbol, u);
    }
    return u;
  }
}

/** Money units in one tick x one lot when that is a whole number and both grids read exactly, else 0. */
function perTickLot(tick: number, lot: number): number {
  if (!(tick > 0) || !(lot > 0)) return 0;
  const six = (x: number): boolean => Math.round(x * 1e6) / 1e6 === x;
  if (!six(tick) || !six(lot)) return 0;
  // Exact decimals (once per instrument): tick x lot x 10^8 at 10^-24, a whole number?
  const v = toFixedBig(tick) * toFixedBig(lot) * 100_000_000n;
  const unit = 10n ** 24n;
  if (v % unit !== 0n) return 0;
  const n = Number(v / unit);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
