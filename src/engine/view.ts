/**
 * What the world outside the core may see of a running engine, and what it may ask of it.
 *
 * - EngineView is read-only: the observers (console, recorder, persister, backtest collector) get
 *   this in every callback and cannot change an order, a position or the trading state through it.
 * - EngineControl adds the typed commands. Services on the boundary (recovery, the kill switch,
 *   the trading guard, reconciliation, the pre-flight gates) hold one; every order command in it
 *   passes the engine's one admission path (risk/admission.ts), whoever calls it.
 *
 * Nothing outside src/engine and src/modes (which assemble engines) needs the Engine class itself.
 */
import type { Instrument } from '../domain/instrument.ts';
import type { OrderRequest, ReplaceRequest } from '../domain/order.ts';
import type { Order, OrderView } from '../orders/order.ts';
import type { RestoredOrder } from '../orders/registry.ts';
import type { VenueSyncOptions } from '../orders/venue-sync.ts';
import type { Portfolio } from '../portfolio/portfolio.ts';
import type { AccountEntry, ExecutionClient, ExecutionReport, VenueExecution, VenueOrderState } from '../ports/index.ts';
import type { CommandSource } from '../risk/admission.ts';
import type { DailyLossState } from '../risk/daily-loss.ts';
import type { Hold } from '../risk/trading-holds.ts';
import type { Scheduler } from '../ports/scheduler.ts';
import type { TradingState, TradingStatus } from '../risk/trading-state.ts';
import type { StrategyContext } from './strategy.ts';

/** An order as observers see it: every field read-only, the exec ids included. */
export type ReadonlyOrder = Readonly<Omit<Order, 'execIds'>> & { readonly execIds: ReadonlySet<string> };

export interface OrderRegistryView {
  get(clientOrderId: string): ReadonlyOrder | undefined;
  openOrders(): IterableIterator<ReadonlyOrder>;
  all(): IterableIterator<ReadonlyOrder>;
  openCount(): number;
}

/** The portfolio's read side (the ledger changes only through fills the engine books). */
export type PortfolioView = Pick<Portfolio, 'qty' | 'lots' | 'position' | 'positionsList' | 'equity' | 'marginUsed' | 'buyingPower' | 'cashIn' | 'cashByCurrency' | 'account' | 'settings'>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EngineView {
  readonly strategyName: string;
  readonly portfolio: PortfolioView;
  readonly orders: OrderRegistryView;
  /** Every timer, retry, timeout and periodic check of the core and its services runs here. */
  readonly scheduler: Scheduler;
  /** The venue behind the engine: its name, capabilities, connection and queries (read-only asks). */
  readonly execution: ExecutionClient;
  now(): number;
  eventsProcessed(): number;
  /** The calendar whose trading days the daily loss limit (and the console's day P&L) count. */
  tradingDayCalendar(): Instrument['calendar'];
  /** Live market events dropped because their timestamp did not advance for their symbol and kind. */
  droppedMarketEvents(): number;
  tradingState(): TradingState;
  tradingHolds(): readonly Hold[];
  instrument(symbol: string): Instrument | undefined;
  last(symbol: string): number | undefined;
  isStopped(): boolean;
  isWarmingUp(): boolean;
  dailyLossState(): DailyLossState | null;
  openOrderViews(symbol?: string): OrderView[];
  pendingExternal(): OrderView[];
  context(): StrategyContext<Record<string, unknown>>;
  /** Observers may write to the session's log (it is recorded like everything else). */
  log(level: LogLevel, source: string, message: string, fields?: Record<string, unknown>): void;
}

/** What the operator and the services may ask for: typed commands through the engine's one path. */
export interface EngineControl extends EngineView {
  submit(req: OrderRequest, source?: CommandSource): string;
  cancel(clientOrderId: string): void;
  replace(clientOrderId: string, changes: ReplaceRequest, source?: CommandSource): string | null;
  cancelAll(): string[];
  flatten(collar?: number): { sent: { id: string; request: OrderRequest }[]; refused: string[] };
  hold(key: string, status: 'paused' | 'halted', reason: string): void;
  release(match: (key: string) => boolean, why: string): string[];
  setTradingState(status: TradingStatus, reason: string): void;
  decideExternal(id: string, decision: 'adopt' | 'cancel' | 'leave'): string | null;
  /** Run `fn` inside the engine's loop at engine time `ts` (commands from outside the loop). */
  schedule(ts: number, fn: () => void): void;
  /** Bring one of our orders in line with the venue's answer, through the ordinary report path. */
  applyVenueState(id: string, state: VenueOrderState, executions: readonly VenueExecution[], opts?: VenueSyncOptions): void;
  /** A venue report that did not come through the adapter's sink (fills recovered after a gap). */
  injectReport(rep: ExecutionReport): void;
  /** Apply a report at once (recovery, before the run starts: positions must be right before onStart). */
  applyReportNow(rep: ExecutionReport): void;
  /** Book a venue-initiated entry at once (recovery, reconciliation); false when its id was booked already. */
  applyEntryNow(entry: AccountEntry): boolean;
  /** The ids of every venue-initiated entry booked (this run's and, after restoreEntryIds, earlier lives'). */
  seenEntryIds(): ReadonlySet<string>;
  /** Recovery: entries an earlier life booked, which the store's books hold already. */
  restoreEntryIds(ids: Iterable<string>): void;
  /** Mark (or clear, with null) one of our orders as contradicting the venue: reconciliation reports it. */
  flag(clientOrderId: string, reason: string | null): void;
  /** An order the venue works that this store did not place (recovery, accept-venue). */
  holdForExternal(state: VenueOrderState, ours: boolean): ReadonlyOrder;
  /** The venue never got this intent and it is too old to resend: terminal, the strategy is told. */
  markLost(id: string, reason: string): void;
  /** Recovery: send again, under the same client order id, an intent the venue never received. */
  resend(id: string): void;
  /** Recovery: send again a cancel the journal recorded (the order pending_cancel) that the venue never got. */
  resendCancel(id: string): void;
  /** Recovery: put back an order as the store recorded it. */
  restoreOrder(s: RestoredOrder): ReadonlyOrder;
  /** Recovery: the day's starting equity for the daily loss limit. */
  restoreDailyLoss(s: DailyLossState | null): void;
  /** Our positions and cash become these: the store's book at start-up, the venue's on accept-venue (the caller journals and logs). */
  restoreBooks(cash: Readonly<Record<string, number>>, positions: readonly { instrument: Instrument; qty: number; avgPrice: number }[]): void;
}
