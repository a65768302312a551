/**
 * Our orders, keyed by client order id. Every change of status goes through the FSM table;
 * fills are deduplicated by execution id and counted in integer lots.
 */
import { type Instrument, toLots, toTicks, fromSteps } from '../domain/instrument.ts';
import { type OrderRequest, limitPriceOf, stopPriceOf } from '../domain/order.ts';
import type { ExecutionReport } from '../ports/index.ts';
import { type OrderEventKind, type OrderStatus, invalidTransitionMessage, transitionInPlace, isOpen, isTerminal } from './fsm.ts';
import { type Order, type OrderEvent, type OrderHandle, type OrderView, OrderRecord, RegistryOrderEvent, viewOf } from './order.ts';
import { type ArchivedOrder, OrderArchive } from './order-archive.ts';

export interface BookedFill {
  readonly order: Order;
  readonly execId: string;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly liquidity: 'maker' | 'taker';
  readonly ts: number;
}

/** A fee learned after its fill was booked: to add to the ledger (the order's fees already have it). */
export interface BookedFee {
  readonly order: Order;
  readonly execId: string;
  readonly fee: number;
  readonly ts: number;
}

/** What applying one report did. */
export interface ReportOutcome {
  readonly events: OrderEvent[];
  readonly fill: BookedFill | null;
  /** Set when the report was ignored or contradicts what we know: for the log and the UI. */
  readonly problem: string | null;
  /** The report was older than what is already applied and was ignored. */
  readonly stale?: boolean;
  /** A fee adjustment to book on the ledger (a 'fee' report for an execution booked before). */
  readonly fee?: BookedFee;
}

/** What the store keeps of an order (journal/state.ts StoredOrder has this shape). */
export type RestoredOrder = OrderView & {
  readonly returnTo: OrderStatus | null;
  readonly execIds: readonly string[];
};

const NO_OUTCOME: ReportOutcome = { events: [], fill: null, problem: null };

/** An order's handle: finds it by id wherever it is kept (hot map or archive). One small object per order. */
class RegistryHandle implements OrderHandle {
  constructor(readonly clientOrderId: string, private readonly registry: OrderRegistry) {}
  view(): OrderView {
    return this.registry.viewById(this.clientOrderId)!;
  }
}

export class OrderRegistry {
  /** Orders not yet finished, and finished ones not yet archived (hot: looked up per report). */
  private readonly orders = new Map<string, OrderRecord>();
  private readonly open = new Map<string, Order>();
  /** Finished orders, in columns (order-archive.ts); a late report brings one back. */
  private readonly archive = new OrderArchive();
  /** Orders that finished since the last create(): archived then, once their last event is handled. */
  private readonly finished: OrderRecord[] = [];
  private seq = 0;
  /**
   * Orders that entered with an id not minted fresh by the engine's unique source (restored,
   * adopted, created by hand). While there are none, a fresh id cannot collide with anything and
   * create() skips the duplicate check (two Map lookups, one of them in the archive of every past order).
   */
  private foreign = 0;
  /**
   * Take each event's order snapshot when it happens (someone keeps them: a strategy with
   * onOrderEvent, the recorder, the console). Off, the snapshot is built only if read (the engine
   * decides from who listens; a backtest collector reads handles).
   */
  snapshots = true;

  constructor(private readonly instrumentOf: (symbol: string) => Instrument | undefined) {}

  get(clientOrderId: string): Order | undefined {
    return this.orders.get(clientOrderId) ?? this.revive(clientOrderId);
  }

  /** The order as it stands now, wherever it is kept (handles call this). */
  viewById(clientOrderId: string): OrderView | undefined {
    const o = this.orders.get(clientOrderId);
    return o !== undefined ? viewOf(o) : this.archive.view(clientOrderId);
  }

  /** Finished orders leave the hot maps (only if still finished and still the registry's object). */
  private archiveFinished(): void {
    const f = this.finished;
    for (let i = 0; i < f.length; i++) {
      const o = f[i]!;
      if (!isTerminal(o.status) || this.orders.get(o.clientOrderId) !== o) continue;
      this.orders.delete(o.clientOrderId);
      this.archive.put(o);
    }
    while (f.length > 0) f.pop(); // not `length = 0`: that is a runtime call and drops the backing store
  }

  /** An archived order something asks about (a late report, an operator command): back in the hot map. */
  private revive(id: string): Order | undefined {
    if (this.archive.size === 0) return undefined;
    const a = this.archive.take(id);
    if (a === undefined) return undefined;
    const o = recordOf(a, new RegistryHandle(id, this));
    this.orders.set(id, o);
    return o;
  }

  /** Orders that may still trade, oldest first. */
  openOrders(): IterableIterator<Order> {
    return this.open.values();
  }

  openCount(): number {
    return this.open.size;
  }

  /** Every order, in creation order (archived ones as read-only copies: get() an order to change it). */
  all(): IterableIterator<Order> {
    if (this.archive.size === 0) return this.orders.values();
    const list: Order[] = [...this.orders.values()];
    for (const a of this.archive.all()) list.push(recordOf(a, new RegistryHandle(a.clientOrderId, this)));
    list.sort((x, y) => (x as OrderRecord).seq - (y as OrderRecord).seq);
    return list.values();
  }

  /**
   * `fresh`: the id comes from a source that never gives the same id twice (ClientOrderIdSource.unique,
   * the engine's own ids). Such an id can only collide with one that entered another way.
   */
  create(clientOrderId: string, request: OrderRequest, ts: number, external = false, fresh = false): Order {
    if (this.finished.length > 0) this.archiveFinished();
    if (!fresh) this.foreign++;
    if (this.foreign > 0 && (this.orders.has(clientOrderId) || this.archive.has(clientOrderId))) throw new Error(`client order id ${clientOrderId} is already in use`);
    const o = new OrderRecord(clientOrderId, request, ts, external, this.seq++, new RegistryHandle(clientOrderId, this));
    this.orders.set(clientOrderId, o);
    return o;
  }

  /** Move an order through the FSM. An impossible move flags the order and returns null. */
  apply(o: Order, kind: OrderEventKind, ts: number, reason?: string): OrderEvent | null {
    const from = o.status;
    if (transitionInPlace(o, kind) === undefined) {
      o.flagged = invalidTransitionMessage(from, kind);
      o.updatedAt = ts;
      return null;
    }
    o.updatedAt = ts;
    if (reason !== undefined && (kind === 'deny' || kind === 'reject' || kind === 'canceled' || kind === 'expire'
      || kind === 'cancel_reject' || kind === 'replace_reject' || kind === 'lost')) {
      o.reason = reason;
    }
    if (isOpen(o.status)) this.open.set(o.clientOrderId, o);
    else {
      this.open.delete(o.clientOrderId);
      if (isTerminal(o.status) && o instanceof OrderRecord) this.finished.push(o);
    }
    return new RegistryOrderEvent(o.handle, kind, from, o.status, ts, reason, this.snapshots ? viewOf(o) : null);
  }

  /**
   * Put back an order as the store recorded it (crash recovery). Its state came through the FSM when
   * it was recorded, so it is restored as is; fills already booked are known by their exec ids.
   */
  restore(s: RestoredOrder): Order {
    const inst = this.instrumentOf(s.request.symbol);
    const o = this.create(s.clientOrderId, s.request, s.createdAt, s.external);
    o.venueOrderId = s.venueOrderId;
    o.status = s.status;
    o.returnTo = s.returnTo;
    o.fees = s.fees;
    o.updatedAt = s.updatedAt;
    o.reason = s.reason;
    o.flagged = s.flagged;
    o.leftAlone = s.leftAlone;
    for (const e of s.execIds) o.addExec(e);
    if (s.filledQty > 0 && inst !== undefined) {
      o.filledLots = toLots(s.filledQty, inst.lotSize);
      o.fillTickLots = toTicks(s.avgFillPrice, inst.tickSize) * o.filledLots;
      o.filledQty = fromSteps(o.filledLots, inst.lotSize);
      o.avgFillPrice = s.avgFillPrice;
    }
    if (isOpen(o.status)) this.open.set(o.clientOrderId, o);
    return o;
  }

  /** An order found at the venue that we did not create: shown, never silently ignored. */
  adoptExternal(clientOrderId: string, venueOrderId: string, request: OrderRequest, working: 'accepted' | 'partially_filled', filledQty: number, avgFillPrice: number, ts: number): Order {
    const o = this.create(clientOrderId, request, ts, true);
    o.venueOrderId = venueOrderId;
    o.status = working;
    const inst = this.instrumentOf(request.symbol);
    if (filledQty > 0 && inst !== undefined) {
      o.filledLots = toLots(filledQty, inst.lotSize);
      o.fillTickLots = toTicks(avgFillPrice, inst.tickSize) * o.filledLots;
      o.filledQty = fromSteps(o.filledLots, inst.lotSize);
      o.avgFillPrice = avgFillPrice;
    }
    this.open.set(clientOrderId, o);
    return o;
  }

  /** Apply one venue report. Never throws: surprises become `problem`s and flags. */
  applyReport(rep: ExecutionReport): ReportOutcome {
    const o = this.get(rep.clientOrderId);
    if (o === undefined) {
      return { ...NO_OUTCOME, problem: `${rep.kind} report for unknown client order id ${rep.clientOrderId}` };
    }
    if (rep.kind === 'fee') return this.applyFee(o, rep);
    if (rep.kind !== 'fill') {
      // Out-of-order status reports: older than what is applied = stale news, ignored.
      if (rep.venueSeq !== undefined) {
        if (rep.venueSeq <= o.lastVenueSeq) return { ...NO_OUTCOME, problem: null, stale: true };
        o.lastVenueSeq = rep.venueSeq;
      } else if (rep.ts < o.lastStatusTs) {
        return { ...NO_OUTCOME, problem: null, stale: true };
      }
      if (rep.ts > o.lastStatusTs) o.lastStatusTs = rep.ts;
    }
    switch (rep.kind) {
      case 'accepted': {
        o.venueOrderId = rep.venueOrderId;
        // An ack that arrives after the order moved on (fills, cancel) is stale news, not an error.
        if (o.status !== 'submitted' && o.status !== 'unconfirmed' && o.status !== 'pending_cancel') {
          // Fill before ack, or an ack after a cancel: normal venue behaviour, nothing to warn about
          // (an ack for a lost order, though, means the venue has it: flag it for reconciliation).
          if (o.status === 'lost') {
            o.flagged = `the venue acknowledged ${o.clientOrderId} after it was declared lost`;
            return { ...NO_OUTCOME, problem: o.flagged };
          }
          return NO_OUTCOME;
        }
        return this.outcome(this.apply(o, 'accept', rep.ts));
      }
      case 'rejected':
        return this.outcome(this.apply(o, 'reject', rep.ts, rep.reason), o);
      case 'canceled':
        if (isTerminal(o.status)) return { ...NO_OUTCOME, problem: o.status === 'canceled' ? null : `cancel for ${o.clientOrderId} after ${o.status}` };
        return this.outcome(this.apply(o, 'canceled', rep.ts, rep.reason ?? 'canceled'), o);
      case 'expired':
        if (isTerminal(o.status)) return NO_OUTCOME;
        return this.outcome(this.apply(o, 'expire', rep.ts, 'expired'), o);
      case 'cancel_rejected':
        // The order filled (or ended) before the cancel reached it: expected, not a warning.
        if (isTerminal(o.status)) return NO_OUTCOME;
        if (o.status !== 'pending_cancel') return { ...NO_OUTCOME, problem: `cancel reject for ${o.clientOrderId} in ${o.status}: ${rep.reason}` };
        return this.outcome(this.apply(o, 'cancel_reject', rep.ts, rep.reason), o);
      case 'replace_rejected':
        if (isTerminal(o.status)) return NO_OUTCOME;
        if (o.status !== 'pending_replace') return { ...NO_OUTCOME, problem: `replace reject for ${o.clientOrderId} in ${o.status}: ${rep.reason}` };
        return this.outcome(this.apply(o, 'replace_reject', rep.ts, rep.reason), o);
      case 'replaced': {
        if (o.status !== 'pending_replace') {
          // The same confirmation heard twice (the stream and a query): already applied, quiet.
          if (rep.qty === o.request.qty && (rep.limitPrice ?? null) === (limitPriceOf(o.request) ?? null) && (rep.stopPrice ?? null) === (stopPriceOf(o.request) ?? null)) return NO_OUTCOME;
          if (!isOpen(o.status)) return { ...NO_OUTCOME, problem: `replace confirmation for ${o.clientOrderId} in ${o.status}` };
          // A working order whose replace landed while we were not listening (a crash after the
          // PATCH, then a cancel): the venue's terms are the order's terms; its state does not move.
          o.request = replacedTerms(o.request, rep);
          o.updatedAt = rep.ts;
          return NO_OUTCOME;
        }
        o.request = replacedTerms(o.request, rep);
        return this.outcome(this.apply(o, 'replaced', rep.ts), o);
      }
      case 'fill':
        return this.applyFill(o, rep);
    }
  }

  /**
   * A fee learned after its fill: added to the order's fees once per execution (the marker
   * `fee:<execId>` sits beside the exec ids and is persisted with them, so a replayed journal or a
   * report heard twice adds nothing). Only for an execution this order booked.
   */
  private applyFee(o: Order, rep: Extract<ExecutionReport, { kind: 'fee' }>): ReportOutcome {
    if (!o.hasExec(rep.execId)) return { ...NO_OUTCOME, problem: `fee ${rep.fee} for execution ${rep.execId} of ${o.clientOrderId}, which is not booked: ignored` };
    const key = `fee:${rep.execId}`;
    if (o.hasExec(key) || !Number.isFinite(rep.fee) || rep.fee === 0) return NO_OUTCOME;
    o.addExec(key);
    o.fees += rep.fee;
    return { ...NO_OUTCOME, fee: { order: o, execId: rep.execId, fee: rep.fee, ts: rep.ts } };
  }

  private applyFill(o: Order, rep: Extract<ExecutionReport, { kind: 'fill' }>): ReportOutcome {
    if (o.hasExec(rep.execId)) return NO_OUTCOME; // duplicate report: already booked
    const inst = this.instrumentOf(o.request.symbol);
    if (inst === undefined) return { ...NO_OUTCOME, problem: `fill for ${o.clientOrderId} on unknown symbol ${o.request.symbol}` };
    // The same execution from another source (stream without an execution id, then the venue's
    // activity list after a restart) carries another exec id but the same venue order and cumulative
    // quantity: that pair is its second identity, kept beside the exec ids (and persisted with them).
    const leg = legKey(rep, inst.lotSize);
    if (leg !== null) {
      if (o.hasExec(leg)) return NO_OUTCOME;
      o.addExec(leg);
    }
    o.addExec(rep.execId);
    const lots = toLots(rep.qty, inst.lotSize);
    const totalLots = toLots(o.request.qty, inst.lotSize);
    o.filledLots += lots;
    o.fillTickLots += toTicks(rep.price, inst.tickSize) * lots;
    o.filledQty = fromSteps(o.filledLots, inst.lotSize);
    o.avgFillPrice = (o.fillTickLots / o.filledLots) * inst.tickSize;
    o.fees += rep.fee;
    let problem: string | null = null;
    if (o.filledLots > totalLots) {
      problem = `overfill on ${o.clientOrderId}: filled ${o.filledQty} of ${o.request.qty}`;
      o.flagged = problem;
    }
    const kind: OrderEventKind = o.filledLots >= totalLots ? 'fill_complete' : 'fill_partial';
    let ev: OrderEvent | null = null;
    if (o.status === 'filled') {
      // Already complete: an extra execution is an overfill (flagged above); the fill is still booked.
      o.updatedAt = rep.ts;
    } else {
      ev = this.apply(o, kind, rep.ts);
      if (ev === null) problem ??= o.flagged;
    }
    const fill: BookedFill = { order: o, execId: rep.execId, qty: rep.qty, price: rep.price, fee: rep.fee, liquidity: rep.liquidity, ts: rep.ts };
    return { events: ev === null ? [] : [ev], fill, problem };
  }

  private outcome(ev: OrderEvent | null, o?: Order): ReportOutcome {
    if (ev !== null) return { events: [ev], fill: null, problem: null };
    return { events: [], fill: null, problem: o?.flagged ?? null };
  }
}

/** A registry record rebuilt from its archived row. */
function recordOf(a: ArchivedOrder, handle: OrderHandle): OrderRecord {
  const o = new OrderRecord(a.clientOrderId, a.request, a.createdAt, a.external, a.seq, handle);
  o.venueOrderId = a.venueOrderId;
  o.status = a.status;
  o.returnTo = a.returnTo;
  o.filledQty = a.filledQty;
  o.avgFillPrice = a.avgFillPrice;
  o.fees = a.fees;
  o.updatedAt = a.updatedAt;
  o.reason = a.reason;
  o.flagged = a.flagged;
  o.leftAlone = a.leftAlone;
  o.filledLots = a.filledLots;
  o.fillTickLots = a.fillTickLots;
  o.lastVenueSeq = a.lastVenueSeq;
  o.lastStatusTs = a.lastStatusTs;
  o.execs = a.execs;
  return o;
}

/** A fill's second identity: `<venue order id>@<cumulative lots>`, or null when the venue gave neither. */
export function legKey(rep: { readonly venueOrderId?: string; readonly venueCumQty?: number }, lotSize: number): string | null {
  if (rep.venueOrderId === undefined || rep.venueCumQty === undefined) return null;
  return `${rep.venueOrderId}@${toLots(rep.venueCumQty, lotSize)}`;
}

/** An order's terms after the venue confirmed a replace (the type never changes). */
function replacedTerms(r: OrderRequest, rep: { readonly qty: number; readonly limitPrice?: number; readonly stopPrice?: number }): OrderRequest {
  return r.type === 'market' ? { ...r, qty: rep.qty }
    : r.type === 'limit' ? { ...r, qty: rep.qty, limitPrice: rep.limitPrice ?? r.limitPrice }
    : r.type === 'stop' ? { ...r, qty: rep.qty, stopPrice: rep.stopPrice ?? r.stopPrice }
    : { ...r, qty: rep.qty, limitPrice: rep.limitPrice ?? r.limitPrice, stopPrice: rep.stopPrice ?? r.stopPrice };
}
