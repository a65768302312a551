/**
 * The console's state, kept outside React: an EngineObserver that keeps bounded state (recent
 * orders, positions, an events ring, equity samples) and hands the UI immutable snapshots at a
 * capped rate. Observer callbacks only record and mark the model dirty (cheap: the engine's hot path
 * pays a few stores per event); snapshots are built on a timer, at most `maxFps` a second, so a busy
 * engine drops intermediate frames, never events. The full record of a session is the recording /
 * journal; the ring here holds what a screen can show.
 */
import type { EngineView, EngineObserver, LogEntry } from '../engine/engine.ts';
import type { Fill } from '../domain/fill.ts';
import type { MarketEvent } from '../domain/market.ts';
import { describeOrder } from '../domain/order.ts';
import type { AccountEntry, ConnectionState, DeadManStatus } from '../ports/index.ts';
import { describeEntry } from '../recording/format.ts';
import { isOpen } from '../orders/fsm.ts';
import type { OrderEvent, OrderView } from '../orders/order.ts';
import type { PositionView } from '../portfolio/portfolio.ts';
import { DayTracker } from './day-pnl.ts';
import { INITIAL_TRADING_STATE, type TradingState } from '../risk/trading-state.ts';
import { EMPTY_OPS, type OpsView } from '../ops/view.ts';
import { BarRing, type ChartData } from './bar-ring.ts';

export type ConsoleMode = 'paper' | 'live' | 'replay';

export interface SessionInfo {
  readonly mode: ConsoleMode;
  readonly venue: string;
  readonly account: string;
  readonly strategy: string;
  readonly session: string;
  /** The session's short id: what `parity ctl --session` and `parity replay` take (status bar). */
  readonly id?: string;
  readonly sessionDir: string;
  /** '300x', 'max', 'live'. */
  readonly pace: string;
  /** The venue lives in this process (the simulator): nothing stays open at a broker on exit. */
  readonly inProcessVenue: boolean;
  /**
   * What the session runs (backtest/run-info.ts runDescriptionLines): the strategy file and params,
   * each symbol's asset class and spec source, the data span. `warn` marks a guessed symbol.
   */
  readonly run?: readonly { readonly text: string; readonly warn: boolean }[];
}

/**
 * 'account': a venue-initiated cash entry (funding, a rebate); 'forced': a trade the venue made on our
 * account (liquidation, auto-deleverage), shown in the error tone.
 */
export type EventKind = 'order' | 'fill' | 'info' | 'warn' | 'error' | 'state' | 'operator' | 'account' | 'forced';

export interface EventRow {
  readonly seq: number;
  /** EngineView time. */
  readonly ts: number;
  readonly kind: EventKind;
  readonly text: string;
}

export interface ConnectionView {
  readonly state: ConnectionState | 'in-process';
  readonly heartbeatAgeMs: number | null;
  readonly detail: string;
}

export interface ConsoleSnapshot {
  readonly seq: number;
  readonly info: SessionInfo;
  readonly wallTime: number;
  readonly engineTime: number | null;
  readonly running: boolean;
  readonly ended: string | null;
  readonly currency: string;
  readonly equity: number;
  readonly dayPnl: number;
  readonly realized: number;
  readonly fees: number;
  readonly connection: ConnectionView;
  /**
   * The venue's dead-man switch, as the execution client reports it (ExecutionClient.deadMan): null
   * when the client has none; absent where there is no venue to ask (a replay).
   */
  readonly deadMan?: DeadManStatus | null;
  /** Funding paid (negative) or received this session, in the account currency (AccountView.funding). */
  readonly funding?: number;
  /** Live market events dropped because they did not advance (shown in the status bar when > 0). */
  readonly droppedMarketEvents?: number;
  readonly trading: TradingState;
  readonly ops: OpsView;
  /** Working orders first (newest first), then recent closed ones. */
  readonly orders: readonly OrderView[];
  readonly openOrders: number;
  readonly positions: readonly PositionView[];
  /** Oldest first; the last `maxEvents`. */
  readonly events: readonly EventRow[];
  readonly eventsTotal: number;
  readonly equitySeries: readonly number[];
  /** Engine time of each equity sample (the equity chart's dates); absent where unknown (replay). */
  readonly equityTimes?: readonly number[];
  /** The last bars per symbol and our last fills, for the price chart (`v`). */
  readonly chart?: ChartData;
  readonly eventsProcessed: number;
  /** Replay only (issue 5, src/console/replay-source.ts): the cursor and the player's settings. */
  readonly replay?: ReplayView;
}

export interface ReplayView {
  /** Event number (0-based) the screen shows the state after. */
  readonly cursor: number;
  readonly total: number;
  readonly playing: boolean;
  readonly speed: string;
  /** What n / N jump to. */
  readonly seekKind: string;
  /** The `g` prompt's text while it is open. */
  readonly prompt: string | null;
  readonly message: string | null;
  readonly clean: boolean;
  readonly warnings: number;
}

/** The seam between the UI and whatever feeds it (this model, or a replay's player). */
export interface SnapshotSource {
  get(): ConsoleSnapshot;
  subscribe(listener: () => void): () => void;
}

export interface ConsoleModelOptions {
  readonly info: SessionInfo;
  readonly ops?: () => OpsView;
  readonly maxFps?: number;
  readonly maxEvents?: number;
  readonly maxClosedOrders?: number;
  readonly maxEquitySamples?: number;
  /** EngineView-time spacing of equity samples (default: one a minute of data). */
  readonly sampleEveryMs?: number;
  readonly wallNow?: () => number;
}

export class ConsoleModel implements EngineObserver, SnapshotSource {
  private engine: EngineView | null = null;
  private info: SessionInfo;
  private ops: () => OpsView;
  private readonly maxEvents: number;
  private readonly maxClosed: number;
  private readonly maxSamples: number;
  private readonly sampleEvery: number;
  private readonly frameMs: number;
  private readonly wallNow: () => number;
  private readonly orders = new Map<string, OrderView>();
  private readonly closedOrder: string[] = [];
  private readonly events: EventRow[] = [];
  private eventSeq = 0;
  private readonly equity: number[] = [];
  private readonly equityTs: number[] = [];
  private readonly bars = new BarRing();
  private nextSample = Number.NEGATIVE_INFINITY;
  /**
   * Day P&L counts the trading day the max-daily-loss guard counts, by the rule a replay uses too
   * (day-pnl.ts, on the engine's tradingDayCalendar()).
   */
  private days = new DayTracker('24x7');
  private readonly quotes = new Map<string, { bid: number; ask: number }>();
  private trading: TradingState = INITIAL_TRADING_STATE;
  private ended: string | null = null;
  private dirty = true;
  private snap: ConsoleSnapshot;
  private snapSeq = 0;
  private lastWallSecond = 0;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(o: ConsoleModelOptions) {
    this.info = o.info;
    this.ops = o.ops ?? (() => EMPTY_OPS);
    this.maxEvents = o.maxEvents ?? 1000;
    this.maxClosed = o.maxClosedOrders ?? 200;
    this.maxSamples = o.maxEquitySamples ?? 2000;
    this.sampleEvery = o.sampleEveryMs ?? 60_000;
    this.frameMs = Math.max(10, Math.round(1000 / (o.maxFps ?? 10)));
    this.wallNow = o.wallNow ?? Date.now;
    this.snap = this.build();
  }

  setInfo(info: SessionInfo): void {
    this.info = info;
    this.dirty = true;
  }

  setOps(ops: () => OpsView): void {
    this.ops = ops;
    this.invalidate();
  }

  /** Something outside the engine changed (ops state, progress): redraw on the next frame. */
  invalidate(): void {
    this.dirty = true;
  }

  /** Record an operator-facing line that does not come from the engine (e.g. before it starts). */
  note(kind: EventKind, text: string): void {
    this.push(kind, this.engine !== null && Number.isFinite(this.engine.now()) ? this.engine.now() : 0, text);
  }

  lastQuote(symbol: string): { bid: number; ask: number } | undefined {
    return this.quotes.get(symbol);
  }

  // ---------- EngineObserver ----------

  onStart(engine: EngineView): void {
    this.engine = engine;
    // The engine's rule, not a guess from the data: the same days as the daily loss limit.
    if (engine.tradingDayCalendar() !== this.days.calendar) this.days = new DayTracker(engine.tradingDayCalendar());
    this.trading = engine.tradingState();
    this.dirty = true;
  }

  onMarket(ev: MarketEvent, engine: EngineView): void {
    if (this.engine === null) this.engine = engine;
    this.dirty = true;
    if (ev.kind === 'quote') this.quotes.set(ev.symbol, { bid: ev.bid, ask: ev.ask });
    this.bars.onMarket(ev);
    const ts = ev.ts;
    this.days.onMarket(ts, engine.portfolio);
    if (ts >= this.nextSample) {
      this.nextSample = ts + this.sampleEvery;
      this.equity.push(engine.portfolio.equity());
      this.equityTs.push(ts);
      if (this.equity.length > this.maxSamples) {
        this.equity.splice(0, this.equity.length - this.maxSamples);
        this.equityTs.splice(0, this.equityTs.length - this.maxSamples);
      }
    }
  }

  onOrderEvent(ev: OrderEvent): void {
    const o = ev.order;
    this.orders.set(o.clientOrderId, o);
    if (!isOpen(o.status)) {
      this.closedOrder.push(o.clientOrderId);
      if (this.closedOrder.length > this.maxClosed) {
        const drop = this.closedOrder.splice(0, this.closedOrder.length - this.maxClosed);
        for (const id of drop) {
          const v = this.orders.get(id);
          if (v !== undefined && !isOpen(v.status)) this.orders.delete(id);
        }
      }
    }
    const why = ev.reason !== undefined ? `: ${ev.reason}` : '';
    const kind: EventKind = ev.to === 'denied' || ev.to === 'rejected' ? 'warn' : 'order';
    this.push(kind, ev.ts, `${ev.clientOrderId} ${describeOrder(o.request)} ${ev.from} -> ${ev.to}${why}`);
  }

  onFill(f: Fill, engine: EngineView): void {
    const pos = engine.portfolio.qty(f.symbol);
    this.bars.onFill(f);
    this.push('fill', f.ts, `${f.side.toUpperCase()} ${f.qty} ${f.symbol} @ ${f.price}${f.fee ? ` fee ${f.fee}` : ''} -> position ${pos}`);
  }

  /** A venue-initiated entry, once booked on the ledger (the engine's onAccountEntry hook). */
  onAccountEntry(entry: AccountEntry, _engine: EngineView): void {
    this.push(entry.kind === 'liquidation' || entry.kind === 'adl' ? 'forced' : 'account', entry.ts, describeEntry({ ...entry }));
  }

  onLog(e: LogEntry): void {
    if (e.level === 'debug') return;
    const kind: EventKind = e.source === 'operator' ? 'operator' : e.level;
    this.push(kind, e.ts, `[${e.source}] ${e.message}`);
  }

  onTradingState(s: TradingState): void {
    // The engine logs every change itself (onLog): keep the state, do not log it twice.
    this.trading = s;
    this.dirty = true;
  }

  onStop(engine: EngineView): void {
    this.ended = engine.eventsProcessed() > 0 ? 'session ended: data exhausted or stopped' : 'session ended';
    this.dirty = true;
  }

  /** Mark the end reason (the runtime knows why it stopped). */
  setEnded(reason: string): void {
    this.ended = reason;
    this.dirty = true;
  }

  // ---------- snapshots ----------

  get(): ConsoleSnapshot {
    return this.snap;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.frameMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== null) { clearInterval(this.timer); this.timer = null; }
    };
  }

  /** Build a snapshot now if anything changed (or the wall second did: ages, heartbeat). */
  tick(): boolean {
    const sec = Math.floor(this.wallNow() / 1000);
    if (!this.dirty && sec === this.lastWallSecond) return false;
    this.lastWallSecond = sec;
    this.dirty = false;
    this.snap = this.build();
    for (const l of this.listeners) l();
    return true;
  }

  private push(kind: EventKind, ts: number, text: string): void {
    this.events.push({ seq: ++this.eventSeq, ts, kind, text });
    if (this.events.length > this.maxEvents * 2) this.events.splice(0, this.events.length - this.maxEvents);
    this.dirty = true;
  }

  private build(): ConsoleSnapshot {
    const e = this.engine;
    const wall = this.wallNow();
    const acct = e?.portfolio.account();
    const orders = [...this.orders.values()];
    const open = orders.filter((o) => isOpen(o.status)).sort((a, b) => b.createdAt - a.createdAt);
    const closed = orders.filter((o) => !isOpen(o.status)).sort((a, b) => b.updatedAt - a.updatedAt);
    const conn = e?.execution.connection?.();
    const connection: ConnectionView = conn === undefined
      ? { state: 'in-process', heartbeatAgeMs: null, detail: this.info.inProcessVenue ? 'simulated venue in this process' : 'no heartbeat from this venue' }
      : { state: conn.state, heartbeatAgeMs: conn.lastHeartbeat === null ? null : wall - conn.lastHeartbeat, detail: conn.detail ?? '' };
    const equity = acct?.equity ?? 0;
    const events = this.events.length > this.maxEvents ? this.events.slice(-this.maxEvents) : this.events.slice();
    return {
      seq: ++this.snapSeq,
      info: this.info,
      wallTime: wall,
      engineTime: e !== null && Number.isFinite(e.now()) ? e.now() : null,
      running: e !== null && !e.isStopped(),
      ended: this.ended,
      currency: acct?.currency ?? 'USD',
      equity,
      dayPnl: this.days.pnl(equity),
      realized: acct?.realizedPnl ?? 0,
      fees: acct?.fees ?? 0,
      connection,
      // Asked every frame: the countdown on the status bar is the venue's expiry against this frame's wall time.
      ...(e !== null ? { deadMan: e.execution.deadMan?.() ?? null } : {}),
      funding: acct?.funding ?? 0,
      droppedMarketEvents: e?.droppedMarketEvents() ?? 0,
      trading: e?.tradingState() ?? this.trading,
      ops: this.ops(),
      orders: [...open, ...closed],
      openOrders: open.length,
      positions: e?.portfolio.positionsList() ?? [],
      events,
      eventsTotal: this.eventSeq,
      equitySeries: this.equity.slice(),
      equityTimes: this.equityTs.slice(),
      chart: this.bars.view(),
      eventsProcessed: e?.eventsProcessed() ?? 0,
    };
  }
}
