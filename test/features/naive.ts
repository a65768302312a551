/**
 * An independent, naive reference for every shipped feature: each value recomputed from the raw
 * arrays for each bar, with different arithmetic from the library (Welford means and variances,
 * RSI as 100 - 100 / (1 + G/L), Intl for local time, a full scan of the side rows). Nothing here
 * imports src/features.
 */
import type { Bar } from '../../src/domain/market.ts';
import type { SideRow } from '../../src/data/side-series.ts';

type Naive = (bars: readonly Bar[], t: number, side: NaiveSide) => number;

export interface NaiveSide {
  readonly funding: readonly SideRow[];
  readonly index: readonly SideRow[];
  readonly barMs: number;
  readonly zone: 'America/New_York' | 'UTC';
}

function welford(xs: readonly number[]): { mean: number; sampleVar: number } {
  let mean = 0;
  let m2 = 0;
  xs.forEach((x, i) => {
    const d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  });
  return { mean, sampleVar: m2 / (xs.length - 1) };
}

const closes = (bars: readonly Bar[], from: number, to: number): number[] => bars.slice(from, to + 1).map((b) => b.close);

/** Last row with ts strictly before the bar's close, by scanning every row. */
function inForce(rows: readonly SideRow[], closeAt: number): number {
  let v = Number.NaN;
  for (const r of rows) if (r.ts < closeAt) v = r.value;
  return v;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function wall(ts: number, zone: string): { minutes: number; weekday: string } {
  let f = partsCache.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    partsCache.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ts).map((x) => [x.type, x.value]));
  return { minutes: Number(p.hour) * 60 + Number(p.minute), weekday: p.weekday ?? '' };
}

export const NAIVE: Readonly<Record<string, (n: number) => Naive>> = {
  ret: (n) => (bars, t) => (t < n ? Number.NaN : bars[t]!.close / bars[t - n]!.close - 1),
  vol: (n) => (bars, t) => {
    if (t < n) return Number.NaN;
    const logs: number[] = [];
    for (let i = t - n + 1; i <= t; i++) logs.push(Math.log(bars[i]!.close / bars[i - 1]!.close));
    return Math.sqrt(welford(logs).sampleVar);
  },
  rsi: (n) => (bars, t) => {
    if (t < n) return Number.NaN;
    let g = 0;
    let l = 0;
    for (let i = t - n + 1; i <= t; i++) {
      const d = bars[i]!.close - bars[i - 1]!.close;
      g += Math.max(d, 0);
      l += Math.max(-d, 0);
    }
    if (Number.isNaN(g + l)) return Number.NaN;
    if (g === 0 && l === 0) return 50;
    if (l === 0) return 100;
    return 100 - 100 / (1 + g / n / (l / n));
  },
  zscore: (n) => (bars, t) => {
    if (t < n - 1) return Number.NaN;
    const xs = closes(bars, t - n + 1, t);
    if (xs.some(Number.isNaN)) return Number.NaN;
    if (Math.min(...xs) === Math.max(...xs)) return 0;
    const { mean, sampleVar } = welford(xs);
    return (bars[t]!.close - mean) / Math.sqrt(sampleVar);
  },
  volratio: (n) => (bars, t) => {
    if (t < n - 1) return Number.NaN;
    const vs = bars.slice(t - n + 1, t + 1).map((b) => b.volume);
    const mean = vs.reduce((a, b) => a + b, 0) / n;
    return mean === 0 ? 1 : bars[t]!.volume / mean;
  },
  range: () => (bars, t) => (bars[t]!.high - bars[t]!.low) / bars[t]!.close,
  tod: () => (bars, t, s) => wall(bars[t]!.ts, s.zone).minutes,
  dow: () => (bars, t, s) => ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(wall(bars[t]!.ts, s.zone).weekday),
  funding: () => (bars, t, s) => inForce(s.funding, bars[t]!.ts + s.barMs),
  basis: () => (bars, t, s) => {
    const ix = inForce(s.index, bars[t]!.ts + s.barMs);
    return (bars[t]!.close - ix) / ix;
  },
};

/** The naive value of a feature named like the library's (`ret_5`, `range`). */
export function naiveFeature(name: string): Naive {
  const m = /^([a-z]+)(?:_(\d+))?$/.exec(name);
  const make = m === null ? undefined : NAIVE[m[1]!];
  if (m === null || make === undefined) throw new Error(`no naive reference for ${name}`);
  return make(Number(m[2] ?? 0));
}
