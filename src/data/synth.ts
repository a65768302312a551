/**
 * Synthetic one-minute bars with the stylized facts real ones have, so strategies and the
 * simulator meet something like a market in tests, benchmarks and the quick start:
 * - fat tails: Student-t innovations (5 degrees of freedom, scaled to unit variance);
 * - volatility clustering: GARCH(1,1) with persistence 0.99 (half-life ~70 bars);
 * - jumps: about one bar in 3000 carries a 6-14 sigma move, which then feeds the GARCH variance;
 * - a U-shaped volume profile over the UTC day, volume rising with volatility;
 * - consistent OHLC: open = previous close, high/low from a four-step Brownian bridge between open
 *   and close plus the excursion a finer path would show; every price on the tick grid.
 * Deterministic from the seed (mulberry32), identical on every machine.
 */
import { guessAssetClass } from '../domain/instrument.ts';
import { gaussian, mulberry32 } from '../util/random.ts';
import type { BarSeries } from './series.ts';
import { gridRounder } from './grid.ts';
import { TS_UTC, scanTimestamp } from './timestamps.ts';

export interface SynthOptions {
  readonly bars: number;
  readonly seed: number;
  readonly symbol?: string;
  /** First bar's open time: epoch ms or ISO-8601 with an offset. Default 2024-01-01T00:00:00Z. */
  readonly start?: number | string;
  readonly intervalMs?: number;
  /** Defaults by symbol, see `synthDefaults`. */
  readonly startPrice?: number;
  readonly tickSize?: number;
  /** Annualized volatility (365.25-day year, the bars run around the clock). */
  readonly annualVol?: number;
  /** Mean volume per bar. */
  readonly baseVolume?: number;
  /** Volume grid (lot size). */
  readonly volumeStep?: number;
}

export interface SynthProfile {
  readonly startPrice: number;
  readonly tickSize: number;
  readonly annualVol: number;
  readonly baseVolume: number;
  readonly volumeStep: number;
}

/** Plausible numbers by symbol, so `--symbol BTC-USD` alone gives BTC-like bars around 60,000. */
export function synthDefaults(symbol: string): SynthProfile {
  const s = symbol.toUpperCase();
  const base = s.split(/[-/:]/)[0] ?? s;
  if (base === 'BTC' || base === 'XBT') return { startPrice: 60_000, tickSize: 0.01, annualVol: 0.6, baseVolume: 8, volumeStep: 0.00001 };
  if (base === 'ETH') return { startPrice: 3_000, tickSize: 0.01, annualVol: 0.7, baseVolume: 120, volumeStep: 0.0001 };
  const cls = guessAssetClass(s);
  if (cls === 'crypto_spot' || cls === 'crypto_perp') return { startPrice: 100, tickSize: 0.001, annualVol: 0.9, baseVolume: 5_000, volumeStep: 0.01 };
  return { startPrice: 100, tickSize: 0.01, annualVol: 0.25, baseVolume: 20_000, volumeStep: 1 };
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const NU = 5;
const T_SCALE = Math.sqrt((NU - 2) / NU);
const ALPHA = 0.04;
const BETA = 0.95;
const JUMP_P = 1 / 3000;
const STEPS = 4;

/** Student-t draw (Bailey's polar method: one rejection loop, any degrees of freedom). */
export function studentT(rand: () => number, nu: number): number {
  for (;;) {
    const u = 2 * rand() - 1;
    const v = 2 * rand() - 1;
    const w = u * u + v * v;
    if (w > 0 && w < 1) return u * Math.sqrt((nu * (Math.pow(w, -2 / nu) - 1)) / w);
  }
}

/** A generator's start option: epoch ms, ISO-8601 with an offset, or `fallback` when absent. */
export function startMs(start: number | string | undefined, fallback = Date.UTC(2024, 0, 1), what = 'synth'): number {
  if (start === undefined) return fallback;
  if (typeof start === 'number') return start;
  const out = { ms: 0 };
  if (scanTimestamp(start, 0, start.length, out) !== TS_UTC) throw new Error(`${what} start '${start}' must be ISO-8601 with an offset (2024-03-04T00:00:00Z) or epoch ms`);
  return out.ms;
}

export function synthBars(opts: SynthOptions): BarSeries {
  const n = opts.bars;
  if (!Number.isInteger(n) || n < 0) throw new Error(`synth bars must be a whole number >= 0, got ${n}`);
  const symbol = opts.symbol ?? 'SYNTH';
  const d = synthDefaults(symbol);
  const interval = opts.intervalMs ?? 60_000;
  if (!(interval > 0)) throw new Error(`synth intervalMs must be positive, got ${interval}`);
  const tick = opts.tickSize ?? d.tickSize;
  const p0 = opts.startPrice ?? d.startPrice;
  if (!(p0 > 0)) throw new Error(`synth startPrice must be positive, got ${p0}`);
  const annualVol = opts.annualVol ?? d.annualVol;
  const baseVolume = opts.baseVolume ?? d.baseVolume;
  const roundPx = gridRounder(tick);
  const roundVol = gridRounder(opts.volumeStep ?? d.volumeStep);
  const t0 = startMs(opts.start);

  const rand = mulberry32(opts.seed);
  const sbar = annualVol / Math.sqrt(YEAR_MS / interval); // per-bar sd of log returns
  const s2bar = sbar * sbar;
  const omega = s2bar * (1 - ALPHA - BETA);
  let h = s2bar;

  const ts = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  let logp = Math.log(p0);
  let prev = Math.max(tick, roundPx(p0));

  for (let i = 0; i < n; i++) {
    const t = t0 + i * interval;
    // U over the UTC day: busiest at the day's ends, 1 on average.
    const tau = (((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
    const u = (1 + 1.2 * (2 * tau - 1) * (2 * tau - 1)) / 1.4;
    const sd = Math.sqrt(h) * Math.sqrt(Math.sqrt(u)); // volatility follows activity, mildly

    const z = studentT(rand, NU) * T_SCALE;
    let shock = sd * z;
    if (rand() < JUMP_P) shock += (rand() < 0.5 ? -1 : 1) * sbar * (6 + 8 * rand());
    h = omega + ALPHA * shock * shock + BETA * h;
    const r = shock - 0.5 * sd * sd;
    logp += r;

    const o = prev;
    const c = Math.max(tick, roundPx(Math.exp(logp)));
    // Brownian bridge from log(o) to the close: four steps, extremes of the path.
    const lo0 = Math.log(o);
    const target = Math.log(c) - lo0;
    const sub = sd / 2; // sd of one of four steps
    let w = 0, wMax = 0, wMin = 0;
    const g1 = gaussian(rand) * sub, g2 = gaussian(rand) * sub, g3 = gaussian(rand) * sub, g4 = gaussian(rand) * sub;
    const wEnd = g1 + g2 + g3 + g4;
    for (let k = 1; k < STEPS; k++) {
      w += k === 1 ? g1 : k === 2 ? g2 : g3;
      const b = w + (k / STEPS) * (target - wEnd);
      if (b > wMax) wMax = b;
      if (b < wMin) wMin = b;
    }
    if (target > wMax) wMax = target;
    if (target < wMin) wMin = target;
    // A finer path would reach a little further than four points show.
    const hi = Math.max(o, c, roundPx(Math.exp(lo0 + wMax + Math.abs(gaussian(rand)) * sub * 0.6)));
    const lo = Math.max(tick, Math.min(o, c, roundPx(Math.exp(lo0 + wMin - Math.abs(gaussian(rand)) * sub * 0.6))));

    const activity = Math.pow(Math.sqrt(h) / sbar, 0.7);
    const noise = Math.exp(0.4 * gaussian(rand) - 0.08);
    const vol = roundVol(baseVolume * u * activity * (1 + 0.15 * Math.abs(z)) * noise);

    ts[i] = t; open[i] = o; high[i] = hi; low[i] = lo; close[i] = c; volume[i] = vol > 0 ? vol : 0;
    prev = c;
  }
  return { symbol, source: `synth:seed=${opts.seed}`, length: n, ts, open, high, low, close, volume };
}
