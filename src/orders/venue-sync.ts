/**
 * Turning what the venue says about an order (a query answer, its executions) into the ordinary
 * execution reports the engine applies. Recovery, ack-timeout queries and post-reconnect syncs all
 * use this, so what the venue says always goes through the one report path and the FSM table; no
 * state is ever set by hand.
 */
import type { Instrument } from '../domain/instrument.ts';
import { fromSteps, toLots, toTicks } from '../domain/instrument.ts';
import type { OrderRequest } from '../domain/order.ts';
import type { ExecutionReport, VenueExecution, VenueOrderState } from '../ports/index.ts';
import { type OrderStatus, isOpen } from './fsm.ts';
import { legKey } from './registry.ts';

/** The parts of our order the comparison reads. */
export interface OrderSide {
  readonly clientOrderId: string;
  readonly status: OrderStatus;
  readonly request: OrderRequest;
  readonly filledQty: number;
  readonly avgFillPrice: number;
  readonly execIds: ReadonlySet<string>;
}

/**
 * Reports that bring our order in line with the venue's answer. Executions first (by exec id, so a
 * fill booked before is never booked again), then a synthetic fill for any filled quantity the
 * executions do not explain (venues that only report cumulative quantity), then the status.
 */
export interface VenueSyncOptions {
  /**
   * A cancel we still want is to be sent again (recovery of a cancel the venue never got): an order
   * the venue still works stays pending_cancel instead of being refused back to working, so no
   * journal record ever says the cancel was dropped (a crash between "refused" and the resend lost it).
   */
  readonly cancelStands?: boolean;
}

export function reportsFromVenue(o: OrderSide, v: VenueOrderState, executions: readonly VenueExecution[], inst: Instrument, ts: number, opts: VenueSyncOptions = {}): ExecutionReport[] {
  const out: ExecutionReport[] = [];
  const id = o.clientOrderId;
  let lots = toLots(o.filledQty, inst.lotSize);
  let tickLots = toTicks(o.avgFillPrice, inst.tickSize) * lots;
  const seen = new Set(o.execIds);
  for (const e of executions) {
    if (e.clientOrderId !== id || seen.has(e.execId)) continue;
    seen.add(e.execId);
    const leg = legKey(e, inst.lotSize);
    if (leg !== null) {
      if (seen.has(leg)) continue; // booked already under another exec id (stream without one)
      seen.add(leg);
    }
    out.push(fillReport(e, ts));
    const l = toLots(e.qty, inst.lotSize);
    lots += l;
    tickLots += toTicks(e.price, inst.tickSize) * l;
  }
  const venueLots = toLots(v.filledQty, inst.lotSize);
  if (venueLots > lots) {
    // The venue filled more than its executions told us: book the difference at the price that
    // makes our average equal the venue's.
    const missing = venueLots - lots;
    const missingTicks = Math.round((toTicks(v.avgFillPrice, inst.tickSize) * venueLots - tickLots) / missing);
    // Known also as <venue order>@<cumulative quantity>, the identity the real execution carries
    // when the venue shows it later (so it is not booked a second time).
    out.push({
      kind: 'fill', clientOrderId: id, execId: `sync-${id}-${venueLots}`, qty: fromSteps(missing, inst.lotSize),
      price: fromSteps(Math.max(1, missingTicks), inst.tickSize), fee: 0, liquidity: 'taker', ts,
      ...(v.venueOrderId !== '' ? { venueOrderId: v.venueOrderId, venueCumQty: fromSteps(venueLots, inst.lotSize) } : {}),
    });
  }
  switch (v.status) {
    case 'pending':
    case 'accepted':
    case 'partially_filled':
      if (o.status === 'submitted' || o.status === 'unconfirmed') out.push({ kind: 'accepted', clientOrderId: id, venueOrderId: v.venueOrderId, ts });
      else if ((o.status === 'accepted' || o.status === 'partially_filled') && !sameTerms(o.request, v.request)) {
        // A replace that landed while we were not listening: the venue's terms are the order's.
        out.push(replacedReport(id, v.request, ts));
      }
      else if (o.status === 'pending_cancel') {
        // A replace that landed before the cancel was asked (and was never heard of) first.
        if (!sameTerms(o.request, v.request)) out.push(replacedReport(id, v.request, ts));
        if (opts.cancelStands !== true) out.push({ kind: 'cancel_rejected', clientOrderId: id, reason: 'the venue still works the order: the cancel did not reach it (send it again)', ts });
      } else if (o.status === 'pending_replace') {
        if (sameTerms(o.request, v.request)) out.push({ kind: 'replace_rejected', clientOrderId: id, reason: 'the venue still has the old terms: the replace did not reach it', ts });
        else out.push(replacedReport(id, v.request, ts));
      }
      break;
    case 'filled':
      // The venue closed the order as filled with less than we think it was for (a replace down that
      // we never heard back about): the rest will never fill, so our order ends with what filled.
      {
        const filled = Math.max(lots, venueLots); // after the synthetic fill above
        if (filled < toLots(o.request.qty, inst.lotSize) && isOpen(o.status)) {
          out.push({ kind: 'canceled', clientOrderId: id, reason: `the venue closed it as filled at ${fromSteps(filled, inst.lotSize)} of ${o.request.qty} (its terms differed)`, ts });
        }
      }
      break;
    case 'canceled':
      out.push({ kind: 'canceled', clientOrderId: id, reason: 'canceled at the venue', ts });
      break;
    case 'replaced':
      out.push({ kind: 'canceled', clientOrderId: id, reason: 'replaced at the venue by a new order', ts });
      break;
    case 'expired':
      out.push({ kind: 'expired', clientOrderId: id, ts });
      break;
    case 'rejected':
      out.push({ kind: 'rejected', clientOrderId: id, reason: 'rejected at the venue', ts });
      break;
  }
  return out;
}

export function sameTerms(a: OrderRequest, b: OrderRequest): boolean {
  if (a.qty !== b.qty || a.type !== b.type) return false;
  const la = a.type === 'limit' || a.type === 'stop_limit' ? a.limitPrice : null;
  const lb = b.type === 'limit' || b.type === 'stop_limit' ? b.limitPrice : null;
  const sa = a.type === 'stop' || a.type === 'stop_limit' ? a.stopPrice : null;
  const sb = b.type === 'stop' || b.type === 'stop_limit' ? b.stopPrice : null;
  return la === lb && sa === sb;
}

function replacedReport(id: string, r: OrderRequest, ts: number): ExecutionReport {
  if (r.type === 'limit') return { kind: 'replaced', clientOrderId: id, qty: r.qty, limitPrice: r.limitPrice, ts };
  if (r.type === 'stop') return { kind: 'replaced', clientOrderId: id, qty: r.qty, stopPrice: r.stopPrice, ts };
  if (r.type === 'stop_limit') return { kind: 'replaced', clientOrderId: id, qty: r.qty, limitPrice: r.limitPrice, stopPrice: r.stopPrice, ts };
  return { kind: 'replaced', clientOrderId: id, qty: r.qty, ts };
}

/** A venue execution as a fill report (fills recovered after a gap). */
export function fillReport(e: VenueExecution, ts: number): ExecutionReport {
  const base = { kind: 'fill', clientOrderId: e.clientOrderId, execId: e.execId, qty: e.qty, price: e.price, fee: e.fee, liquidity: 'taker', ts: Math.max(ts, e.ts) } as const;
  return e.venueOrderId !== undefined && e.venueCumQty !== undefined ? { ...base, venueOrderId: e.venueOrderId, venueCumQty: e.venueCumQty } : base;
}
