/**
 * The assembly every live-venue session shares once its venue has answered (account checked,
 * instruments resolved, execution client built): the account's durable store, the session folder
 * and recording, the engine on the venue's cash, the reconciler (started after crash recovery), the
 * live feed after warm-up, and the teardown. alpaca.ts, ibkr.ts and okx.ts assemble through it.
 */
import type { Config } from '../config/schema.ts';
import type { Clock } from '../engine/clock.ts';
import type { Engine, EngineObserver } from '../engine/engine.ts';
import type { InstrumentRegistry } from '../domain/instrument-registry.ts';
import type { Bar } from '../domain/market.ts';
import type { ExecutionClient, PushFeed, VenueAccount } from '../ports/index.ts';
import { idPrefix } from '../orders/client-ids.ts';
import { loadStrategy, parseParams } from '../strategy/loader.ts';
import { startRecording } from '../recording/session-recorder.ts';
import { openDurable } from '../journal/durable.ts';
import type { Store } from '../journal/store.ts';
import type { RecoveryReport } from '../journal/recovery.ts';
import { ReconcileService, summarizeReconcile } from '../ops/reconcile.ts';
import type { ReconcileSummary } from '../ops/gates/types.ts';
import { afterWarmup } from './live-feed.ts';
import { createSessionFolder } from './session-folder.ts';
import { makeEngine, type RunParts } from './parts.ts';
import type { PaperSession } from './paper.ts';
import { openStrategyModel } from './model.ts';
import type { FeatureInputs } from '../engine/model-stage.ts';

/** The session options every live venue takes from run.ts (the rest are the venue's own). */
export interface LiveSessionOptions {
  /** Root of the durable stores (`<stateDir>/<venue>-<account>/`): journal, snapshot, lock. Default `state`. */
  readonly stateDir?: string;
  /** No acknowledgement within this many ms: the order is unconfirmed and the venue is asked. Default 5000. */
  readonly ackTimeoutMs?: number;
  /** An intent the venue never received is resent after a crash only this long after it was journaled. Default 5000. */
  readonly resendFreshMs?: number;
  /** Periodic reconciliation every this many ms (0 = off). Default 30 000 (a new difference is re-checked 5 s after). */
  readonly reconcilePeriodMs?: number;
  /**
   * Called before the engine starts with the session's reconciliation (it waits for crash recovery
   * first): the operations layer hands it to the state-coherence gate and the console's `r` key.
   */
  readonly bindReconcile?: (reconcile: () => Promise<ReconcileSummary>) => void;
  /**
   * Restore a pause or halt the previous run left in the store (default true). The console passes
   * false: its kill switch persists the pauses that outlive a restart, and the store's copy also
   * holds transient start-up holds.
   */
  readonly restoreTradingState?: boolean;
  /** How a persisting reconciliation difference pauses and resumes new signals (default: the engine's state). */
  readonly reconcileHold?: { readonly pause: (reason: string) => void; readonly resume: (why: string) => void };
  /** The account's journaled store is open, before the engine starts (the kill latch lives in it). */
  readonly onStore?: (store: Store) => void;
}

export interface VenueSessionInput {
  readonly config: Config;
  readonly observers: readonly EngineObserver[];
  readonly opts: LiveSessionOptions;
  /** The store's and the recording's venue name ("okx", "okx-live"). */
  readonly venueName: string;
  readonly account: VenueAccount;
  readonly execution: ExecutionClient;
  readonly instruments: InstrumentRegistry;
  /** The engine log's source for the venue's lines. */
  readonly logSource: string;
  /** The first line the engine logs (where it connected, which account; never a secret). */
  readonly connected: string;
  /**
   * Called as soon as the engine exists, with the venue's line into its log: the mode flushes what
   * its venue said before (its problems) and sends the rest there from now on.
   */
  readonly attachLog?: (log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void) => void;
  readonly clock?: Clock;
  /** History for the warm-up; `warm` receives each symbol's newest warm-up bar time. */
  readonly warmup: (engine: Engine, lookback: number | undefined, warm: Map<string, number>) => Promise<readonly Bar[]>;
  readonly feed: () => PushFeed;
  /**
   * The venue's side inputs for the strategy's features (funding rate, index price), per symbol:
   * absent, they come from the config's files (data.funding, data.index) or the run is refused.
   */
  readonly featureInputs?: (symbol: string) => FeatureInputs;
  /** The engine, its reconciler and crash recovery exist; the engine has not started (connect follows). */
  readonly beforeRun?: (s: { readonly engine: Engine; readonly reconciler: ReconcileService; readonly recovered: Promise<RecoveryReport> }) => void;
}

export interface VenueSession extends PaperSession {
  readonly recovered: Promise<RecoveryReport>;
  readonly reconciler: ReconcileService;
  readonly storeDir: string;
  /** The venue's lines into the engine log from now on. */
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export async function assembleVenueSession(x: VenueSessionInput): Promise<VenueSession> {
  const { config, opts, account } = x;
  const strategy = await loadStrategy(config.strategy.file, process.cwd(), { typecheck: config.strategy.typecheck });
  const params = parseParams(strategy.definition, config.strategy.params);
  const parts: RunParts = { strategy, params, series: [], instruments: x.instruments, warnings: [] };
  const def = strategy.definition;
  // The model is checked against the strategy before the store is opened: a mismatch trades nothing.
  // Venue feeds deliver minute bars; each bar's prediction is awaited before it is dispatched.
  const model = await openStrategyModel(def, strategy.path, {
    config, instruments: x.instruments, barMs: 60_000, ...(x.featureInputs !== undefined ? { inputsFor: x.featureInputs } : {}),
  });

  // The account's durable store before anything else is written: a second console on the same
  // venue account refuses to start here (the lock names the process holding it).
  let resolveRecovered!: (r: RecoveryReport) => void;
  let rejectRecovered!: (err: unknown) => void;
  const recovered = new Promise<RecoveryReport>((res, rej) => { resolveRecovered = res; rejectRecovered = rej; });
  recovered.catch(() => undefined);
  const d = openDurable(opts.stateDir ?? 'state', x.venueName, account.accountId, {
    strategy: def.name, venue: x.execution, onRecovered: (r) => resolveRecovered(r),
    ...(opts.resendFreshMs !== undefined ? { resendFreshMs: opts.resendFreshMs } : {}),
    ...(opts.restoreTradingState !== undefined ? { restoreTradingState: opts.restoreTradingState } : {}),
  });
  try {
    opts.onStore?.(d.store);
    const session = createSessionFolder(config.run.sessionsDir, x.venueName, def.name);
    const recorder = startRecording(session.dir, {
      sessionId: session.id, mode: account.live ? 'live' : 'paper', venue: x.venueName, account: { id: account.accountId, live: account.live }, config,
      strategy, params, instruments: x.instruments.all(), capabilities: x.execution.capabilities,
      ...(model !== null ? { model: model.header } : {}),
    });
    const wrapped = recorder.wrapExecution(x.execution);
    // The engine's books start from the venue's cash; positions and open orders are recovery's job.
    const engineConfig: Config = { ...config, account: { ...config.account, currency: account.currency, cash: account.cash[account.currency] ?? config.account.cash } };
    // The warm-up covers the strategy's own history and its features' longest window, so the
    // first live bar already has a prediction.
    const own = def.lookback?.(params);
    const lookback = model === null ? own : Math.max(own ?? 0, model.lookback);
    const warm = new Map<string, number>();
    const engine = makeEngine(engineConfig, parts, wrapped, {
      observers: [recorder, ...x.observers], idPrefix: idPrefix(def.name, session.id),
      durable: d.durable, ackTimeoutMs: opts.ackTimeoutMs ?? 5000,
      ...(x.clock !== undefined ? { clock: x.clock } : {}),
      warmup: (e) => x.warmup(e, lookback, warm),
      ...(model !== null ? { model: model.stage } : {}),
    });
    const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string): void => engine.log(level, x.logSource, msg);
    x.attachLog?.(log);
    for (const w of d.warnings) engine.log('warn', 'store', w);
    log('info', `${x.connected}; store ${d.store.dir}`);

    const reconciler = new ReconcileService(engine, {
      ...(opts.reconcilePeriodMs !== undefined ? { periodMs: opts.reconcilePeriodMs } : {}),
      ...(opts.reconcileHold !== undefined ? { pause: opts.reconcileHold.pause, resume: opts.reconcileHold.resume } : {}),
      // The operator's "accept venue state" replaces our positions and cash: the store follows, as after recovery.
      journal: (book) => { d.store.append('venue_book', book, true); },
    });
    engine.addObserver(reconciler);
    let wasClean = true;
    reconciler.onResult((r) => {
      // A clean periodic run is not news; the first clean one after a difference is.
      if (r.diffs.length === 0 && (!wasClean || (r.reason !== 'periodic' && r.reason !== 'recheck'))) engine.log('info', 'reconcile', `${r.reason}: clean (orders, positions and cash agree with the venue)`);
      wasClean = r.diffs.length === 0;
    });
    const reconcile = async (): Promise<ReconcileSummary> => {
      await recovered;
      return summarizeReconcile(await reconciler.reconcileConfirmed('start'));
    };
    if (opts.bindReconcile !== undefined) opts.bindReconcile(reconcile);
    void recovered.then(async () => {
      reconciler.start();
      // Without an operations layer to run the start-up gate, run the start comparison here.
      if (opts.bindReconcile === undefined) await reconciler.reconcileNow('start');
    }).catch((err: unknown) => engine.log('error', 'reconcile', `start: ${err instanceof Error ? err.message : String(err)}`));

    x.beforeRun?.({ engine, reconciler, recovered });
    engine.addFeed(afterWarmup(x.feed(), warm, (m) => engine.log('debug', 'warmup', m)));
    const done = engine.run()
      .catch((err: unknown) => { rejectRecovered(err); throw err; })
      .finally(() => {
        reconciler.stop();
        void model?.close();
        try { recorder.close(); } finally { d.stop(); }
      });
    return { engine, session, parts, recorder, done, recovered, reconciler, storeDir: d.store.dir, log };
  } catch (err) {
    d.stop();
    await model?.close();
    throw err;
  }
}
