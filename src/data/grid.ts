/**
 * Incoming prices onto the instrument's tick grid. Data off the grid would let the simulator fill
 * at prices the venue could never print; rounding here, once, keeps every later comparison exact.
 */
import type { Instrument } from '../domain/instrument.ts';
import { decimalsOf, fromSteps, isOnGrid } from '../domain/instrument.ts';
import type { BarSeries } from './series.ts';

/**
 * A fast `roundToTick` for one tick size, giving the same double: for a tick of K * 10^-d the price
 * is steps*K / 10^d, an exact integer over an exact power of ten, so one division is correctly
 * rounded, the same value as `Number((steps * tick).toFixed(d))`. Falls back to `fromSteps` when
 * the integer would not be exact.
 */
export function gridRounder(tickSize: number): (price: number) => number {
  if (!(tickSize > 0) || !Number.isFinite(tickSize)) throw new Error(`tick size must be a positive number, got ${tickSize}`);
  const d = decimalsOf(tickSize);
  if (d > 22) return (p) => fromSteps(Math.round(p / tickSize), tickSize);
  const scale = 10 ** d;
  const k = Math.round(tickSize * scale);
  return (p) => {
    const steps = Math.round(p / tickSize);
    const n = steps * k;
    return Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n / scale : fromSteps(steps, tickSize);
  };
}

/**
 * The d of a tick size that is exactly the double of 10^-d (0.01, 1, 0.0001), else -1. A price
 * read exactly from its digits with at most d decimals, below `2^49` ticks, is then already what
 * `gridRounder` gives it: its tick count p/tick is within float noise of the integer
 * digits * 10^(d - decimals), which rounds back to that integer, and that integer over 10^d is
 * the same rational the text was, so the same correctly rounded double.
 */
export function decimalTickPlaces(tickSize: number): number {
  if (!(tickSize > 0) || !Number.isFinite(tickSize)) return -1;
  const d = decimalsOf(tickSize);
  return d <= 22 && tickSize === Number(`1e-${d}`) ? d : -1;
}

/** The largest price (exclusive) `decimalTickPlaces` vouches for on a tick: 2^49 ticks. */
export const exactTicksBelow = (tickSize: number): number => 2 ** 49 * tickSize;

/**
 * The series with every price rounded onto the tick grid (nearest tick), and how many prices
 * moved by more than float noise, so the caller can warn once. Values already on the grid are
 * still normalised to the canonical double (60000.100000000006 -> 60000.1) without counting.
 * Returns the same series object when nothing changed. Throws when a price rounds to zero: the
 * tick size is then wrong for this data, not the data for the tick size.
 */
export function putOnGrid(series: BarSeries, instrument: Pick<Instrument, 'symbol' | 'tickSize'>): { series: BarSeries; moved: number } {
  const tick = instrument.tickSize;
  const round = gridRounder(tick);
  let moved = 0;
  let changed = false;
  const cols = [series.open, series.high, series.low, series.close];
  const out: Float64Array[] = [];
  for (const col of cols) {
    let copy: Float64Array | null = null;
    for (let i = 0; i < series.length; i++) {
      const p = col[i]!;
      const q = round(p);
      if (q === p) continue;
      if (q <= 0) {
        throw new Error(`${series.source}: ${series.symbol} price ${p} rounds to ${q} on the tick grid ${tick} of ${instrument.symbol}: the tick size does not fit this data`);
      }
      if (copy === null) copy = col.slice();
      copy[i] = q;
      changed = true;
      if (!isOnGrid(p, tick)) moved++;
    }
    out.push(copy ?? col);
  }
  if (!changed) return { series, moved: 0 };
  return {
    series: { ...series, open: out[0]!, high: out[1]!, low: out[2]!, close: out[3]! },
    moved,
  };
}
