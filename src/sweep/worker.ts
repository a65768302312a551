/**
 * The sweep's worker: keeps one loaded copy of the data and the strategy per thread and runs
 * combinations on it. The same entry serves any transport (a thread pool today; a queue consumer
 * on another machine would call `handle` the same way): a task is plain data, the reply too.
 */
import { threadId } from 'node:worker_threads';
import type { Config } from '../config/schema.ts';
import type { BacktestJson } from '../backtest/index.ts';
import { loadRunParts, type RunParts, type TimeRange } from '../modes/parts.ts';
import { runOneFull } from './run-one.ts';
import { describeInterval } from '../data/index.ts';

/** What every task of one sweep shares: enough for a worker to load the data and the strategy itself. */
export interface SweepJob {
  /** The resolved config (flags over file over defaults), as plain data. */
  readonly config: Config;
  /** sha256 of the strategy source the main thread checked; a worker refuses a file that changed since. */
  readonly strategyHash: string;
  /** `--from` / `--to`: the part of the files loaded at all. */
  readonly range: TimeRange;
  readonly onError: 'stop' | 'skip';
}

export interface DataSpan {
  readonly first: number | null;
  readonly last: number | null;
  readonly bars: number;
  /** The usual bar spacing (ms): the last bar covers [last, last + intervalMs). */
  readonly intervalMs: number;
  readonly symbols: readonly string[];
}

export type SweepTask =
  | { readonly kind: 'probe'; readonly job: SweepJob }
  | { readonly kind: 'run'; readonly job: SweepJob; readonly given: Readonly<Record<string, string | number | boolean>>; readonly window?: TimeRange };

interface Meta {
  /** Times this thread has loaded the data (1 after its first task: once per worker, not per combination). */
  readonly loads: number;
  readonly thread: number;
}

export type SweepReply =
  | ({ readonly ok: true; readonly kind: 'probe'; readonly span: DataSpan } & Meta)
  | ({ readonly ok: true; readonly kind: 'run'; readonly summary: BacktestJson; readonly strategyError: string | null; readonly ms: number } & Meta)
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

let cached: { readonly key: string; readonly parts: RunParts } | null = null;
let loads = 0;

async function partsFor(job: SweepJob): Promise<RunParts> {
  const key = JSON.stringify([job.config, job.range, job.strategyHash]);
  if (cached !== null && cached.key === key) return cached.parts;
  cached = null; // let a previous job's data go before loading the next
  // The main thread type-checked the strategy once; every worker checking it again would only cost time.
  const config: Config = { ...job.config, strategy: { ...job.config.strategy, typecheck: false } };
  const parts = await loadRunParts(config, job.range);
  loads++;
  if (parts.strategy.sourceHash !== job.strategyHash) {
    const e = new Error(`strategy ${parts.strategy.path} changed while the sweep was starting: run the sweep again once the file is saved`);
    e.name = 'StrategyLoadError';
    throw e;
  }
  cached = { key, parts };
  return parts;
}

function span(parts: RunParts): DataSpan {
  let first: number | null = null;
  let last: number | null = null;
  let bars = 0;
  for (const s of parts.series) {
    bars += s.length;
    if (s.length === 0) continue;
    first = first === null ? s.ts[0]! : Math.min(first, s.ts[0]!);
    last = last === null ? s.ts[s.length - 1]! : Math.max(last, s.ts[s.length - 1]!);
  }
  return { first, last, bars, intervalMs: bars > 1 ? describeInterval(parts.series) : 60_000, symbols: parts.series.map((s) => s.symbol) };
}

/** One task. Errors a user can fix come back as data (their name and message), so the main thread reports them like `parity backtest` does. */
export async function handle(task: SweepTask): Promise<SweepReply> {
  try {
    const parts = await partsFor(task.job);
    if (task.kind === 'probe') return { ok: true, kind: 'probe', span: span(parts), loads, thread: threadId };
    const t0 = performance.now();
    const { summary, strategyError } = runOneFull({ config: task.job.config, loaded: parts, given: task.given, onError: task.job.onError, ...(task.window === undefined ? {} : { range: task.window }) });
    return { ok: true, kind: 'run', summary, strategyError, ms: performance.now() - t0, loads, thread: threadId };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { name: e.name, message: e.name === 'Error' ? (e.stack ?? e.message) : e.message } };
  }
}
