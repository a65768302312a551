/**
 * The parts every mode shares. A mode is an assembly of these (a feed, a venue, a clock, observers),
 * never a branch inside the engine: backtest and paper call the very same builders.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.ts';
import { Engine, type EngineObserver } from '../engine/engine.ts';
import type { Clock } from '../engine/clock.ts';
import type { Bar } from '../domain/market.ts';
import type { ExecutionClient } from '../ports/index.ts';
import type { InstrumentRegistry } from '../domain/instrument-registry.ts';
import { loadStrategy, parseParams, type LoadedStrategy } from '../strategy/loader.ts';
import { loadBars, loadFundingRates, planBarStream, putOnGrid, summariesOf, type BarSeries, type SeriesSummary, type StreamFeed } from '../data/index.ts';
import type { PerpSpec } from '../domain/instrument.ts';
import { DEFAULT_PERP } from '../domain/perp.ts';
import { SimVenue } from '../venues/sim/index.ts';
import { buildInstruments } from './instruments.ts';
import { SequentialIds } from '../orders/client-ids.ts';
import type { Durable } from '../journal/durable.ts';
import type { StrategyErrorPolicy } from '../engine/strategy-errors.ts';
import type { ModelStage } from '../engine/model-stage.ts';

export interface RunParts {
  readonly strategy: LoadedStrategy;
  readonly params: Record<string, unknown>;
  readonly series: BarSeries[];
  /**
   * Set (with `series` empty) when the bars stream from the files as the run reads them: memory
   * flat in the length of history. One run only; a sweep that reruns parts loads `series`.
   */
  readonly stream?: StreamFeed;
  readonly instruments: InstrumentRegistry;
  /** Things the user should know but that do not stop the run (prices moved onto the grid...). */
  readonly warnings: string[];
}

export interface TimeRange {
  readonly from?: number;
  readonly to?: number;
}

/** The package's own folder: shipped strategies and sample data are found from any working directory. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A relative path that is not in the working directory but is shipped with parity resolves there. */
export function resolveShipped(path: string, cwd = process.cwd()): string {
  if (isAbsolute(path) || existsSync(resolve(cwd, path))) return resolve(cwd, path);
  const shipped = resolve(PACKAGE_ROOT, path);
  return existsSync(shipped) ? shipped : resolve(cwd, path);
}

export async function loadRunParts(config: Config, range: TimeRange = {}, venueName = 'sim', opts: { stream?: boolean } = {}): Promise<RunParts> {
  const strategy = await loadStrategy(resolveShipped(config.strategy.file), process.cwd(), { typecheck: config.strategy.typecheck });
  const params = parseParams(strategy.definition, config.strategy.params);
  // A strategy with features gets its bars in memory: its predictions are computed before the event pass.
  if (opts.stream === true && strategy.definition.features === undefined) {
    // Symbols first (a quick pass over each file), then the instruments, then the feed, which puts
    // each bar on its instrument's grid as it reads it; the grid warnings arrive when the data ends.
    const plan = planBarStream(config.data.files.map((f) => resolveShipped(f)), { tz: config.data.tz, symbol: config.data.symbol, from: range.from, to: range.to });
    const instruments = buildInstruments(plan.symbols, config.instruments, venueName, perpDefaultsOf(config));
    const warnings: string[] = [];
    const stream = plan.open((sym) => instruments.get(sym)!.tickSize, warnings);
    return { strategy, params, series: [], stream, instruments, warnings };
  }
  return { strategy, params, ...loadBarSeries(config, range, venueName) };
}

/** The data files in memory, as a run sees them: one series per symbol on its instrument's tick grid. */
export function loadBarSeries(config: Config, range: TimeRange = {}, venueName = 'sim'): Pick<RunParts, 'series' | 'instruments' | 'warnings'> {
  const raw: BarSeries[] = [];
  for (const file of config.data.files) {
    raw.push(...loadBars(resolveShipped(file), { tz: config.data.tz, symbol: config.data.symbol, from: range.from, to: range.to }));
  }
  const symbols = [...new Set(raw.map((s) => s.symbol))];
  const instruments = buildInstruments(symbols, config.instruments, venueName, perpDefaultsOf(config));
  const warnings: string[] = [];
  const series = raw.map((s) => {
    const g = putOnGrid(s, instruments.get(s.symbol)!);
    if (g.moved > 0) warnings.push(`${s.source}: ${g.moved} prices were not on the ${s.symbol} tick grid (${instruments.get(s.symbol)!.tickSize}) and were rounded to it`);
    return g.series;
  });
  return { series, instruments, warnings };
}

/** The terms a perpetual gets where the config's instrument spec names none: the account's perpLeverage over DEFAULT_PERP. */
export function perpDefaultsOf(config: Config): PerpSpec {
  return { ...DEFAULT_PERP, leverage: config.account.perpLeverage };
}

/** The simulated venue of a run; funding rates from `data.funding` when the config names a file. */
export function makeSimVenue(config: Config, instruments: InstrumentRegistry): SimVenue {
  const v = config.venue;
  const funding = config.data.funding;
  return new SimVenue({
    instruments,
    account: config.account,
    commission: v.commission,
    slippage: v.slippage,
    latency: v.latency,
    volumeShare: v.volumeShare,
    ...(funding !== undefined ? { fundingRates: loadFundingRates(resolveShipped(funding)) } : {}),
  });
}

export interface EngineExtras {
  readonly clock?: Clock;
  readonly observers?: readonly EngineObserver[];
  readonly idPrefix: string;
  readonly idStart?: number;
  /** A durable store (journal/durable.ts): its client ids, persister and crash recovery replace the defaults. */
  readonly durable?: Durable;
  /** No ack within this many ms: unconfirmed, the venue is queried (real venues; off for the in-process sim). */
  readonly ackTimeoutMs?: number;
  /** History bars fed to the strategy at start with order entry off (engine.ts EngineOptions.warmup). */
  readonly warmup?: (engine: Engine) => Promise<readonly Bar[]> | readonly Bar[];
  /** What a strategy throw does (engine/strategy-errors.ts); the engine's default is 'pause'. */
  readonly onStrategyError?: StrategyErrorPolicy;
  /** The strategy's features and model (modes/model.ts): one run's stage. */
  readonly model?: ModelStage;
}

export function makeEngine(config: Config, parts: RunParts, execution: ExecutionClient, extras: EngineExtras): Engine {
  const def = parts.strategy.definition;
  return new Engine({
    instruments: parts.instruments,
    execution,
    strategy: { name: def.name, handlers: def.create(parts.params), params: parts.params, file: parts.strategy.path },
    ...(extras.onStrategyError !== undefined ? { onStrategyError: extras.onStrategyError } : {}),
    account: config.account,
    limits: config.risk,
    clientIds: extras.durable?.clientIds ?? new SequentialIds(extras.idPrefix, extras.idStart ?? 1),
    historyCapacity: Math.max(2, def.lookback?.(parts.params) ?? 500),
    seed: config.run.seed,
    ...(extras.clock !== undefined ? { clock: extras.clock } : {}),
    observers: [...(extras.durable?.observers ?? []), ...(extras.observers ?? [])],
    ...(extras.durable !== undefined ? { startup: extras.durable.startup } : {}),
    ...(extras.ackTimeoutMs !== undefined ? { ackTimeoutMs: extras.ackTimeoutMs } : {}),
    ...(extras.warmup !== undefined ? { warmup: extras.warmup } : {}),
    ...(extras.model !== undefined ? { model: extras.model } : {}),
  });
}

/** What each series of the run held (symbol, file, bars, first and last time), streamed or in memory. */
export function seriesSummaries(parts: RunParts): SeriesSummary[] {
  return parts.stream !== undefined ? parts.stream.summaries() : summariesOf(parts.series);
}

/** The bars to chart a run with: the series, or a streamed run's series thinned as they went by. */
export function chartSeries(parts: RunParts): BarSeries[] {
  return parts.stream !== undefined ? parts.stream.thinned() : parts.series;
}
