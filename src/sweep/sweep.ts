/**
 * `parity sweep` without the terminal: a grid of parameter combinations (and optionally
 * walk-forward windows) run on a pool of worker threads, each run the same computation as
 * `parity backtest` with those parameters over that window, ranked by one metric.
 */
import type { Config } from '../config/schema.ts';
import type { BacktestJson } from '../backtest/index.ts';
import { loadBarSeries, resolveShipped, type TimeRange } from '../modes/parts.ts';
import { describeInterval, type BarSeries } from '../data/index.ts';
import { loadStrategy } from '../strategy/loader.ts';
import { checkGrid, type Axis, type ParamValue, type SkippedCombination } from './grid.ts';
import { SweepPool } from './pool.ts';
import { metricOf, rankOrder, type RankKey } from './rank.ts';
import { windowsFor, type WalkForwardSpec, type Window } from './windows.ts';
import type { SweepJob, SweepReply, SweepTask, TaskTiming, ThreadBoot } from './worker.ts';
import { shareSeries } from './shared-data.ts';
import { threadCpuMs, wallMs } from './thread-clock.ts';

export interface SweepRequest {
  readonly config: Config;
  readonly axes: readonly Axis[];
  readonly walkForward: WalkForwardSpec | null;
  readonly rank: RankKey;
  readonly workers: number;
  readonly range: TimeRange;
  readonly onError: 'stop' | 'skip';
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SweepRun {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly summary: BacktestJson;
  /** The strategy's first exception in this run (callback, file:line, message), or null. */
  readonly strategyError: string | null;
}

export interface WindowResult {
  readonly index: number;
  readonly train: { readonly from: string; readonly to: string };
  readonly test: { readonly from: string; readonly to: string };
  /** The combination that ranked first in sample. */
  readonly best: Readonly<Record<string, ParamValue>>;
  readonly inSampleMetric: number | null;
  readonly inSample: BacktestJson;
  /** The best in-sample combination over the test span that follows it: the figure that counts. */
  readonly outOfSample: BacktestJson;
  readonly outOfSampleError: string | null;
}

export interface WalkForwardReport {
  readonly spec: string;
  readonly anchored: boolean;
  readonly windows: readonly WindowResult[];
  /** Out-of-sample returns compounded over the test spans (each test span starts flat, with the starting cash). */
  readonly outOfSampleReturn: number;
  readonly outOfSampleTrades: number;
  /** Over the windows that have one; null when none has (flat or one-bar test spans). */
  readonly meanOutOfSampleSharpe: number | null;
  /** Data after the last whole test span, not used (ms). */
  readonly unusedMs: number;
}

/** One worker thread's time line (epoch ms; CPU is that thread's own, null off Linux). */
export interface ThreadProfile {
  readonly thread: number;
  readonly boot: ThreadBoot;
  /** It ran on the main thread's shared bars (no copy of its own). */
  readonly shared: boolean;
  /** Every task it ran, in order; loading the strategy is in the first one's setup. */
  readonly tasks: readonly TaskTiming[];
}

/** Where a sweep's time went: what `npm run bench -- sweep` reads to tell start-up from work. */
export interface SweepProfile {
  /** runSweep called; the pool is created right away. */
  readonly startedAt: number;
  /** The strategy loaded and the grid checked (main thread). */
  readonly checkedAt: number;
  /** The bars loaded and copied to shared memory (main thread, once); the runs are queued. */
  readonly loadedAt: number;
  /** Every run answered. */
  readonly runsDoneAt: number;
  /** Ranking and the report built. */
  readonly finishedAt: number;
  /** CPU of the main thread (null off Linux) for the check, the load and the ranking after the runs: the serial part. */
  readonly mainCpuMs: { readonly check: number | null; readonly load: number | null; readonly merge: number | null };
  readonly threads: readonly ThreadProfile[];
}

export interface SweepReport {
  readonly strategy: { readonly name: string; readonly file: string; readonly hash: string };
  readonly rank: RankKey;
  readonly workers: number;
  readonly grid: readonly { readonly name: string; readonly values: readonly ParamValue[] }[];
  readonly skipped: readonly SkippedCombination[];
  /** Whole-range runs, best first (no walk-forward), or empty. */
  readonly runs: readonly SweepRun[];
  readonly walkForward: WalkForwardReport | null;
  readonly data: { readonly first: string | null; readonly last: string | null; readonly bars: number };
  /** Things that make the ranking weaker than it looks (a metric no run has...). */
  readonly warnings: readonly string[];
  /** Data loads: 1, by the main thread; the workers share its bars. */
  readonly loads: number;
  readonly runsExecuted: number;
  readonly elapsedMs: number;
  readonly profile: SweepProfile;
}

function fail(reply: Extract<SweepReply, { ok: false }>, what: string): never {
  const e = new Error(what === '' ? reply.error.message : `${what}: ${reply.error.message}`);
  e.name = reply.error.name;
  throw e;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function spanOf(series: readonly BarSeries[]): { first: number | null; last: number | null; bars: number; intervalMs: number } {
  let first: number | null = null;
  let last: number | null = null;
  let bars = 0;
  for (const s of series) {
    bars += s.length;
    if (s.length === 0) continue;
    first = first === null ? s.ts[0]! : Math.min(first, s.ts[0]!);
    last = last === null ? s.ts[s.length - 1]! : Math.max(last, s.ts[s.length - 1]!);
  }
  return { first, last, bars, intervalMs: bars > 1 ? describeInterval(series) : 60_000 };
}

const cpuSince = (c0: number | null): number | null => {
  const c = threadCpuMs();
  return c === null || c0 === null ? null : c - c0;
};

export async function runSweep(req: SweepRequest): Promise<SweepReport> {
  const t0 = performance.now();
  const startedAt = wallMs();
  const c0 = threadCpuMs();
  const config = req.config;
  // The threads start (tsx, the engine's modules) while this thread type-checks the strategy,
  // checks the whole grid and then loads the bars; no task reaches them until all three are done.
  const pool = new SweepPool(req.workers);
  let strategy: Awaited<ReturnType<typeof loadStrategy>>;
  let grid: ReturnType<typeof checkGrid>;
  try {
    strategy = await loadStrategy(resolveShipped(config.strategy.file), process.cwd(), { typecheck: config.strategy.typecheck });
    grid = checkGrid(strategy.definition, req.axes, config.strategy.params);
  } catch (err) {
    await pool.close();
    throw err;
  }
  const checkedAt = wallMs();
  const checkCpu = cpuSince(c0);
  const c1 = threadCpuMs();
  const threads = new Map<number, { boot: ThreadBoot; shared: boolean; tasks: TaskTiming[] }>();
  let executed = 0;
  let done = 0;
  let total = 0;
  const note = (r: Extract<SweepReply, { ok: true }>): void => {
    let t = threads.get(r.thread);
    if (t === undefined) threads.set(r.thread, t = { boot: r.boot, shared: r.shared, tasks: [] });
    t.tasks.push(r.timing);
  };
  try {
    // The bars, once, for every thread: loaded as `parity backtest` loads them (the strategy was
    // loaded and checked above, once), then copied to shared memory, which each thread reads without a copy.
    const loaded = loadBarSeries(config, req.range);
    const series = shareSeries(loaded.series);
    const job: SweepJob = { config, strategyHash: strategy.sourceHash, onError: req.onError, data: { id: `${process.pid}:${startedAt}:${Math.random()}`, series } };
    const loadedAt = wallMs();
    const loadCpu = cpuSince(c1);
    const run = async (given: Readonly<Record<string, ParamValue>>, window?: TimeRange): Promise<{ summary: BacktestJson; strategyError: string | null }> => {
      const task: SweepTask = { job, given, ...(window === undefined ? {} : { window }) };
      const r = await pool.run(task);
      if (!r.ok) fail(r, `combination ${Object.entries(given).map(([k, v]) => `${k}=${String(v)}`).join(' ') || '(defaults)'}`);
      note(r);
      executed++;
      done++;
      req.onProgress?.(done, total);
      return { summary: r.summary, strategyError: r.strategyError };
    };
    const span = spanOf(series);
    const data = { first: span.first === null ? null : iso(span.first), last: span.last === null ? null : iso(span.last), bars: span.bars };
    const combos = grid.combinations;
    let runs: SweepRun[] = [];
    let runsDoneAt = 0;
    let c2: number | null = null;
    let walkForward: WalkForwardReport | null = null;
    if (req.walkForward === null) {
      total = combos.length;
      req.onProgress?.(0, total);
      const results = await Promise.all(combos.map((c) => run(c.given)));
      runsDoneAt = wallMs();
      c2 = threadCpuMs();
      const summaries = results.map((x) => x.summary);
      runs = rankOrder(req.rank, summaries).map((i) => ({ params: combos[i]!.given, summary: summaries[i]!, strategyError: results[i]!.strategyError }));
    } else {
      if (span.first === null || span.last === null) throw Object.assign(new Error('the data has no bars in the chosen range: nothing to walk forward over'), { name: 'UsageError' });
      const dataEnd = span.last + span.intervalMs;
      const windows = windowsFor(req.walkForward, span.first, dataEnd);
      total = windows.length * (combos.length + 1);
      req.onProgress?.(0, total);
      // Every in-sample run is queued at once; a window's out-of-sample run follows as soon as its ranking is known.
      const results = await Promise.all(windows.map(async (w: Window): Promise<WindowResult> => {
        const inSample = (await Promise.all(combos.map((c) => run(c.given, w.train)))).map((x) => x.summary);
        const bestIdx = rankOrder(req.rank, inSample)[0]!;
        const best = combos[bestIdx]!.given;
        const oos = await run(best, w.test);
        return {
          index: w.index,
          train: { from: iso(w.train.from), to: iso(w.train.to) },
          test: { from: iso(w.test.from), to: iso(w.test.to) },
          best, inSampleMetric: metricOf(req.rank, inSample[bestIdx]!), inSample: inSample[bestIdx]!,
          outOfSample: oos.summary, outOfSampleError: oos.strategyError,
        };
      }));
      runsDoneAt = wallMs();
      c2 = threadCpuMs();
      let growth = 1;
      let trades = 0;
      // The mean of the windows whose Sharpe can be computed (a flat or one-bar window has none).
      let sharpe = 0;
      let sharpes = 0;
      for (const r of results) {
        growth *= 1 + r.outOfSample.totalReturn;
        trades += r.outOfSample.trades;
        if (r.outOfSample.sharpe !== null) { sharpe += r.outOfSample.sharpe; sharpes++; }
      }
      const lastTest = windows[windows.length - 1]!.test.to;
      walkForward = {
        spec: req.walkForward.text, anchored: req.walkForward.anchored, windows: results,
        outOfSampleReturn: Number((growth - 1).toFixed(10)), outOfSampleTrades: trades,
        meanOutOfSampleSharpe: sharpes === 0 ? null : Number((sharpe / sharpes).toFixed(10)),
        unusedMs: Math.max(0, dataEnd - lastTest),
      };
    }
    const warnings: string[] = [];
    const ranked = walkForward === null ? runs.map((x) => x.summary) : walkForward.windows.map((w) => w.inSample);
    if (ranked.every((x) => metricOf(req.rank, x) === null)) {
      warnings.push(`no ${walkForward === null ? 'run' : 'window\'s best run'} has a ${req.rank} figure${req.rank === 'cagr' ? ' (CAGR needs a span of 30 days or more)' : ''}: the order is the grid's, not a ranking; pick another --rank`);
    }
    return {
      strategy: { name: strategy.definition.name, file: strategy.path, hash: strategy.sourceHash },
      rank: req.rank, workers: req.workers,
      grid: req.axes.map((a) => ({ name: a.name, values: a.values })),
      skipped: grid.skipped, runs, walkForward, data, warnings, loads: 1, runsExecuted: executed,
      elapsedMs: Math.round(performance.now() - t0),
      profile: {
        startedAt, checkedAt, loadedAt, runsDoneAt, finishedAt: wallMs(),
        mainCpuMs: { check: checkCpu, load: loadCpu, merge: cpuSince(c2) },
        threads: [...threads].map(([thread, t]) => ({ thread, boot: t.boot, shared: t.shared, tasks: t.tasks.sort((a, b) => a.startedAt - b.startedAt) })),
      },
    };
  } finally {
    await pool.close();
  }
}
