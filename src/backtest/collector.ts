/**
 * What a backtest leaves behind: an equity sample per distinct engine timestamp, every fill, the
 * final state of every order and the warnings. It is an engine observer, so it sees exactly what a
 * live session's recorder sees.
 *
 * Hot path: `onMarket` runs on every market event of a run that must reach 2,000,000 bars/s. It
 * never allocates (typed arrays, grown by doubling) and reads the portfolio's equity only when the
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
import type { Portfolio } from '../portfolio/portfolio.ts';
import type { MetricsInput } from './metrics.ts';
import type { Instrument } from '../domain/instrument.ts';
import { FillStats } from './fill-stats.ts';

export type CollectedResult = Pick<MetricsInput, 'ts' | 'equity' | 'length' | 'fills' | 'exposureBars' | 'fillStats'>;

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

export interface CollectorOptions {
  /** Expected number of samples (e.g. the feed's size): avoids regrowing the arrays. */
  readonly capacity?: number;
  /** Warn/error log entries kept (the newest); default 1,000. */
  readonly maxLogs?: number;
}

const DEFAULT_CAPACITY = 4096;
const DEFAULT_MAX_LOGS = 1000;

export class BacktestCollector implements EngineObserver {
  /** Reads order handles only, never keeps an event's snapshot (engine.ts EngineObserver). */
  readonly readsOrderHandles = true;
  private tsBuf: Float64Array;
  private eqBuf: Float64Array;
  /** 1 when at least one position was open at the sample. */
  private exBuf: Uint8Array;
  private n = 0;
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

  private readonly fillList: Fill[] = [];
  /** Round trips, wins, notional and fees, kept per fill on integer units (fill-stats.ts). */
  private readonly stats = new FillStats();
  private readonly finalOrders = new Map<string, OrderHandle>();
  private readonly logRing: LogEntry[] = [];
  private readonly maxLogs: number;
  private logStart = 0;
  private logsDroppedCount = 0;
  private stopped = false;

  constructor(opts: CollectorOptions = {}) {
    const cap = Math.max(16, Math.floor(opts.capacity ?? DEFAULT_CAPACITY));
    this.tsBuf = new Float64Array(cap);
    this.eqBuf = new Float64Array(cap);
    this.exBuf = new Uint8Array(cap);
    this.maxLogs = Math.max(1, Math.floor(opts.maxLogs ?? DEFAULT_MAX_LOGS));
  }

  // ---------- observer ----------

  onMarket(event: MarketEvent, engine: CollectedEngine): void {
    const t = event.ts;
    // `>` rather than `!==`: an event older than the current timestamp (a late push-feed event)
    // belongs to the current sample, so timestamps stay strictly increasing.
    if (t > this.cur) {
      if (this.n === this.tsBuf.length) this.grow();
      this.cur = t;
      this.tsBuf[this.n++] = t;
      if (this.startCashSeen === null) this.startCashSeen = engine.portfolio.settings.cash;
    }
    if (this.timed) this.pending = true;
    else this.sample(engine);
  }

  onTimestampDone(_ts: number, engine: CollectedEngine): void {
    if (!this.timed) { this.timed = true; this.pending = this.n > 0; }
    if (!this.pending) return;
    this.pending = false;
    this.sample(engine);
  }

  /** Write the current slot: equity is read again only when it can have moved. */
  private sample(engine: CollectedEngine): void {
    const i = this.n - 1;
    if (this.openPositions !== 0 || this.stale) {
      this.lastEquity = engine.portfolio.equity();
      this.stale = false;
    }
    this.eqBuf[i] = this.lastEquity;
    this.exBuf[i] = this.openPositions !== 0 ? 1 : 0;
  }

  onFill(fill: Fill, engine: CollectedEngine): void {
    this.fillList.push(fill);
    this.stats.add(fill, engine.instrument?.(fill.symbol));
    this.stale = true;
    // The engine books the fill into the portfolio before telling observers: this is the new size.
    const lots = engine.portfolio.lots(fill.symbol);
    const before = this.lotsBySymbol.get(fill.symbol) ?? 0;
    if (before === 0 && lots !== 0) this.openPositions++;
    else if (before !== 0 && lots === 0) this.openPositions--;
    this.lotsBySymbol.set(fill.symbol, lots);
  }

  onOrderEvent(event: OrderEvent): void {
    // Each event carries a snapshot; the last one is the order's final state. A Map keeps the
    // order of first appearance, i.e. creation order: stable output.
    this.finalOrders.set(event.clientOrderId, event.handle);
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
    if (!Number.isFinite(t) && this.n === 0) return; // nothing ever happened
    if (this.startCashSeen === null) this.startCashSeen = engine.portfolio.settings.cash;
    if (this.n === 0 || t > this.cur) {
      // Reports handled after the last market event moved time on: one more sample.
      if (this.n === this.tsBuf.length) this.grow();
      this.cur = Number.isFinite(t) ? t : this.cur;
      this.tsBuf[this.n++] = this.cur;
    }
    this.lastEquity = engine.portfolio.equity();
    this.stale = false;
    this.eqBuf[this.n - 1] = this.lastEquity;
    this.exBuf[this.n - 1] = this.openPositions !== 0 ? 1 : 0;
  }

  private grow(): void {
    const cap = this.tsBuf.length * 2;
    const ts = new Float64Array(cap); ts.set(this.tsBuf); this.tsBuf = ts;
    const eq = new Float64Array(cap); eq.set(this.eqBuf); this.eqBuf = eq;
    const ex = new Uint8Array(cap); ex.set(this.exBuf); this.exBuf = ex;
  }

  // ---------- results ----------

  /** Number of equity samples (distinct timestamps). */
  get length(): number {
    return this.n;
  }

  /** Sample timestamps (epoch ms). A view: valid until the next sample is added. */
  timestamps(): Float64Array {
    return this.tsBuf.subarray(0, this.n);
  }

  /** Equity per sample, account currency. A view: valid until the next sample is added. */
  equity(): Float64Array {
    return this.eqBuf.subarray(0, this.n);
  }

  /** Samples at which at least one position was open. */
  exposureBars(): number {
    let c = 0;
    const ex = this.exBuf;
    for (let i = 0; i < this.n; i++) c += ex[i]!;
    return c;
  }

  /** Whether a position was open at sample i. */
  exposedAt(i: number): boolean {
    return i >= 0 && i < this.n && this.exBuf[i] === 1;
  }

  fills(): readonly Fill[] {
    return this.fillList;
  }

  /** The final state of every order seen, in order of creation. */
  orders(): OrderView[] {
    const out: OrderView[] = [];
    for (const h of this.finalOrders.values()) out.push(h.view());
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
    return {
      ts: this.timestamps(), equity: this.equity(), length: this.n, fills: this.fillList, exposureBars: this.exposureBars(),
      ...(this.stats.exact ? { fillStats: this.stats.result() } : {}),
    };
  }
}
