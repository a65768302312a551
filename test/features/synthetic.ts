/**
 * Synthetic bars and side rows for the feature tests, with what real files have: missing minutes
 * (single and a 20-minute hole), us_equity sessions with overnight and weekend gaps on both DST
 * change weekends of 2024, 24x7 bars crossing midnight UTC and the Sunday/Monday week boundary, a
 * flat zero-volume stretch, and funding / index rows at irregular instants, some stamped exactly at
 * a bar's open or close.
 */
import type { Bar } from '../../src/domain/market.ts';
import type { SideRow } from '../../src/data/side-series.ts';
import { mulberry32 } from '../../src/util/random.ts';

export const MINUTE = 60_000;

/** Regular-hours minute opens (UTC) of a New York date; the UTC offset is given, not computed. */
function session(date: string, utcOffsetHours: number): number[] {
  const open = Date.parse(`${date}T09:30:00Z`) - utcOffsetHours * 3_600_000;
  return Array.from({ length: 390 }, (_, i) => open + i * MINUTE);
}

/** Equity bar opens: Thu/Fri before and Mon/Tue after the March DST start, Fri/Mon around the November end. */
export function equityTimes(): number[] {
  return [
    ...session('2024-03-07', -5), ...session('2024-03-08', -5), // EST
    ...session('2024-03-11', -4), ...session('2024-03-12', -4), // EDT (DST began Sun 2024-03-10)
    ...session('2024-11-01', -4), // EDT
    ...session('2024-11-04', -5), // EST (DST ended Sun 2024-11-03)
  ];
}

/** 24x7 bar opens from Sunday 2024-03-10 21:00Z to Monday 03:00Z (midnight UTC is also the week boundary). */
export function cryptoTimes(): number[] {
  const start = Date.parse('2024-03-10T21:00:00Z');
  return Array.from({ length: 360 }, (_, i) => start + i * MINUTE);
}

/** Drop ~5% of the minutes at random and one 20-minute hole: windows must span gaps, not fill them. */
export function withGaps(times: readonly number[], seed: number): number[] {
  const rand = mulberry32(seed);
  const hole = Math.floor(times.length / 3);
  return times.filter((_, i) => i === 0 || ((i < hole || i >= hole + 20) && rand() > 0.05));
}

/** A random walk of bars at `times`, with a 25-bar flat stretch of zero volume in the middle. */
export function walk(symbol: string, times: readonly number[], seed: number): Bar[] {
  const rand = mulberry32(seed);
  const flatFrom = Math.floor(times.length / 2);
  let close = 100;
  return times.map((ts, i) => {
    const flat = i >= flatFrom && i < flatFrom + 25;
    const open = close;
    if (!flat) close = Math.max(1, close * (1 + (rand() - 0.5) * 0.004));
    const high = flat ? close : Math.max(open, close) + rand() * 0.05;
    const low = flat ? close : Math.min(open, close) - rand() * 0.05;
    const volume = flat ? 0 : Math.floor(rand() * 1000) + (rand() < 0.1 ? 0 : 1);
    return { kind: 'bar', symbol, ts, open: flat ? close : open, high, low, close, volume };
  });
}

/**
 * Side rows near the bars at irregular instants (roughly one per `every` bars, at a random
 * millisecond in [open - 1 bar, open + 2 bars)), the first one before the first bar, plus rows
 * stamped exactly at some bars' open and some bars' close. `value(ts)` makes a row's value.
 */
export function sideRows(bars: readonly Bar[], barMs: number, every: number, seed: number, value: (rand: () => number) => number): SideRow[] {
  const rand = mulberry32(seed);
  const rows: SideRow[] = [{ ts: bars[0]!.ts - 3 * barMs, value: value(rand) }];
  bars.forEach((b, i) => {
    if (rand() < 1 / every) rows.push({ ts: b.ts - barMs + Math.floor(rand() * 3 * barMs), value: value(rand) });
    if (i % 97 === 5) rows.push({ ts: b.ts + barMs, value: value(rand) }); // exactly at the close
    if (i % 89 === 7) rows.push({ ts: b.ts, value: value(rand) }); // exactly at the open
  });
  return rows.sort((a, b) => a.ts - b.ts);
}
