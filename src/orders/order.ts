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
 * stands now. Events carry the handle so that consumers which only count or route (the columnar
 * event store the performance work builds, the persister) need not build a view per event; `order`
 * stays the snapshot at the event for those that keep it (strategy, recorder).
 */
export interface OrderHandle {
  readonly clientOrderId: string;
  view(): OrderView;
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

/** A handle on a recorded view (replays, re-runs, tests): the order as it was, not as it is. */
export const recordedHandle = (v: OrderView): OrderHandle => ({ clientOrderId: v.clientOrderId, view: () => v });
