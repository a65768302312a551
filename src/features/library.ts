/**
 * The shipped features. Each is written once, as an incremental state, and the batch matrix runs
 * the very same states over a bar file (src/features/feature-set.ts), so training, backtests and live
 * trading compute every value with the same floating-point operations.
 *
 * Rules every feature here holds:
 * - **Windows count the bars present.** A missing bar is not invented (no forward fill): a gap just
 *   makes a window span more time. A bar file, a backtest and the live stream see the same bars, so
 *   the same rule gives the same value in every path; inventing bars would need a calendar of which
 *   bars "should" exist, and paths would disagree about it.
 * - **No reset at session boundaries.** The overnight return is part of `ret_n` on the first bars of
 *   a session: a reset would make a value depend on a session calendar (holidays, early closes, a
 *   24x7 instrument has none) and would leave every feature NaN for `lookback` bars each morning.
 *   A model that needs to know it is at the open reads `tod`.
 * - **NaN until warm, exactly:** the value at the bar with index `lookback - 1` (0-based, counting
 *   the bars fed) is the first one that is not NaN by warm-up.
 * - **NaN propagates:** a NaN price, volume or side input anywhere in the window gives NaN (never a
 *   silent 0); a side input is NaN before its first row and when no source is given.
 * - **Bounded state:** a ring of at most n + 1 numbers per feature, statistics recomputed over the
 *   window each bar (O(n) per bar), with a two-pass mean/variance: no running sums, so no drift
 *   and no sum-of-squares cancellation. Against a naive recomputation the tests hold 1e-9 relative.
 */
import { FeatureError } from './errors.ts';
import { LocalClock } from './local-time.ts';
import type { FeatureEnv, FeatureInput, FeatureSource, FeatureSpec, FeatureState } from './types.ts';
import { Window } from './window.ts';

/** Windows longer than this are a typo, not a feature (and would hold megabytes per symbol). */
export const MAX_WINDOW = 100_000;

const BAR: readonly FeatureSource[] = ['bar'];

function windowArg(feature: string, n: number, min: number): number {
  if (!Number.isInteger(n) || n < min || n > MAX_WINDOW) {
    throw new FeatureError(`${feature}(${n}): the window must be a whole number of bars in [${min}, ${MAX_WINDOW}]`);
  }
  return n;
}

function spec(name: string, lookback: number, create: (env: FeatureEnv) => FeatureState, inputs: readonly FeatureSource[] = BAR): FeatureSpec {
  return { name, inputs, lookback, create };
}

/** A state that keeps the last `size` values of `pick(x)` and computes from the full window. */
function windowed(size: number, pick: (x: FeatureInput) => number, compute: (w: Window) => number): () => FeatureState {
  return () => {
    const w = new Window(size);
    return {
      update(x: FeatureInput): number {
        w.push(pick(x));
        return w.full ? compute(w) : Number.NaN;
      },
    };
  };
}

const close = (x: FeatureInput): number => x.bar.close;

/** Sample (n - 1) standard deviation of the window's values, two-pass. NaN in, NaN out. */
function sampleStd(w: Window): number {
  const n = w.size;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w.at(i);
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = w.at(i) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/** `ret_n`: close / close n bars back - 1. Lookback n + 1. */
export function returns(n: number): FeatureSpec {
  windowArg('returns', n, 1);
  return spec(`ret_${n}`, n + 1, windowed(n + 1, close, (w) => w.at(n) / w.at(0) - 1));
}

/**
 * `vol_n`: the sample standard deviation (n - 1 denominator) of the last n one-bar log returns
 * ln(close_t / close_t-1), per bar, not annualised. Lookback n + 1 (n returns need n + 1 closes).
 */
export function volatility(n: number): FeatureSpec {
  windowArg('volatility', n, 2);
  return spec(`vol_${n}`, n + 1, () => {
    let prev = Number.NaN;
    let seen = 0;
    const logs = new Window(n);
    return {
      update(x: FeatureInput): number {
        if (seen++ > 0) logs.push(Math.log(x.bar.close / prev));
        prev = x.bar.close;
        return logs.full ? sampleStd(logs) : Number.NaN;
      },
    };
  });
}

/**
 * `rsi_n`: Cutler's RSI, 100 * G / (G + L) with G and L the simple means of the gains and the
 * losses over the last n close-to-close changes, in [0, 100]. Simple means (not Wilder's smoothing)
 * so the value depends on the window alone. When every change is zero (G + L = 0) the value is 50:
 * neither side moved the price. Lookback n + 1.
 */
export function rsi(n: number): FeatureSpec {
  windowArg('rsi', n, 1);
  return spec(`rsi_${n}`, n + 1, windowed(n + 1, close, (w) => {
    let gain = 0;
    let loss = 0;
    for (let i = 1; i <= n; i++) {
      const d = w.at(i) - w.at(i - 1);
      if (Number.isNaN(d)) return Number.NaN;
      if (d > 0) gain += d;
      else loss -= d;
    }
    const g = gain / n;
    const l = loss / n;
    return g + l === 0 ? 50 : (100 * g) / (g + l);
  }));
}

/**
 * `zscore_n`: (close - mean of the last n closes) / their sample standard deviation (n - 1). A flat
 * window (every close equal) gives 0: the close is at its mean, and rounding in the mean must not
 * turn 0/0 into noise. Lookback n.
 */
export function zscore(n: number): FeatureSpec {
  windowArg('zscore', n, 2);
  return spec(`zscore_${n}`, n, windowed(n, close, (w) => {
    const first = w.at(0);
    let flat = true;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = w.at(i);
      if (v !== first) flat = false;
      sum += v;
    }
    if (Number.isNaN(sum)) return Number.NaN;
    if (flat) return 0;
    const mean = sum / n;
    return (w.at(n - 1) - mean) / sampleStd(w);
  }));
}

/**
 * `volratio_n`: volume / the mean volume of the last n bars (this bar included). When all n
 * volumes are 0 the value is 1 (the bar is as quiet as its window). Lookback n.
 */
export function volumeRatio(n: number): FeatureSpec {
  windowArg('volumeRatio', n, 1);
  return spec(`volratio_${n}`, n, windowed(n, (x) => x.bar.volume, (w) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += w.at(i);
    const mean = sum / n;
    if (mean === 0) return 1;
    return w.at(n - 1) / mean;
  }));
}

/** `range`: (high - low) / close of the bar. Lookback 1. */
export function range(): FeatureSpec {
  return spec('range', 1, () => ({ update: (x) => (x.bar.high - x.bar.low) / x.bar.close }));
}

/**
 * `tod`: minutes since local midnight of the bar's open time (its `ts`), on the instrument's
 * calendar zone: America/New_York for us_equity (DST-correct), UTC for 24x7. Lookback 1.
 */
export function timeOfDay(): FeatureSpec {
  return spec('tod', 1, (env) => {
    const clock = new LocalClock(env.calendar);
    return { update: (x) => clock.minuteOfDay(x.bar.ts) };
  });
}

/** `dow`: day of the week of the bar's open time, 0 = Monday .. 6 = Sunday, same zone as `tod`. */
export function dayOfWeek(): FeatureSpec {
  return spec('dow', 1, (env) => {
    const clock = new LocalClock(env.calendar);
    return { update: (x) => clock.dayOfWeek(x.bar.ts) };
  });
}

/** `funding`: the funding rate per interval in force at the bar (FeatureInput.funding). */
export function fundingRate(): FeatureSpec {
  return spec('funding', 1, () => ({ update: (x) => x.funding }), ['bar', 'funding']);
}

/** `basis`: (close - index) / index, the perpetual's premium over its index price. */
export function basis(): FeatureSpec {
  return spec('basis', 1, () => ({ update: (x) => (x.bar.close - x.index) / x.index }), ['bar', 'index']);
}

/** What `parseFeatureList` knows, in the order its error message lists them. */
export const FEATURE_PATTERNS: readonly { readonly pattern: string; readonly make: (n: number) => FeatureSpec; readonly windowed: boolean }[] = [
  { pattern: 'ret_N', make: returns, windowed: true },
  { pattern: 'vol_N', make: volatility, windowed: true },
  { pattern: 'rsi_N', make: rsi, windowed: true },
  { pattern: 'zscore_N', make: zscore, windowed: true },
  { pattern: 'volratio_N', make: volumeRatio, windowed: true },
  { pattern: 'range', make: range, windowed: false },
  { pattern: 'tod', make: timeOfDay, windowed: false },
  { pattern: 'dow', make: dayOfWeek, windowed: false },
  { pattern: 'funding', make: fundingRate, windowed: false },
  { pattern: 'basis', make: basis, windowed: false },
];
