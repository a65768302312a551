/**
 * Reconciliation: compare our open orders, positions and cash with the venue's and report a typed
 * diff (reconcile-diff.ts). It runs at start, after every reconnect, on demand (`reconcileNow()`,
 * the console's `r` key), periodically (every 30 s by default), and at the end of the (UTC) day.
 *
 * A diff seen once is not alarming: a report may still be travelling. A difference first seen is
 * re-checked `recheckMs` later (5 s). It is confirmed when the re-check finds it unchanged and no
 * order still in flight could explain it (one on the same symbol for a position, any for cash);
 * otherwise it is re-checked again, and whatever is in flight, one still there `confirmWithinMs`
 * (25 s) after it was first seen is confirmed. Order events in between do not reset anything: only
 * a comparison that no longer finds the difference forgets it. A confirmed difference pauses new
 * signals (through the hold the caller passes; exits still flow) and stays paused until the operator
 * accepts the venue's state (`acceptVenue`: the console's `a a`, `parity ctl accept-venue`), which
 * repairs our books from the venue.
 *
 * Every timer goes through the Scheduler (ports/scheduler.ts): WallScheduler by default.
 */
import type { EngineControl, EngineObserver } from '../engine/engine.ts';
import type { ReconcileSummary } from './gates/types.ts';
import type { AccountEntry, VenueAccount, VenueOrderState, VenuePosition, VenueQueries } from '../ports/index.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../ports/scheduler.ts';
import { fillReport } from '../orders/venue-sync.ts';
import { isOpen } from '../orders/fsm.ts';
import { type OurBook, type ReconcileDiff, type ReconcileTolerances, DEFAULT_TOLERANCES, diffBooks, isInFlight } from './reconcile-diff.ts';

export type { ReconcileDiff, ReconcileTolerances } from './reconcile-diff.ts';

export const DEFAULT_RECONCILE_PERIOD_MS = 30_000;
export const DEFAULT_RECHECK_MS = 5_000;
export const DEFAULT_CONFIRM_WITHIN_MS = 25_000;

export interface ReconcileResult {
  /** Wall time of the comparison. */
  readonly at: number;
  readonly engineTime: number;
  readonly reason: ReconcileReason;
  /** Differences not acknowledged, confirmed or not yet. */
  readonly diffs: readonly ReconcileDiff[];
  /** The ones among `diffs` a re-check confirmed. */
  readonly confirmed: readonly ReconcileDiff[];
  /** Diffs the operator already acknowledged (not counted towards a pause). */
  readonly acknowledged: readonly ReconcileDiff[];
  readonly inFlight: number;
  /** True when this run paused new signals. */
  readonly halted: boolean;
  /** True while this service's pause is in force. */
  readonly paused: boolean;
  /** Wall time of the next re-check (null: none pending). */
  readonly recheckAt: number | null;
}

export type ReconcileReason = 'start' | 'reconnect' | 'on-demand' | 'periodic' | 'recheck' | 'end-of-day' | 'accept-venue';

/** What the venue's book looked like when the operator accepted it (journaled as 'venue_book'). */
export interface VenueBookRecord {
  readonly positions: { readonly symbol: string; readonly qty: number; readonly avgPrice: number }[];
  readonly cash: Record<string, number>;
}

export interface AcceptVenueResult {
  /** True when the books agree with the venue afterwards. */
  readonly ok: boolean;
  readonly message: string;
  /** The comparison run after the repair. */
  readonly result: ReconcileResult;
  /** What was repaired, one line each. */
  readonly repaired: readonly string[];
}

export interface ReconcileOptions {
  readonly tolerances?: ReconcileTolerances;
  /** A new difference is compared again this many ms after it was first seen. Default 5 000. */
  readonly recheckMs?: number;
  /** A difference still there this long after it was first seen is confirmed, whatever is in flight. Default 25 000. */
  readonly confirmWithinMs?: number;
  /** Periodic run every this many ms (0 = off). Default 30 000. */
  readonly periodMs?: number;
  /** Timers (re-checks, periodic runs, reconnect polling). Default: the wall clock's. */
  readonly scheduler?: Scheduler;
  /** Time stamps of comparisons and sightings. Default: the scheduler's clock. */
  readonly wallNow?: () => number;
  /** How to pause and resume new signals (default: the engine's trading state). The console passes its guard's hold. */
  readonly pause?: (reason: string) => void;
  readonly resume?: (why: string) => void;
  /** Journal the venue's book after the operator accepted it (the Alpaca mode appends 'venue_book' to the store). */
  readonly journal?: (book: VenueBookRecord) => void;
}

interface Sighting {
  /** Wall time first seen. */
  readonly first: number;
  /** What the difference amounted to last time (venue minus ours, or its message). */
  sig: string;
  confirmed: boolean;
}

interface Comparison {
  readonly all: ReconcileDiff[];
  readonly inFlight: number;
  readonly inFlightSymbols: ReadonlySet<string>;
  readonly positions: readonly VenuePosition[];
  readonly account: VenueAccount;
}

const r9 = (x: number): string => (Math.round(x * 1e9) / 1e9).toString();

/** What a difference amounts to: unchanged between two sightings means no report was in transit. */
function signature(d: ReconcileDiff): string {
  if (d.subject === 'position') {
    if (d.kind === 'missing') return r9(-d.ours);
    if (d.kind === 'extra') return r9(d.venue);
    if (d.kind === 'quantity_mismatch') return r9(d.venue - d.ours);
    return d.message;
  }
  if (d.subject === 'cash') return (d.venue - d.ours).toFixed(2);
  return d.message;
}

export class ReconcileService implements EngineObserver {
  private readonly tol: ReconcileTolerances;
  private readonly recheckMs: number;
  private readonly confirmMs: number;
  private readonly periodMs: number;
  private readonly sched: Scheduler;
  private readonly wallNow: () => number;
  private readonly pauseFn: (reason: string) => void;
  private readonly resumeFn: (why: string) => void;
  private readonly journalFn: ((book: VenueBookRecord) => void) | null;
  /** Diff key -> its sighting (first seen, last signature, confirmed). */
  private readonly sightings = new Map<string, Sighting>();
  private readonly acked = new Map<string, string>();
  private lastResult: ReconcileResult | null = null;
  private haltedByUs = false;
  private timer: TimerHandle | null = null;
  private recheckTimer: TimerHandle | null = null;
  private recheckAt: number | null = null;
  private stopped = false;
  /** Venue time of the newest entry a comparison heard of (entriesSince from there, for venues with no pull of their own). */
  private entryCursor: number | null = null;
  private accepting = false;
  private lastDay: string | null = null;
  private wasConnected = true;
  private disconnectedAt: number | null = null;
  private running: Promise<ReconcileResult> | null = null;
  private readonly listeners: ((r: ReconcileResult) => void)[] = [];

  constructor(private readonly engine: EngineControl, opts: ReconcileOptions = {}) {
    this.tol = opts.tolerances ?? DEFAULT_TOLERANCES;
    this.recheckMs = opts.recheckMs ?? DEFAULT_RECHECK_MS;
    this.confirmMs = Math.max(this.recheckMs, opts.confirmWithinMs ?? DEFAULT_CONFIRM_WITHIN_MS);
    this.periodMs = opts.periodMs ?? DEFAULT_RECONCILE_PERIOD_MS;
    this.sched = opts.scheduler ?? new WallScheduler();
    const sched = this.sched;
    this.wallNow = opts.wallNow ?? (() => sched.now());
    this.pauseFn = opts.pause ?? ((r) => engine.setTradingState('paused', r));
    this.resumeFn = opts.resume ?? ((why) => { if (engine.tradingState().status === 'paused') engine.setTradingState('active', why); });
    this.journalFn = opts.journal ?? null;
  }

  private get queries(): VenueQueries | undefined {
    return this.engine.execution.queries;
  }

  onResult(fn: (r: ReconcileResult) => void): void {
    this.listeners.push(fn);
  }

  last(): ReconcileResult | null {
    return this.lastResult;
  }

  /** True while a confirmed difference holds new signals paused. */
  isPaused(): boolean {
    return this.haltedByUs;
  }

  // ---------- running ----------

  /** The console's `r` key (and every scheduled run). */
  reconcileNow(reason: ReconcileReason = 'on-demand'): Promise<ReconcileResult> {
    // One comparison at a time: a second request waits for the one running.
    if (this.running !== null) return this.running;
    this.running = this.run(reason).finally(() => { this.running = null; });
    return this.running;
  }

  /**
   * Compare, and when something differs wait for the re-check and answer with it: what start-up
   * (the state-coherence gate) and recovery call, so a report still in transit does not fail the
   * start, and a confirmed difference does (and pauses, like any confirmed difference).
   */
  async reconcileConfirmed(reason: ReconcileReason = 'start'): Promise<ReconcileResult> {
    const r = await this.reconcileNow(reason);
    if (r.diffs.length === r.confirmed.length || r.recheckAt === null || this.stopped) return r;
    await this.sched.sleep(Math.max(0, r.recheckAt - this.wallNow()));
    return this.reconcileNow('recheck');
  }

  private async compare(): Promise<Comparison> {
    const q = this.queries;
    if (q === undefined) throw new Error(`the venue ${this.engine.execution.venue} cannot be queried: nothing to reconcile against`);
    await this.bookNewEntries(q);
    const [orders, positions, account] = await Promise.all([q.openOrders(), q.positions(), q.account()]);
    const ours = this.ourBook();
    // Orders in flight are compared on neither side: the venue may not have caught up with them.
    const venueOrders = orders.filter((o) => !ours.inFlightIds.has(o.clientOrderId));
    const all = diffBooks(ours.book, { orders: venueOrders, positions, cash: account.cash, equity: account.equity }, this.tol);
    return { all, inFlight: ours.inFlightIds.size, inFlightSymbols: ours.inFlightSymbols, positions, account };
  }

  /**
   * Funding, liquidations and rebates the venue booked that our ledger has not heard of (a push
   * lost in transit, a poll not yet due): booked first, in the engine's loop, so a funding interval
   * is not a cash difference. Each entry id is booked once however often it is heard.
   */
  private async bookNewEntries(q: VenueQueries): Promise<void> {
    let entries: AccountEntry[];
    if (q.pullEntries !== undefined) entries = await q.pullEntries();
    else if (q.entriesSince !== undefined) entries = await q.entriesSince(this.entryCursor === null ? 0 : this.entryCursor - 60_000);
    else return;
    for (const e of entries) if (this.entryCursor === null || e.ts > this.entryCursor) this.entryCursor = e.ts;
    const e = this.engine;
    const fresh = entries.filter((x) => !e.seenEntryIds().has(x.entryId));
    if (fresh.length === 0 || e.isStopped()) return;
    await new Promise<void>((resolve) => {
      e.schedule(e.now(), () => {
        for (const x of [...fresh].sort((a, b) => a.ts - b.ts)) e.applyEntryNow(x);
        resolve();
      });
      if (e.isStopped()) resolve();
    });
  }

  /** Could an order still in flight explain this difference (its report on the way)? */
  private explained(d: ReconcileDiff, c: Comparison): boolean {
    if (d.subject === 'position') return c.inFlightSymbols.has(d.symbol);
    if (d.subject === 'cash') return c.inFlight > 0;
    return false;
  }

  private async run(reason: ReconcileReason): Promise<ReconcileResult> {
    const c = await this.compare();
    const now = this.wallNow();
    const acknowledged: ReconcileDiff[] = [];
    const diffs: ReconcileDiff[] = [];
    for (const d of c.all) {
      if (this.acked.get(d.key) === d.message) acknowledged.push(d);
      else diffs.push(d);
    }
    // Only a comparison that no longer finds a difference forgets it.
    const keys = new Set(diffs.map((d) => d.key));
    for (const k of [...this.sightings.keys()]) if (!keys.has(k)) this.sightings.delete(k);
    const confirmed: ReconcileDiff[] = [];
    const fresh: ReconcileDiff[] = [];
    let next: number | null = null;
    const want = (t: number) => { next = next === null ? t : Math.min(next, t); };
    for (const d of diffs) {
      const sig = signature(d);
      const s = this.sightings.get(d.key);
      if (s === undefined) {
        this.sightings.set(d.key, { first: now, sig, confirmed: false });
        fresh.push(d);
        want(now + this.recheckMs);
        continue;
      }
      if (s.confirmed) { s.sig = sig; confirmed.push(d); continue; }
      const age = now - s.first;
      const steady = s.sig === sig && !this.explained(d, c);
      s.sig = sig;
      if (age >= this.confirmMs || (age >= this.recheckMs && steady)) {
        s.confirmed = true;
        confirmed.push(d);
      } else {
        want(age < this.recheckMs ? s.first + this.recheckMs : Math.min(now + this.recheckMs, s.first + this.confirmMs));
      }
    }
    let halted = false;
    if (confirmed.length > 0 && !this.haltedByUs && !this.accepting) {
      this.haltedByUs = true;
      halted = true;
      const firstSeen = Math.min(...confirmed.map((d) => this.sightings.get(d.key)!.first));
      const shown = confirmed.slice(0, 3).map((d) => d.message).join('; ');
      const msg = `reconciliation: ${confirmed.length} difference(s) with the venue confirmed by a re-check ${Math.round((now - firstSeen) / 1000)} s after first seen (${shown}${confirmed.length > 3 ? '; ...' : ''}); check them, then accept the venue's state (a a, or parity ctl accept-venue)`;
      this.engine.log('error', 'reconcile', msg, { diffs: confirmed.map((d) => d.message) });
      this.pauseFn(msg);
    }
    if (fresh.length > 0 && !halted) {
      this.engine.log('warn', 'reconcile', `${reason}: ${fresh.length} new difference(s) with the venue, re-checking in ${Math.round(this.recheckMs / 1000)} s`, { diffs: fresh.map((d) => d.message) });
    }
    if (next !== null) this.armRecheck(next);
    const result: ReconcileResult = {
      at: now, engineTime: this.engine.now(), reason, diffs, confirmed, acknowledged, inFlight: c.inFlight, halted,
      paused: this.haltedByUs, recheckAt: this.recheckAt,
    };
    this.lastResult = result;
    for (const l of this.listeners) l(result);
    return result;
  }

  private armRecheck(at: number): void {
    if (this.stopped) return;
    if (this.recheckTimer !== null && this.recheckAt !== null && this.recheckAt <= at) return;
    this.recheckTimer?.cancel();
    this.recheckAt = at;
    this.recheckTimer = this.sched.after(Math.max(0, at - this.wallNow()), () => {
      this.recheckTimer = null;
      this.recheckAt = null;
      if (this.stopped || this.accepting || this.engine.isStopped()) return;
      this.reconcileNow('recheck').catch((err: unknown) => this.engine.log('warn', 'reconcile', `re-check: ${String(err)}`));
    });
  }

  private cancelRecheck(): void {
    this.recheckTimer?.cancel();
    this.recheckTimer = null;
    this.recheckAt = null;
  }

  private ourBook(): { book: OurBook; inFlightIds: Set<string>; inFlightSymbols: Set<string> } {
    const e = this.engine;
    const orders = [];
    const inFlightIds = new Set<string>();
    const inFlightSymbols = new Set<string>();
    for (const o of e.orders.openOrders()) {
      if (isInFlight(o.status)) { inFlightIds.add(o.clientOrderId); inFlightSymbols.add(o.request.symbol); }
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
    return { book, inFlightIds, inFlightSymbols };
  }

  /** Acknowledge the diffs as they stand (no repair) and lift this service's pause. */
  resolve(): void {
    for (const d of this.lastResult?.diffs ?? []) this.acked.set(d.key, d.message);
    this.sightings.clear();
    this.cancelRecheck();
    if (this.haltedByUs) {
      this.haltedByUs = false;
      this.resumeFn('reconciliation differences resolved by the operator');
    }
  }

  /**
   * The operator's remedy: take the venue's word. Every differing order is asked about again by
   * client order id and the answer applied through the state machine (engine.applyVenueState; one
   * the venue has no record of is marked lost, one it works that parity did not place is adopted as
   * external); then positions and cash are replaced by the venue's. The venue's book is journaled,
   * the repair logged, the pause lifted, and a fresh comparison says whether the books now agree.
   */
  async acceptVenue(by: string): Promise<AcceptVenueResult> {
    const q = this.queries;
    if (q === undefined) throw new Error(`the venue ${this.engine.execution.venue} cannot be queried: nothing to accept`);
    const e = this.engine;
    this.accepting = true;
    this.cancelRecheck();
    const repaired: string[] = [];
    try {
      if (this.running !== null) await this.running.catch(() => undefined);
      // What differs now, not what differed when the operator last looked.
      const c = await this.compare();
      if (c.all.length > 0) {
        const orderIds = new Set<string>();
        const adopt: VenueOrderState[] = [];
        for (const d of c.all) {
          if (d.subject !== 'order') continue;
          if (d.kind === 'extra' && e.orders.get(d.clientOrderId) === undefined) adopt.push(d.venue);
          else orderIds.add(d.clientOrderId);
        }
        const known = [...orderIds].map((id) => e.orders.get(id)).filter((o) => o !== undefined);
        const since = known.length > 0 ? Math.min(...known.map((o) => o.createdAt)) : Number.NaN;
        const execs = known.length > 0 ? await q.executionsSince(Number.isFinite(since) ? since : 0) : [];
        const answers = await Promise.all(known.map(async (o) => [o.clientOrderId, await q.order(o.clientOrderId)] as const));
        const list: { instrument: NonNullable<ReturnType<EngineControl['instrument']>>; qty: number; avgPrice: number }[] = [];
        for (const p of c.positions) {
          const inst = e.instrument(p.symbol);
          if (inst === undefined) { repaired.push(`the venue holds ${p.qty} ${p.symbol}, which this run does not trade: left out of the portfolio`); continue; }
          if (p.qty !== 0) list.push({ instrument: inst, qty: p.qty, avgPrice: p.avgPrice });
        }
        await new Promise<void>((resolve) => {
          e.schedule(e.now(), () => {
            for (const [id, v] of answers) {
              const o = e.orders.get(id)!;
              const was = `${o.status} ${o.filledQty}/${o.request.qty}`;
              if (v !== null) e.applyVenueState(id, v, execs);
              else if (isOpen(o.status)) e.markLost(id, 'accepted venue state: the venue has no record of it');
              e.flag(id, null);
              repaired.push(`order ${id}: ${was} -> ${o.status} ${o.filledQty}/${o.request.qty}${v === null ? ' (unknown at the venue)' : ''}`);
            }
            for (const v of adopt) {
              if (e.instrument(v.request.symbol) === undefined) { repaired.push(`the venue works ${v.clientOrderId} on ${v.request.symbol}, which this run does not trade: left alone`); continue; }
              e.holdForExternal(v, false);
              repaired.push(`order ${v.clientOrderId}: adopted as external`);
            }
            e.restoreBooks(c.account.cash, list);
            resolve();
          });
          if (e.isStopped()) resolve();
        });
        const book: VenueBookRecord = { positions: c.positions.map((p) => ({ symbol: p.symbol, qty: p.qty, avgPrice: p.avgPrice })), cash: { ...c.account.cash } };
        this.journalFn?.(book);
        const pos = book.positions.filter((p) => p.qty !== 0).map((p) => `${p.symbol} ${p.qty}`).join(', ') || 'flat';
        const cash = Object.entries(book.cash).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
        repaired.push(`positions now ${pos}; cash ${cash}`);
        e.log('warn', 'reconcile', `accepted the venue's state (${by}): ${c.all.map((d) => d.message).join('; ')}. Repaired: ${repaired.join('; ')}`, {
          by, diffs: c.all.map((d) => d.message), repaired, positions: book.positions, cash: book.cash,
        });
      }
      this.sightings.clear();
      this.acked.clear();
      const wasPaused = this.haltedByUs;
      if (wasPaused) {
        this.haltedByUs = false;
        this.resumeFn(`venue state accepted by ${by}`);
      }
      if (this.running !== null) await this.running.catch(() => undefined);
      this.accepting = false;
      const result = await this.reconcileNow('accept-venue');
      const ok = result.diffs.length === 0;
      const message = c.all.length === 0
        ? `nothing to accept: books agree with the venue${wasPaused ? '; reconciliation pause lifted' : ''}`
        : ok ? `venue state accepted: ${c.all.length} difference(s) repaired; books now agree with the venue${wasPaused ? ', reconciliation pause lifted' : ''}`
        : `venue state accepted, but ${result.diffs.length} difference(s) remain: ${result.diffs.map((d) => d.message).join('; ')}`;
      return { ok, message, result, repaired };
    } finally {
      this.accepting = false;
    }
  }

  /**
   * After a reconnect: fills that happened during the gap are fetched from the venue's executions
   * (deduplicated by exec id), every open order is brought in line with the venue, then compared
   * like any other run (a difference is re-checked, and a confirmed one pauses).
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
    this.stopped = false;
    const tickMs = 1000;
    let sinceLast = 0;
    this.timer = this.sched.every(tickMs, () => {
      sinceLast += tickMs;
      if (this.accepting) return;
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
        sinceLast = 0;
        this.reconcileNow('end-of-day').catch(() => undefined);
        return;
      }
      if (day !== null) this.lastDay = day;
      if (this.periodMs > 0 && sinceLast >= this.periodMs) {
        sinceLast = 0;
        this.reconcileNow('periodic').catch((err: unknown) => this.engine.log('warn', 'reconcile', `periodic: ${String(err)}`));
      }
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.cancelRecheck();
    this.stopped = true;
  }

  onStop(): void {
    this.stop();
  }
}

/** A reconciliation result in the operations layer's terms (gates, console pane). */
export function summarizeReconcile(r: ReconcileResult): ReconcileSummary {
  return {
    clean: r.diffs.length === 0, at: r.at, lines: r.diffs.map((d) => d.message),
    status: r.diffs.length === 0 ? 'clean' : r.confirmed.length > 0 ? 'confirmed' : 'rechecking',
    recheckAt: r.recheckAt, paused: r.paused,
  };
}
