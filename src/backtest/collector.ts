/**
 * What a backtest leaves behind: an equity sample per distinct engine timestamp, every fill, the
 * final state of every order and the warnings. It is an engine observer, so it sees exactly what a
 * live session's recorder sees.
 *
 * Memory flat in history length: the curve is kept in full up to two million samples, then as a
 * bounded decimated series, with the summary's figures accumulated per sample (equity-curve.ts);
 * the fills are kept in columns, not objects (fill-table.ts).
 *
 * Hot path: `onMarket` runs on every market event of a run that must reach 2,000,000 bars/s. It
 * never allocates (typed arrays) and reads the portfolio's equity only when the
 * value can have changed: a position is open (every mark moves it) or a fill happened since the
 * last read (cash and fees moved). While flat, equity is cash, and cash only moves on fills.
 *
 * Sampling: one equity read per timestamp, however many symbols trade. The engine calls
 * `onTimestampDone(t)` once every event stamped t has been handled (each symbol's bar, the reports
 * due then, the strategy) and before time moves on: the sample of t is the equity then. (With an
 * engine that never calls it, such as a test's fake, every event of t writes the slot and the last
 * one wins: the same value.) `onStop` writes the final state (orders the strategy's onStop caused,
 * reports that arrived after the last bar).
 *
 * Orders: the collector keeps each order's handle and builds the views once, at the end (so the
 * engine need not snapshot every order event for it).
 */
import type { EngineObserver, LogEntry } from '../engine/engine.ts';
import type { MarketEvent } from '../domain/market.ts';
import type { Fill } from '../domain/fill.ts';
import type { OrderEvent, OrderHandle, OrderView } from '../orders/order.ts';
import type { OrderRegistry } from '../orders/registry.ts';
import type { Portfolio } from '../portfolio/portfolio.ts';
import type { MetricsInput } from './metrics.ts';
import type { Instrument } from '../domain/instrument.ts';
import { FillStats } from './fill-stats.ts';
import { FillTable } from './fill-table.ts';
import { IdColumn, IdIndex } from '../util/string-index.ts';
import { EquityCurve, type EquityCurveOptions } from './equity-curve.ts';
import type { AccountEntry } from '../ports/index.ts';
import { type Money, ZERO, add, money, toNumber } from '../domain/money.ts';

export type CollectedResult = Pick<MetricsInput, 'ts' | 'equity' | 'length' | 'fills' | 'exposureBars' | 'fillStats' | 'curve'> & {
  /** Venue entries over the run (funding, liquidations); absent when there were none. */
  readonly entries?: EntryTotals;
};

/** Venue-initiated entries of a run, summed exactly (money units), per kind. */
export interface EntryTotals {
  /** Funding received (positive) or paid (negative), and the number of payments. */
  readonly funding: number;
  readonly fundingPayments: number;
  readonly liquidations: number;
  /** Fees charged by liquidations (also in the summary's fees: a liquidation is a fill of no order). */
  readonly liquidationFees: number;
}

/**
 * The part of the engine the collector reads. `Engine` satisfies it; tests pass a small fake.
 * `lots` (integer lots) tells flat from open exactly, with no float comparison.
 */
export interface CollectedEngine {
  readonly portfolio: Pick<Portfolio, 'equity' | 'lots'> & { readonly settings: { readonly cash: number } };
  now(): number;
  /** The fill's instrument, for the streamed fill statistics (absent: the summary takes the BigInt path). */
  instrument?(symbol: string): Instrument | undefined;
}

/** How the collector reads an order's final state by id: the engine's registry (Engine.orders). */
type OrderLookup = Pick<OrderRegistry, 'viewById'>;

export interface CollectorOptions extends EquityCurveOptions {
  /** Warn/error log entries kept (the newest); default 1,000. */
  readonly maxLogs?: number;
}

const DEFAULT_MAX_LOGS = 1000;

export class BacktestCollector implements EngineObserver {
  /** Reads order handles only, never keeps an event's snapshot (engine.ts EngineObserver). */
  readonly readsOrderHandles = true;
  /** One sample per timestamp, bounded (equity-curve.ts), with the summary's figures. */
  private readonly curve: EquityCurve;
  private cur = Number.NEGATIVE_INFINITY;
  /** Symbols with a non-zero position, and how many there are. */
  private readonly lotsBySymbol = new Map<string, number>();
  private openPositions = 0;
  /** True when equity must be read again: a fill happened since the last read. */
  private stale = true;
  private lastEquity = 0;
  private startCashSeen: number | null = null;
  /** The engine tells when a timestamp is done: sample then, not per event. */
  private timed = false;
  /** The current slot has not been written since its first event. */
  private pending = false;

  /** Every fill, in columns (fill-table.ts). */
  private readonly fillTable = new FillTable();
  /** Round trips, wins, notional and fees, kept per fill on integer units (fill-stats.ts). */
  private readonly stats = new FillStats();
  /** Each order's latest handle, in order of first appearance (creation order: stable output). */
  private readonly orderIds = new IdColumn();
  /**
   * The handles kept: only those the engine's registry cannot stand for (a test's recorded ones).
   * An engine's events carry its registry's handles, whose view is `registry.viewById(id)`: for
   * those the id is enough, and the registry's handle objects die with the order's hot state.
   */
  private readonly keptHandles = new Map<number, OrderHandle>();
  private registry: OrderLookup | null = null;
  /** Row per order id (a typed hash table, not a Map: 8 bytes an order off the GC heap). */
  private readonly orderRows = new IdIndex(this.orderIds);
  private readonly logRing: LogEntry[] = [];
  private readonly maxLogs: number;
  private logStart = 0;
  private logsDroppedCount = 0;
  private stopped = false;
  private entryCount = 0;
  private fundingM: Money = ZERO;
  private fundingPayments = 0;
  private liquidationCount = 0;
  private liquidationFeesM: Money = ZERO;

  constructor(opts: CollectorOptions = {}) {
    this.curve = new EquityCurve(opts);
    this.maxLogs = Math.max(1, Math.floor(opts.maxLogs ?? DEFAULT_MAX_LOGS));
  }

  // ---------- observer ----------

  onMarket(event: MarketEvent, engine: CollectedEngine): void {
    const t = event.ts;
    // `>` rather than `!==`: an event older than the current timestamp (a late push-feed event)
    // belongs to the current sample, so timestamps stay strictly increasing.
    if (t > this.cur) {
      if (this.startCashSeen === null) this.startCashSeen = engine.portfolio.settings.cash;
      this.cur = t;
      this.curve.open(t, this.startCashSeen);
    }
    if (this.timed) this.pending = true;
    else this.sample(engine);
  }

  onTimestampDone(_ts: number, engine: CollectedEngine): void {
    if (!this.timed) { this.timed = true; this.pending = this.curve.length > 0; }
    if (!this.pending) return;
    this.pending = false;
    this.sample(engine);
  }

  /** Write the current slot: equity is read again only when it can have moved. */
  private sample(engine: CollectedEngine): void {
    if (this.openPositions !== 0 || this.stale) {
      this.lastEquity = engine.portfolio.equity();
      this.stale = false;
    }
    this.curve.set(this.lastEquity, this.openPositions !== 0);
  }

  onFill(fill: Fill, engine: CollectedEngine): void {
    this.fillTable.add(fill);
    this.stats.add(fill, engine.instrument?.(fill.symbol));
    this.stale = true;
    // The engine books the fill into the portfolio before telling observers: this is the new size.
    const lots = engine.portfolio.lots(fill.symbol);
    const before = this.lotsBySymbol.get(fill.symbol) ?? 0;
    if (before === 0 && lots !== 0) this.openPositions++;
    else if (before !== 0 && lots === 0) this.openPositions--;
    this.lotsBySymbol.set(fill.symbol, lots);
  }

  /**
   * A venue entry, booked: cash moved (equity is read again). A liquidation's trade counts as a
   * fill of no order (its client order id is the entry id, its fee the liquidation fee), so round
   * trips, exposure and fees see the position close.
   */
  onAccountEntry(entry: AccountEntry, engine: CollectedEngine): void {
    this.entryCount++;
    this.stale = true;
    if (entry.kind === 'funding') {
      this.fundingM = add(this.fundingM, money(entry.amount));
      this.fundingPayments++;
    }
    if (entry.kind === 'liquidation') {
      this.liquidationCount++;
      this.liquidationFeesM = add(this.liquidationFeesM, money(-entry.amount));
    }
    const t = entry.trade;
    if (t !== undefined && t.qty !== 0 && entry.symbol !== null) {
      this.onFill({
        clientOrderId: entry.entryId, execId: entry.entryId, symbol: entry.symbol, side: t.qty > 0 ? 'buy' : 'sell',
        qty: Math.abs(t.qty), price: t.price, fee: entry.kind === 'liquidation' ? -entry.amount : 0, liquidity: 'taker', ts: entry.ts,
      }, engine);
    }
  }

  onOrderEvent(event: OrderEvent, engine?: { readonly orders?: unknown }): void {
    // The last event's handle gives the order's final state (a registry's handle reads it live).
    let row = this.orderRows.get(event.clientOrderId);
    if (row === undefined) {
      row = this.orderIds.push(event.clientOrderId);
      this.orderRows.set(event.clientOrderId, row);
    }
    const reg = engine?.orders as Partial<OrderLookup> | undefined;
    if (reg !== undefined && typeof reg.viewById === 'function') {
      this.registry ??= reg as OrderLookup;
      if (this.keptHandles.size > 0) this.keptHandles.delete(row);
    } else {
      this.keptHandles.set(row, event.handle);
    }
  }

  onLog(entry: LogEntry): void {
    if (entry.level !== 'warn' && entry.level !== 'error') return;
    if (this.logRing.length < this.maxLogs) { this.logRing.push(entry); return; }
    this.logRing[this.logStart] = entry;
    this.logStart = (this.logStart + 1) % this.maxLogs;
    this.logsDroppedCount++;
  }

  onStop(engine: CollectedEngine): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = false;
    const t = engine.now();
    const n = this.curve.length;
    if (!Number.isFinite(t) && n === 0) return; // nothing ever happened
    if (this.startCashSeen === null) this.startCashSeen = engine.portfolio.settings.cash;
    if (n === 0 || t > this.cur) {
      // Reports handled after the last market event moved time on: one more sample.
      this.cur = Number.isFinite(t) ? t : this.cur;
      this.curve.open(this.cur, this.startCashSeen);
    }
    this.lastEquity = engine.portfolio.equity();
    this.stale = false;
    this.curve.set(this.lastEquity, this.openPositions !== 0);
  }

  // ---------- results ----------

  /** Number of equity samples (distinct timestamps). */
  get length(): number {
    return this.curve.length;
  }

  /** True when the stored curve is decimated (more samples than it keeps in full: equity-curve.ts). */
  get decimated(): boolean {
    return this.curve.decimated;
  }

  /**
   * Timestamps of the stored curve (epoch ms): every sample up to the cap, else the decimated
   * series (each bucket's first, min, max and last). Valid until the next sample is added.
   */
  timestamps(): Float64Array {
    return this.curve.series().ts;
  }

  /** Equity of the stored curve, account currency, beside `timestamps()`. */
  equity(): Float64Array {
    return this.curve.series().equity;
  }

  /** Samples at which at least one position was open. */
  exposureBars(): number {
    return this.curve.figures(this.startCashSeen ?? 0).exposureBars;
  }

  /** Whether a position was open at sample i (while the curve is kept in full). */
  exposedAt(i: number): boolean {
    return this.curve.exposedAt(i);
  }

  /** Every fill as an object (built from the columns on each call). */
  fills(): Fill[] {
    return this.fillTable.list();
  }

  get fillCount(): number {
    return this.fillTable.length;
  }

  /** Bytes of the typed arrays the curve and the fills hold. */
  retainedBytes(): number {
    return this.curve.retainedBytes() + this.fillTable.retainedBytes();
  }

  /** Bytes held per order and fill: the fill table, the order ids (8 bytes a reference) and their lookup table (the curve is bounded: retainedBytes). */
  get bytes(): number {
    return this.fillTable.bytes + this.orderIds.bytes + this.orderRows.bytes;
  }

  private orderAt(i: number): OrderView {
    const h = this.keptHandles.get(i);
    return h !== undefined ? h.view() : this.registry!.viewById(this.orderIds.at(i))!;
  }

  /** The final state of every order seen, in order of creation, one view at a time (none kept). */
  *eachOrder(): IterableIterator<OrderView> {
    for (let i = 0; i < this.orderIds.length; i++) yield this.orderAt(i);
  }

  /** The final state of every order seen, in order of creation. */
  orders(): OrderView[] {
    const out: OrderView[] = [];
    for (let i = 0; i < this.orderIds.length; i++) out.push(this.orderAt(i));
    return out;
  }

  /** The newest warn/error log entries (up to maxLogs), oldest first. */
  problems(): LogEntry[] {
    return [...this.logRing.slice(this.logStart), ...this.logRing.slice(0, this.logStart)];
  }

  /** Warn/error entries that fell out of the bounded buffer. */
  get logsDropped(): number {
    return this.logsDroppedCount;
  }

  /** The account's configured starting cash, as read from the engine (null before any event). */
  get startCash(): number | null {
    return this.startCashSeen;
  }

  /**
   * The collected part of `summarize`'s input; the caller adds startCash, intervalMs, calendar:
   * `summarize({ ...collector.result(), startCash, intervalMs, calendar })`.
   */
  result(): CollectedResult {
    const { ts, equity } = this.curve.series();
    const curve = this.curve.figures(this.startCashSeen ?? 0);
    return {
      ts, equity, length: ts.length, fills: this.fillTable, exposureBars: curve.exposureBars,
      ...(this.curve.length > 0 && this.startCashSeen !== null ? { curve } : {}),
      ...(this.stats.exact ? { fillStats: this.stats.result() } : {}),
      ...(this.entryCount > 0 ? { entries: this.entryTotals() } : {}),
    };
  }

  /** The run's venue entries so far (zeros when none). */
  entryTotals(): EntryTotals {
    return {
      funding: toNumber(this.fundingM), fundingPayments: this.fundingPayments,
      liquidations: this.liquidationCount, liquidationFees: toNumber(this.liquidationFeesM),
    };
  }
}
