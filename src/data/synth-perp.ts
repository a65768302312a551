/**
 * A synthetic USDT-margined perpetual with its index (spot) price and its 8-hourly funding, for the
 * ML case study: minute bars whose next returns are partly predictable from what a feature may read
 * (the bar, the funding rate in force, the index), as weakly as a market allows, not as a toy.
 *
 * The process, one minute at a time (every draw from one mulberry32 stream, so a seed is a dataset):
 * - the index follows synth.ts's stylized facts: Student-t shocks, GARCH(1,1) volatility clustering,
 *   rare jumps, volatility and volume following a U-shaped UTC day, quieter weekends;
 * - positioning (crowding) is a slow Ornstein-Uhlenbeck factor (half-life 6 h). Crowded longs lift
 *   the perp's premium over the index and lean against the index's next moves (they get unwound);
 * - the basis (log perp - log index) mean-reverts to that premium with a half-life of 8 minutes, so a
 *   perp trading rich tends to fall back towards the index: the main learnable effect. A jump kicks
 *   the basis the way of the move (liquidations overshoot), which then reverts too;
 * - short-horizon regimes tied to volatility: the index trends on its recent returns when volatility
 *   is above its norm and reverts them when below;
 * - funding at each 8 h boundary is the mean premium over the interval just ended (plus noise): a
 *   rate known at the boundary from bars already closed, never from later ones.
 * `structure` in [0, 1] scales the predictable effects (1 = the shipped dataset, 0 = none). At 0 the
 * basis is as large and as noisy, but the index carries it and the perp is a pure random walk, so a
 * test can show that a check finding the effects fails on a generator without them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaussian, mulberry32 } from '../util/random.ts';
import { writeCsv } from './csv-write.ts';
import type { FundingRow } from './funding.ts';
import { gridRounder } from './grid.ts';
import type { BarSeries } from './series.ts';
import { startMs, studentT } from './synth.ts';
import { formatTs, scanTimestamp, TS_UTC } from './timestamps.ts';

export interface SynthPerpOptions {
  /** Number of one-minute bars. */
  readonly bars: number;
  readonly seed: number;
  /** Default `BTC/USDT:USDT`. */
  readonly symbol?: string;
  /** First bar's open time: epoch ms or ISO-8601 with an offset. Default 2024-04-01T00:00:00Z. */
  readonly start?: number | string;
  /** Default 60,000. */
  readonly startPrice?: number;
  /** Price grid of the perp and the index. Default 0.1. */
  readonly tickSize?: number;
  /** Annualized volatility of the index (365.25-day year). Default 0.5. */
  readonly annualVol?: number;
  /** Mean volume per bar (base units). Default 8. */
  readonly baseVolume?: number;
  /** Volume grid (lot size). Default 0.001. */
  readonly volumeStep?: number;
  /** Scale of the predictable effects in [0, 1]: 1 (default) the shipped dataset, 0 none. */
  readonly structure?: number;
}

/** One index price per bar: the index at the bar's close, stamped with the bar's open time as the bar is. */
export interface SynthPerp {
  readonly bars: BarSeries;
  /** Index price aligned with `bars` (same length, row i belongs to bar i). */
  readonly index: Float64Array;
  /** Rate per 8 h interval at every funding boundary from the one at or before the first bar to the last bar's close. */
  readonly funding: readonly FundingRow[];
}

export const PERP_SYMBOL = 'BTC/USDT:USDT';
export const MINUTE_MS = 60_000;
export const FUNDING_INTERVAL_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;

// Index volatility, as synth.ts.
const NU = 5;
const T_SCALE = Math.sqrt((NU - 2) / NU);
const ALPHA = 0.04;
const BETA = 0.95;
const JUMP_P = 1 / 3000;
const STEPS = 4;

// Positioning and basis (log units; 1 bp = 1e-4).
const CROWD_PHI = Math.pow(0.5, 1 / 360); // half-life 6 h
const PREMIUM_MEAN = 0.8e-4; // the perp trades a little rich on average: funding about 0.008%
const PREMIUM_PER_CROWD = 3.5e-4; // crowding of one sd lifts the premium 3.5 bp
const BASIS_PHI = Math.pow(0.5, 1 / 8); // basis deviation half-life 8 minutes
const BASIS_DEV_SD = 10e-4; // stationary sd of the deviation at normal volatility (10 bp)
const JUMP_BASIS_KICK = 0.3; // share of a jump the perp overshoots by
// Drift effects on the index, per unit of `structure`.
const CROWD_DRIFT = 0.008; // index drift per bar, in bar sds, per sd of crowding (against the crowd)
const REGIME_GAIN = 0.12; // momentum (+) / reversion (-) on the recent-return average
const RET_EMA = 0.3; // weight of the newest return in that average
const FUNDING_NOISE = 0.5e-4;
const FUNDING_CAP = 0.0075;


/** Rates to 6 decimals (0.000123): what venues publish, and short in a file. */
const roundRate = (r: number): number => Math.round(r * 1e6) / 1e6 || 0;

export function synthPerp(opts: SynthPerpOptions): SynthPerp {
  const n = opts.bars;
  if (!Number.isInteger(n) || n < 0) throw new Error(`synth-perp bars must be a whole number >= 0, got ${n}`);
  const t0 = startMs(opts.start, Date.UTC(2024, 3, 1), 'synth-perp');
  if (!Number.isInteger(t0 / MINUTE_MS)) throw new Error(`synth-perp start must be on a whole minute, got ${formatTs(t0)}`);
  const symbol = opts.symbol ?? PERP_SYMBOL;
  const tick = opts.tickSize ?? 0.1;
  const p0 = opts.startPrice ?? 60_000;
  if (!(p0 > 0)) throw new Error(`synth-perp startPrice must be positive, got ${p0}`);
  const structure = opts.structure ?? 1;
  if (!(structure >= 0 && structure <= 1)) throw new Error(`synth-perp structure must be in [0, 1], got ${structure}`);
  const baseVolume = opts.baseVolume ?? 8;
  const roundPx = gridRounder(tick);
  const roundVol = gridRounder(opts.volumeStep ?? 0.001);

  const rand = mulberry32(opts.seed);
  const sbar = (opts.annualVol ?? 0.5) / Math.sqrt(YEAR_MS / MINUTE_MS);
  const s2bar = sbar * sbar;
  const omega = s2bar * (1 - ALPHA - BETA);
  let h = s2bar;

  let crowd = gaussian(rand);
  const premium = (): number => PREMIUM_MEAN + PREMIUM_PER_CROWD * crowd;
  const devInnovation = BASIS_DEV_SD * Math.sqrt(1 - BASIS_PHI * BASIS_PHI);
  let dev = gaussian(rand) * BASIS_DEV_SD;
  let retAvg = 0;

  const funding: FundingRow[] = [];
  let fundingAt = Math.floor(t0 / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
  const fundingRow = (ts: number, meanPremium: number): void => {
    const r = meanPremium + FUNDING_NOISE * gaussian(rand);
    funding.push({ ts, rate: roundRate(Math.max(-FUNDING_CAP, Math.min(FUNDING_CAP, r))) });
  };
  fundingRow(fundingAt, premium());
  fundingAt += FUNDING_INTERVAL_MS;
  let premiumSum = 0, premiumBars = 0;

  const ts = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  const index = new Float64Array(n);
  // The efficient price; the perp carries `structure` of the basis over it, the index the rest, so at
  // 1 the perp's dislocation is what reverts and at 0 the index's (the perp then is a pure walk).
  let logFair = Math.log(p0);
  let prev = Math.max(tick, roundPx(p0 * Math.exp(structure * (premium() + dev))));

  for (let i = 0; i < n; i++) {
    const t = t0 + i * MINUTE_MS;
    const tau = (((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
    const weekday = new Date(t).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    // U over the UTC day plus the US session (13:30-20:00 UTC); 1 on average before the weekend cut.
    const us = tau >= 13.5 / 24 && tau < 20 / 24 ? 0.35 : 0;
    const u = ((1 + 1.2 * (2 * tau - 1) * (2 * tau - 1)) / 1.4 + us) / 1.095 * (weekend ? 0.7 : 1);
    const sd = Math.sqrt(h) * Math.sqrt(Math.sqrt(u));
    const volRatio = Math.sqrt(h) / sbar;

    // Drift of the index: against the crowd, and on the recent returns with a sign set by volatility.
    const regime = Math.tanh(2 * Math.log(volRatio));
    const drift = structure * (-CROWD_DRIFT * crowd * sd + REGIME_GAIN * regime * retAvg);
    const z = studentT(rand, NU) * T_SCALE;
    let shock = sd * z;
    let jump = 0;
    if (rand() < JUMP_P) jump = (rand() < 0.5 ? -1 : 1) * sbar * (6 + 8 * rand());
    shock += jump;
    h = omega + ALPHA * shock * shock + BETA * h;
    const r = drift + shock - 0.5 * sd * sd;
    logFair += r;
    retAvg = (1 - RET_EMA) * retAvg + RET_EMA * r;

    crowd = CROWD_PHI * crowd + Math.sqrt(1 - CROWD_PHI * CROWD_PHI) * gaussian(rand);
    // The basis is as noisy as the market is: its innovations scale with volatility.
    const devNoise = gaussian(rand) * devInnovation * Math.min(3, volRatio);
    dev = BASIS_PHI * dev + devNoise + JUMP_BASIS_KICK * jump;
    const basis = premium() + dev;

    const idx = Math.max(tick, roundPx(Math.exp(logFair - (1 - structure) * basis)));
    const o = prev;
    const c = Math.max(tick, roundPx(Math.exp(logFair + structure * basis)));
    // High and low from a four-step Brownian bridge from the open to the close, as synth.ts.
    const lo0 = Math.log(o);
    const target = Math.log(c) - lo0;
    const sub = Math.sqrt(sd * sd + structure * devNoise * devNoise) / 2;
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
    const hi = Math.max(o, c, roundPx(Math.exp(lo0 + wMax + Math.abs(gaussian(rand)) * sub * 0.6)));
    const lo = Math.max(tick, Math.min(o, c, roundPx(Math.exp(lo0 + wMin - Math.abs(gaussian(rand)) * sub * 0.6))));

    // Volume: the day's pattern, volatility, the bar's own move, and a dislocated basis draws trade.
    const activity = Math.pow(volRatio, 0.7);
    const dislocation = 1 + 0.3 * Math.min(3, Math.abs(dev) / BASIS_DEV_SD);
    const noise = Math.exp(0.4 * gaussian(rand) - 0.08);
    const vol = roundVol(baseVolume * u * activity * (1 + 0.15 * Math.abs(z)) * dislocation / 1.25 * noise);

    ts[i] = t; open[i] = o; high[i] = hi; low[i] = lo; close[i] = c; index[i] = idx;
    volume[i] = vol > 0 ? vol : roundVol(opts.volumeStep ?? 0.001);
    prev = c;

    premiumSum += Math.log(c / idx);
    premiumBars++;
    if (t + MINUTE_MS === fundingAt) {
      fundingRow(fundingAt, premiumSum / premiumBars);
      fundingAt += FUNDING_INTERVAL_MS;
      premiumSum = 0;
      premiumBars = 0;
    }
  }
  const bars: BarSeries = { symbol, source: `synth-perp:seed=${opts.seed}`, length: n, ts, open, high, low, close, volume };
  return { bars, index, funding };
}

/** Bars [from, to) of a series, sharing no memory with it. */
export function sliceBars(s: BarSeries, from: number, to: number): BarSeries {
  const c = (a: Float64Array): Float64Array => a.slice(from, to);
  return { ...s, length: Math.max(0, Math.min(to, s.length) - from), ts: c(s.ts), open: c(s.open), high: c(s.high), low: c(s.low), close: c(s.close), volume: c(s.volume) };
}

/** The funding CSV `ts,symbol,rate` that `data.funding` reads. */
export function formatFundingCsv(symbol: string, rows: readonly FundingRow[]): string {
  return 'ts,symbol,rate\n' + rows.map((r) => `${formatTs(r.ts)},${symbol},${r.rate}\n`).join('');
}

/** The index CSV `ts,symbol,price`: one row per bar, the bar's timestamp, the index at its close. */
export function formatIndexCsv(bars: BarSeries, index: Float64Array): string {
  const rows: string[] = ['ts,symbol,price'];
  for (let i = 0; i < bars.length; i++) rows.push(`${formatTs(bars.ts[i]!)},${bars.symbol},${index[i]!}`);
  return rows.join('\n') + '\n';
}

export interface PerpDatasetOptions extends Omit<SynthPerpOptions, 'bars'> {
  /** Folder to write train-1m.csv, test-1m.csv, funding.csv and index.csv into. */
  readonly dir: string;
  readonly trainDays: number;
  readonly testDays: number;
}

export interface PerpDatasetFiles {
  readonly train: string;
  readonly test: string;
  readonly funding: string;
  readonly index: string;
  readonly trainBars: number;
  readonly testBars: number;
  readonly fundingRows: number;
}

/**
 * The shipped dataset, data/perp-ml: four weeks to train on (every weekday four times), then the
 * week after. Seed 15 is the number, not a pick among seeds.
 */
export const PERP_ML_DATASET = { dir: 'data/perp-ml', seed: 15, start: '2024-04-01T00:00:00Z', trainDays: 28, testDays: 7 } as const;

/**
 * One continuous process cut in two: the training days, then the test days that follow them, with
 * the funding and index files covering both (a backtest on the test file reads the same side files).
 */
export function writePerpDataset(opts: PerpDatasetOptions): PerpDatasetFiles {
  const { dir, trainDays, testDays, ...synth } = opts;
  for (const [name, v] of [['trainDays', trainDays], ['testDays', testDays]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`synth-perp ${name} must be a whole number of days >= 1, got ${v}`);
  }
  const trainBars = trainDays * (DAY_MS / MINUTE_MS);
  const testBars = testDays * (DAY_MS / MINUTE_MS);
  const { bars, index, funding } = synthPerp({ ...synth, bars: trainBars + testBars });
  mkdirSync(dir, { recursive: true });
  const files = { train: join(dir, 'train-1m.csv'), test: join(dir, 'test-1m.csv'), funding: join(dir, 'funding.csv'), index: join(dir, 'index.csv') };
  writeCsv(sliceBars(bars, 0, trainBars), files.train, { symbolColumn: true });
  writeCsv(sliceBars(bars, trainBars, trainBars + testBars), files.test, { symbolColumn: true });
  writeFileSync(files.funding, formatFundingCsv(bars.symbol, funding));
  writeFileSync(files.index, formatIndexCsv(bars, index));
  return { ...files, trainBars, testBars, fundingRows: funding.length };
}
