/** Backtest = file feed + in-process simulated venue + simulated clock + a collector. */
import type { Config } from '../config/schema.ts';
import { BacktestCollector, summarize, type BacktestSummary } from '../backtest/index.ts';
import { SeriesFeed, describeInterval } from '../data/index.ts';
import type { Engine } from '../engine/engine.ts';
import { idPrefix } from '../orders/client-ids.ts';
import { loadRunParts, makeEngine, makeSimVenue, type RunParts, type TimeRange } from './parts.ts';

export interface BacktestResult {
  readonly summary: BacktestSummary;
  readonly collector: BacktestCollector;
  readonly engine: Engine;
  readonly parts: RunParts;
}

export async function runBacktest(config: Config, range: TimeRange = {}, onProgress?: (done: number, total: number) => void): Promise<BacktestResult> {
  const parts = await loadRunParts(config, range);
  return backtestParts(config, parts, onProgress);
}

/** The synchronous core of a backtest, on parts already loaded (the benchmark calls this too). */
export function backtestParts(config: Config, parts: RunParts, onProgress?: (done: number, total: number) => void): BacktestResult {
  const venue = makeSimVenue(config, parts.instruments);
  const collector = new BacktestCollector();
  const engine = makeEngine(config, parts, venue, { observers: [collector], idPrefix: idPrefix(parts.strategy.definition.name, 'bt') });
  const feed = new SeriesFeed(parts.series);
  engine.addFeed(feed);
  const total = feed.size ?? 0;
  engine.runToEnd(onProgress === undefined ? undefined : (n) => onProgress(n, total));
  const first = parts.series[0];
  const intervalMs = first === undefined ? 60_000 : describeInterval(first);
  const calendar = parts.instruments.all().some((i) => i.calendar === 'us_equity') ? 'us_equity' : '24x7';
  const summary = summarize({ ...collector.result(), startCash: config.account.cash, intervalMs, calendar });
  return { summary, collector, engine, parts };
}
