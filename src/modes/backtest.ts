/** Backtest = file feed + in-process simulated venue + simulated clock + a collector. */
import type { Config } from '../config/schema.ts';
import { BacktestCollector, summarize, type BacktestSummary } from '../backtest/index.ts';
import { SeriesFeed, barAt, describeInterval } from '../data/index.ts';
import type { Bar } from '../domain/market.ts';
import type { ModelStage } from '../engine/model-stage.ts';
import { openStrategyModel, type StrategyModel } from './model.ts';
import type { Engine } from '../engine/engine.ts';
import type { StrategyErrorPolicy, StrategyErrorRecord } from '../engine/strategy-errors.ts';
import { idPrefix } from '../orders/client-ids.ts';
import { loadRunParts, makeEngine, makeSimVenue, type RunParts, type TimeRange } from './parts.ts';
import { describeRun, type RunDescription } from './run-description.ts';

export interface BacktestOptions {
  readonly onProgress?: (done: number, total: number) => void;
  /** What a strategy throw does (engine/strategy-errors.ts); a backtest stops at the first by default. */
  readonly onError?: Exclude<StrategyErrorPolicy, 'pause'>;
  /** The strategy's features and model for this run (one run's state: a stage is never shared). */
  readonly model?: ModelStage;
}

export interface BacktestResult {
  readonly summary: BacktestSummary;
  readonly collector: BacktestCollector;
  readonly engine: Engine;
  readonly parts: RunParts;
  readonly description: RunDescription;
  /** The declared features and model, when the strategy has them. */
  readonly model?: StrategyModel['header'];
  /** Strategy exceptions, venue rejections and pre-trade risk denials over the run. */
  readonly counts: { readonly errors: number; readonly rejections: number; readonly denials: number };
  /** The strategy's throws, collapsed by place, in the order they first happened. */
  readonly errors: readonly StrategyErrorRecord[];
  /** False when a strategy error stopped the run (policy 'stop') before the data ended. */
  readonly completed: boolean;
}

export async function runBacktest(config: Config, range: TimeRange = {}, opts: BacktestOptions = {}): Promise<BacktestResult> {
  const parts = await loadRunParts(config, range, 'sim', { stream: true });
  const model = await openBacktestModel(config, parts);
  try {
    return { ...backtestParts(config, parts, model === null ? opts : { ...opts, model: model.stage }), ...(model !== null ? { model: model.header } : {}) };
  } finally {
    await model?.close();
  }
}

/**
 * The strategy's model for a backtest on bars in memory: the predictions of every bar come from
 * batched model runs before the event pass (features read market data only, so this is exact);
 * the event pass computes the features again, incrementally, and must meet the batch rows.
 */
export async function openBacktestModel(config: Config, parts: RunParts): Promise<StrategyModel | null> {
  const def = parts.strategy.definition;
  if (def.features === undefined && def.model === undefined) return null;
  const barMs = parts.series.length > 0 ? describeInterval(parts.series) : 60_000;
  const model = await openStrategyModel(def, parts.strategy.path, { config, instruments: parts.instruments, barMs });
  if (model?.predictor != null) await model.stage.precompute(barsOf(parts));
  return model;
}

function barsOf(parts: RunParts): Bar[] {
  const out: Bar[] = [];
  for (const s of parts.series) for (let i = 0; i < s.length; i++) out.push(barAt(s, i));
  return out;
}

/** The synchronous core of a backtest, on parts already loaded (the benchmark calls this too). */
export function backtestParts(config: Config, parts: RunParts, opts: BacktestOptions = {}): BacktestResult {
  const venue = makeSimVenue(config, parts.instruments);
  const collector = new BacktestCollector();
  const engine = makeEngine(config, parts, venue, {
    observers: [collector], idPrefix: idPrefix(parts.strategy.definition.name, 'bt'), onStrategyError: opts.onError ?? 'stop',
    ...(opts.model !== undefined ? { model: opts.model } : {}),
  });
  const feed = parts.stream ?? new SeriesFeed(parts.series);
  engine.addFeed(feed);
  const onProgress = opts.onProgress;
  // A streamed feed's size is an estimate that firms up as it reads: asked on each report.
  try {
    engine.runToEnd(onProgress === undefined ? undefined : (n) => onProgress(n, feed.size));
  } finally {
    parts.stream?.close();
  }
  const first = parts.series[0];
  const intervalMs = parts.stream !== undefined ? parts.stream.intervalMs() : first === undefined ? 60_000 : describeInterval(first);
  const calendar = parts.instruments.all().some((i) => i.calendar === 'us_equity') ? 'us_equity' : '24x7';
  const collected = collector.result();
  // Perpetuals add funding and liquidations to the summary; a run without them keeps it as it was.
  const perps = collected.entries !== undefined || parts.instruments.all().some((i) => i.perp !== undefined);
  const summary = summarize({
    ...collected, startCash: config.account.cash, intervalMs, calendar,
    ...(perps ? { perp: collected.entries ?? collector.entryTotals() } : {}),
  });
  let rejections = 0;
  let denials = 0;
  for (const o of collector.eachOrder()) {
    if (o.status === 'rejected') rejections++;
    else if (o.status === 'denied') denials++;
  }
  const errs = engine.strategyErrors();
  return {
    summary, collector, engine, parts,
    description: describeRun(config, parts),
    counts: { errors: errs.count, rejections, denials },
    errors: errs.list(),
    completed: !engine.stoppedByStrategyError(),
  };
}
