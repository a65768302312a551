/**
 * Backtest statistics from an equity curve and the fills: pure functions, no I/O.
 *
 * Conventions (stated once, here):
 * - The curve is anchored at `startCash`: it is the equity before the first sample, so a loss on
 *   the first bar counts in the returns and the drawdown.
 * - Returns are simple per-sample returns e[i] / e[i-1] - 1. Sharpe and Sortino take a risk-free
 *   rate of 0, use the sample (n - 1) deviation and are annualized by sqrt(periods per year).
 * - Anything undefined (no samples, zero deviation, no trades) is 0, never NaN or Infinity, so the
 *   JSON output is always valid and stable.
 * - Round trips and money sums (fees, notional, P&L) use exact decimals (see decimal.ts): they are
 *   computed per fill, where exactness is cheap. Per-bar statistics use doubles.
 */
import type { Fill } from '../domain/fill.ts';
import { ONE, divRound, fromFixedBig, toFixedBig } from './decimal.ts';
import type { FillStatsResult } from './fill-stats.ts';
import { curveFigures, type CurveFigures } from './equity-curve.ts';

export type Calendar = 'us_equity' | '24x7';

export interface MetricsInput {
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  /** Samples used from ts / equity (the arrays may be longer). */
  readonly length: number;
  readonly startCash: number;
  /** The fills: an array, or the collector's columns (fill-table.ts), read only when the figures below do not cover them. */
  readonly fills: readonly Fill[] | FillSource;
  /** Samples at which a position was open. */
  readonly exposureBars: number;
  /** The bar interval of the data, e.g. 60_000 for 1m bars. */
  readonly intervalMs: number;
  readonly calendar: Calendar;
  /** Contract multiplier per symbol for P&L and notional (default 1: equities, crypto). */
  readonly multiplier?: (symbol: string) => number;
  /**
   * The same per-fill figures, already kept as the fills happened (collector.ts, fill-stats.ts):
   * used instead of walking the fills again when no multiplier is given.
   */
  readonly fillStats?: FillStatsResult;
  /**
   * The curve's figures, accumulated per sample as the run went (equity-curve.ts): used instead of
   * `ts` / `equity`, which may then be a decimated series. Ignored when its anchor is not
   * `startCash` and the arrays hold every sample.
   */
  readonly curve?: CurveFigures;
  /**
   * Perpetuals in the run: the venue entries' totals (collector.ts EntryTotals), shown in the
   * summary. Absent for a run with no perpetual: its summary stays as it was.
   */
  readonly perp?: PerpTotals;
}

/** What a perpetual run adds to the summary: funding and liquidations (their fees are in `fees` too). */
export interface PerpTotals {
  readonly funding: number;
  readonly fundingPayments: number;
  readonly liquidations: number;
  readonly liquidationFees: number;
}

/** Fills kept elsewhere than in an array (the collector's columns): their count, and the objects on demand. */
export interface FillSource {
  readonly length: number;
  list(): readonly Fill[];
}

/** The fills as an array (built from columns when they are kept so). */
export function fillList(fills: readonly Fill[] | FillSource): readonly Fill[] {
  return Array.isArray(fills) ? fills : (fills as FillSource).list();
}

export interface BacktestSummary {
  /** Fraction: 0.1234 = +12.34%. */
  readonly totalReturn: number;
  readonly cagr: number;
  readonly sharpe: number;
  readonly sortino: number;
  /** Largest peak-to-trough fall, a positive fraction of the peak. */
  readonly maxDrawdown: number;
  /** Closed round trips. */
  readonly trades: number;
  readonly fills: number;
  /** Winning round trips (P&L after fees > 0) / round trips. */
  readonly winRate: number;
  /** Traded notional / average equity. */
  readonly turnover: number;
  readonly fees: number;
  /** Fraction of samples with a position open. */
  readonly exposure: number;
  readonly finalEquity: number;
  readonly startEquity: number;
  /** Equity samples (distinct timestamps). */
  readonly bars: number;
  /** ISO time of the first and last sample; null when there are none. */
  readonly from: string | null;
  readonly to: string | null;
  /** Periods per year used to annualize Sharpe and Sortino. */
  readonly periodsPerYear: number;
  /** Calendar days the curve spans (first bar's start to the last sample), the span CAGR is taken over. */
  readonly spanDays: number;
  /** Present when the run traded perpetuals (MetricsInput.perp). */
  readonly perp?: PerpTotals;
}

/**
 * The shortest span whose CAGR is shown: compounding three lucky days into a year gives +879%, a
 * number that means nothing. Below it the reports say "n/a (span 3 d < 30 d)" and `--json` gives
 * null; Sharpe and Sortino are still annualized there, with the span printed beside them.
 */
export const MIN_CAGR_DAYS = 30;

/** The CAGR when the span is long enough to mean something (MIN_CAGR_DAYS), else null. */
export function meaningfulCagr(s: Pick<BacktestSummary, 'cagr' | 'spanDays'>): number | null {
  return s.spanDays >= MIN_CAGR_DAYS ? s.cagr : null;
}

export interface RoundTrip {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryTs: number;
  readonly exitTs: number;
  /** Total quantity opened (= total quantity closed). */
  readonly qty: number;
  /** Volume-weighted average entry and exit prices. */
  readonly entryAvg: number;
  readonly exitAvg: number;
  /** Realized P&L in the quote currency, after the fees below. */
  readonly pnl: number;
  readonly fees: number;
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const US_SESSION_MS = 6.5 * 3_600_000;
const US_SESSIONS_PER_YEAR = 252;

/**
 * How many bars of `intervalMs` make a year.
 * - 24x7: calendar time, 365.25 days / interval.
 * - us_equity, intraday bars: 252 sessions x 6.5 h / interval (bars only exist while the market is
 *   open), at least 252 (bars of 6.5 h or more still give one bar per session).
 * - us_equity, daily bars: 252. Longer bars (weekly, monthly) span calendar time: 365.25 d / interval.
 * 0 when the interval is not a positive number (nothing is annualized then).
 */
export function periodsPerYear(intervalMs: number, calendar: Calendar): number {
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) return 0;
  if (calendar === '24x7') return YEAR_MS / intervalMs;
  if (intervalMs < DAY_MS) return US_SESSIONS_PER_YEAR * Math.max(1, US_SESSION_MS / intervalMs);
  if (intervalMs === DAY_MS) return US_SESSIONS_PER_YEAR;
  return YEAR_MS / intervalMs;
}

/**
 * The bar interval of a sample series: the most common positive gap between timestamps (ties go
 * to the smaller gap). Weekend and overnight gaps are rarer than the bar interval, so they lose.
 * 0 when there are fewer than two samples.
 */
export function inferIntervalMs(ts: Float64Array, length: number): number {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (let i = 1; i < length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (!(d > 0)) continue;
    const c = (counts.get(d) ?? 0) + 1;
    counts.set(d, c);
    if (c > bestCount || (c === bestCount && d < best)) { best = d; bestCount = c; }
  }
  return best;
}

const finite = (x: number): number => (Number.isFinite(x) ? x : 0);

interface ReturnStats { readonly sharpe: number; readonly sortino: number }

/** Sharpe and Sortino from the curve's return sums (equity-curve.ts); 0 when undefined. */
function returnStats(c: CurveFigures, ppy: number): ReturnStats {
  const n = c.returns;
  if (n < 2 || ppy <= 0) return { sharpe: 0, sortino: 0 };
  const mean = c.returnSum / n;
  const sd = Math.sqrt(c.sqDev / (n - 1));
  // Downside deviation against a 0 target, with the same n - 1 as the standard deviation.
  const dd = Math.sqrt(c.downSq / (n - 1));
  const k = Math.sqrt(ppy);
  return { sharpe: sd > 0 ? finite((mean / sd) * k) : 0, sortino: dd > 0 ? finite((mean / dd) * k) : 0 };
}

/**
 * Largest fall from a running peak (the peak starts at `start`), as a positive fraction: the
 * curve accumulator's own figure (equity-curve.ts holds the one rule), over a whole series.
 */
export function maxDrawdown(equity: Float64Array, length: number, start: number): number {
  return curveFigures(equity, equity, length, start, 0).maxDrawdown;
}

// ---------- round trips ----------

interface OpenTrip {
  dir: 1 | -1;
  entryTs: number;
  /** Signed position, 10^-SCALE units. */
  pos: bigint;
  entryQty: bigint;
  exitQty: bigint;
  /** Sum of price x qty, 10^-2*SCALE units (exact products). */
  entryNotional: bigint;
  exitNotional: bigint;
  fees: bigint;
}

const multiplierBig = (m: number): bigint => toFixedBig(m);

/**
 * Closed round trips, in the order they closed. A round trip runs from flat to flat; a fill that
 * crosses zero closes one and opens the next at the same price, its fee split pro rata by
 * quantity. Scaling in and partial closes stay inside the same round trip. Positions still open
 * at the end are not round trips. `pnl` is after the round trip's fees.
 */
export function roundTrips(fills: readonly Fill[], multiplier: (symbol: string) => number = () => 1): RoundTrip[] {
  const open = new Map<string, OpenTrip>();
  const out: RoundTrip[] = [];
  for (const f of fills) {
    const q = toFixedBig(Math.abs(f.qty));
    if (q === 0n) continue;
    const p = toFixedBig(f.price);
    const fee = toFixedBig(f.fee);
    const dir: 1 | -1 = f.side === 'buy' ? 1 : -1;
    const t = open.get(f.symbol);
    if (t === undefined) {
      open.set(f.symbol, newTrip(dir, f.ts, q, p, fee));
      continue;
    }
    if (t.dir === dir) {
      t.pos += BigInt(dir) * q;
      t.entryQty += q;
      t.entryNotional += p * q;
      t.fees += fee;
      continue;
    }
    const held = t.pos < 0n ? -t.pos : t.pos;
    const close = q < held ? q : held;
    const closeFee = close === q ? fee : divRound(fee * close, q);
    t.pos += BigInt(dir) * close;
    t.exitQty += close;
    t.exitNotional += p * close;
    t.fees += closeFee;
    if (t.pos !== 0n) continue;
    out.push(finish(f.symbol, t, f.ts, multiplierBig(multiplier(f.symbol))));
    open.delete(f.symbol);
    if (close < q) open.set(f.symbol, newTrip(dir, f.ts, q - close, p, fee - closeFee));
  }
  return out;
}

function newTrip(dir: 1 | -1, ts: number, q: bigint, p: bigint, fee: bigint): OpenTrip {
  return { dir, entryTs: ts, pos: BigInt(dir) * q, entryQty: q, exitQty: 0n, entryNotional: p * q, exitNotional: 0n, fees: fee };
}

function finish(symbol: string, t: OpenTrip, exitTs: number, mult: bigint): RoundTrip {
  // P&L at 10^-3*SCALE: (exit - entry) notional x multiplier, minus fees scaled up to match.
  const gross = BigInt(t.dir) * (t.exitNotional - t.entryNotional) * mult;
  const pnl = gross - t.fees * ONE * ONE;
  return {
    symbol,
    side: t.dir === 1 ? 'long' : 'short',
    entryTs: t.entryTs,
    exitTs,
    qty: fromFixedBig(t.entryQty),
    entryAvg: fromFixedBig(divRound(t.entryNotional, t.entryQty)),
    exitAvg: fromFixedBig(divRound(t.exitNotional, t.exitQty)),
    pnl: fromFixedBig(pnl, 3),
    fees: fromFixedBig(t.fees),
  };
}

/** Sum of |price x qty x multiplier| and of fees over the fills, exactly. */
function fillTotals(fills: readonly Fill[], multiplier: (symbol: string) => number): { notional: number; fees: number } {
  let notional = 0n;
  let fees = 0n;
  for (const f of fills) {
    const n = toFixedBig(Math.abs(f.price)) * toFixedBig(Math.abs(f.qty)) * multiplierBig(multiplier(f.symbol));
    notional += n;
    fees += toFixedBig(f.fee);
  }
  return { notional: fromFixedBig(notional, 3), fees: fromFixedBig(fees) };
}

// ---------- summary ----------

const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

export function summarize(input: MetricsInput): BacktestSummary {
  const { ts, equity, startCash, fills, intervalMs, calendar } = input;
  const len = Math.min(input.length, ts.length, equity.length);
  const given = input.curve;
  const c = given !== undefined && (given.start === startCash || len !== given.n) ? given : curveFigures(ts, equity, len, startCash, input.exposureBars);
  const n = c.n;
  const mult = input.multiplier ?? (() => 1);
  const final = n > 0 ? c.final : startCash;
  const ppy = periodsPerYear(intervalMs, calendar);

  const totalReturn = startCash > 0 ? finite(final / startCash - 1) : 0;

  // CAGR over calendar time: from the start of the first bar (the anchor) to the last sample.
  let cagr = 0;
  const years = n > 0 ? (c.lastTs - c.firstTs + Math.max(0, intervalMs)) / YEAR_MS : 0;
  if (n > 0 && startCash > 0) {
    if (final <= 0) cagr = -1;
    else if (years > 0) cagr = finite(Math.pow(final / startCash, 1 / years) - 1);
  }

  const { sharpe, sortino } = returnStats(c, ppy);

  const streamed = input.multiplier === undefined ? input.fillStats : undefined;
  let tradeCount: number;
  let wins = 0;
  if (streamed !== undefined) {
    tradeCount = streamed.trades;
    wins = streamed.wins;
  } else {
    const trips = roundTrips(fillList(fills), mult);
    for (const t of trips) if (t.pnl > 0) wins++;
    tradeCount = trips.length;
  }

  const avgEquity = n > 0 ? c.equitySum / n : startCash;
  const totals = streamed ?? fillTotals(fillList(fills), mult);

  return {
    totalReturn,
    cagr,
    sharpe,
    sortino,
    maxDrawdown: c.maxDrawdown,
    trades: tradeCount,
    fills: fills.length,
    winRate: tradeCount > 0 ? wins / tradeCount : 0,
    turnover: avgEquity > 0 ? finite(totals.notional / avgEquity) : 0,
    fees: totals.fees,
    exposure: n > 0 ? Math.min(1, Math.max(0, c.exposureBars / n)) : 0,
    finalEquity: final,
    startEquity: startCash,
    bars: n,
    from: n > 0 ? iso(c.firstTs) : null,
    to: n > 0 ? iso(c.lastTs) : null,
    periodsPerYear: ppy,
    spanDays: finite((years * YEAR_MS) / DAY_MS),
    ...(input.perp !== undefined ? { perp: input.perp } : {}),
  };
}
