/**
 * The coalesced state a store holds, and the pure reducer that rebuilds it from journal records.
 * The lowdb snapshot is this state at some journal seq; the journal after that seq brings it up to
 * date. Both are parsed with zod: nothing read from disk is trusted by shape.
 */
import { z } from 'zod';
import { ORDER_STATES } from '../orders/fsm.ts';
import { orderViewFields } from '../domain/order-schema.ts';
import type { JournalRecord } from './journal.ts';

const num = z.number();
const Status = z.enum(ORDER_STATES);

export const StoredOrderSchema = z.object({
  ...orderViewFields,
  status: Status,
  returnTo: Status.nullable(),
  execIds: z.array(z.string()),
  /** Wall time the intent was made durable: an unacknowledged intent is resent only while fresh. */
  intentWall: num.nullable(),
  strategy: z.string().nullable(),
});
export type StoredOrder = z.infer<typeof StoredOrderSchema>;

export const StoredPositionSchema = z.object({ symbol: z.string(), qty: num, avgPrice: num });
export type StoredPosition = z.infer<typeof StoredPositionSchema>;

/** Trading state as persisted; the console persists its kill-switch level here too. */
export const StoredTradingStateSchema = z.object({
  status: z.enum(['active', 'paused', 'halted']),
  reason: z.string(),
  since: num,
  /** Kill-switch level set by the operator (0 = off); owned by the console's kill switch. */
  killSwitchLevel: z.number().int().nonnegative().optional(),
});
export type StoredTradingState = z.infer<typeof StoredTradingStateSchema>;

/**
 * The operator's kill-switch latch, journaled with the store: a side file that can be deleted must
 * not be what keeps a flattened account from trading again.
 */
export const KillLatchSchema = z.object({
  level: z.number().int().min(0).max(4),
  reason: z.string(),
  by: z.string(),
  at: z.string(),
  engineTime: num.nullable(),
});

export const StoreStateSchema = z.object({
  version: z.literal(1),
  /** Six letters/digits, fixed for the life of the store: part of every client order id. */
  storeId: z.string().regex(/^[a-z0-9]{6}$/),
  venue: z.string(),
  account: z.string(),
  /** The next client order id sequence number: a restarted console continues it. */
  nextSeq: z.number().int().positive(),
  tradingState: StoredTradingStateSchema.nullable(),
  orders: z.record(z.string(), StoredOrderSchema),
  positions: z.record(z.string(), StoredPositionSchema),
  cash: z.record(z.string(), num).nullable(),
  /** Daily loss limit: the UTC (or calendar) day and the equity it started with. */
  day: z.object({ key: z.string(), startEquity: num }).nullable(),
  /** Engine time of the newest venue report applied (executionsSince after a restart). */
  lastReportTs: num.nullable(),
  /** The kill-switch latch (absent in stores written before it moved here). */
  kill: KillLatchSchema.nullable().default(null),
  /**
   * Venue-initiated entries (funding, liquidations) booked: the venue time of the newest, and the
   * ids of the newest ENTRY_IDS_KEPT, so a restart that asks the venue for entries since then books
   * none of them twice. Absent in stores written before entries existed.
   */
  entries: z.object({ lastTs: num.nullable(), ids: z.array(z.string()) }).default({ lastTs: null, ids: [] }),
});
export type StoreState = z.infer<typeof StoreStateSchema>;

export function emptyState(storeId: string, venue: string, account: string): StoreState {
  return {
    version: 1, storeId, venue, account, nextSeq: 1, tradingState: null, orders: {}, positions: {}, cash: null, day: null, lastReportTs: null, kill: null,
    entries: { lastTs: null, ids: [] },
  };
}

// ---------- journal record payloads ----------

export interface GenesisData { readonly storeId: string; readonly venue: string; readonly account: string }
export interface IntentData { readonly order: StoredOrder; readonly nextSeq: number }
export interface OrderData { readonly order: StoredOrder; readonly nextSeq?: number }
export interface FillData {
  readonly clientOrderId: string; readonly execId: string; readonly symbol: string; readonly side: 'buy' | 'sell';
  readonly qty: number; readonly price: number; readonly fee: number; readonly ts: number;
  /** The order right after this fill (absent in journals written before it was added). */
  readonly order?: StoredOrder;
  /** The ledger's position in the symbol and cash right after this fill (absent in older journals). */
  readonly book?: { readonly position: StoredPosition; readonly cash: Readonly<Record<string, number>> };
}
/** A fee learned after its fill was booked ('fee' report): the order and the ledger's cash after it. */
export interface FeeData {
  readonly clientOrderId: string; readonly execId: string; readonly symbol: string; readonly fee: number; readonly ts: number;
  readonly order?: StoredOrder;
  readonly book: { readonly position: StoredPosition; readonly cash: Readonly<Record<string, number>> };
}
/** A venue-initiated entry as booked, with the ledger's position in its symbol and cash after it. */
export interface EntryData {
  readonly entry: { readonly entryId: string; readonly symbol: string | null; readonly ts: number; readonly kind: string; readonly amount: number };
  readonly book: { readonly position: StoredPosition | null; readonly cash: Readonly<Record<string, number>> };
}
/** Entry ids a store keeps: a venue's funding bills for months at 3 a day, far more than any gap asks for. */
export const ENTRY_IDS_KEPT = 2000;
export interface ReportData { readonly report: { readonly kind: string; readonly clientOrderId: string; readonly ts: number } }

const EPS = 1e-9;

/** Apply one journal record to the state, in place. Unknown kinds are audit-only and ignored. */
export function reduce(s: StoreState, rec: JournalRecord): void {
  switch (rec.kind) {
    case 'genesis': {
      const d = rec.data as GenesisData;
      s.storeId = d.storeId;
      s.venue = d.venue;
      s.account = d.account;
      return;
    }
    case 'checkpoint': {
      const c = StoreStateSchema.parse(rec.data);
      Object.assign(s, c);
      return;
    }
    case 'intent': {
      const d = rec.data as IntentData;
      // A resend journals the intent again: freshness still counts from the first time.
      s.orders[d.order.clientOrderId] = { ...d.order, intentWall: s.orders[d.order.clientOrderId]?.intentWall ?? rec.ts };
      if (d.nextSeq > s.nextSeq) s.nextSeq = d.nextSeq;
      return;
    }
    case 'order': {
      const d = rec.data as OrderData;
      const prev = s.orders[d.order.clientOrderId];
      // Fills are recorded by their own records: keep the exec ids already known.
      s.orders[d.order.clientOrderId] = { ...d.order, execIds: [...new Set([...(prev?.execIds ?? []), ...d.order.execIds])], intentWall: prev?.intentWall ?? d.order.intentWall };
      if (d.nextSeq !== undefined && d.nextSeq > s.nextSeq) s.nextSeq = d.nextSeq;
      return;
    }
    case 'fill': {
      const f = rec.data as FillData;
      const o = s.orders[f.clientOrderId];
      if (f.order !== undefined) {
        // The order's state after the fill, in the same record (atomic with the execution).
        // Union: the order's own ids carry each fill's second identity (venue order @ cumulative lots).
        const execIds = [...new Set([...(o?.execIds ?? []), ...f.order.execIds, f.execId])];
        s.orders[f.clientOrderId] = { ...f.order, execIds, intentWall: o?.intentWall ?? f.order.intentWall };
      } else if (o !== undefined && !o.execIds.includes(f.execId)) o.execIds.push(f.execId);
      if (f.book !== undefined) {
        const p = f.book.position;
        if (p.qty === 0) delete s.positions[p.symbol];
        else s.positions[p.symbol] = { ...p };
        s.cash = { ...f.book.cash };
      } else applyFillToPosition(s, f); // journals written before fills carried the ledger's figures
      if (s.lastReportTs === null || f.ts > s.lastReportTs) s.lastReportTs = f.ts;
      return;
    }
    case 'fee': {
      const f = rec.data as FeeData;
      const o = s.orders[f.clientOrderId];
      if (f.order !== undefined) s.orders[f.clientOrderId] = { ...f.order, execIds: [...new Set([...(o?.execIds ?? []), ...f.order.execIds])], intentWall: o?.intentWall ?? f.order.intentWall };
      s.cash = { ...f.book.cash };
      return;
    }
    case 'entry': {
      const d = rec.data as EntryData;
      const p = d.book.position;
      if (p !== null) {
        if (p.qty === 0) delete s.positions[p.symbol];
        else s.positions[p.symbol] = { ...p };
      }
      s.cash = { ...d.book.cash };
      if (!s.entries.ids.includes(d.entry.entryId)) {
        s.entries.ids.push(d.entry.entryId);
        if (s.entries.ids.length > ENTRY_IDS_KEPT) s.entries.ids.splice(0, s.entries.ids.length - ENTRY_IDS_KEPT);
      }
      if (s.entries.lastTs === null || d.entry.ts > s.entries.lastTs) s.entries.lastTs = d.entry.ts;
      return;
    }
    case 'report': {
      const d = rec.data as ReportData;
      if (s.lastReportTs === null || d.report.ts > s.lastReportTs) s.lastReportTs = d.report.ts;
      return;
    }
    case 'trading_state':
      s.tradingState = StoredTradingStateSchema.parse(rec.data);
      return;
    case 'venue_book': {
      // Positions and cash as the venue stated them (recovery): they replace ours.
      const d = rec.data as { positions: StoredPosition[]; cash: Record<string, number> };
      s.positions = {};
      for (const p of d.positions) if (Math.abs(p.qty) > EPS) s.positions[p.symbol] = { ...p };
      s.cash = { ...d.cash };
      return;
    }
    case 'kill':
      s.kill = KillLatchSchema.parse(rec.data);
      return;
    case 'day':
      s.day = rec.data as { key: string; startEquity: number };
      return;
    default:
      return;
  }
}

function applyFillToPosition(s: StoreState, f: FillData): void {
  const p = s.positions[f.symbol] ?? { symbol: f.symbol, qty: 0, avgPrice: 0 };
  const d = f.side === 'buy' ? f.qty : -f.qty;
  const q0 = p.qty;
  const q1 = round9(q0 + d);
  if (q0 === 0 || Math.sign(q0) === Math.sign(d)) {
    p.avgPrice = (Math.abs(q0) * p.avgPrice + Math.abs(d) * f.price) / Math.abs(q1);
  } else if (Math.sign(q1) !== Math.sign(q0) && Math.abs(q1) > EPS) {
    p.avgPrice = f.price; // flipped: the remainder was opened at this fill
  }
  p.qty = q1;
  if (Math.abs(q1) <= EPS) delete s.positions[f.symbol];
  else s.positions[f.symbol] = p;
}

const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;

/** UTC date of an engine time, "YYYY-MM-DD". */
export function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** Drop terminal orders last touched before `day` (they live on in the rotated journal files). */
export function pruneHistory(s: StoreState, day: string): number {
  let n = 0;
  for (const [id, o] of Object.entries(s.orders)) {
    const terminal = o.status === 'filled' || o.status === 'canceled' || o.status === 'rejected' || o.status === 'expired'
      || o.status === 'denied' || o.status === 'lost';
    if (terminal && Number.isFinite(o.updatedAt) && utcDay(o.updatedAt) < day) {
      delete s.orders[id];
      n++;
    }
  }
  return n;
}
