/**
 * Reconciliation: compare our open orders, positions and cash with the venue's and report a typed
 * diff (reconcile-diff.ts). It runs at start, after every reconnect, on demand (`reconcileNow()`,
 * the console's `r` key), periodically, and at the end of the (UTC) day.
 *
 * A diff alone is not alarming: reports may still be travelling. A diff that persists across a quiet
 * window (no order in flight and no order activity since it was first seen, for `quietWindowMs`)
 * pauses new signals (the kill switch's first level: exits still flow) until the operator resolves
 * it. Resolving acknowledges the diffs as they stand; a diff that changes afterwards counts anew.
 */
import type { Engine, EngineObserver } from '../engine/engine.ts';
import type { ReconcileSummary } from './gates/types.ts';
import type { VenueQueries } from '../ports/index.ts';
import type { OrderEvent } from '../orders/order.ts';
import { fillReport } from '../orders/venue-sync.ts';
import { isOpen } from '../orders/fsm.ts';
import { type OurBook, type ReconcileDiff, type ReconcileTolerances, DEFAULT_TOLERANCES, diffBooks, isInFlight } from './reconcile-diff.ts';

export type { ReconcileDiff, ReconcileTolerances } from './reconcile-diff.ts';

export interface ReconcileResult {
  /** Wall time of the comparison. */
  readonly at: number;
  readonly engineTime: number;
  readonly reason: ReconcileReason;
  readonly diffs: readonly ReconcileDiff[];
  /** Diffs the operator already acknowledged (not counted towards a halt). */
  readonly acknowledged: readonly ReconcileDiff[];
  readonly inFlight: number;
  /** True when this run paused new signals. */
  readonly halted: boolean;
}

export type ReconcileReason = 'start' | 'reconnect' | 'on-demand' | 'periodic' | 'end-of-day';

export interface ReconcileOptions {
  readonly tolerances?: ReconcileTolerances;
  /** A diff seen this long (wall ms) with no order activity halts new signals. Default 30 000. */
  readonly quietWindowMs?: number;
  /** Periodic run every this many wall ms (0 = off). Default 60 000. */
  readonly periodMs?: number;
  readonly wallNow?: () => number;
  /** How to pause and resume new signals (default: the engine's trading state). The console passes its guard's hold. */
  readonly pause?: (reason: string) => void;
  readonly resume?: (why: string) => void;
}

export class ReconcileService implements EngineObserver {
  private readonly tol: ReconcileTolerances;
  private readonly quietMs: number;
  private readonly periodMs: number;
  private readonly wallNow: () => number;
  private readonly pauseFn: (reason: string) => void;
  private readonly resumeFn: (why: string) => void;
  /** Diff key -> wall time first seen in a quiet moment. */
  private readonly firstSeen = new Map<string, number>();
  private readonly acked = new Map<string, string>();
  private lastActivity = Number.NEGATIVE_INFINITY;
  private lastResult: ReconcileResult | null = null;
  private haltedByUs = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastDay: string | null = null;
  private wasConnected = true;
  private disconnectedAt: number | null = null;
  private running: Promise<ReconcileResult> | null = null;
  private readonly listeners: ((r: ReconcileResult) => void)[] = [];

  constructor(private readonly engine: Engine, opts: ReconcileOptions = {}) {
    this.tol = opts.tolerances ?? DEFAULT_TOLERANCES;
    this.quietMs = opts.quietWindowMs ?? 30_000;
    this.periodMs = opts.periodMs ?? 60_000;
    this.wallNow = opts.wallNow ?? Date.now;
    this.pauseFn = opts.pause ?? ((r) => engine.setTradingState('paused', r));
    this.resumeFn = opts.resume ?? ((why) => { if (engine.tradingState().status === 'paused') engine.setTradingState('active', why); });
  }

  private get queries(): VenueQueries | undefined {
    return this.engine.execution.queries;
  }

  // ---------- observer: order activity resets the quiet window ----------

  onOrderEvent(_ev: OrderEvent): void {
    this.lastActivity = this.wallNow();
  }

  onFill(): void {
    this.lastActivity = this.wallNow();
  }

  onResult(fn: (r: ReconcileResult) => void): void {
    this.listeners.push(fn);
  }

  last(): ReconcileResult | null {
    return this.lastResult;
  }

  // ---------- running ----------

  /** The console's `r` key and `parity ctl reconcile`. */
  reconcileNow(reason: ReconcileReason = 'on-demand'): Promise<ReconcileResult> {
    // One comparison at a time: a second request waits for the one running.
    if (this.running !== null) return this.running;
    this.running = this.run(reason).finally(() => { this.running = null; });
    return this.running;
  }

  private async run(reason: ReconcileReason): Promise<ReconcileResult> {
    const q = this.queries;
    if (q === undefined) throw new Error(`the venue ${this.engine.execution.venue} cannot be queried: nothing to reconcile against`);
    const [orders, positions, account] = await Promise.all([q.openOrders(), q.positions(), q.account()]);
    const ours = this.ourBook();
    const all = diffBooks(ours.book, { orders: orders.filter((o) => !ours.inFlightIds.has(o.clientOrderId)), positions, cash: account.cash, equity: account.equity }, this.tol);
    const now = this.wallNow();
    const acknowledged: ReconcileDiff[] = [];
    const diffs: ReconcileDiff[] = [];
    for (const d of all) {
      if (this.acked.get(d.key) === d.message) acknowledged.push(d);
      else diffs.push(d);
    }
    const keys = new Set(diffs.map((d) => d.key));
    for (const k of [...this.firstSeen.keys()]) if (!keys.has(k)) this.firstSeen.delete(k);
    let halted = false;
    if (ours.inFlight === 0) {
      for (const d of diffs) if (!this.firstSeen.has(d.key)) this.firstSeen.set(d.key, now);
      const persisting = diffs.filter((d) => {
        const t = this.firstSeen.get(d.key)!;
        return now - t >= this.quietMs && this.lastActivity < t;
      });
      if (persisting.length > 0 && !this.haltedByUs) {
        this.haltedByUs = true;
        halted = true;
        const msg = `reconciliation: ${persisting.length} difference(s) with the venue persisted for ${Math.round(this.quietMs / 1000)} s with no order in flight (${persisting[0]!.message}${persisting.length > 1 ? ', ...' : ''}); resolve them, then resume`;
        this.engine.log('error', 'reconcile', msg, { diffs: persisting.map((d) => d.message) });
        this.pauseFn(msg);
      }
    }
    if (diffs.length > 0 && !halted) this.engine.log('warn', 'reconcile', `${reason}: ${diffs.length} difference(s) with the venue`, { diffs: diffs.map((d) => d.message) });
    const result: ReconcileResult = { at: now, engineTime: this.engine.now(), reason, diffs, acknowledged, inFlight: ours.inFlight, halted };
    this.lastResult = result;
    for (const l of this.listeners) l(result);
    return result;
  }

  private ourBook(): { book: OurBook; inFlight: number; inFlightIds: Set<string> } {
    const e = this.engine;
    const orders = [];
    const inFlightIds = new Set<string>();
    for (const o of e.orders.openOrders()) {
      if (isInFlight(o.status)) inFlightIds.add(o.clientOrderId);
      orders.push({ clientOrderId: o.clientOrderId, status: o.status, request: o.request, filledQty: o.filledQty, flagged: o.flagged, lotSize: e.instrument(o.request.symbol)?.lotSize ?? 1e-9 });
    }
    // Flagged finished orders stay in the diff until the operator resolves them.
    for (const o of e.orders.all()) {
      if (o.flagged !== null && !isOpen(o.status)) orders.push({ clientOrderId: o.clientOrderId, status: o.status, request: o.request, filledQty: o.filledQty, flagged: o.flagged, lotSize: e.instrument(o.request.symbol)?.lotSize ?? 1e-9 });
    }
    const positions = e.portfolio.positionsList().map((p) => ({ symbol: p.symbol, qty: p.qty, avgPrice: p.avgPrice, lotSize: e.instrument(p.symbol)?.lotSize ?? 1e-9 }));
    const book: OurBook = {
      orders, positions, cash: e.portfolio.account().cashByCurrency,
      isKnownFinished: (id) => { const o = e.orders.get(id); return o !== undefined && !isOpen(o.status); },
    };
    return { book, inFlight: inFlightIds.size, inFlightIds };
  }

  /** The operator looked at the diffs: acknowledge them as they stand and lift this service's pause. */
  resolve(): void {
    for (const d of this.lastResult?.diffs ?? []) this.acked.set(d.key, d.message);
    this.firstSeen.clear();
    if (this.haltedByUs) {
      this.haltedByUs = false;
      this.resumeFn('reconciliation differences resolved by the operator');
    }
  }

  /**
   * After a reconnect: fills that happened during the gap are fetched from the venue's executions
   * (deduplicated by exec id), every open order is brought in line with the venue, then compared.
   */
  async afterReconnect(since: number): Promise<ReconcileResult> {
    const q = this.queries;
    if (q === undefined) throw new Error('the venue cannot be queried');
    const e = this.engine;
    const execs = await q.executionsSince(since);
    const open = [...e.orders.openOrders()].filter((o) => !o.external);
    const answers = await Promise.all(open.map(async (o) => [o.clientOrderId, await q.order(o.clientOrderId)] as const));
    const openIds = new Set(open.map((o) => o.clientOrderId));
    await new Promise<void>((resolve) => {
      e.schedule(e.now(), () => {
        for (const [id, v] of answers) if (v !== null) e.applyVenueState(id, v, execs);
        // Late fills of orders we hold as finished (canceled, expired): the FSM books them.
        for (const x of execs) if (!openIds.has(x.clientOrderId) && e.orders.get(x.clientOrderId) !== undefined) e.injectReport(fillReport(x, e.now()));
        resolve();
      });
      if (e.isStopped()) resolve();
    });
    return this.reconcileNow('reconnect');
  }

  /** Periodic runs, end of day, and reconnect detection (polls the adapter's connection status). */
  start(): void {
    if (this.timer !== null) return;
    const tickMs = 1000;
    let sinceLast = 0;
    this.timer = setInterval(() => {
      sinceLast += tickMs;
      const conn = this.engine.execution.connection?.();
      if (conn !== undefined) {
        const up = conn.state === 'connected';
        if (!up && this.wasConnected) this.disconnectedAt = this.engine.now();
        if (up && !this.wasConnected) {
          const since = (this.disconnectedAt ?? this.engine.now()) - 60_000;
          this.afterReconnect(since).catch((err: unknown) => this.engine.log('error', 'reconcile', `after reconnect: ${String(err)}`));
        }
        this.wasConnected = up;
        if (!up) return;
      }
      const t = this.engine.now();
      const day = Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : null;
      if (day !== null && this.lastDay !== null && day !== this.lastDay) {
        this.lastDay = day;
        this.reconcileNow('end-of-day').catch(() => undefined);
        return;
      }
      if (day !== null) this.lastDay = day;
      if (this.periodMs > 0 && sinceLast >= this.periodMs) {
        sinceLast = 0;
        this.reconcileNow('periodic').catch((err: unknown) => this.engine.log('warn', 'reconcile', `periodic: ${String(err)}`));
      }
    }, tickMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  onStop(): void {
    this.stop();
  }
}

/** A reconciliation result in the operations layer's terms (gates, console pane). */
export function summarizeReconcile(r: ReconcileResult): ReconcileSummary {
  return { clean: r.diffs.length === 0, at: r.at, lines: r.diffs.map((d) => d.message) };
}
