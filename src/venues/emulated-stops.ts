/**
 * Stop orders on venues that take none (OKX, Binance, Bybit and Deribit through ccxt take only
 * market and limit orders): parity holds the stop itself, "emulated" as ccxt's `has` calls it. A
 * decorator at the edge, around the venue's ExecutionClient: the engine, the journal and recovery
 * see a venue that takes stops, and one order under one client order id from intent to fill.
 *
 * - Submit: the stop is accepted here (an `accepted` report; the engine journaled the intent before
 *   calling submit, and journals the report), not sent. Refused here what the venue would refuse of
 *   the market order it becomes (`refusal`, e.g. reduce-only on OKX spot), and ioc / fok (a held stop
 *   works until it triggers or is canceled).
 * - Trigger: every market event the engine sees (onMarketData, before the strategy sees it), by the
 *   simulator's rule (sim/stop-trigger.ts: the same bar / trade / quote rule), on the events that
 *   arrive after the stop was placed. In time order (a backtest, a replay) that is the simulator's
 *   "after the instant it was decided"; live, where a bar stamped with its minute's start arrives
 *   after a fill stamped later, arrival is what counts (the bar is news to the stop). Engine
 *   timestamps are not used: a venue report moves engine time past the next bar's stamp.
 *   A triggered stop goes to the venue as a market order under the SAME
 *   client order id, side, quantity, reduce-only and tag: the venue's accept, fills and end are the
 *   order's. Triggers are logged.
 * - Trading state: a reduce-only stop fires whatever the state, as a native stop at the venue would
 *   (a pause lets exits, stops and cancels flow; a stop-loss is an exit). A stop that may add exposure
 *   (not reduce-only) is held while trading is paused or halted: its trigger is judged again on the
 *   first event after the resume (a market still through the stop then fires it at once).
 * - Cancel and replace of an untriggered stop are answered here (`canceled`, `replaced`), after the
 *   engine's own admission (a replace passes risk/admission.ts like any other). A replace of a stop
 *   that has triggered is refused: its market order is at the venue.
 * - Queries (recovery, reconciliation, the kill switch's read of the venue): held stops are listed
 *   as the venue's own working orders; a triggered stop's market order is shown with the stop's terms.
 * - Restart: nothing extra is journaled. Recovery asks about every open order by client id; for a
 *   stop the engine restored from the journal, the venue's answer decides: it has the id (the stop
 *   had triggered and its order was sent) -> that order, never sent again; it has not -> the stop is
 *   held again (re-armed) and answered as working. A stop that triggered but whose market order
 *   never left before the crash is re-armed too: it fires again on the next event through its stop
 *   (a stop-loss that silently stayed lost would be worse), and the venue refuses a client id it has.
 * - Not emulated: stop-limit (refused by admission as before), a venue's dead-man switch (held stops
 *   are not at the venue, so a lapsed switch does not cancel them).
 */
import type { MarketEvent } from '../domain/market.ts';
import type { OrderRequest, ReplaceRequest } from '../domain/order.ts';
import type { EngineObserver, EngineView } from '../engine/engine.ts';
import { isOpen } from '../orders/fsm.ts';
import type {
  AccountEntrySink, ExecutionClient, ExecutionReport, ReportSink, SubmitCommand, TransportHooks, VenueCapabilities,
  VenueOrderState, VenueQueries,
} from '../ports/index.ts';
import { replacedRequest } from '../risk/admission.ts';
import { IntrabarPath } from './sim/fill-model.ts';
import { stopTriggeredBy } from './sim/stop-trigger.ts';

type StopRequest = Extract<OrderRequest, { type: 'stop' }>;

export interface EmulatedStopsOptions {
  /**
   * Why the venue would refuse the market order a stop becomes (null: it would take it), asked at
   * submit so a stop the venue could never execute is refused now, not when it triggers.
   */
  readonly refusal?: (marketOrder: OrderRequest) => string | null;
}

/** A stop held here. */
interface HeldStop {
  request: StopRequest;
  /** Market events seen when it was placed: only events that arrive after it can trigger it. */
  readonly after: number;
  readonly createdAt: number;
  updatedAt: number;
  /** Logged once per hold (a paused or halted engine holding a stop that may add exposure). */
  heldLogged: boolean;
}

/** The venue takes market orders but no stops: the stops are held by parity. */
export function needsStopEmulation(c: VenueCapabilities): boolean {
  return !c.orderTypes.includes('stop') && c.orderTypes.includes('market');
}

/** The market order a triggered stop becomes: same side, quantity, reduce-only and tag; no tif (it trades at once). */
export function marketOrderOf(r: OrderRequest): OrderRequest {
  return {
    type: 'market', symbol: r.symbol, side: r.side, qty: r.qty,
    ...(r.reduceOnly !== undefined ? { reduceOnly: r.reduceOnly } : {}), ...(r.tag !== undefined ? { tag: r.tag } : {}),
  };
}

/** The local venue order id of a held stop (the venue's own replaces it once the stop triggers). */
export const heldStopId = (clientOrderId: string): string => `emulated:${clientOrderId}`;

export class EmulatedStops implements ExecutionClient, EngineObserver {
  readonly capabilities: VenueCapabilities;
  readonly queries?: VenueQueries;
  readonly connection?: ExecutionClient['connection'];
  readonly deadMan?: ExecutionClient['deadMan'];
  private readonly emulating: boolean;
  private readonly held = new Map<string, HeldStop>();
  /** Stops triggered in this life, until their order ends: the venue's answers about them carry the stop's terms. */
  private readonly sent = new Map<string, StopRequest>();
  private readonly path = new IntrabarPath();
  /** Market events seen so far (the arrival order the engine hands them over in). */
  private seen = 0;
  private sink: ReportSink | null = null;
  private engine: EngineView | null = null;

  constructor(readonly inner: ExecutionClient, private readonly opts: EmulatedStopsOptions = {}) {
    this.emulating = needsStopEmulation(inner.capabilities);
    this.capabilities = this.emulating
      ? { ...inner.capabilities, orderTypes: [...inner.capabilities.orderTypes, 'stop'], stop: 'emulated' }
      : inner.capabilities;
    const q = inner.queries;
    if (q !== undefined) this.queries = this.wrapQueries(q);
    if (inner.connection !== undefined) this.connection = inner.connection.bind(inner);
    if (inner.deadMan !== undefined) this.deadMan = inner.deadMan.bind(inner);
  }

  get venue(): string {
    return this.inner.venue;
  }

  /** Stops held now (not yet triggered), by client order id: the console and tests read it. */
  heldStops(): ReadonlyMap<string, Readonly<StopRequest>> {
    return new Map([...this.held].map(([id, h]) => [id, h.request]));
  }

  // ---------- engine observer: the engine's view (trading state, restored orders, the log) ----------

  onStart(engine: EngineView): void {
    this.engine = engine;
  }

  // ---------- execution ----------

  connect(sink: ReportSink, transport?: TransportHooks, entries?: AccountEntrySink): void | Promise<void> {
    this.sink = sink;
    return this.inner.connect((rep) => { if (rep.ts > this.venueTs) this.venueTs = rep.ts; this.forget(rep); sink(rep); }, transport, entries);
  }

  submit(cmd: SubmitCommand): void {
    const r = cmd.request;
    if (!this.emulating || r.type !== 'stop') { this.inner.submit(cmd); return; }
    const why = r.tif === 'ioc' || r.tif === 'fok'
      ? `a stop parity holds for ${this.venue} works until it triggers or is canceled: time in force ${r.tif} does not apply (use gtc)`
      : this.opts.refusal?.(marketOrderOf(r)) ?? null;
    const ts = this.stamp(cmd.ts);
    if (why !== null) { this.emit({ kind: 'rejected', clientOrderId: cmd.clientOrderId, reason: why, ts }); return; }
    this.hold(cmd.clientOrderId, r, cmd.ts);
    this.emit({ kind: 'accepted', clientOrderId: cmd.clientOrderId, venueOrderId: heldStopId(cmd.clientOrderId), ts });
  }

  cancel(clientOrderId: string, ts: number): void {
    if (!this.held.delete(clientOrderId)) { this.inner.cancel(clientOrderId, ts); return; }
    this.emit({ kind: 'canceled', clientOrderId, reason: 'canceled before it triggered (the stop was held by parity, never at the venue)', ts: this.stamp(ts) });
  }

  replace(clientOrderId: string, changes: ReplaceRequest, at: number): void {
    const ts = this.stamp(at);
    const h = this.held.get(clientOrderId);
    if (h === undefined) {
      if (this.sent.has(clientOrderId)) {
        this.emit({ kind: 'replace_rejected', clientOrderId, reason: 'the stop has triggered: its market order is at the venue', ts });
      } else this.inner.replace(clientOrderId, changes, at);
      return;
    }
    // The engine's admission judged the change (grid, risk, trading state); only what a stop cannot carry is left.
    if (changes.limitPrice !== undefined) {
      this.emit({ kind: 'replace_rejected', clientOrderId, reason: 'a stop order has no limit price to change', ts });
      return;
    }
    const next = replacedRequest(h.request, changes) as StopRequest;
    h.request = next;
    h.updatedAt = ts;
    this.emit({ kind: 'replaced', clientOrderId, qty: next.qty, stopPrice: next.stopPrice, ts });
  }

  onMarketData(ev: MarketEvent): void {
    if (ev.ts > this.venueTs) this.venueTs = ev.ts;
    this.inner.onMarketData?.(ev);
    this.seen++;
    if (this.held.size === 0) return;
    let fire: [string, HeldStop][] | null = null;
    for (const entry of this.held) {
      const h = entry[1];
      const r = h.request;
      if (r.symbol !== ev.symbol || this.seen <= h.after) continue;
      if (!stopTriggeredBy(ev, r.side === 'buy', r.stopPrice, this.path)) continue;
      if (r.reduceOnly !== true && this.tradingStopped()) {
        if (!h.heldLogged) {
          h.heldLogged = true;
          this.log('warn', `${entry[0]}: stop ${r.side} ${r.qty} ${r.symbol} @ ${r.stopPrice} reached while trading is ${this.engine?.tradingState().status}: held (it is not reduce-only); judged again after the resume`);
        }
        continue;
      }
      (fire ??= []).push(entry);
    }
    if (fire !== null) for (const [id, h] of fire) this.trigger(id, h, ev);
  }

  disconnect(): void | Promise<void> {
    return this.inner.disconnect();
  }

  // ---------- inside ----------

  private trigger(id: string, h: HeldStop, ev: MarketEvent): void {
    this.held.delete(id);
    this.sent.set(id, h.request);
    const r = h.request;
    this.log('info', `${id}: stop ${r.side} ${r.qty} ${r.symbol} @ ${r.stopPrice} triggered by the ${ev.kind} at ${ev.ts}: sent to ${this.venue} as a market order${r.reduceOnly === true ? ' (reduce-only)' : ''} under the same client order id`);
    this.inner.submit({ clientOrderId: id, request: marketOrderOf(r), ts: ev.ts });
  }

  private hold(id: string, request: StopRequest, at: number): HeldStop {
    const h: HeldStop = { request, after: this.seen, createdAt: at, updatedAt: at, heldLogged: false };
    this.held.set(id, h);
    return h;
  }

  private tradingStopped(): boolean {
    return this.engine !== null && this.engine.tradingState().status !== 'active';
  }

  /**
   * The time an answer given here (accepted, canceled, replaced) carries: the venue's own timeline,
   * the latest of its market data and its reports, as its own answers would be stamped. The engine
   * orders reports and bars by time: stamped with engine time instead, which can run far from the
   * venue's (a session starts on this machine's clock; a fake replays old bars with their own
   * times), the answer sorted behind every queued bar and a cancelled stop stayed pending_cancel
   * while bars kept coming (perp-ml on the OKX fake). The command's time until the venue said anything.
   */
  private stamp(commandTs: number): number {
    return Number.isFinite(this.venueTs) ? this.venueTs : commandTs;
  }
  /** The latest time the venue's market data or reports carried. */
  private venueTs = Number.NEGATIVE_INFINITY;

  private emit(rep: ExecutionReport): void {
    this.sink?.(rep);
  }

  private log(level: 'info' | 'warn', msg: string): void {
    this.engine?.log(level, 'stops', msg);
  }

  /** A triggered stop's order ended: its answers need no translating any more. */
  private forget(rep: ExecutionReport): void {
    if (this.sent.size === 0) return;
    if (rep.kind === 'rejected' || rep.kind === 'canceled' || rep.kind === 'expired') this.sent.delete(rep.clientOrderId);
    else if (rep.kind === 'fill' && rep.venueCumQty !== undefined) {
      const r = this.sent.get(rep.clientOrderId);
      if (r !== undefined && rep.venueCumQty >= r.qty - 1e-12) this.sent.delete(rep.clientOrderId);
    }
  }

  /** The stop this client id stands for, if it is one of ours: triggered in this life, or as the engine restored it. */
  private stopOf(id: string): StopRequest | null {
    const s = this.sent.get(id);
    if (s !== undefined) return s;
    const o = this.engine?.orders.get(id);
    return o !== undefined && !o.external && o.request.type === 'stop' ? o.request : null;
  }

  /** A venue's answer about a triggered stop's market order, with the stop's terms (so no replace is read into it). */
  private asStop(v: VenueOrderState): VenueOrderState {
    if (!this.emulating || v.request.type !== 'market') return v;
    const s = this.stopOf(v.clientOrderId);
    return s === null ? v : { ...v, request: { ...s, qty: v.request.qty } };
  }

  private heldState(id: string, h: HeldStop): VenueOrderState {
    return {
      clientOrderId: id, venueOrderId: heldStopId(id), request: h.request, status: 'accepted',
      filledQty: 0, avgFillPrice: 0, createdAt: h.createdAt, updatedAt: h.updatedAt,
    };
  }

  /**
   * After a restart the engine holds the stops the journal recorded, and this decorator none:
   * recovery's question about one is where it is re-armed, when the venue has never heard of it.
   */
  private rearm(id: string): VenueOrderState | null {
    const o = this.engine?.orders.get(id);
    if (o === undefined || o.external || o.request.type !== 'stop' || !isOpen(o.status) || o.filledQty > 0) return null;
    const h = this.held.get(id) ?? this.hold(id, o.request, o.createdAt);
    this.log('info', `${id}: stop ${o.request.side} ${o.request.qty} ${o.request.symbol} @ ${o.request.stopPrice} re-armed from the journal (${this.venue} has no order under this id: it had not triggered)`);
    return this.heldState(id, h);
  }

  private wrapQueries(q: VenueQueries): VenueQueries {
    const w: VenueQueries = {
      order: async (id) => {
        const h = this.held.get(id);
        if (h !== undefined) return this.heldState(id, h);
        const v = await q.order(id);
        if (v !== null) return this.asStop(v);
        if (!this.emulating) return null;
        const again = this.held.get(id); // armed meanwhile (a submit, another question)
        return again !== undefined ? this.heldState(id, again) : this.rearm(id);
      },
      openOrders: async () => {
        const venue = (await q.openOrders()).map((v) => this.asStop(v));
        const at = new Set(venue.map((v) => v.clientOrderId));
        return [...venue, ...[...this.held].filter(([id]) => !at.has(id)).map(([id, h]) => this.heldState(id, h))];
      },
      positions: () => q.positions(),
      account: () => q.account(),
      executionsSince: (ts) => q.executionsSince(ts),
      time: () => q.time(),
    };
    if (q.entriesSince !== undefined) w.entriesSince = q.entriesSince.bind(q);
    if (q.pullEntries !== undefined) w.pullEntries = q.pullEntries.bind(q);
    return w;
  }
}
