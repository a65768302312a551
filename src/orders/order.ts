/** The engine's record of one of our orders. */
import type { OrderRequest } from '../domain/order.ts';
import type { OrderStatus } from './fsm.ts';

export interface Order {
  readonly clientOrderId: string;
  /** The order as it stands now (a replace changes qty / prices). */
  request: OrderRequest;
  venueOrderId: string | null;
  status: OrderStatus;
  returnTo: OrderStatus | null;
  filledQty: number;
  /** Volume-weighted average fill price, 0 before the first fill. */
  avgFillPrice: number;
  fees: number;
  readonly createdAt: number;
  updatedAt: number;
  /** Why it was denied, rejected, canceled or flagged. */
  reason: string | null;
  /** Set when something impossible happened (invalid transition, overfill): reconciliation decides. */
  flagged: string | null;
  /**
   * Found at the venue, not created by this store: never traded by us until the operator adopts it
   * (then false: managed as ours from there on).
   */
  external: boolean;
  /** External, and the operator chose to leave it: never touched, outside flatten and reconciliation. */
  leftAlone: boolean;
  /** Internal: filled quantity in integer lots (exact). */
  filledLots: number;
  /** Internal: sum of fill price ticks x lots, for an exact average. */
  fillTickLots: number;
  readonly execIds: Set<string>;
  /** Whether an execution id is already booked (cheaper than execIds for a single fill). */
  hasExec(id: string): boolean;
  addExec(id: string): void;
  /** Venue sequence of the newest status report applied (-1 = none): older ones are stale. */
  lastVenueSeq: number;
  /** Timestamp of the newest status report applied: a status report older than it is stale. */
  lastStatusTs: number;
  readonly handle: OrderHandle;
}

/** What the strategy and the UI see of an order: a plain, frozen snapshot. */
export interface OrderView {
  readonly clientOrderId: string;
  readonly venueOrderId: string | null;
  readonly request: OrderRequest;
  readonly status: OrderStatus;
  readonly filledQty: number;
  readonly avgFillPrice: number;
  readonly fees: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly reason: string | null;
  readonly flagged: string | null;
  readonly external: boolean;
  readonly leftAlone: boolean;
}

export function viewOf(o: Order): OrderView {
  return {
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId,
    request: o.request,
    status: o.status,
    filledQty: o.filledQty,
    avgFillPrice: o.avgFillPrice,
    fees: o.fees,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    reason: o.reason,
    flagged: o.flagged,
    external: o.external,
    leftAlone: o.leftAlone,
  };
}

/**
 * A reference to one of our orders that outlives any single event: `view()` is the order as it
 * stands now. Events carry the handle so that consumers which only count or route (the backtest
 * collector, the persister) need not build a view per event; `order` stays the snapshot at the
 * event for those that keep it (strategy, recorder, console).
 */
export interface OrderHandle {
  readonly clientOrderId: string;
  view(): OrderView;
}

/**
 * The registry's order: one object per order, its own handle (no closure per order), execution
 * ids held as the first id plus a Set only from the second on (most orders fill once).
 */
export class OrderRecord implements Order {
  request: OrderRequest;
  venueOrderId: string | null = null;
  status: OrderStatus = 'initialized';
  returnTo: OrderStatus | null = null;
  filledQty = 0;
  avgFillPrice = 0;
  fees = 0;
  updatedAt: number;
  reason: string | null = null;
  flagged: string | null = null;
  leftAlone = false;
  filledLots = 0;
  fillTickLots = 0;
  lastVenueSeq = -1;
  lastStatusTs = Number.NEGATIVE_INFINITY;
  private firstExec: string | null = null;
  private execSet: Set<string> | null = null;

  constructor(
    readonly clientOrderId: string,
    request: OrderRequest,
    readonly createdAt: number,
    public external: boolean,
    /** Creation order in the registry (the archive keeps it, `all()` sorts by it). */
    readonly seq: number,
    /** What events carry: finds the order by id, hot or archived (registry.ts). */
    readonly handle: OrderHandle,
  ) {
    this.request = request;
    this.updatedAt = createdAt;
  }

  /** The execution ids as kept: none, the only one, or the Set (the archive stores this). */
  get execs(): string | Set<string> | null {
    return this.execSet ?? this.firstExec;
  }

  set execs(x: string | Set<string> | null) {
    if (x === null || typeof x === 'string') { this.firstExec = x; this.execSet = null; }
    else { this.execSet = x; this.firstExec = null; }
  }

  view(): OrderView {
    return viewOf(this);
  }

  /** Every execution id booked (the journal persists them): a Set from here on. */
  get execIds(): Set<string> {
    if (this.execSet === null) {
      this.execSet = new Set();
      if (this.firstExec !== null) this.execSet.add(this.firstExec);
    }
    return this.execSet;
  }

  hasExec(id: string): boolean {
    return this.execSet !== null ? this.execSet.has(id) : this.firstExec === id;
  }

  addExec(id: string): void {
    if (this.execSet !== null) this.execSet.add(id);
    else if (this.firstExec === null) this.firstExec = id;
    else if (this.firstExec !== id) this.execIds.add(id);
  }
}

/** What happened to an order, as told to the strategy (onOrderEvent) and to observers. */
export interface OrderEvent {
  readonly clientOrderId: string;
  readonly kind: import('./fsm.ts').OrderEventKind;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  readonly ts: number;
  readonly reason?: string;
  readonly order: OrderView;
  readonly handle: OrderHandle;
}

/**
 * The registry's event. `order` is the snapshot at the event: taken at once when someone keeps
 * snapshots (the registry's `snapshots` switch: a strategy with onOrderEvent, the recorder, the
 * console), else built on first read, which during the synchronous observer call that receives
 * the event is the same state (nothing moves the order between its event and that call).
 */
export class RegistryOrderEvent implements OrderEvent {
  private snap: OrderView | null;
  readonly clientOrderId: string;
  constructor(
    readonly handle: OrderHandle,
    readonly kind: import('./fsm.ts').OrderEventKind,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
    readonly ts: number,
    readonly reason: string | undefined,
    /** The snapshot taken now, or null: built from the handle on first read. */
    snapshot: OrderView | null,
  ) {
    this.clientOrderId = handle.clientOrderId;
    this.snap = snapshot;
  }

  get order(): OrderView {
    if (this.snap === null) this.snap = this.handle.view();
    return this.snap;
  }

  /** Take the snapshot now (the event is kept past the call that received it). */
  freeze(): this {
    if (this.snap === null) this.snap = this.handle.view();
    return this;
  }
}

/** A handle on a recorded view (replays, re-runs, tests): the order as it was, not as it is. */
export const recordedHandle = (v: OrderView): OrderHandle => ({ clientOrderId: v.clientOrderId, view: () => v });
