/**
 * The event loop. One core for every mode: a backtest drains files through it as fast as the CPU
 * goes, a paper or live session feeds it from sockets under a real clock. The core and the strategy
 * callbacks are synchronous; I/O lives in the parts plugged in (feeds, venue, observers).
 *
 * Order of work for one market event at time t:
 *   1. a simulated venue matches working orders against it (fills at t),
 *   2. reports due at t are applied (ledger, order states, strategy notified),
 *   3. history and marks are updated, then the strategy sees the event,
 *   4. observers (recorder, UI, backtest collector) see the event last.
 * So a market order decided on bar t's close can fill no earlier than bar t+1: no look-ahead.
 */
import type { Instrument } from '../domain/instrument.ts';
import type { Bar, MarketEvent, Quote, Trade } from '../domain/market.ts';
import type { Fill } from '../domain/fill.ts';
import { type OrderRequest, type ReplaceRequest, describeOrder } from '../domain/order.ts';
import { OrderRegistry, type BookedFill } from '../orders/registry.ts';
import type { Order, OrderEvent, OrderView } from '../orders/order.ts';
import { viewOf } from '../orders/order.ts';
import { isOpen, isTerminal } from '../orders/fsm.ts';
import { reportsFromVenue, type VenueSyncOptions } from '../orders/venue-sync.ts';
import type { BookedFee, RestoredOrder } from '../orders/registry.ts';
import { DailyLossGuard, type DailyLossState, tradingDayCalendarOf } from '../risk/daily-loss.ts';
import { Portfolio, type AccountSettings, type BookHandle } from '../portfolio/portfolio.ts';
import { type TradingState, type TradingStatus, INITIAL_TRADING_STATE } from '../risk/trading-state.ts';
import { type Hold, TradingHolds } from '../risk/trading-holds.ts';
import { MarketOrderGuard } from './market-order.ts';
import { type AdmissionContext, type CommandSource, admitReplace, admitSubmit } from '../risk/admission.ts';
import { type RiskLimits, NO_LIMITS } from '../risk/limits.ts';
import { DEFAULT_FLATTEN_COLLAR, flattenOrder } from '../risk/flatten.ts';
import type { Clock } from './clock.ts';
import { SimulatedClock } from './clock.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../ports/scheduler.ts';
import { EventQueue } from './event-queue.ts';
import { ModelStage, type StageRecord } from './model-stage.ts';
import { BarRing, HistoryView, type BarHistory } from './history.ts';
import type { AccountEntry, DataFeed, ExecutionClient, ExecutionReport, InstrumentProvider, PullFeed, PushFeed, VenueOrderState } from '../ports/index.ts';
import type { StrategyContext, StrategyHandlers } from './strategy.ts';
import { StrategyErrors, describeStrategyError, type StrategyErrorPolicy } from './strategy-errors.ts';

/** The engine runs any strategy: it sees parameters as the plain record they were parsed into. */
type StrategyParams = Record<string, unknown>;
import { type ClientOrderIdSource, SequentialIds } from '../orders/client-ids.ts';
import { mulberry32 } from '../util/random.ts';

import type { EngineControl, EngineView, LogLevel } from './view.ts';
export type { EngineControl, EngineView, LogLevel } from './view.ts';
export interface LogEntry { readonly ts: number; readonly level: LogLevel; readonly source: string; readonly message: string; readonly fields?: Record<string, unknown> }

/** Everything outside the core that wants to know what happened (recorder, console, backtest stats). */
export interface EngineObserver {
  onMarket?(event: MarketEvent, engine: EngineView): void;
  /**
   * Every event stamped `ts` has been handled (market data, the reports due then, the strategy):
   * called once, before engine time moves past `ts`. The state then is the state "at ts" (the
   * backtest collector samples equity here, once per timestamp however many symbols there are).
   */
  onTimestampDone?(ts: number, engine: EngineView): void;
  /**
   * True when this observer reads `OrderEvent.handle` (or nothing of the order) and never keeps
   * an event past the call: the engine then need not snapshot the order at every event.
   */
  readonly readsOrderHandles?: boolean;
  /** A venue report as received, before it is applied (recording, diagnostics). */
  onReport?(report: ExecutionReport, engine: EngineView): void;
  onOrderEvent?(event: OrderEvent, engine: EngineView): void;
  onFill?(fill: Fill, engine: EngineView): void;
  /** A fee booked after its fill (a late commission report): the ledger has it (the journal records it). */
  onFeeAdjusted?(adj: FeeAdjustment, engine: EngineView): void;
  /** A venue-initiated entry (funding, liquidation, rebate), after the ledger booked it; once per entryId. */
  onAccountEntry?(entry: AccountEntry, engine: EngineView): void;
  onLog?(entry: LogEntry, engine: EngineView): void;
  onTradingState?(state: TradingState, engine: EngineView): void;
  /** An order intent about to leave the process (journal it durably here). */
  beforeSend?(order: OrderView, engine: EngineView): void;
  onStop?(engine: EngineView): void;
  /** The operator decided what to do with an external order (the journal records it). */
  onExternalDecision?(order: OrderView, decision: ExternalDecision, engine: EngineView): void;
  /**
   * A pipeline stage of a decision (model-stage.ts): a bar's features and prediction, before onBar
   * for it; the strategy's signal and target as it names them. Warm-up bars get their model stage
   * too (a re-run reads their side inputs from it); signals and targets are not recorded in warm-up.
   */
  onStage?(record: StageRecord, engine: EngineView): void;
  /** History bars about to be fed as warm-up (order entry off), before the strategy sees them (recording). */
  onWarmup?(bars: readonly Bar[], engine: EngineView): void;
  /** The run is starting: engine time is set, nothing is connected or decided yet (ops holds, console). */
  onStart?(engine: EngineControl): void;
  /**
   * Real-time runs only: awaited after the venue is connected and recovery has run, before the
   * strategy's onStart and before any market data flows (the first pre-flight gate run).
   */
  ready?(engine: EngineControl): Promise<void>;
}

/** What the operator may do with an order the venue works that this store did not place. */
export type ExternalDecision = 'adopt' | 'cancel' | 'leave';

/** A fee added to an execution already booked (a 'fee' report). */
export interface FeeAdjustment {
  readonly clientOrderId: string;
  readonly execId: string;
  readonly symbol: string;
  readonly fee: number;
  readonly ts: number;
}

export interface EngineOptions {
  readonly instruments: InstrumentProvider;
  readonly execution: ExecutionClient;
  /** `file`: the strategy's path, so an exception names the strategy's own file:line (strategy-errors.ts). */
  readonly strategy: { readonly name: string; readonly handlers: StrategyHandlers<StrategyParams>; readonly params: Record<string, unknown>; readonly file?: string };
  /** What a throw in a strategy callback does (strategy-errors.ts): 'pause' (default), 'stop' or 'skip'. */
  readonly onStrategyError?: StrategyErrorPolicy;
  readonly account?: AccountSettings;
  readonly limits?: RiskLimits;
  readonly clientIds?: ClientOrderIdSource;
  readonly historyCapacity?: number;
  readonly seed?: number;
  readonly clock?: Clock;
  readonly observers?: readonly EngineObserver[];
  /** Events handled before yielding to Node's event loop (real-time runs only). */
  readonly batchSize?: number;
  /**
   * No acknowledgement within this many ms (engine time) after sending: the order becomes
   * `unconfirmed` and the venue is asked about it by client order id (never a blind resend).
   * Off when absent (backtests: the simulated venue always answers).
   */
  readonly ackTimeoutMs?: number;
  /** How many times an unconfirmed order is looked up before it is declared lost (default 3). */
  readonly ackQueries?: number;
  /**
   * A cancel or replace with no answer this many ms after it was sent: the venue is asked by client
   * order id, so `pending_cancel` and `pending_replace` always end. A cancel the venue refused or
   * never got is retried (asking first) with backoff, up to `cancelRetries` times. Default: the ack
   * timeout; off when that is off (backtests: the simulated venue always answers at once).
   */
  readonly commandTimeoutMs?: number;
  readonly cancelRetries?: number;
  /** Every round-trip timer (ack, cancel, replace, retries) runs here, on the transport's clock. Default: wall. */
  readonly scheduler?: Scheduler;
  /**
   * Runs after the venue is connected and before the strategy's onStart: crash recovery restores
   * orders, positions and cash here, so the strategy's first callback already sees them.
   */
  readonly startup?: (engine: Engine) => Promise<void> | void;
  /**
   * History bars fetched at start (from the venue): fed to the strategy after onStart with order
   * entry switched off, so indicators are warm and no order comes from the past.
   */
  readonly warmup?: (engine: Engine) => Promise<readonly Bar[]> | readonly Bar[];
  /** The strategy's declared features and model (model-stage.ts): computed for every bar before onBar. */
  readonly model?: ModelStage;
}

type Notification = { readonly kind: 'fill'; readonly fill: Fill } | { readonly kind: 'order'; readonly event: OrderEvent };

type Internal =
  | { readonly type: 'report'; readonly report: ExecutionReport }
  | { readonly type: 'entry'; readonly entry: AccountEntry }
  | { readonly type: 'market'; readonly event: MarketEvent }
  | { readonly type: 'call'; readonly fn: () => void };

export class Engine implements EngineControl {
  readonly portfolio: Portfolio;
  readonly orders: OrderRegistry;
  readonly execution: ExecutionClient;
  readonly strategyName: string;
  private readonly instruments: InstrumentProvider;
  private readonly handlers: StrategyHandlers<StrategyParams>;
  private readonly ctx: StrategyContext<StrategyParams>;
  private readonly queue = new EventQueue<Internal>();
  private readonly pullFeeds: PullFeed[] = [];
  private readonly pushFeeds: PushFeed[] = [];
  /** Per symbol: history ring and last price, resolved by one lookup per event (see slotOf). */
  private readonly slots = new Map<string, SymbolSlot>();
  private lastSlot: SymbolSlot | null = null;
  private readonly observers: EngineObserver[];
  private readonly timeObservers: EngineObserver[];
  private sendObservers = 0;
  /** Admission's view of the engine, refilled per command: no object or closure per order. */
  private readonly admission: MutableAdmission;
  private readonly limits: RiskLimits;
  private readonly clientIds: ClientOrderIdSource;
  private readonly historyCapacity: number;
  private readonly random: () => number;
  /** Fills and order events owed to the strategy (data, not closures: this runs per order). */
  private readonly notifications: Notification[] = [];
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly onBarH: ((bar: Bar, ctx: StrategyContext<StrategyParams>) => void) | undefined;
  private readonly onQuoteH: ((q: Quote, ctx: StrategyContext<StrategyParams>) => void) | undefined;
  private readonly onTradeH: ((t: Trade, ctx: StrategyContext<StrategyParams>) => void) | undefined;
  private readonly marketObservers: EngineObserver[];
  private readonly stageObservers: EngineObserver[];
  private readonly model: ModelStage | null;
  private state: TradingState = INITIAL_TRADING_STATE;
  private readonly holds = new TradingHolds();
  private readonly marketOrder = new MarketOrderGuard();
  private readonly dayCalendar: Instrument['calendar'];
  private time = Number.NEGATIVE_INFINITY;
  private started = false;
  private stopped = false;
  private processed = 0;
  private submittedTimes: number[] = [];
  private wake: (() => void) | null = null;
  private readonly ackTimeoutMs: number | null;
  private readonly ackQueries: number;
  private readonly commandTimeoutMs: number | null;
  private readonly cancelRetries: number;
  readonly scheduler: Scheduler;
  private readonly ackTimers = new Map<string, TimerHandle>();
  private readonly commandTimers = new Map<string, TimerHandle>();
  /** Orders someone asked to cancel, with the number of retries spent (a cancel stands until it lands). */
  private readonly cancelWanted = new Map<string, number>();
  private readonly startup: EngineOptions['startup'];
  private readonly warmupSource: EngineOptions['warmup'];
  private warmingUp = false;
  private starting = false;
  private readonly dailyLoss: DailyLossGuard | null;
  private readonly strategyErrs: StrategyErrors;
  /** Set by a strategy throw under the 'stop' policy: the run loops end at the next event. */
  private aborted = false;
  /** Venue entries booked, by entryId: a second delivery (socket, then REST gap fill) books nothing. */
  private readonly entryIds = new Set<string>();

  constructor(opts: EngineOptions) {
    this.instruments = opts.instruments;
    this.execution = opts.execution;
    this.strategyName = opts.strategy.name;
    this.handlers = opts.strategy.handlers;
    this.portfolio = new Portfolio(opts.account);
    this.orders = new OrderRegistry((s) => this.instruments.get(s));
    this.observers = [...(opts.observers ?? [])];
    this.marketObservers = this.observers.filter((o) => o.onMarket !== undefined);
    this.timeObservers = this.observers.filter((o) => o.onTimestampDone !== undefined);
    this.stageObservers = this.observers.filter((o) => o.onStage !== undefined);
    this.model = opts.model ?? null;
    this.limits = opts.limits ?? NO_LIMITS;
    this.clientIds = opts.clientIds ?? new SequentialIds('P');
    this.historyCapacity = opts.historyCapacity ?? 500;
    this.random = mulberry32(opts.seed ?? 1);
    this.clock = opts.clock ?? new SimulatedClock();
    this.batchSize = opts.batchSize ?? 512;
    this.onBarH = this.handlers.onBar?.bind(this.handlers);
    this.onQuoteH = this.handlers.onQuote?.bind(this.handlers);
    this.onTradeH = this.handlers.onTrade?.bind(this.handlers);
    this.ctx = this.makeContext(opts.strategy.params);
    this.ackTimeoutMs = opts.ackTimeoutMs ?? null;
    this.ackQueries = opts.ackQueries ?? 3;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? this.ackTimeoutMs;
    this.cancelRetries = opts.cancelRetries ?? 5;
    this.scheduler = opts.scheduler ?? new WallScheduler();
    this.startup = opts.startup;
    this.warmupSource = opts.warmup;
    this.dayCalendar = tradingDayCalendarOf(this.instruments.all());
    this.dailyLoss = this.limits.maxDailyLoss === undefined ? null : new DailyLossGuard(this.limits.maxDailyLoss, this.dayCalendar);
    this.strategyErrs = new StrategyErrors(opts.onStrategyError ?? 'pause', opts.strategy.file);
    this.admission = {
      instrument: undefined, capabilities: this.execution.capabilities, state: this.state, limits: this.limits,
      position: 0, pendingReduce: 0, last: undefined, now: this.time, recentSubmits: this.submittedTimes,
      equity: () => this.portfolio.equity(), realizedToday: () => this.portfolio.account().realizedPnl,
      dailyLoss: this.dailyLoss === null ? null : () => this.checkDailyLoss(),
    };
    this.observersChanged();
  }

  /** Snapshots per order event only when someone keeps them; intent views only when someone journals. */
  private observersChanged(): void {
    const keeps = this.handlers.onOrderEvent !== undefined
      || this.observers.some((o) => o.onOrderEvent !== undefined && o.readsOrderHandles !== true);
    this.orders.snapshots = keeps;
    this.sendObservers = this.observers.filter((o) => o.beforeSend !== undefined).length;
  }

  /**
   * One symbol: the last slot. Several: a merge of series hands them out in the same order at every
   * timestamp, so the slot that followed the last one last time is tried before the Map.
   */
  private slotOf(symbol: string): SymbolSlot {
    const c = this.lastSlot;
    if (c !== null) {
      if (c.symbol === symbol) return c;
      const n = c.next;
      if (n !== null && n.symbol === symbol) { this.lastSlot = n; return n; }
    }
    let s = this.slots.get(symbol);
    if (s === undefined) {
      s = new SymbolSlot(symbol, new BarRing(this.historyCapacity), this.portfolio.handle(symbol));
      this.slots.set(symbol, s);
    }
    if (c !== null) c.next = s;
    this.lastSlot = s;
    return s;
  }

  // ---------- wiring ----------

  addFeed(feed: DataFeed): void {
    if (feed.kind === 'pull') this.pullFeeds.push(feed);
    else this.pushFeeds.push(feed);
  }

  addObserver(o: EngineObserver): void {
    this.observers.push(o);
    if (o.onMarket !== undefined) this.marketObservers.push(o);
    if (o.onTimestampDone !== undefined) this.timeObservers.push(o);
    if (o.onStage !== undefined) this.stageObservers.push(o);
    this.observersChanged();
  }

  /** Engine time: the timestamp of the event being handled. */
  now(): number {
    return this.time;
  }

  eventsProcessed(): number {
    return this.processed;
  }

  tradingState(): TradingState {
    return this.state;
  }

  context(): StrategyContext<StrategyParams> {
    return this.ctx;
  }

  instrument(symbol: string): Instrument | undefined {
    return this.instruments.get(symbol);
  }

  last(symbol: string): number | undefined {
    return this.slots.get(symbol)?.lastOrUndefined();
  }

  // ---------- running ----------

  /** Before the first event, engine time is the first event's time (0 when there is none yet). */
  private initTime(): void {
    if (Number.isFinite(this.time)) return;
    const t = this.nextPullTime();
    const c = this.clock.now();
    this.time = Number.isFinite(t) ? t : Number.isFinite(c) ? c : 0;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.initTime();
    for (const o of this.observers) o.onStart?.(this);
    await this.execution.connect((rep) => this.report(rep), { sent: (id, cmd) => this.onSent(id, cmd) }, (e) => this.bookAccountEntry(e));
    // Recovery runs before the strategy's first callback; what it tells the strategy (lost orders,
    // fills while down) is delivered after onStart, in order.
    const told = this.notifications.splice(0);
    if (this.startup !== undefined) {
      this.starting = true;
      try {
        await this.startup(this);
      } finally {
        this.starting = false;
      }
      told.push(...this.notifications.splice(0));
    }
    // Pre-flight gates judge the recovered state; no data flows and no order exists before they answer.
    await Promise.all(this.observers.map((o) => o.ready?.(this)));
    this.guard('onStart', () => this.handlers.onStart?.(this.ctx));
    this.notifications.push(...told);
    this.flush();
    if (this.warmupSource !== undefined) {
      const bars = await this.warmupSource(this);
      // History bars are known at once: their predictions come from one batched run, as a backtest's.
      if (this.model?.hasModel === true && bars.length > 0) await this.model.precompute(bars);
      this.warmUp(bars);
    }
  }

  /**
   * Feed history bars to the strategy with order entry off: indicators warm up, no order is made.
   * The venue does not see them (they are the past) and neither do market observers.
   */
  warmUp(bars: readonly Bar[]): void {
    for (const o of this.observers) o.onWarmup?.(bars, this);
    this.warmingUp = true;
    try {
      for (const b of bars) {
        this.marketOrder.seen(b);
        const slot = this.slotOf(b.symbol);
        slot.ring.push(b);
        slot.setLast(b.close);
        this.portfolio.markAt(slot.book, b.close);
        if (this.model !== null) this.modelStage(b);
        if (this.onBarH !== undefined) this.callStrategy('onBar', this.onBarH, b);
      }
    } finally {
      this.warmingUp = false;
    }
    this.flush();
  }

  isWarmingUp(): boolean {
    return this.warmingUp;
  }

  /** Backtests: drain every pull feed and the queue, synchronously, as fast as possible. */
  runToEnd(onProgress?: (processed: number) => void): void {
    if (!this.started) {
      this.started = true;
      this.initTime();
      for (const o of this.observers) o.onStart?.(this);
      const c = this.execution.connect((rep) => this.report(rep), undefined, (e) => this.bookAccountEntry(e));
      if (c instanceof Promise) throw new Error('runToEnd needs an execution client that connects synchronously');
      this.guard('onStart', () => this.handlers.onStart?.(this.ctx));
      this.flush();
      if (this.warmupSource !== undefined) {
        const w = this.warmupSource(this);
        if (w instanceof Promise) throw new Error('runToEnd needs warm-up bars given synchronously');
        this.warmUp(w);
      }
    }
    const feeds = this.pullFeeds;
    const single = feeds.length === 1 ? feeds[0]! : null;
    let n = 0;
    while (!this.aborted) {
      let feed: PullFeed | null = single;
      let ft: number;
      if (single !== null) ft = single.peekTime();
      else {
        ft = Number.POSITIVE_INFINITY;
        for (let i = 0; i < feeds.length; i++) {
          const t = feeds[i]!.peekTime();
          if (t < ft) { ft = t; feed = feeds[i]!; }
        }
      }
      // Queued events that are due no later than the next data event go first.
      if (this.queue.size > 0 && this.queue.peekTime() <= ft) {
        this.handleQueued();
        continue;
      }
      if (ft === Number.POSITIVE_INFINITY || feed === null) break;
      this.handleMarket(feed.next());
      if (onProgress !== undefined && (++n & 0xffff) === 0) onProgress(this.processed);
    }
    this.stop();
  }

  /**
   * Real-time runs (paper, live): handle what the clock says is due, in batches, yielding to Node's
   * event loop between batches so keystrokes, rendering and control commands never starve.
   * Resolves when every feed is exhausted (file-fed sessions) or `stop()` is called.
   */
  async run(): Promise<void> {
    await this.start();
    let pushOpen = this.pushFeeds.length;
    for (const f of this.pushFeeds) {
      await f.start((ev) => this.enqueueMarket(ev), () => { pushOpen--; this.poke(); });
    }
    while (!this.stopped) {
      const ft = this.nextPullTime();
      if (Number.isFinite(ft)) this.clock.anchor?.(ft);
      const due = this.clock.now();
      let handled = 0;
      while (handled < this.batchSize && !this.stopped && !this.aborted) {
        const feed = this.nextPullFeed();
        const pt = feed === null ? Number.POSITIVE_INFINITY : feed.peekTime();
        const qt = this.queue.peekTime();
        if (qt <= pt && qt <= due && this.queue.size > 0) {
          const bar = this.model === null ? null : this.queue.peekItem();
          if (bar !== null && bar.type === 'market' && bar.event.kind === 'bar' && this.model!.needsAwait(bar.event)) {
            // The model's one asynchronous step: this bar leaves the queue, its prediction is
            // awaited, then it is handled before anything else (onBar for t sees t's prediction).
            this.queue.pop();
            await this.model!.prepare(bar.event);
            this.handleQueuedItem(bar.event.ts, bar);
          } else this.handleQueued();
          handled++;
          continue;
        }
        if (feed !== null && pt < qt && pt <= due) {
          const ev = feed.next();
          if (this.model !== null && ev.kind === 'bar' && this.model.needsAwait(ev)) await this.model.prepare(ev);
          this.handleMarket(ev);
          handled++;
          continue;
        }
        break;
      }
      if (this.stopped || this.aborted) break;
      const next = Math.min(this.nextPullTime(), this.queue.peekTime());
      if (next === Number.POSITIVE_INFINITY && pushOpen === 0 && this.queue.size === 0) break;
      if (handled >= this.batchSize) { await yieldToEventLoop(); continue; }
      const wait = next === Number.POSITIVE_INFINITY ? 1000 : Math.max(0, Math.min(1000, this.clock.delayUntil(next)));
      await new Promise<void>((resolve) => {
        // The loop's idle wait belongs to the Clock (when is the next event due), not to a timer that
        // guards work: those run on the scheduler.
        const t = setTimeout(() => { this.wake = null; resolve(); }, wait); // timer-ok: the clock's idle wait
        this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
      });
    }
    this.stop();
  }

  /** Stop the run: the strategy's onStop runs once, observers are told, feeds are closed. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const f of this.pushFeeds) f.stop();
    this.guard('onStop', () => this.handlers.onStop?.(this.ctx));
    this.flush();
    for (const o of this.observers) o.onStop?.(this);
    this.poke();
  }

  isStopped(): boolean {
    return this.stopped;
  }

  private poke(): void {
    this.wake?.();
  }

  private nextPullTime(): number {
    return this.nextPullFeed()?.peekTime() ?? Number.POSITIVE_INFINITY;
  }

  private nextPullFeed(): PullFeed | null {
    let t = Number.POSITIVE_INFINITY;
    let best: PullFeed | null = null;
    for (const f of this.pullFeeds) { const x = f.peekTime(); if (x < t) { t = x; best = f; } }
    return best;
  }

  /**
   * Push feeds and adapters put market data here; it is handled in (ts, arrival) order. An event
   * that does not advance for its symbol and kind is dropped here, counted and logged (the log is
   * recorded, and the recording holds only what the strategy saw, so a re-run sees the same stream).
   */
  enqueueMarket(event: MarketEvent): void {
    const why = this.marketOrder.admit(event);
    if (why !== null) {
      this.log('warn', 'data', why, { dropped: this.marketOrder.count() });
      return;
    }
    this.queue.push(event.ts, { type: 'market', event });
    this.poke();
  }

  /**
   * The calendar whose days the daily loss limit counts (New York days when any instrument is a US
   * equity, else UTC days): the console's day P&L counts the same days (risk/daily-loss.ts dayKey).
   */
  tradingDayCalendar(): Instrument['calendar'] {
    return this.dayCalendar;
  }

  /** Live market events dropped because they did not advance (status bar, ctl status). */
  droppedMarketEvents(): number {
    return this.marketOrder.count();
  }

  /** Run a function inside the loop at engine time `ts` (operator commands, timers). */
  schedule(ts: number, fn: () => void): void {
    this.queue.push(ts, { type: 'call', fn });
    this.poke();
  }

  private report(rep: ExecutionReport): void {
    this.queue.push(rep.ts, { type: 'report', report: rep });
    this.poke();
  }

  /** Time moves past `this.time`: everything stamped with it is done. */
  private timestampDone(): void {
    const obs = this.timeObservers;
    for (let i = 0; i < obs.length; i++) obs[i]!.onTimestampDone!(this.time, this);
  }

  private handleQueued(): void {
    const q = this.queue.pop()!;
    this.handleQueuedItem(q.ts, q.item);
  }

  private handleQueuedItem(ts: number, it: Internal): void {
    if (ts > this.time) {
      if (this.timeObservers.length > 0) this.timestampDone();
      this.time = ts;
    }
    if (it.type === 'report') this.applyReport(it.report);
    else if (it.type === 'entry') this.applyEntry(it.entry);
    else if (it.type === 'market') this.handleMarket(it.event);
    else this.guard('command', it.fn);
    this.flush();
  }

  /**
   * Apply every queued report and entry due by now (fills the venue produced for the event in
   * hand). A market event waiting in the queue is left to the run loop: handled here it would run
   * inside the one in hand, before that one's strategy call, and past the model's await for it.
   * (A live venue stamps reports with its own clock, ahead of replayed bars: every bar queued then
   * counted as due.)
   */
  private drainDue(): void {
    const q = this.queue;
    while (q.size > 0 && q.peekTime() <= this.time && q.peekItem()!.type !== 'market') this.handleQueued();
  }

  private handleMarket(ev: MarketEvent): void {
    if (ev.ts > this.time) {
      if (this.timeObservers.length > 0) this.timestampDone();
      this.time = ev.ts;
    }
    this.processed++;
    const sym = ev.symbol;
    const exec = this.execution;
    if (exec.onMarketData !== undefined) {
      exec.onMarketData(ev);
      if (this.queue.size > 0) this.drainDue();
    }
    const slot = this.slotOf(sym);
    if (ev.kind === 'bar') {
      slot.ring.push(ev);
      slot.setLast(ev.close);
      this.portfolio.markAt(slot.book, ev.close);
      if (this.model !== null) this.modelStage(ev);
      if (this.onBarH !== undefined) this.callStrategy('onBar', this.onBarH, ev);
    } else if (ev.kind === 'quote') {
      const mid = (ev.bid + ev.ask) / 2;
      slot.setLast(mid);
      this.portfolio.markAt(slot.book, mid);
      if (this.onQuoteH !== undefined) this.callStrategy('onQuote', this.onQuoteH, ev);
    } else {
      slot.setLast(ev.price);
      this.portfolio.markAt(slot.book, ev.price);
      if (this.onTradeH !== undefined) this.callStrategy('onTrade', this.onTradeH, ev);
    }
    if (this.notifications.length > 0) this.flush();
    const obs = this.marketObservers;
    for (let i = 0; i < obs.length; i++) obs[i]!.onMarket!(ev, this);
  }

  /** The bar's features and prediction, current before onBar; observers record them. */
  private modelStage(bar: Bar): void {
    const st = this.model!.onBar(bar);
    const obs = this.stageObservers;
    if (obs.length === 0) return;
    const rec: StageRecord = { kind: 'model', ts: bar.ts, symbol: bar.symbol, values: st.values, prediction: st.prediction, funding: st.funding, index: st.index };
    for (let i = 0; i < obs.length; i++) obs[i]!.onStage!(rec, this);
  }

  /** A stage the strategy names (signal, target): recorded beside the model stage, not in warm-up. */
  private strategyStage(rec: StageRecord): void {
    if (this.warmingUp) return;
    if (!Number.isFinite(rec.kind === 'signal' ? rec.value : rec.kind === 'target' ? rec.qty : 0)) {
      this.log('warn', this.strategyName, `${rec.kind} for ${rec.symbol} is not a finite number: not recorded`);
      return;
    }
    for (const o of this.stageObservers) o.onStage!(rec, this);
  }

  private callStrategy<E>(where: string, fn: (e: E, ctx: StrategyContext<StrategyParams>) => void, ev: E): void {
    try {
      fn(ev, this.ctx);
    } catch (err) {
      this.strategyError(where, err);
    }
  }

  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.strategyError(where, err);
    }
  }

  /**
   * A throwing strategy never crashes the process (positions stay managed): the throw is counted,
   * logged once per place (with its stack; repeats only count), and the policy decides the rest.
   */
  private strategyError(where: string, err: unknown): void {
    const { rec, first } = this.strategyErrs.record(where, err, this.time);
    const what = describeStrategyError(rec);
    if (first) this.log('error', 'strategy', `strategy threw in ${what}`, rec.stack !== null ? { stack: rec.stack } : undefined);
    if (this.strategyErrs.policy === 'stop') this.aborted = true;
    // The first message of that place: a stable reason, so a repeat does not re-log the hold.
    else if (this.strategyErrs.policy === 'pause') this.setTradingState('paused', `strategy error in ${what}`);
  }

  /** Every strategy throw so far, collapsed by place (strategy-errors.ts). */
  strategyErrors(): Pick<StrategyErrors, 'count' | 'list' | 'policy'> {
    return this.strategyErrs;
  }

  /** The run ended early because the strategy threw under the 'stop' policy. */
  stoppedByStrategyError(): boolean {
    return this.aborted;
  }

  /** Strategy notifications are delivered after the callback that caused them returns, in order. */
  private flush(): void {
    const q = this.notifications;
    if (q.length === 0) return; // most calls (a report no strategy handler listens to): not even `length = 0`, a runtime call
    const h = this.handlers;
    for (let i = 0; i < q.length; i++) {
      const n = q[i]!;
      try {
        if (n.kind === 'fill') h.onFill?.(n.fill, this.ctx);
        else h.onOrderEvent?.(n.event, this.ctx);
      } catch (err) {
        this.strategyError(n.kind === 'fill' ? 'onFill' : 'onOrderEvent', err);
      }
    }
    q.length = 0;
  }

  // ---------- orders ----------

  private applyReport(rep: ExecutionReport): void {
    for (const o of this.observers) o.onReport?.(rep, this);
    const out = this.orders.applyReport(rep);
    if (out.problem !== null) this.log('warn', 'orders', out.problem, { report: rep });
    if (out.fill !== null) this.bookFill(out.fill);
    if (out.fee !== undefined) this.bookFee(out.fee);
    for (const ev of out.events) this.emitOrderEvent(ev);
    this.afterReport(rep);
  }

  /** A fee learned after its fill: on the ledger (position fees, cash), in integer units like any fee. */
  private bookFee(b: BookedFee): void {
    const inst = this.instruments.get(b.order.request.symbol)!;
    this.portfolio.applyFee(inst, b.fee);
    const adj: FeeAdjustment = { clientOrderId: b.order.clientOrderId, execId: b.execId, symbol: inst.symbol, fee: b.fee, ts: b.ts };
    this.log('info', 'orders', `fee ${b.fee} for execution ${b.execId} of ${b.order.clientOrderId} booked after its fill`);
    for (const o of this.observers) o.onFeeAdjusted?.(adj, this);
    if (this.dailyLoss !== null) this.checkDailyLoss();
  }

  /**
   * A venue-initiated entry (funding, liquidation, rebate): queued at its venue time and booked on
   * the ledger in the loop, once per entryId. What entries sinks call (ExecutionClient.connect's third argument).
   */
  bookAccountEntry(entry: AccountEntry): void {
    this.queue.push(entry.ts, { type: 'entry', entry });
    this.poke();
  }

  /** Book an entry at once (recovery and reconciliation, outside the loop); false when its id was booked before. */
  applyEntryNow(entry: AccountEntry): boolean {
    const booked = this.applyEntry(entry);
    this.flushIfIdle();
    return booked;
  }

  /** The entry ids booked so far (the journal keeps them so a restart books none twice). */
  seenEntryIds(): ReadonlySet<string> {
    return this.entryIds;
  }

  /** Recovery: entry ids the books already hold. */
  restoreEntryIds(ids: Iterable<string>): void {
    for (const id of ids) this.entryIds.add(id);
  }

  private applyEntry(entry: AccountEntry): boolean {
    if (this.entryIds.has(entry.entryId)) return false;
    const inst = entry.symbol === null ? undefined : this.instruments.get(entry.symbol);
    if (entry.symbol !== null && inst === undefined) {
      this.log('error', 'ledger', `venue entry ${entry.entryId} (${entry.kind} ${entry.amount} ${entry.currency}) is for ${entry.symbol}, which this session does not know: not booked; reconcile against the venue`);
      return false;
    }
    this.entryIds.add(entry.entryId);
    this.portfolio.applyEntry(entry, inst);
    if (entry.kind === 'liquidation') {
      this.log('warn', 'ledger', `liquidation of ${entry.symbol ?? 'the account'}${entry.trade !== undefined ? ` (${entry.trade.qty} at ${entry.trade.price})` : ''}: fee ${-entry.amount} ${entry.currency}`);
    }
    for (const o of this.observers) o.onAccountEntry?.(entry, this);
    if (this.dailyLoss !== null) this.checkDailyLoss();
    return true;
  }

  /** Round trips the report settles, and cancels that must be tried again. */
  private afterReport(rep: ExecutionReport): void {
    // Nothing in flight to settle (every backtest fill): no lookup on the hot path.
    if (this.ackTimers.size === 0 && this.commandTimers.size === 0 && this.cancelWanted.size === 0) return;
    const o = this.orders.get(rep.clientOrderId);
    if (o === undefined) return;
    if (!isOpen(o.status)) {
      this.cancelWanted.delete(o.clientOrderId);
      this.ackTimers.get(o.clientOrderId)?.cancel();
      this.ackTimers.delete(o.clientOrderId);
    }
    if (o.status !== 'pending_cancel' && o.status !== 'pending_replace') {
      this.commandTimers.get(o.clientOrderId)?.cancel();
      this.commandTimers.delete(o.clientOrderId);
    }
    if (rep.kind === 'cancel_rejected' && isOpen(o.status) && o.status !== 'pending_cancel' && this.cancelWanted.has(o.clientOrderId)) {
      this.retryCancel(o.clientOrderId, rep.reason);
    }
  }

  private bookFill(b: BookedFill): void {
    const inst = this.instruments.get(b.order.request.symbol)!;
    const side = b.order.request.side;
    this.portfolio.applyFill(inst, side, b.qty, b.price, b.fee);
    const fill: Fill = {
      clientOrderId: b.order.clientOrderId, execId: b.execId, symbol: inst.symbol, side,
      qty: b.qty, price: b.price, fee: b.fee, liquidity: b.liquidity, ts: b.ts,
    };
    for (const o of this.observers) o.onFill?.(fill, this);
    if (this.dailyLoss !== null) this.checkDailyLoss();
    const h = this.handlers.onFill;
    if (h !== undefined) this.notifications.push({ kind: 'fill', fill });
  }

  private emitOrderEvent(ev: OrderEvent): void {
    for (const o of this.observers) o.onOrderEvent?.(ev, this);
    const h = this.handlers.onOrderEvent;
    if (h !== undefined) this.notifications.push({ kind: 'order', event: ev });
  }

  /** Submit on behalf of the strategy or the operator (flatten). Returns the client order id. */
  submit(req: OrderRequest, source: 'strategy' | 'operator' = 'strategy'): string {
    if (this.warmingUp && source === 'strategy') {
      // History bars decide nothing: an order from the past would be traded now.
      this.log('debug', 'engine', `warm-up: ${describeOrder(req)} not placed (history bars produce no orders)`);
      return '';
    }
    const id = this.clientIds.next();
    const order = this.orders.create(id, req, this.time, false, this.clientIds.unique === true);
    const denial = this.preTrade(order, source);
    if (denial !== null) {
      const ev = this.orders.apply(order, 'deny', this.time, denial);
      this.log('warn', 'risk', `denied ${describeOrder(req)}: ${denial}`);
      if (ev !== null) this.emitOrderEvent(ev);
      return id;
    }
    const ev = this.orders.apply(order, 'submit', this.time);
    if (ev !== null) this.emitOrderEvent(ev);
    if (!this.journalIntent(order)) return id;
    this.submittedTimes.push(this.time);
    this.execution.submit({ clientOrderId: id, request: req, ts: this.time });
    if (this.ackTimeoutMs !== null) this.armAckTimer(id, 1);
    return id;
  }

  /**
   * The durable record comes first: if an observer cannot journal the intent (disk full, I/O error),
   * the order never leaves the process, is rejected with the reason, and trading halts until the
   * operator has a writable journal again. Returns whether the order may be sent.
   */
  private journalIntent(order: Order): boolean {
    if (this.sendObservers === 0) return true; // nobody journals (backtests): no view to build
    const view = viewOf(order);
    try {
      for (const o of this.observers) o.beforeSend?.(view, this);
      return true;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const reason = `not sent: the journal could not record the intent (${why})`;
      const rej = this.orders.apply(order, 'reject', this.time, reason);
      this.log('error', 'journal', `${order.clientOrderId} ${reason}; trading halted until the journal is writable and you resume`);
      this.setTradingState('halted', `journal cannot be written: ${why}`);
      if (rej !== null) this.emitOrderEvent(rej);
      return false;
    }
  }

  // ---------- unacknowledged orders ----------

  /**
   * Round-trip timers run on the scheduler (the transport's clock), from when the request left,
   * never on engine time: a live minute bar is stamped with the start of its minute, so engine time
   * can lag the wall clock and an engine-time timeout could fire before the request was even sent.
   */
  private armAckTimer(id: string, attempt: number): void {
    this.ackTimers.get(id)?.cancel();
    this.ackTimers.set(id, this.scheduler.after(this.ackTimeoutMs!, () => {
      this.ackTimers.delete(id);
      this.schedule(this.time, () => this.checkAck(id, attempt));
    }));
  }

  /** The adapter says a request actually left: its round-trip timeout starts now. */
  private onSent(id: string, cmd: 'submit' | 'cancel' | 'replace'): void {
    if (cmd === 'submit') {
      if (this.ackTimers.has(id)) this.armAckTimer(id, 1);
    } else if (this.commandTimers.has(id)) this.armCommandTimer(id);
  }

  private armCommandTimer(id: string, delayMs = this.commandTimeoutMs): void {
    if (delayMs === null) return;
    this.commandTimers.get(id)?.cancel();
    this.commandTimers.set(id, this.scheduler.after(delayMs, () => {
      this.commandTimers.delete(id);
      this.schedule(this.time, () => this.commandTimedOut(id));
    }));
  }

  /** No answer to a cancel or replace in time: the venue's word on the order settles it. */
  private commandTimedOut(id: string): void {
    const o = this.orders.get(id);
    if (o === undefined || (o.status !== 'pending_cancel' && o.status !== 'pending_replace')) return;
    this.log('warn', 'orders', `no answer to the ${o.status === 'pending_cancel' ? 'cancel' : 'replace'} of ${id} within ${this.commandTimeoutMs} ms: asking the venue`);
    this.askVenue(id, () => this.armCommandTimer(id));
  }

  /** Ask the venue about one order and apply its answer in the loop; `failed` runs when it cannot answer. */
  private askVenue(id: string, failed: () => void, then?: () => void): void {
    const q = this.execution.queries;
    if (q === undefined) { then?.(); return; }
    q.order(id).then(
      (state) => this.schedule(this.time, () => {
        if (state !== null) this.applyVenueState(id, state, []);
        then?.();
      }),
      (err: unknown) => this.schedule(this.time, () => {
        this.log('warn', 'orders', `query of ${id} failed (${err instanceof Error ? err.message : String(err)}); asking again`);
        failed();
      }),
    );
  }

  /** A cancel that did not land while someone still wants it: ask the venue, then cancel again, with backoff. */
  private retryCancel(id: string, reason: string): void {
    const spent = (this.cancelWanted.get(id) ?? 0) + 1;
    if (spent > this.cancelRetries) {
      this.cancelWanted.delete(id);
      this.log('error', 'orders', `cancel of ${id} failed ${this.cancelRetries + 1} times (${reason}): the order still works at the venue; cancel it there, or cancel again`);
      return;
    }
    this.cancelWanted.set(id, spent);
    const backoff = Math.min(8000, 250 * 2 ** (spent - 1));
    this.log('warn', 'orders', `cancel of ${id} did not land (${reason}): asking the venue and trying again in ${backoff} ms (${spent}/${this.cancelRetries})`);
    this.scheduler.after(backoff, () => this.schedule(this.time, () => {
      const again = (): void => {
        const o = this.orders.get(id);
        if (o !== undefined && isOpen(o.status) && o.status !== 'pending_cancel' && this.cancelWanted.has(id)) this.sendCancel(o);
      };
      this.askVenue(id, again, again);
    }));
  }

  /** The ack timer fired: still no ack means unconfirmed, and the venue is asked, never resent to. */
  private checkAck(id: string, attempt: number): void {
    const o = this.orders.get(id);
    if (o === undefined) return;
    if (o.status === 'submitted') {
      const ev = this.orders.apply(o, 'ack_timeout', this.time, `no acknowledgement within ${this.ackTimeoutMs} ms`);
      this.log('warn', 'orders', `no ack for ${id} within ${this.ackTimeoutMs} ms: asking the venue by client order id`);
      if (ev !== null) this.emitOrderEvent(ev);
    }
    if (o.status !== 'unconfirmed') return;
    const q = this.execution.queries;
    if (q === undefined) {
      this.log('warn', 'orders', `${id} is unconfirmed and the venue cannot be queried: reconciliation will settle it`);
      return;
    }
    q.order(id).then(
      (state) => this.schedule(this.time, () => this.settleUnconfirmed(id, state, attempt)),
      (err: unknown) => this.schedule(this.time, () => {
        this.log('warn', 'orders', `query of ${id} failed (${err instanceof Error ? err.message : String(err)}); asking again`);
        if (attempt < this.ackQueries) this.armAckTimer(id, attempt + 1);
      }),
    );
  }

  private settleUnconfirmed(id: string, state: VenueOrderState | null, attempt: number): void {
    const o = this.orders.get(id);
    if (o === undefined || o.status !== 'unconfirmed') return; // a late ack settled it meanwhile
    if (state === null) {
      // It may still be on its way: ask again; only after the last attempt is it declared lost.
      if (attempt < this.ackQueries) { this.armAckTimer(id, attempt + 1); return; }
      this.markLost(id, `the venue has no order ${id} after ${attempt} queries`);
      return;
    }
    this.applyVenueState(id, state, []);
  }

  /** Bring one of our orders in line with the venue's answer, through the ordinary report path. */
  applyVenueState(id: string, state: VenueOrderState, executions: readonly import('../ports/index.ts').VenueExecution[], opts: VenueSyncOptions = {}): void {
    const o = this.orders.get(id);
    if (o === undefined) return;
    const inst = this.instruments.get(o.request.symbol);
    if (inst === undefined) return;
    for (const r of reportsFromVenue(o, state, executions, inst, this.time, opts)) this.applyReport(r);
    this.flushIfIdle();
  }

  /** A venue report that did not come through the adapter's sink (fills recovered after a gap). */
  injectReport(rep: ExecutionReport): void {
    this.report(rep);
  }

  /** Apply a report at once (recovery before the run starts: positions must be right before onStart). */
  applyReportNow(rep: ExecutionReport): void {
    this.applyReport(rep);
    this.flushIfIdle();
  }

  /** The venue never got this intent and it is too old to resend: terminal, and the strategy is told. */
  markLost(id: string, reason: string): void {
    const o = this.orders.get(id);
    if (o === undefined || isTerminal(o.status)) return;
    const ev = this.orders.apply(o, 'lost', this.time, reason);
    if (ev === null) { this.log('error', 'orders', `${id}: cannot mark lost from ${o.status}; flagged for reconciliation`); return; }
    this.log('warn', 'orders', `order ${id} lost: ${reason}`);
    this.emitOrderEvent(ev);
    this.flushIfIdle();
  }

  /**
   * Recovery: send again, under the SAME client order id, an intent the venue never received (only
   * while it is fresh). The venue refuses a client order id it has seen, so this cannot fill twice.
   */
  resend(id: string): void {
    const o = this.orders.get(id);
    if (o === undefined || (o.status !== 'submitted' && o.status !== 'unconfirmed')) return;
    if (!this.journalIntent(o)) return;
    this.log('info', 'orders', `resending ${id} (the venue never received it)`);
    this.execution.submit({ clientOrderId: id, request: o.request, ts: this.time });
    if (this.ackTimeoutMs !== null) this.armAckTimer(id, 1);
  }

  /**
   * Recovery: a cancel the journal recorded (the order is pending_cancel) that the venue never got
   * goes out again under the same record: the request is idempotent at the venue.
   */
  resendCancel(id: string): void {
    const o = this.orders.get(id);
    if (o === undefined || o.status !== 'pending_cancel') return;
    this.log('warn', 'recovery', `${id}: the cancel recorded before the restart never reached the venue; sending it again`);
    this.execution.cancel(id, this.time);
    this.armCommandTimer(id);
  }

  /** Recovery: put back an order from the store, as it was recorded. */
  restoreOrder(s: RestoredOrder): Order {
    return this.orders.restore(s);
  }

  /** An order at the venue we did not create: adopted as external (shown, never traded by us). */
  private adoptExternal(state: VenueOrderState): Order {
    const o = this.orders.adoptExternal(
      state.clientOrderId, state.venueOrderId, state.request, state.status === 'partially_filled' ? 'partially_filled' : 'accepted',
      state.filledQty, state.avgFillPrice, this.time,
    );
    this.log('warn', 'orders', `adopted external order ${state.clientOrderId} (${describeOrder(state.request)}): the venue has it, this store did not`);
    return o;
  }

  /**
   * An order the venue works under our client-id prefix that the journal does not know (a lost
   * journal, a second console on the same store): shown as external, and trading halts until the
   * operator decides on each. Orders of other origin (placed by hand) are left alone from the start.
   */
  holdForExternal(state: VenueOrderState, ours: boolean): Order {
    const o = this.adoptExternal(state);
    if (!ours) {
      o.leftAlone = true;
      this.log('info', 'orders', `venue order ${o.clientOrderId} was not placed by parity: left alone (never touched, outside flatten and reconciliation)`);
      return o;
    }
    this.holdPendingExternal();
    return o;
  }

  /** External orders still waiting for the operator's decision. */
  pendingExternal(): OrderView[] {
    const out: OrderView[] = [];
    for (const o of this.orders.openOrders()) if (o.external && !o.leftAlone) out.push(viewOf(o));
    return out;
  }

  /**
   * The operator's decision on one external order: adopt (managed as ours from now on), cancel (sent
   * to the venue, then it ends like any order), or leave (never touched, outside flatten and
   * reconciliation). Returns null when done, or why it cannot be.
   */
  decideExternal(id: string, decision: ExternalDecision): string | null {
    const o = this.orders.get(id);
    if (o === undefined) return `no order ${id}`;
    if (!o.external) return `${id} is not an external order`;
    if (!isOpen(o.status)) return `${id} is already ${o.status}`;
    if (decision === 'adopt') { o.external = false; o.leftAlone = false; }
    else if (decision === 'leave') o.leftAlone = true;
    else {
      o.leftAlone = true; // until its cancel lands it is neither ours nor pending
      this.sendCancel(o);
    }
    this.log('warn', 'operator', `external order ${id} (${describeOrder(o.request)}): ${decision === 'adopt' ? 'adopted, managed as ours from now on' : decision === 'leave' ? 'left alone' : 'cancel sent'}`);
    const view = viewOf(o);
    for (const ob of this.observers) ob.onExternalDecision?.(view, decision, this);
    this.holdPendingExternal();
    this.flushIfIdle();
    return null;
  }

  private holdPendingExternal(): void {
    const pending = this.pendingExternal();
    if (pending.length === 0) { this.release((k) => k === 'external', 'every external order has a decision'); return; }
    this.hold('external', 'halted', `${pending.length} order(s) at the venue carry our client-id prefix but are not in the journal (${pending.map((p) => p.clientOrderId).join(', ')}): decide on each (adopt, cancel or leave: parity ctl external <id> <decision>)`);
  }

  /** Daily-loss state, persisted by the store (so a restart keeps the day's starting equity). */
  dailyLossState(): DailyLossState | null {
    return this.dailyLoss?.state() ?? null;
  }

  restoreDailyLoss(s: DailyLossState | null): void {
    this.dailyLoss?.restore(s);
  }

  private checkDailyLoss(): string | null {
    const why = this.dailyLoss!.check(this.time, this.portfolio.equity());
    if (why !== null && this.state.status === 'active') this.setTradingState('paused', why);
    return why;
  }

  /** Outside the loop (recovery, async answers) nothing else flushes strategy notifications. */
  private flushIfIdle(): void {
    if (this.started && !this.starting) this.flush();
  }

  private preTrade(order: Order, source: CommandSource): string | null {
    return admitSubmit(order.request, source, this.admissionContext(order.request.symbol, order.request.side, order.clientOrderId));
  }

  /**
   * What admission needs to know about one symbol, now (risk/admission.ts decides). One object,
   * refilled per command (admission reads it synchronously and keeps nothing).
   */
  private admissionContext(symbol: string, side: 'buy' | 'sell', except: string): AdmissionContext {
    const a = this.admission;
    a.instrument = this.instruments.get(symbol);
    a.state = this.state;
    a.position = this.portfolio.qty(symbol);
    a.pendingReduce = this.pendingReduce(symbol, side, except);
    a.last = this.slots.get(symbol)?.lastOrUndefined();
    a.now = this.time;
    a.recentSubmits = this.submittedTimes;
    return a;
  }

  private pendingReduce(symbol: string, side: 'buy' | 'sell', except: string): number {
    let q = 0;
    for (const o of this.orders.openOrders()) {
      if (o.clientOrderId === except || o.request.symbol !== symbol || o.request.side !== side) continue;
      q += o.request.qty - o.filledQty;
    }
    return q;
  }

  cancel(clientOrderId: string): void {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) { this.log('warn', 'orders', `cancel: no order ${clientOrderId}`); return; }
    if (!isOpen(o.status)) return;
    if (o.external) { this.log('warn', 'orders', `cancel of ${clientOrderId} refused: not placed by this store (decide on it first: adopt, cancel or leave)`); return; }
    if (this.commandTimeoutMs !== null && !this.cancelWanted.has(clientOrderId)) this.cancelWanted.set(clientOrderId, 0);
    if (o.status === 'pending_cancel') {
      // Asked again while a cancel is out: the venue's word now, rather than waiting for the timeout.
      if (this.commandTimeoutMs !== null) this.askVenue(clientOrderId, () => this.armCommandTimer(clientOrderId));
      return;
    }
    this.sendCancel(o);
  }

  private sendCancel(o: Order): void {
    const ev = this.orders.apply(o, 'cancel_request', this.time);
    if (ev === null) { this.log('warn', 'orders', `cancel of ${o.clientOrderId} in state ${o.status} refused`); return; }
    this.emitOrderEvent(ev);
    this.execution.cancel(o.clientOrderId, this.time);
    this.armCommandTimer(o.clientOrderId);
  }

  /**
   * Replace through the same admission as submit (trading state, grid, capabilities, every limit).
   * Returns null when the replace was sent, else the reason it was refused (also logged).
   */
  replace(clientOrderId: string, changes: ReplaceRequest, source: CommandSource = 'strategy'): string | null {
    const o = this.orders.get(clientOrderId);
    const refuse = (why: string): string => { this.log('warn', 'risk', `replace ${clientOrderId} refused: ${why}`); return why; };
    if (o === undefined) return refuse(`no order ${clientOrderId}`);
    if (o.status !== 'accepted' && o.status !== 'partially_filled') return refuse(`cannot replace an order that is ${o.status}`);
    if (o.external) return refuse('the order was not placed by this store: adopt it first');
    const why = admitReplace(o.request, o.filledQty, changes, source, this.admissionContext(o.request.symbol, o.request.side, o.clientOrderId));
    if (why !== null) return refuse(why);
    const ev = this.orders.apply(o, 'replace_request', this.time);
    if (ev === null) return refuse(`the order cannot be replaced from ${o.status}`);
    this.submittedTimes.push(this.time);
    this.emitOrderEvent(ev);
    this.execution.replace(clientOrderId, changes, this.time);
    this.armCommandTimer(clientOrderId);
    return null;
  }

  // ---------- trading state and operator commands ----------

  /**
   * The engine's own hold ('engine'): a strategy error, the daily loss limit, a journal that cannot
   * be written, a re-run replaying a recorded state. 'active' lifts only this hold.
   */
  setTradingState(status: TradingStatus, reason: string): void {
    if (status === 'active') this.release((k) => k === 'engine', reason);
    else this.hold('engine', status, reason);
  }

  /** Set a named hold (risk/trading-holds.ts TRIGGERS says who uses which). The one way to stop trading. */
  hold(key: string, status: 'paused' | 'halted', reason: string): void {
    if (this.holds.hold(key, status, reason, this.nowOrZero())) this.applyHolds(reason);
  }

  /** Lift the holds whose key matches; the state is what the remaining holds call for. */
  release(match: (key: string) => boolean, why: string): string[] {
    const lifted = this.holds.release(match);
    if (lifted.length > 0) this.applyHolds(why);
    return lifted;
  }

  flag(clientOrderId: string, reason: string | null): void {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) return;
    o.flagged = reason;
    if (reason !== null) this.log('error', 'orders', `${clientOrderId} flagged: ${reason}`);
  }

  /** Recovery (the store's book) and accept-venue (the venue's): the caller says which, in its log. */
  restoreBooks(cash: Readonly<Record<string, number>>, positions: readonly { instrument: Instrument; qty: number; avgPrice: number }[]): void {
    this.portfolio.restore(cash, positions);
  }

  /** Every hold in force, with its reason (console, ctl status, the guard). */
  tradingHolds(): readonly Hold[] {
    return this.holds.list();
  }

  private applyHolds(why: string): void {
    const d = this.holds.desired();
    const reason = d.status === 'active' ? (why === '' ? 'resumed' : why) : d.reason;
    if (this.state.status === d.status && this.state.reason === reason) return;
    this.state = { status: d.status, reason, since: this.nowOrZero() };
    this.log(d.status === 'active' ? 'info' : 'warn', 'engine', `trading ${d.status}: ${reason}`);
    for (const o of this.observers) o.onTradingState?.(this.state, this);
  }

  private nowOrZero(): number {
    return Number.isFinite(this.time) ? this.time : 0;
  }

  /** Cancel every open order of ours (never external ones). Returns the ids asked to cancel. */
  cancelAll(): string[] {
    const ids: string[] = [];
    for (const o of [...this.orders.openOrders()]) {
      if (o.external) continue;
      ids.push(o.clientOrderId);
      this.cancel(o.clientOrderId);
    }
    return ids;
  }

  /**
   * The operator's flatten: one closing order per position (risk/flatten.ts says market or marketable
   * limit). Returns what was sent and, in words, what could not be.
   */
  flatten(collar = this.limits.priceCollar ?? DEFAULT_FLATTEN_COLLAR): { sent: { id: string; request: OrderRequest }[]; refused: string[] } {
    const sent: { id: string; request: OrderRequest }[] = [];
    const refused: string[] = [];
    for (const p of this.portfolio.positionsList()) {
      if (p.qty === 0) continue;
      const inst = this.instruments.get(p.symbol);
      if (inst === undefined) { refused.push(`${p.symbol}: unknown instrument`); continue; }
      const req = flattenOrder(p, inst, this.time, this.slots.get(p.symbol)?.lastOrUndefined(), this.execution.capabilities, collar);
      if (typeof req === 'string') { refused.push(req); continue; }
      const id = this.submit(req, 'operator');
      const o = this.orders.get(id);
      if (o !== undefined && o.status === 'denied') refused.push(`${p.symbol}: ${o.reason ?? 'denied'}`);
      else sent.push({ id, request: req });
    }
    return { sent, refused };
  }

  log(level: LogLevel, source: string, message: string, fields?: Record<string, unknown>): void {
    const entry: LogEntry = fields === undefined ? { ts: this.time, level, source, message } : { ts: this.time, level, source, message, fields };
    for (const o of this.observers) o.onLog?.(entry, this);
  }

  openOrderViews(symbol?: string): OrderView[] {
    const out: OrderView[] = [];
    for (const o of this.orders.openOrders()) if (symbol === undefined || o.request.symbol === symbol) out.push(viewOf(o));
    return out;
  }

  // ---------- the strategy's context ----------

  private makeContext(params: Record<string, unknown>): StrategyContext<StrategyParams> {
    const symbols: string[] = this.instruments.all().map((i) => i.symbol);
    const emptyRing = new BarRing(1);
    return {
      params: Object.freeze({ ...params }),
      symbols,
      now: () => this.time,
      submit: (req) => this.submit(req, 'strategy'),
      // History bars decide nothing: no cancel or replace from the past either (recovered orders stay).
      cancel: (id) => { if (this.warmingUp) this.log('debug', 'engine', `warm-up: cancel of ${id} not sent`); else this.cancel(id); },
      replace: (id, ch) => { if (this.warmingUp) this.log('debug', 'engine', `warm-up: replace of ${id} not sent`); else this.replace(id, ch); },
      position: (s) => this.portfolio.position(s),
      account: () => this.portfolio.account(),
      history: (s, n): BarHistory => new HistoryView(s, this.slots.get(s)?.ring ?? emptyRing, Math.min(n, this.historyCapacity)),
      instrument: (s) => {
        const i = this.instruments.get(s);
        if (i === undefined) throw new Error(`unknown symbol ${s}`);
        return i;
      },
      openOrders: (s) => this.openOrderViews(s),
      tradingState: () => this.state,
      log: (message, fields) => this.log('info', this.strategyName, message, fields),
      random: this.random,
      features: (s) => this.featuresOf(s),
      prediction: (s) => this.model?.current(s)?.prediction ?? Number.NaN,
      signal: (s, value) => this.strategyStage({ kind: 'signal', ts: this.time, symbol: s, value }),
      target: (s, qty) => this.strategyStage({ kind: 'target', ts: this.time, symbol: s, qty }),
    };
  }

  /** The current bar's features by name: built once per bar and symbol, when asked. */
  private featuresOf(symbol: string): Readonly<Record<string, number>> {
    const st = this.model?.current(symbol);
    if (st === undefined || st === null) return EMPTY_FEATURES;
    let named = this.named.get(st);
    if (named === undefined) {
      const out: Record<string, number> = {};
      const names = this.model!.names;
      for (let i = 0; i < names.length; i++) out[names[i]!] = st.values[i]!;
      named = Object.freeze(out);
      this.named.set(st, named);
    }
    return named;
  }
  private readonly named = new WeakMap<object, Readonly<Record<string, number>>>();
}

const EMPTY_FEATURES: Readonly<Record<string, number>> = Object.freeze({});

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One symbol's engine state: found once per event instead of one Map lookup per field. */
class SymbolSlot {
  /**
   * The latest price, a plain double field (a `number | undefined` field is a tagged one: every
   * price stored into it boxed a new heap number, one allocation per event), and whether there is one.
   */
  private last = 0.5; // a non-integer start: the field is a double from the first store on
  /** The slot asked for right after this one last time (slotOf's guess). */
  next: SymbolSlot | null = null;
  private hasLast = false;
  setLast(price: number): void {
    this.last = price;
    this.hasLast = true;
  }
  lastOrUndefined(): number | undefined {
    return this.hasLast ? this.last : undefined;
  }
  /** The symbol's place in the ledger: marked without a lookup. */
  constructor(readonly symbol: string, readonly ring: BarRing, readonly book: BookHandle) {}
}

type MutableAdmission = { -readonly [K in keyof AdmissionContext]: AdmissionContext[K] };
