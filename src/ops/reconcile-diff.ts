/**
 * Reconciliation's pure half: compare what we hold (open orders, positions, cash) with what the
 * venue says, and produce a typed diff. No I/O, no engine: the service (reconcile.ts) gathers both
 * sides and decides what a persisting diff does.
 *
 * Default tolerances (stated in the README):
 * - quantities: exact on the instrument's lot grid (half a lot of slack for float noise);
 * - average prices: 0.1% relative (venues average and round differently);
 * - cash: the larger of 1.00 unit of the currency and 0.01% of the venue's equity (fee rounding).
 * Orders still in flight (submitted, pending cancel / replace, unconfirmed) are not compared: the
 * venue may not have caught up with them yet.
 */
import type { OrderRequest } from '../domain/order.ts';
import type { VenueOrderState, VenuePosition } from '../ports/index.ts';
import type { OrderStatus } from '../orders/fsm.ts';

export interface ReconcileTolerances {
  readonly avgPriceRel: number;
  readonly cashAbs: number;
  readonly cashRelOfEquity: number;
}

export const DEFAULT_TOLERANCES: ReconcileTolerances = { avgPriceRel: 0.001, cashAbs: 1, cashRelOfEquity: 0.0001 };

export type ReconcileDiff =
  | { readonly kind: 'missing'; readonly subject: 'order'; readonly key: string; readonly clientOrderId: string; readonly ours: OrderStatus; readonly message: string }
  | { readonly kind: 'extra'; readonly subject: 'order'; readonly key: string; readonly clientOrderId: string; readonly venue: VenueOrderState; readonly message: string }
  | { readonly kind: 'quantity_mismatch'; readonly subject: 'order'; readonly key: string; readonly clientOrderId: string; readonly ours: { qty: number; filled: number }; readonly venue: { qty: number; filled: number }; readonly message: string }
  | { readonly kind: 'price_mismatch'; readonly subject: 'order'; readonly key: string; readonly clientOrderId: string; readonly ours: number | null; readonly venue: number | null; readonly message: string }
  | { readonly kind: 'missing'; readonly subject: 'position'; readonly key: string; readonly symbol: string; readonly ours: number; readonly message: string }
  | { readonly kind: 'extra'; readonly subject: 'position'; readonly key: string; readonly symbol: string; readonly venue: number; readonly message: string }
  | { readonly kind: 'quantity_mismatch'; readonly subject: 'position'; readonly key: string; readonly symbol: string; readonly ours: number; readonly venue: number; readonly message: string }
  | { readonly kind: 'price_mismatch'; readonly subject: 'position'; readonly key: string; readonly symbol: string; readonly ours: number; readonly venue: number; readonly message: string }
  | { readonly kind: 'cash_difference'; readonly subject: 'cash'; readonly key: string; readonly currency: string; readonly ours: number; readonly venue: number; readonly tolerance: number; readonly message: string }
  | { readonly kind: 'flagged'; readonly subject: 'order'; readonly key: string; readonly clientOrderId: string; readonly reason: string; readonly message: string };

export interface OurOrder {
  readonly clientOrderId: string;
  readonly status: OrderStatus;
  readonly request: OrderRequest;
  readonly filledQty: number;
  readonly flagged: string | null;
  readonly lotSize: number;
}

export interface OurBook {
  /** Every order we consider open (working or in flight), plus flagged ones. */
  readonly orders: readonly OurOrder[];
  readonly positions: readonly { readonly symbol: string; readonly qty: number; readonly avgPrice: number; readonly lotSize: number }[];
  readonly cash: Readonly<Record<string, number>>;
  /** Orders we know as finished (a venue order with such an id is not "extra" but a late state). */
  readonly isKnownFinished: (clientOrderId: string) => boolean;
}

export interface VenueBook {
  readonly orders: readonly VenueOrderState[];
  readonly positions: readonly VenuePosition[];
  readonly cash: Readonly<Record<string, number>>;
  readonly equity: number;
}

const IN_FLIGHT: ReadonlySet<OrderStatus> = new Set(['submitted', 'unconfirmed', 'pending_cancel', 'pending_replace']);
const WORKING: ReadonlySet<OrderStatus> = new Set(['accepted', 'partially_filled']);

export const isInFlight = (s: OrderStatus): boolean => IN_FLIGHT.has(s);

const priceOf = (r: OrderRequest): number | null => (r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : r.type === 'stop' ? r.stopPrice : null);

export function diffBooks(ours: OurBook, venue: VenueBook, tol: ReconcileTolerances = DEFAULT_TOLERANCES): ReconcileDiff[] {
  const out: ReconcileDiff[] = [];
  const venueById = new Map(venue.orders.map((o) => [o.clientOrderId, o]));
  const oursById = new Map(ours.orders.map((o) => [o.clientOrderId, o]));

  for (const o of ours.orders) {
    if (o.flagged !== null) {
      out.push({ kind: 'flagged', subject: 'order', key: `flagged:${o.clientOrderId}`, clientOrderId: o.clientOrderId, reason: o.flagged, message: `order ${o.clientOrderId} is flagged: ${o.flagged}` });
    }
    if (!WORKING.has(o.status)) continue;
    const v = venueById.get(o.clientOrderId);
    if (v === undefined) {
      out.push({ kind: 'missing', subject: 'order', key: `order:${o.clientOrderId}`, clientOrderId: o.clientOrderId, ours: o.status, message: `order ${o.clientOrderId} is ${o.status} here but not open at the venue` });
      continue;
    }
    const lot = o.lotSize;
    if (Math.abs(v.request.qty - o.request.qty) > lot / 2 || Math.abs(v.filledQty - o.filledQty) > lot / 2) {
      out.push({
        kind: 'quantity_mismatch', subject: 'order', key: `order-qty:${o.clientOrderId}`, clientOrderId: o.clientOrderId,
        ours: { qty: o.request.qty, filled: o.filledQty }, venue: { qty: v.request.qty, filled: v.filledQty },
        message: `order ${o.clientOrderId}: ${o.filledQty}/${o.request.qty} filled here, ${v.filledQty}/${v.request.qty} at the venue`,
      });
    }
    const p1 = priceOf(o.request);
    const p2 = priceOf(v.request);
    if (p1 !== p2) {
      out.push({ kind: 'price_mismatch', subject: 'order', key: `order-px:${o.clientOrderId}`, clientOrderId: o.clientOrderId, ours: p1, venue: p2, message: `order ${o.clientOrderId}: price ${p1} here, ${p2} at the venue` });
    }
  }
  for (const v of venue.orders) {
    const o = oursById.get(v.clientOrderId);
    if (o !== undefined) continue; // compared above, or in flight / flagged
    out.push({
      kind: 'extra', subject: 'order', key: `order:${v.clientOrderId}`, clientOrderId: v.clientOrderId, venue: v,
      message: ours.isKnownFinished(v.clientOrderId)
        ? `the venue still works ${v.clientOrderId}, which we recorded as finished`
        : `the venue works ${v.clientOrderId}, which parity did not place`,
    });
  }

  const venuePos = new Map(venue.positions.filter((p) => p.qty !== 0).map((p) => [p.symbol, p]));
  for (const p of ours.positions) {
    if (p.qty === 0) continue;
    const v = venuePos.get(p.symbol);
    venuePos.delete(p.symbol);
    if (v === undefined) {
      out.push({ kind: 'missing', subject: 'position', key: `pos:${p.symbol}`, symbol: p.symbol, ours: p.qty, message: `position ${p.qty} ${p.symbol} here, none at the venue` });
      continue;
    }
    if (Math.abs(v.qty - p.qty) > p.lotSize / 2) {
      out.push({ kind: 'quantity_mismatch', subject: 'position', key: `pos:${p.symbol}`, symbol: p.symbol, ours: p.qty, venue: v.qty, message: `position ${p.symbol}: ${p.qty} here, ${v.qty} at the venue` });
    } else if (v.avgPrice > 0 && Math.abs(v.avgPrice - p.avgPrice) / v.avgPrice > tol.avgPriceRel) {
      out.push({ kind: 'price_mismatch', subject: 'position', key: `pos-px:${p.symbol}`, symbol: p.symbol, ours: p.avgPrice, venue: v.avgPrice, message: `position ${p.symbol}: average price ${p.avgPrice} here, ${v.avgPrice} at the venue` });
    }
  }
  for (const v of venuePos.values()) {
    out.push({ kind: 'extra', subject: 'position', key: `pos:${v.symbol}`, symbol: v.symbol, venue: v.qty, message: `the venue holds ${v.qty} ${v.symbol}; parity holds none` });
  }

  const tolCash = Math.max(tol.cashAbs, tol.cashRelOfEquity * Math.abs(venue.equity));
  for (const ccy of new Set([...Object.keys(ours.cash), ...Object.keys(venue.cash)])) {
    const a = ours.cash[ccy] ?? 0;
    const b = venue.cash[ccy] ?? 0;
    if (Math.abs(a - b) > tolCash) {
      out.push({ kind: 'cash_difference', subject: 'cash', key: `cash:${ccy}`, currency: ccy, ours: a, venue: b, tolerance: tolCash, message: `cash ${ccy}: ${a.toFixed(2)} here, ${b.toFixed(2)} at the venue (tolerance ${tolCash.toFixed(2)})` });
    }
  }
  return out;
}
