/**
 * The engine observer that makes a session durable: every intent is journaled and fdatasync'ed
 * before the adapter sees it (`beforeSend`), every report, order change and fill is journaled as it
 * happens, and the lowdb snapshot is refreshed at most every few seconds (`tick`, off the hot path).
 *
 * Crash points (crash-point.ts) sit exactly where the torture test needs them.
 */
import type { EngineView, EngineObserver, ExternalDecision, FeeAdjustment } from '../engine/engine.ts';
import type { ReadonlyOrder } from '../engine/view.ts';
import type { AccountEntry, ExecutionReport } from '../ports/index.ts';
import type { Fill } from '../domain/fill.ts';
import type { OrderEvent, OrderView } from '../orders/order.ts';
import type { TradingState } from '../risk/trading-state.ts';
import { crashPoint } from './crash-point.ts';
import type { EntryData, FeeData, FillData, StoredOrder, StoredPosition } from './state.ts';
import type { Store } from './store.ts';

export function toStored(o: ReadonlyOrder, strategy: string | null, intentWall: number | null): StoredOrder {
  return {
    clientOrderId: o.clientOrderId, venueOrderId: o.venueOrderId, request: o.request, status: o.status, returnTo: o.returnTo,
    filledQty: o.filledQty, avgFillPrice: o.avgFillPrice, fees: o.fees, createdAt: o.createdAt, updatedAt: o.updatedAt,
    reason: o.reason, flagged: o.flagged, external: o.external, leftAlone: o.leftAlone, execIds: [...o.execIds], intentWall, strategy,
  };
}

function bookPosition(engine: EngineView, symbol: string): StoredPosition {
  const p = engine.portfolio.position(symbol);
  return { symbol, qty: p.qty, avgPrice: p.avgPrice };
}

export class StorePersister implements EngineObserver {
  private dayKey: string | null = null;

  constructor(private readonly store: Store) {}

  beforeSend(view: OrderView, engine: EngineView): void {
    const o = engine.orders.get(view.clientOrderId);
    if (o === undefined) return;
    // THE durable record: after this line returns, the intent survives a power cut.
    this.store.append('intent', { order: toStored(o, engine.strategyName, null), nextSeq: this.store.state.nextSeq }, true);
    crashPoint('after-journal-before-send');
  }

  onReport(rep: ExecutionReport): void {
    if (rep.kind === 'accepted') crashPoint('after-accept-before-journal');
    if (rep.kind === 'fill') crashPoint('mid-fill');
    this.store.append('report', { report: rep });
  }

  onOrderEvent(ev: OrderEvent, engine: EngineView): void {
    if (ev.kind === 'submit') return; // the intent record already holds it
    this.appendOrder(ev.clientOrderId, engine);
  }

  /** The operator decided on an external order (adopt, leave; a cancel goes the usual way): recorded as the order now stands. */
  onExternalDecision(view: OrderView, _decision: ExternalDecision, engine: EngineView): void {
    this.appendOrder(view.clientOrderId, engine);
  }

  /** The order as it stands now, keeping the strategy and intent time the store already has. */
  private stored(o: ReadonlyOrder, engine: EngineView): StoredOrder {
    const prev = this.store.state.orders[o.clientOrderId];
    return toStored(o, prev?.strategy ?? engine.strategyName, prev?.intentWall ?? null);
  }

  private appendOrder(id: string, engine: EngineView): void {
    const o = engine.orders.get(id);
    if (o !== undefined) this.store.append('order', { order: this.stored(o, engine), nextSeq: this.store.state.nextSeq });
  }

  onFill(fill: Fill, engine: EngineView): void {
    // The order as the book holds it after this fill (filled quantity, average, status) travels in
    // the same record: a crash between this record and the order event that follows must not
    // leave the store with the execution booked but the order still unfilled.
    const o = engine.orders.get(fill.clientOrderId);
    const f: FillData = {
      clientOrderId: fill.clientOrderId, execId: fill.execId, symbol: fill.symbol, side: fill.side, qty: fill.qty, price: fill.price, fee: fill.fee, ts: fill.ts,
      ...(o !== undefined ? { order: this.stored(o, engine) } : {}),
      // The ledger's own figures after this fill (exact integer arithmetic), so the store keeps no
      // rounded copy of its own: one ledger rule, the portfolio's.
      book: { position: bookPosition(engine, fill.symbol), cash: engine.portfolio.cashByCurrency() },
    };
    this.store.append('fill', f);
    crashPoint('after-fill-journaled');
    const day = engine.dailyLossState();
    if (day !== null && day.key !== this.dayKey) {
      this.dayKey = day.key;
      this.store.append('day', day);
    }
  }

  /** A fee booked after its fill: the order's fees and the ledger's cash after it, like a fill record. */
  onFeeAdjusted(adj: FeeAdjustment, engine: EngineView): void {
    const o = engine.orders.get(adj.clientOrderId);
    const f: FeeData = {
      clientOrderId: adj.clientOrderId, execId: adj.execId, symbol: adj.symbol, fee: adj.fee, ts: adj.ts,
      ...(o !== undefined ? { order: this.stored(o, engine) } : {}),
      book: { position: bookPosition(engine, adj.symbol), cash: engine.portfolio.cashByCurrency() },
    };
    this.store.append('fee', f);
  }

  /** A funding payment, liquidation or rebate booked: the ledger's position and cash after it, like a fill record. */
  onAccountEntry(entry: AccountEntry, engine: EngineView): void {
    const d: EntryData = {
      entry: { entryId: entry.entryId, symbol: entry.symbol, ts: entry.ts, kind: entry.kind, amount: entry.amount },
      book: { position: entry.symbol !== null ? bookPosition(engine, entry.symbol) : null, cash: engine.portfolio.cashByCurrency() },
    };
    this.store.append('entry', d);
  }

  onTradingState(state: TradingState): void {
    const cur = this.store.tradingState;
    this.store.tradingState = cur?.killSwitchLevel === undefined
      ? { status: state.status, reason: state.reason, since: state.since }
      : { status: state.status, reason: state.reason, since: state.since, killSwitchLevel: cur.killSwitchLevel };
  }

  onStop(): void {
    this.store.snapshot(true);
  }

  /** Call every second or so from a timer: refresh the snapshot if due (coalesced). */
  tick(): void {
    this.store.maybeSnapshot();
  }
}
