/**
 * Everything operational around one running engine, assembled in one observer: the trading guard,
 * the kill switch (restored from its persisted latch), the pre-flight gates, the watchdogs, the
 * command bus and the control socket. It attaches in the engine's onStart hook, before the venue
 * connects and before the strategy's onStart, so the persisted latch and the "gates still running"
 * halt are in force before any order can be created.
 *
 * Why gates use the engine's 'halted' state (and not a separate check): halted already means
 * "nothing new, cancels still flow" in the one place every order passes (pre-trade), shows in every
 * view of the trading state, and lets the operator's own flatten through. A second, parallel gate
 * check would be a second path to keep in sync.
 */
import type { EngineControl, EngineObserver } from '../engine/engine.ts';
import type { Fill } from '../domain/fill.ts';
import type { OrderEvent } from '../orders/order.ts';
import type { TradingState } from '../risk/trading-state.ts';
import type { RiskLimits } from '../risk/limits.ts';
import { CommandBus, type CommandResult, type StatusReport } from './commands.ts';
import { type ControlServer, type RegistryEntry, startControlServer } from './control-socket.ts';
import { DEFAULT_GATES, type Gate, type GateResult, type GateThresholds, type ReconcileSummary, gateHoldReason, runGates } from './gates/index.ts';
import { JournaledKillLatch, type KillLatch, KillStateStore, accountStateDir } from './kill-state.ts';
import type { Store } from '../journal/store.ts';
import { withTimeout } from '../ports/scheduler.ts';
import { KillSwitch } from './kill-switch.ts';
import { FileStateLock, type StateLock } from './lock.ts';
import { TradingGuard } from './trading-guard.ts';
import { Watchdogs } from './watchdogs.ts';
import type { OpsView } from './view.ts';

export interface SessionOpsOptions {
  readonly mode: 'paper' | 'live';
  readonly venue: string;
  readonly account: string;
  /** Root of the persisted state (kill latch, lock): `<root>/<venue>-<account>/`. */
  readonly stateRoot: string;
  readonly limits: RiskLimits;
  /** EngineControl time follows the wall clock (live feeds). */
  readonly realtime: boolean;
  readonly reconcile?: (() => Promise<ReconcileSummary>) | null;
  /** The operator accepts the venue's state (a a, parity ctl accept-venue): the reconciler's acceptVenue. */
  readonly acceptVenue?: ((by: string) => Promise<{ readonly ok: boolean; readonly message: string }>) | null;
  readonly gates?: readonly Gate[];
  readonly thresholds?: Partial<GateThresholds>;
  /** account.jurisdiction, for the venue eligibility gate. */
  readonly jurisdiction?: string;
  readonly confirmTimeoutMs?: number;
  readonly watchdog?: { readonly staleDataMs?: number; readonly heartbeatMs?: number; readonly intervalMs?: number };
  readonly lock?: StateLock;
  readonly lastQuote?: (symbol: string) => { readonly bid: number; readonly ask: number } | undefined;
  /** The bus finished a shutdown command: disconnect and exit. */
  readonly onShutdown: (r: CommandResult) => void;
  /** Something changed that the console should redraw. */
  readonly onChange?: () => void;
  readonly wallNow?: () => number;
}

export class SessionOps implements EngineObserver {
  readonly guard: TradingGuard;
  stateDir: string;
  store: KillLatch;
  lock: StateLock;
  /** Who this session trades for; a broker's account id is known only once its venue answers. */
  private id: { mode: 'paper' | 'live'; venue: string; account: string };
  private engine: EngineControl | null = null;
  private killSwitch: KillSwitch | null = null;
  private commandBus: CommandBus | null = null;
  private watchdogs: Watchdogs | null = null;
  private server: ControlServer | null = null;
  private gates: GateResult[] = [];
  private gatesRunning = false;
  private gatesDone: Promise<GateResult[]> = Promise.resolve([]);
  private resolveFirstRun: (r: GateResult[]) => void = () => {};
  /** Settles when the first gate run (started by `ready`) has answered. */
  private readonly firstRun = new Promise<GateResult[]>((res) => { this.resolveFirstRun = res; });
  private reconciliation: ReconcileSummary | null = null;
  private session = { id: '', name: '', dir: '' };
  private readonly wallNow: () => number;
  private lastDataWall: number | null = null;

  constructor(private readonly o: SessionOpsOptions) {
    this.wallNow = o.wallNow ?? Date.now;
    this.guard = new TradingGuard(this.wallNow);
    this.id = { mode: o.mode, venue: o.venue, account: o.account };
    this.stateDir = accountStateDir(o.stateRoot, o.venue, o.account);
    this.store = new KillStateStore(this.stateDir);
    this.lock = o.lock ?? new FileStateLock(this.stateDir);
  }

  /**
   * Name the venue account once it is known (before the engine starts): the kill latch and the
   * lock belong to that account, and LIVE must show as LIVE.
   */
  bindAccount(mode: 'paper' | 'live', venue: string, account: string, lock?: StateLock): void {
    if (this.engine !== null) throw new Error('bindAccount after the engine started');
    this.id = { mode, venue, account };
    this.stateDir = accountStateDir(this.o.stateRoot, venue, account);
    this.store = new KillStateStore(this.stateDir);
    this.lock = lock ?? this.o.lock ?? new FileStateLock(this.stateDir);
  }

  /**
   * The account's journaled store is open (venue sessions): the kill latch lives in it from now on
   * (a latch left in the old side file is carried over once).
   */
  bindStore(store: Store): void {
    if (this.engine !== null) throw new Error('bindStore after the engine started');
    this.store = new JournaledKillLatch(store, new KillStateStore(this.stateDir));
  }

  get kill(): KillSwitch {
    if (this.killSwitch === null) throw new Error('the engine has not started yet');
    return this.killSwitch;
  }

  get bus(): CommandBus {
    if (this.commandBus === null) throw new Error('the engine has not started yet');
    return this.commandBus;
  }

  /** Resolves with the first gate results (tests, headless start-up). */
  firstGates(): Promise<GateResult[]> {
    return this.firstRun;
  }

  // ---------- engine observer ----------

  onStart(engine: EngineControl): void {
    this.engine = engine;
    // Holds first, then attach: the engine's very first state already carries them.
    this.guard.hold('gates', 'halted', 'pre-flight gates running: no orders until they pass');
    this.killSwitch = new KillSwitch({
      engine, guard: this.guard, store: this.store, ...(this.o.limits.priceCollar !== undefined ? { priceCollar: this.o.limits.priceCollar } : {}),
      ...(this.o.confirmTimeoutMs !== undefined ? { confirmTimeoutMs: this.o.confirmTimeoutMs } : {}), wallNow: this.wallNow,
    });
    const restored = this.killSwitch.restore();
    this.guard.attach(engine);
    if (restored !== null && restored.level > 0) engine.log('warn', 'operator', `kill switch restored at level ${restored.level} (${restored.reason}, ${restored.at}): trading paused until you resume (p / parity ctl resume)`);
    this.killSwitch.subscribe(() => this.o.onChange?.());
    this.commandBus = new CommandBus({
      kill: this.killSwitch, status: () => this.status(), onShutdown: this.o.onShutdown,
      ...(this.o.acceptVenue != null ? { acceptVenue: (by: string) => this.acceptVenue(by) } : {}),
      external: (id, decision, by) => new Promise((resolve) => {
        if (engine.isStopped()) { resolve({ ok: false, message: 'the engine has stopped' }); return; }
        engine.schedule(engine.now(), () => {
          const why = engine.decideExternal(id, decision);
          if (why === null) engine.log('warn', 'operator', `external ${id}: ${decision} by ${by}`);
          resolve(why === null ? { ok: true, message: `${id}: ${decision === 'adopt' ? 'adopted, managed as ours from now on' : decision === 'leave' ? 'left alone' : 'cancel sent'}` } : { ok: false, message: why });
        });
      }),
    });
    this.watchdogs = new Watchdogs({
      engine, guard: this.guard, realtime: this.o.realtime, ...this.o.watchdog, wallNow: this.wallNow, lastDataWall: () => this.lastDataWall,
    });
    this.watchdogs.start();
  }

  /** The first gate run, awaited by the engine before the strategy starts and data flows. */
  async ready(): Promise<void> {
    this.gatesDone = this.rerunGates();
    this.resolveFirstRun(await this.gatesDone);
  }

  /** Only the arrival time is kept (one clock read per event, real-time sessions only). */
  onMarket(): void {
    this.lastDataWall = this.wallNow();
  }

  onOrderEvent(_ev: OrderEvent): void {
    this.killSwitch?.onOrderEvent();
  }

  onFill(_f: Fill): void {
    this.killSwitch?.onFill();
  }

  onTradingState(s: TradingState): void {
    this.guard.onTradingState(s);
    this.o.onChange?.();
  }

  onStop(): void {
    this.watchdogs?.stop();
  }

  // ---------- gates, reconciliation ----------

  async rerunGates(): Promise<GateResult[]> {
    const e = this.engine;
    if (e === null) return [];
    this.gatesRunning = true;
    this.o.onChange?.();
    const results = await runGates({
      mode: this.id.mode, engine: e, execution: e.execution, instruments: e.context().symbols.map((s) => e.instrument(s)!).filter(Boolean),
      limits: this.o.limits, stateDir: this.stateDir, lock: this.lock, realtime: this.o.realtime,
      reconcile: this.o.reconcile ?? null, wallNow: this.wallNow, lastDataWall: () => this.lastDataWall,
      ...(this.o.thresholds !== undefined ? { thresholds: this.o.thresholds } : {}),
      ...(this.o.jurisdiction !== undefined ? { jurisdiction: this.o.jurisdiction } : {}),
      ...(this.o.lastQuote !== undefined ? { lastQuote: this.o.lastQuote } : {}),
    }, this.o.gates ?? DEFAULT_GATES);
    this.gates = results;
    this.gatesRunning = false;
    for (const r of results) {
      const level = r.status === 'pass' ? 'info' : r.status === 'warn' ? 'warn' : 'error';
      // The result itself rides along as fields: a replay shows the gates pane from the recording.
      e.log(level, 'gates', `${r.status.toUpperCase()} ${r.title}: ${r.detail}${r.fix ? ` (${r.fix})` : ''}`, { gate: { ...r } });
    }
    const hold = gateHoldReason(results);
    if (hold === null) this.guard.release((k) => k === 'gates', 'pre-flight gates pass');
    else this.guard.hold('gates', 'halted', hold);
    this.o.onChange?.();
    return results;
  }

  async reconcileNow(): Promise<string> {
    if (this.o.reconcile == null) return 'reconciliation not available for this venue';
    const r = await this.o.reconcile();
    this.reconciliation = r;
    this.o.onChange?.();
    return r.clean ? 'reconciliation clean: books agree with the venue' : `reconciliation found ${r.lines.length} difference(s): see the reconciliation pane`;
  }

  /** Every reconciliation result (periodic runs, re-checks, reconnects), for the pane. */
  showReconciliation(r: ReconcileSummary): void {
    this.reconciliation = r;
    this.o.onChange?.();
  }

  /** Repair our books from the venue; a state gate that failed on the difference runs again. */
  private async acceptVenue(by: string): Promise<{ readonly ok: boolean; readonly message: string }> {
    const r = await this.o.acceptVenue!(by);
    if (r.ok && this.gates.some((g) => g.id === 'state' && g.status === 'fail')) await this.rerunGates();
    return r;
  }

  /** The journal store calls this when it cannot write (watchdog: pause with the reason). */
  journalError(err: unknown): void {
    this.watchdogs?.journalError(err);
  }

  // ---------- views ----------

  view(): OpsView {
    return {
      killLevel: this.killSwitch?.level() ?? 0,
      killReason: this.killSwitch?.levelReason() ?? '',
      progress: this.killSwitch?.progress() ?? null,
      gates: this.gates,
      gatesRunning: this.gatesRunning,
      reconciliation: this.reconciliation,
      reconcileUnavailable: this.o.reconcile == null ? 'reconciliation not available for this venue' : null,
      holds: this.guard.list(),
    };
  }

  async status(): Promise<StatusReport> {
    const e = this.engine;
    let atVenue: StatusReport['atVenue'] = null;
    const q = e?.execution.queries;
    if (q !== undefined) {
      try {
        const [orders, positions] = await withTimeout(e!.scheduler, Promise.all([q.openOrders(), q.positions()]), 2000, 'the venue status');
        atVenue = { openOrders: orders.length, positions: positions.filter((p) => p.qty !== 0).map((p) => ({ symbol: p.symbol, qty: p.qty })) };
      } catch {
        atVenue = null;
      }
    }
    return {
      atVenue,
      session: this.session.name, sessionDir: this.session.dir, pid: process.pid, mode: this.id.mode, venue: this.id.venue,
      account: this.id.account, strategy: e?.strategyName ?? '',
      trading: e?.tradingState() ?? { status: 'halted', reason: 'not started', since: 0 },
      killLevel: this.killSwitch?.level() ?? 0,
      engineTime: e !== null && Number.isFinite(e.now()) ? e.now() : null,
      running: e !== null && !e.isStopped(),
      equity: e?.portfolio.equity() ?? 0,
      openOrders: e === null ? 0 : [...e.orders.openOrders()].filter((x) => !x.external).length,
      positions: e === null ? [] : e.portfolio.positionsList().filter((p) => p.qty !== 0).map((p) => ({ symbol: p.symbol, qty: p.qty })),
      gates: this.gates.map((g) => ({ id: g.id, status: g.status, detail: g.detail })),
    };
  }

  // ---------- control socket and teardown ----------

  async startControl(session: { id: string; name: string; dir: string }, env: NodeJS.ProcessEnv = process.env): Promise<ControlServer> {
    this.session = session;
    const entry: Omit<RegistryEntry, 'socket'> = {
      id: session.id, name: session.name, pid: process.pid, startedAt: Math.round(Date.now() - process.uptime() * 1000),
      sessionDir: session.dir, mode: this.id.mode, venue: this.id.venue, strategy: this.engine?.strategyName ?? '',
    };
    this.server = await startControlServer(this.bus, entry, env);
    return this.server;
  }

  /** Persist the latch, stop watchdogs, close the socket, release the lock. Idempotent. */
  async close(by: string): Promise<void> {
    this.watchdogs?.stop();
    if (this.killSwitch !== null) {
      try { this.killSwitch.persist(by); } catch (err) { this.engine?.log('error', 'operator', `could not save the kill-switch state: ${(err as Error).message}`); }
    }
    await this.server?.close();
    this.server = null;
    this.lock.release();
  }
}
