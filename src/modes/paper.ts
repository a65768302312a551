/**
 * Paper session on the built-in simulated venue: the backtest's parts, under a replay clock that
 * plays the data file at `speed` times the pace of its timestamps (`max` = as fast as it goes).
 * Everything time-based is judged on engine time, so a file-fed session behaves like a live one.
 */
import type { Config } from '../config/schema.ts';
import { ReplayClock, SimulatedClock } from '../engine/clock.ts';
import type { Engine, EngineObserver } from '../engine/engine.ts';
import { SeriesFeed, describeInterval } from '../data/index.ts';
import { openStrategyModel } from './model.ts';
import { idPrefix } from '../orders/client-ids.ts';
import { createSessionFolder, type SessionFolder } from './session-folder.ts';
import { loadRunParts, makeEngine, makeSimVenue, type RunParts } from './parts.ts';
import { startRecording } from '../recording/session-recorder.ts';
import type { Recorder } from '../recording/recorder.ts';
import { ReconcileService, summarizeReconcile } from '../ops/reconcile.ts';
import type { ReconcileSummary } from '../ops/gates/types.ts';

export interface PaperOptions {
  /** Hand the session's on-demand reconciliation to the operations layer (r key, start-up gate). */
  readonly bindReconcile?: (reconcile: () => Promise<ReconcileSummary>) => void;
  /** How a persisting difference pauses and resumes trading (the ops guard). */
  readonly reconcileHold?: { pause(reason: string): void; resume(why: string): void };
}

export interface PaperSession {
  readonly engine: Engine;
  readonly session: SessionFolder;
  readonly parts: RunParts;
  /** Writes events.jsonl in the session folder (operator actions and gates are reported to it). */
  readonly recorder: Recorder;
  /** Resolves when the data is exhausted or the session is stopped. */
  readonly done: Promise<void>;
  /** Compares the engine's books with the venue's (the simulator keeps its own ledger). */
  readonly reconciler: ReconcileService;
}

export async function startPaper(config: Config, observers: readonly EngineObserver[], opts: PaperOptions = {}): Promise<PaperSession> {
  const parts = await loadRunParts(config);
  const def = parts.strategy.definition;
  const session = createSessionFolder(config.run.sessionsDir, 'sim', def.name);
  const clock = config.run.speed === 'max' ? new SimulatedClock() : new ReplayClock(config.run.speed);
  const sim = makeSimVenue(config, parts.instruments);
  // Real time: each bar's prediction is awaited before the bar is dispatched (engine.ts run).
  const model = await openStrategyModel(def, parts.strategy.path, { config, instruments: parts.instruments, barMs: parts.series.length > 0 ? describeInterval(parts.series) : 60_000 });
  const recorder = startRecording(session.dir, {
    sessionId: session.id, mode: 'paper', venue: 'sim', account: { id: 'sim', live: false }, config,
    strategy: parts.strategy, params: parts.params, instruments: parts.instruments.all(), capabilities: sim.capabilities,
    ...(model !== null ? { model: model.header } : {}),
  });
  // The recorder sees replace changes through this pass-through; the simulated venue is behind it.
  const venue = recorder.wrapExecution(sim);
  const engine = makeEngine(config, parts, venue, {
    clock, observers: [recorder, ...observers], idPrefix: idPrefix(def.name, session.id), ...(model !== null ? { model: model.stage } : {}),
  });
  // The simulator keeps its own books (the same ledger code): comparing them catches an engine bug
  // the way a broker's statement would, and rehearses the live path's reconciliation.
  const reconciler = new ReconcileService(engine, opts.reconcileHold ?? {});
  engine.addObserver(reconciler);
  opts.bindReconcile?.(async () => summarizeReconcile(await reconciler.reconcileNow('on-demand')));
  engine.addFeed(new SeriesFeed(parts.series));
  // A run that throws still leaves a readable recording (without an end record: not a clean stop).
  const done = engine.run().finally(() => { reconciler.stop(); recorder.close(); void model?.close(); });
  reconciler.start();
  return { engine, session, parts, recorder, done, reconciler };
}
