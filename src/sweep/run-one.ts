/**
 * One combination of a sweep: a pure function of (the loaded data, the strategy, the params, a
 * time window) to the summary `parity backtest --json` prints for the same inputs. The data is
 * loaded once (per worker) and each run takes a window of it by reference, never a copy.
 */
import type { Config } from '../config/schema.ts';
import { backtestJson, type BacktestJson } from '../backtest/index.ts';
import type { BarSeries } from '../data/index.ts';
import { backtestParts } from '../modes/backtest.ts';
import type { RunParts, TimeRange } from '../modes/parts.ts';
import { parseParams } from '../strategy/loader.ts';
import { describeStrategyError } from '../engine/strategy-errors.ts';

/** First index with ts >= t (ts strictly increasing). */
function lowerBound(ts: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bars of `s` with from <= ts < to, as views on the same memory: what loading the file with
 * `--from`/`--to` keeps (a symbol with no bars in the window is an empty series, as there).
 */
export function sliceSeries(s: BarSeries, range: TimeRange): BarSeries {
  const a = range.from === undefined ? 0 : lowerBound(s.ts, s.length, range.from);
  const b = range.to === undefined ? s.length : lowerBound(s.ts, s.length, range.to);
  if (a === 0 && b === s.length) return s;
  const end = Math.max(a, b);
  return {
    symbol: s.symbol, source: s.source, length: end - a,
    ts: s.ts.subarray(a, end), open: s.open.subarray(a, end), high: s.high.subarray(a, end),
    low: s.low.subarray(a, end), close: s.close.subarray(a, end), volume: s.volume.subarray(a, end),
  };
}

export interface RunOneInput {
  readonly config: Config;
  /** Parts loaded once over the sweep's whole range. */
  readonly loaded: RunParts;
  /** The grid's values (as `--param` gives them), put on top of the config's params and parsed here. */
  readonly given: Readonly<Record<string, string | number | boolean>>;
  /** A walk-forward window inside the loaded range; absent for the whole range. */
  readonly range?: TimeRange;
  readonly onError: 'stop' | 'skip';
}

export interface RunOneResult {
  readonly summary: BacktestJson;
  /** The strategy's first exception in the run (callback, file:line, message), or null. */
  readonly strategyError: string | null;
}

/** The summary `parity backtest --json` prints for these inputs. */
export function runOne(input: RunOneInput): BacktestJson {
  return runOneFull(input).summary;
}

export function runOneFull(input: RunOneInput): RunOneResult {
  const { config, loaded } = input;
  // The very parse `parity backtest --param` does, so defaults and coercion cannot differ.
  const raw = { ...config.strategy.params, ...input.given };
  const params = parseParams(loaded.strategy.definition, raw);
  const series = input.range === undefined ? loaded.series : loaded.series.map((s) => sliceSeries(s, input.range!));
  const parts: RunParts = { ...loaded, params, series, warnings: [] };
  const runConfig: Config = { ...config, strategy: { ...config.strategy, params: raw } };
  const r = backtestParts(runConfig, parts, { onError: input.onError });
  const first = r.errors[0];
  return {
    summary: backtestJson(r.summary, { description: r.description, counts: r.counts, completed: r.completed }),
    strategyError: first === undefined ? null : describeStrategyError(first),
  };
}
