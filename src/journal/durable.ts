/**
 * One call that makes an engine durable on a store: client ids from the store's sequence (checked
 * against the venue's client id rule), the persister observer (intent journaled before send), and
 * the startup hook that runs crash recovery before the strategy's first callback.
 *
 *   const { store } = Store.open({ dir: storeDir('state', venue, account), venue, account });
 *   const durable = makeDurable(store, { strategy: def.name, venue: execution });
 *   new EngineControl({ ..., clientIds: durable.clientIds, observers: [...durable.observers], startup: durable.startup });
 *   scheduler.every(1000, () => durable.persister.tick());
 */
import type { EngineControl } from '../engine/engine.ts';
import { type Scheduler, WallScheduler } from '../ports/scheduler.ts';
import type { ExecutionClient } from '../ports/index.ts';
import { DurableIds } from '../orders/client-ids.ts';
import { recover, type RecoveryReport } from './recovery.ts';
import { StorePersister } from './persist.ts';
import { Store, storeDir } from './store.ts';

export interface DurableOptions {
  readonly strategy: string;
  readonly venue: Pick<ExecutionClient, 'capabilities'>;
  readonly resendFreshMs?: number;
  readonly wallNow?: () => number;
  /**
   * Restore the trading state (paused, halted) the previous run left in the store. Default true.
   * False when an operations layer persists its own holds (the console's kill-switch latch): the
   * store's copy is the composed state, including transient holds such as "gates running".
   */
  readonly restoreTradingState?: boolean;
  /** Told the outcome of recovery (the console shows it; tests read it). */
  readonly onRecovered?: (r: RecoveryReport) => void;
}

export interface Durable {
  readonly clientIds: DurableIds;
  readonly persister: StorePersister;
  readonly observers: readonly StorePersister[];
  readonly startup: (engine: EngineControl) => Promise<void>;
  /** Set once recovery ran. */
  recovery: RecoveryReport | null;
}

export function makeDurable(store: Store, opts: DurableOptions): Durable {
  // What the previous run left: this run's start-up states (a pre-flight hold set before recovery)
  // are journaled too, and must not come back as a "restored" pause of this very run.
  const previousTradingState = opts.restoreTradingState === false ? null : store.state.tradingState;
  const persister = new StorePersister(store);
  const d: Durable = {
    clientIds: new DurableIds(store, opts.strategy, opts.venue.capabilities.clientOrderId),
    persister,
    observers: [persister],
    recovery: null,
    startup: async (engine) => {
      const r = await recover(engine, {
        store,
        tradingState: previousTradingState,
        ...(opts.resendFreshMs !== undefined ? { resendFreshMs: opts.resendFreshMs } : {}),
        ...(opts.wallNow !== undefined ? { wallNow: opts.wallNow } : {}),
      });
      for (const w of r.warnings) engine.log('warn', 'recovery', w);
      engine.log('info', 'recovery', `recovered: ${r.restored} orders restored, ${r.settled.length} settled with the venue, `
        + `${r.resent.length} resent, ${r.lost.length} lost, ${r.adopted.length} external adopted; positions from ${r.positionsFrom}`);
      d.recovery = r;
      opts.onRecovered?.(r);
    },
  };
  return d;
}

/**
 * Open the account's store and make the session durable, with the snapshot timer running.
 * For node assemblies (alpaca.ts): pass the result as `durable` to makeEngine, then call
 * `stop()` after the engine finishes (writes the last snapshot, releases the lock).
 */
export function openDurable(
  root: string, venueName: string, account: string, opts: DurableOptions, scheduler: Scheduler = new WallScheduler(),
): { durable: Durable; store: Store; warnings: string[]; stop: () => void } {
  const { store, warnings } = Store.open({ dir: storeDir(root, venueName, account), venue: venueName, account });
  const durable = makeDurable(store, opts);
  const timer = scheduler.every(1000, () => durable.persister.tick());
  return { durable, store, warnings, stop: () => { timer.cancel(); store.close(); } };
}
