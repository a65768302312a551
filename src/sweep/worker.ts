/**
 * The sweep's worker: keeps one set of run parts per thread (the strategy, loaded once; the bars,
 * the main thread's shared columns) and runs combinations on it. The same entry serves any transport
 * (a thread pool today; a queue consumer on another machine would call `handle` the same way): a task
 * is plain data (the bars as SharedArrayBuffer-backed columns, which a thread receives without a copy),
 * the reply too.
 */
import { resourceLimits, threadId } from 'node:worker_threads';
import type { Config } from '../config/schema.ts';
import type { BacktestJson } from '../backtest/index.ts';
import type { BarSeries } from '../data/index.ts';
import { perpDefaultsOf, resolveShipped, type RunParts, type TimeRange } from '../modes/parts.ts';
import { buildInstruments } from '../modes/instruments.ts';
import { loadStrategy, parseParams } from '../strategy/loader.ts';
import { runOneFull } from './run-one.ts';
import { isShared } from './shared-data.ts';
import { threadCpuMs, wallMs } from './thread-clock.ts';

// This body runs once tsx is registered and every module the worker needs is loaded: the end of the thread's start-up.
const boot: ThreadBoot = { readyAt: wallMs(), cpuMs: threadCpuMs(), youngGenerationMb: resourceLimits.maxYoungGenerationSizeMb ?? null };

/** What every task of one sweep shares: the bars and enough for a worker to load the strategy itself. */
export interface SweepJob {
  /** The resolved config (flags over file over defaults), as plain data. */
  readonly config: Config;
  /** sha256 of the strategy source the main thread checked; a worker refuses a file that changed since. */
  readonly strategyHash: string;
  readonly onError: 'stop' | 'skip';
  /**
   * The bars the main thread loaded (over `--from` / `--to`, on the instruments' tick grids), on
   * shared memory (shared-data.ts); `id` names this load, so a thread knows its cached parts are for it.
   */
  readonly data: { readonly id: string; readonly series: readonly BarSeries[] };
}

export interface SweepTask {
  readonly job: SweepJob;
  readonly given: Readonly<Record<string, string | number | boolean>>;
  readonly window?: TimeRange;
}

/** A thread's start-up: its modules loaded (epoch ms) and the CPU its thread had used by then (null off Linux). */
export interface ThreadBoot {
  readonly readyAt: number;
  readonly cpuMs: number | null;
  /** The young generation V8 gives this thread (pool.ts YOUNG_GENERATION_MB); null on the main thread. */
  readonly youngGenerationMb: number | null;
}

/** Where one task's time went in its thread: setting up (loading the strategy: 0 once the thread has it), then the run. */
export interface TaskTiming {
  readonly startedAt: number;
  readonly setupMs: number;
  readonly setupCpuMs: number | null;
  readonly ms: number;
  readonly cpuMs: number | null;
}

export type SweepReply =
  | {
    readonly ok: true; readonly summary: BacktestJson; readonly strategyError: string | null;
    readonly thread: number; readonly boot: ThreadBoot; readonly timing: TaskTiming;
    /** The bars this thread ran on are the main thread's shared memory (not a copy). */
    readonly shared: boolean;
  }
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

let cached: { readonly key: string; readonly parts: RunParts } | null = null;

/**
 * The parts `loadRunParts` gives for the job's config (test/backtest/sweep.test.ts checks they are
 * equal), built from the shared bars: only the strategy is loaded here, once per thread and job.
 */
export async function partsFor(job: SweepJob): Promise<RunParts> {
  const key = JSON.stringify([job.config, job.strategyHash, job.data.id]);
  if (cached !== null && cached.key === key) return cached.parts;
  cached = null; // let a previous job's parts go before building the next
  const config = job.config;
  // The main thread type-checked the strategy once; every worker checking it again would only cost time.
  const strategy = await loadStrategy(resolveShipped(config.strategy.file), process.cwd(), { typecheck: false });
  if (strategy.sourceHash !== job.strategyHash) {
    const e = new Error(`strategy ${strategy.path} changed while the sweep was starting: run the sweep again once the file is saved`);
    e.name = 'StrategyLoadError';
    throw e;
  }
  const series = [...job.data.series];
  // The same instrument terms as a backtest of this config (account.perpLeverage for perpetuals).
  const instruments = buildInstruments([...new Set(series.map((s) => s.symbol))], config.instruments, 'sim', perpDefaultsOf(config));
  const parts: RunParts = { strategy, params: parseParams(strategy.definition, config.strategy.params), series, instruments, warnings: [] };
  cached = { key, parts };
  return parts;
}

/** One task. Errors a user can fix come back as data (their name and message), so the main thread reports them like `parity backtest` does. */
export async function handle(task: SweepTask): Promise<SweepReply> {
  try {
    const startedAt = wallMs();
    const c0 = threadCpuMs();
    const parts = await partsFor(task.job);
    const ready = wallMs();
    const c1 = threadCpuMs();
    const { summary, strategyError } = runOneFull({ config: task.job.config, loaded: parts, given: task.given, onError: task.job.onError, ...(task.window === undefined ? {} : { range: task.window }) });
    const c2 = threadCpuMs();
    const timing: TaskTiming = {
      startedAt, setupMs: ready - startedAt, setupCpuMs: c0 === null || c1 === null ? null : c1 - c0,
      ms: wallMs() - ready, cpuMs: c1 === null || c2 === null ? null : c2 - c1,
    };
    return { ok: true, summary, strategyError, thread: threadId, boot, timing, shared: isShared(parts.series) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { name: e.name, message: e.name === 'Error' ? (e.stack ?? e.message) : e.message } };
  }
}
