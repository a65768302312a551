/**
 * The venue's order handling: Alpaca's order model (ids, client ids, statuses, replace = a new
 * order) on top of the simulated venue's matching core, which does all matching, funds checks and
 * accounting. Synchronous and free of I/O: the HTTP and websocket front lives in server.ts.
 *
 * Each Alpaca order is worked in the SimVenue as a "slice" under an internal id (Alpaca's client
 * ids may be 128 characters of anything; the sim's are not). Normally one slice carries the whole
 * order; the partial-fill fault hands the sim half first and the rest once that half has filled,
 * so the fill arrives in two parts on two bars with the order working in between. A replace moves
 * the slice to the new order (the sim replaces in place, atomically, with its own funds check).
 */
import { randomUUID } from 'node:crypto';
import { fromSteps, makeInstrument, toLots, type Instrument } from '../domain/instrument.ts';
import type { Bar } from '../domain/market.ts';
import type { OrderRequest } from '../domain/order.ts';
import type { ExecutionReport, InstrumentProvider } from '../ports/index.ts';
import { SimVenue } from '../venues/sim/index.ts';
import { fromWireSymbol, toWireSymbol } from '../venues/alpaca/symbols.ts';
import type { PatchOrderBodyT, PostOrderBodyT } from './requests.ts';
import { OPEN_STATUSES, type FillRec, type OrderRec, type VenueStateData } from './state.ts';

export interface CoreEvent {
  readonly event: 'new' | 'fill' | 'partial_fill' | 'canceled' | 'expired' | 'replaced' | 'rejected';
  readonly order: OrderRec;
  readonly ts: number;
  readonly executionId?: string;
  readonly price?: number;
  readonly qty?: number;
  readonly positionQty?: number;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly code: number; readonly message: string };

export interface CoreOptions {
  readonly state: VenueStateData;
  readonly accountType: 'cash' | 'margin';
  /** Venue time (epoch ms): data time when replaying, else the last bar's time. */
  readonly now: () => number;
  readonly emit: (ev: CoreEvent) => void;
  readonly log: (msg: string) => void;
}

interface Slice {
  readonly simId: string;
  orderId: string;
  simQty: number;
  simFilled: number;
}

/**
 * Quantities are added, subtracted and compared as integer lots of the instrument's grid, as the
 * portfolio keeps them (domain/instrument.ts toLots / fromSteps), and turned back into the exact
 * decimal once: no float running totals, no rounding that stops holding at large sizes.
 */
const plusQty = (a: number, b: number, inst: Instrument): number => fromSteps(toLots(a, inst.lotSize) + toLots(b, inst.lotSize), inst.lotSize);
const minusQty = (a: number, b: number, inst: Instrument): number => fromSteps(toLots(a, inst.lotSize) - toLots(b, inst.lotSize), inst.lotSize);
const atLeastQty = (a: number, b: number, inst: Instrument): boolean => toLots(a, inst.lotSize) >= toLots(b, inst.lotSize);
const fail = (status: number, code: number, message: string): Result<never> => ({ ok: false, status, code, message });

/** Instruments made on demand from a symbol's shape (crypto pairs, equities), one registry per venue. */
class OnDemandInstruments implements InstrumentProvider {
  private readonly map = new Map<string, Instrument>();
  get(symbol: string): Instrument | undefined {
    let i = this.map.get(symbol);
    if (i === undefined) {
      i = makeInstrument(symbol, 'alpaca');
      this.map.set(symbol, i);
    }
    return i;
  }
  all(): readonly Instrument[] {
    return [...this.map.values()];
  }
}

export class VenueCore {
  readonly instruments = new OnDemandInstruments();
  readonly faults = { reject: 0, partialFill: 0, rejectReplacement: 0 };
  private readonly sim: SimVenue;
  private readonly state: VenueStateData;
  private readonly byId = new Map<string, OrderRec>();
  private readonly byClientId = new Map<string, OrderRec>();
  private readonly slices = new Map<string, Slice>();
  private readonly sliceOf = new Map<string, Slice>();
  private readonly unsliced = new Map<string, number>();
  /** Signed position per parity symbol, in integer lots (what position_qty on the stream reports). */
  private readonly posLots = new Map<string, number>();
  private readonly pendingSlices: string[] = [];
  /** Reports the sim produced during a command, looked at once the command returns. */
  private captured: ExecutionReport[] | null = null;
  private sliceSeq = 0;
  private dirty = false;

  constructor(private readonly opts: CoreOptions) {
    this.state = opts.state;
    this.sim = new SimVenue({
      instruments: this.instruments,
      account: { currency: opts.state.currency, cash: opts.state.startCash, type: opts.accountType, leverage: opts.accountType === 'margin' ? 2 : 1, perpLeverage: 3, fxRates: { USDT: 1, USDC: 1 } },
    });
    this.sim.connect((rep) => {
      if (this.captured !== null) this.captured.push(rep);
      else this.onSimReport(rep);
    });
    for (const o of this.state.orders) {
      this.byId.set(o.id, o);
      this.byClientId.set(o.clientOrderId, o);
    }
    this.restore();
  }

  /** Rebuild the sim from the saved books: cash and positions, then every working order's remainder. */
  private restore(): void {
    const s = this.state;
    if (s.positions.length > 0 || s.orders.length > 0) {
      this.sim.restoreBooks(s.cash, s.positions.map((p) => ({ instrument: this.inst(p.symbol), qty: p.qty, avgPrice: p.avgPrice })));
    }
    for (const p of s.positions) this.posLots.set(p.symbol, toLots(p.qty, this.inst(p.symbol).lotSize));
    const now = this.opts.now();
    for (const o of s.orders) {
      if (!OPEN_STATUSES.has(o.status)) continue;
      const reps = this.command(() => this.newSlice(o, minusQty(o.qty, o.filledQty, this.inst(fromWireSymbol(o.symbol))), now));
      const rej = reps.find((r) => r.kind === 'rejected');
      if (rej !== undefined && rej.kind === 'rejected') {
        this.opts.log(`restore: order ${o.id} could not be resumed (${rej.reason}); canceling it`);
        this.finish(o, 'canceled', now, `could not be resumed after a venue restart: ${rej.reason}`);
      }
    }
  }

  // ---------- commands ----------

  submit(body: PostOrderBodyT): Result<OrderRec> {
    const cid = body.client_order_id ?? randomUUID();
    const s = this.state;
    s.submissions[cid] = (s.submissions[cid] ?? 0) + 1;
    this.dirty = true;
    if (this.byClientId.has(cid)) {
      s.duplicates[cid] = (s.duplicates[cid] ?? 0) + 1;
      return fail(422, 40010001, 'client_order_id must be unique');
    }
    const now = this.opts.now();
    const symbol = fromWireSymbol(body.symbol);
    const inst = this.inst(symbol);
    const rec: OrderRec = {
      id: randomUUID(), clientOrderId: cid, symbol: toWireSymbol(symbol, inst.assetClass), side: body.side,
      type: body.type === 'trailing_stop' ? 'market' : body.type, tif: body.time_in_force === 'opg' || body.time_in_force === 'cls' ? 'day' : body.time_in_force,
      qty: body.qty ?? 0, filledQty: 0, filledValue: 0, limitPrice: body.limit_price ?? null, stopPrice: body.stop_price ?? null,
      status: 'pending_new', createdAt: now, updatedAt: now, filledAt: null, canceledAt: null, expiredAt: null, failedAt: null,
      replacedAt: null, replacedBy: null, replaces: null, reason: null,
    };
    if (this.faults.reject > 0) {
      // Accepted on the wire, then refused on the stream: the asynchronous rejection path.
      this.faults.reject--;
      const ack = { ...rec };
      this.store(rec);
      this.finish(rec, 'rejected', now, 'rejected by fault injection', true);
      return { ok: true, value: ack };
    }
    let first = rec.qty;
    if (this.faults.partialFill > 0) {
      const halfLots = Math.floor(toLots(rec.qty, inst.lotSize) / 2);
      if (halfLots > 0) {
        this.faults.partialFill--;
        first = fromSteps(halfLots, inst.lotSize);
        this.unsliced.set(rec.id, minusQty(rec.qty, first, inst));
      }
    }
    const reps = this.command(() => this.newSlice(rec, first, now));
    const rej = reps.find((r) => r.kind === 'rejected');
    if (rej !== undefined && rej.kind === 'rejected') {
      this.unsliced.delete(rec.id);
      this.dropSlice(rec.id);
      const funds = /buying power|sell short|reduce-only/.test(rej.reason);
      return fail(funds ? 403 : 422, funds ? 40310000 : 40010001, rej.reason);
    }
    rec.status = 'new';
    this.store(rec);
    this.opts.emit({ event: 'new', order: { ...rec }, ts: now });
    return { ok: true, value: { ...rec } };
  }

  cancel(id: string): Result<void> {
    const o = this.byId.get(id);
    if (o === undefined) return fail(404, 40410000, 'order not found');
    if (!OPEN_STATUSES.has(o.status)) return fail(422, 42210000, `order is already in "${o.status}" state`);
    const slice = this.sliceOf.get(o.id);
    this.unsliced.delete(o.id);
    if (slice === undefined) {
      this.finish(o, 'canceled', this.opts.now(), null);
      return { ok: true, value: undefined };
    }
    const reps = this.command(() => this.sim.cancel(slice.simId, this.opts.now()));
    const rej = reps.find((r) => r.kind === 'cancel_rejected');
    if (rej !== undefined && rej.kind === 'cancel_rejected') return fail(422, 42210000, rej.reason);
    return { ok: true, value: undefined };
  }

  replace(id: string, body: PatchOrderBodyT): Result<OrderRec> {
    const old = this.byId.get(id);
    if (old === undefined) return fail(404, 40410000, 'order not found');
    if (old.status !== 'new' && old.status !== 'partially_filled') return fail(422, 42210000, `order is in "${old.status}" state and cannot be replaced`);
    if (body.client_order_id !== undefined && this.byClientId.has(body.client_order_id)) {
      const s = this.state;
      s.duplicates[body.client_order_id] = (s.duplicates[body.client_order_id] ?? 0) + 1;
      this.dirty = true;
      return fail(422, 40010001, 'client_order_id must be unique');
    }
    if (body.trail !== undefined) return fail(422, 40010001, 'trail is only for trailing_stop orders');
    if (body.time_in_force !== undefined && body.time_in_force !== old.tif) return fail(422, 40010001, 'the parity venue cannot change time_in_force on replace');
    if (body.limit_price !== undefined && old.type !== 'limit' && old.type !== 'stop_limit') return fail(422, 40010001, `a ${old.type} order has no limit_price`);
    if (body.stop_price !== undefined && old.type !== 'stop' && old.type !== 'stop_limit') return fail(422, 40010001, `a ${old.type} order has no stop_price`);
    const slice = this.sliceOf.get(old.id);
    if (slice === undefined) return fail(422, 42210000, 'order is not working');
    // qty of a replacement is what it has left to trade: it is a new order, starting unfilled.
    const oldInst = this.inst(fromWireSymbol(old.symbol));
    const newQty = body.qty ?? minusQty(old.qty, old.filledQty, oldInst);
    const now = this.opts.now();
    if (this.faults.rejectReplacement > 0) {
      // Accepted, then rejected: the answer names the new order, the stream then rejects it, and
      // the old order keeps working on its old terms.
      this.faults.rejectReplacement--;
      const dead: OrderRec = {
        ...old, id: randomUUID(), clientOrderId: body.client_order_id ?? randomUUID(), qty: newQty, filledQty: 0, filledValue: 0,
        limitPrice: body.limit_price ?? old.limitPrice, stopPrice: body.stop_price ?? old.stopPrice, status: 'new',
        createdAt: now, updatedAt: now, filledAt: null, canceledAt: null, expiredAt: null, failedAt: null, replacedAt: null,
        replacedBy: null, replaces: old.id, reason: null,
      };
      this.store(dead);
      const answer = { ...dead };
      setTimeout(() => {
        dead.status = 'rejected';
        dead.failedAt = this.opts.now();
        dead.reason = 'replacement rejected (injected fault)';
        this.dirty = true;
        this.opts.emit({ event: 'rejected', order: { ...dead }, ts: this.opts.now() });
      }, 20);
      return { ok: true, value: answer };
    }
    const changes = {
      qty: plusQty(slice.simFilled, newQty, oldInst),
      ...(body.limit_price !== undefined ? { limitPrice: body.limit_price } : {}),
      ...(body.stop_price !== undefined ? { stopPrice: body.stop_price } : {}),
    };
    const reps = this.command(() => this.sim.replace(slice.simId, changes, now));
    const rej = reps.find((r) => r.kind === 'replace_rejected');
    if (rej !== undefined && rej.kind === 'replace_rejected') return fail(422, 42210000, rej.reason);
    if (!reps.some((r) => r.kind === 'replaced')) return fail(500, 50010000, 'replace had no outcome');
    const rec: OrderRec = {
      ...old, id: randomUUID(), clientOrderId: body.client_order_id ?? randomUUID(), qty: newQty, filledQty: 0, filledValue: 0,
      limitPrice: body.limit_price ?? old.limitPrice, stopPrice: body.stop_price ?? old.stopPrice, status: 'new',
      createdAt: now, updatedAt: now, filledAt: null, canceledAt: null, expiredAt: null, failedAt: null, replacedAt: null,
      replacedBy: null, replaces: old.id, reason: null,
    };
    old.status = 'replaced';
    old.replacedAt = now;
    old.replacedBy = rec.id;
    old.updatedAt = now;
    slice.orderId = rec.id;
    slice.simQty = changes.qty;
    this.sliceOf.delete(old.id);
    this.sliceOf.set(rec.id, slice);
    this.unsliced.delete(old.id);
    this.store(rec);
    this.opts.emit({ event: 'replaced', order: { ...old }, ts: now });
    this.opts.emit({ event: 'new', order: { ...rec }, ts: now });
    return { ok: true, value: { ...rec } };
  }

  /** DELETE /v2/orders: every open order of the account (counted: parity itself must never call it). */
  cancelAll(): { id: string; status: number }[] {
    this.state.cancelAllCalls++;
    this.dirty = true;
    const out: { id: string; status: number }[] = [];
    for (const o of this.byId.values()) {
      if (!OPEN_STATUSES.has(o.status)) continue;
      const r = this.cancel(o.id);
      out.push({ id: o.id, status: r.ok ? 200 : r.status });
    }
    return out;
  }

  /** A market event: the sim matches working orders against it; fills and expiries become events. */
  onBar(bar: Bar): void {
    this.sim.onMarketData(bar);
    this.drainSlices(bar.ts);
  }

  // ---------- queries ----------

  order(id: string): OrderRec | undefined {
    const o = this.byId.get(id);
    return o === undefined ? undefined : { ...o };
  }

  orderByClientId(cid: string): OrderRec | undefined {
    const o = this.byClientId.get(cid);
    return o === undefined ? undefined : { ...o };
  }

  orders(): OrderRec[] {
    return this.state.orders.map((o) => ({ ...o }));
  }

  fills(): readonly FillRec[] {
    return this.state.fills;
  }

  snapshot() {
    return this.sim.snapshot();
  }

  /** True (once) when something changed since the last call: the caller saves the state then. */
  takeDirty(): boolean {
    const d = this.dirty;
    this.dirty = false;
    if (d) this.syncBooks();
    return d;
  }

  /** The books to save: the sim's cash and positions copied into the state. */
  private syncBooks(): void {
    const snap = this.sim.snapshot();
    this.state.cash = { ...snap.cash };
    this.state.positions = snap.positions.filter((p) => p.qty !== 0).map((p) => ({ symbol: p.symbol, qty: p.qty, avgPrice: p.avgPrice }));
  }

  stateData(): VenueStateData {
    this.syncBooks();
    return this.state;
  }

  // ---------- sim plumbing ----------

  private inst(symbol: string): Instrument {
    return this.instruments.get(symbol)!;
  }

  private command(fn: () => void): ExecutionReport[] {
    const prev = this.captured;
    const reps: ExecutionReport[] = [];
    this.captured = reps;
    try {
      fn();
    } finally {
      this.captured = prev;
    }
    // Reports about other orders (an expiry due by now) are handled as usual; the caller reads the rest.
    for (const r of reps) if (r.kind === 'fill' || r.kind === 'expired' || r.kind === 'canceled') this.onSimReport(r);
    this.dirty = true;
    return reps;
  }

  private newSlice(o: OrderRec, qty: number, now: number): void {
    const simId = `${o.id}_${++this.sliceSeq}`;
    const slice: Slice = { simId, orderId: o.id, simQty: qty, simFilled: 0 };
    this.slices.set(simId, slice);
    this.sliceOf.set(o.id, slice);
    const symbol = fromWireSymbol(o.symbol);
    const base = { symbol, side: o.side, qty, tif: o.tif };
    const req: OrderRequest =
      o.type === 'market' ? { ...base, type: 'market' }
      : o.type === 'limit' ? { ...base, type: 'limit', limitPrice: o.limitPrice ?? 0 }
      : o.type === 'stop' ? { ...base, type: 'stop', stopPrice: o.stopPrice ?? 0 }
      : { ...base, type: 'stop_limit', limitPrice: o.limitPrice ?? 0, stopPrice: o.stopPrice ?? 0 };
    this.sim.submit({ clientOrderId: simId, request: req, ts: now });
  }

  private onSimReport(rep: ExecutionReport): void {
    const slice = this.slices.get(rep.clientOrderId);
    if (slice === undefined) return;
    const o = this.byId.get(slice.orderId);
    if (o === undefined) return;
    this.dirty = true;
    if (rep.kind === 'fill') {
      const sym = fromWireSymbol(o.symbol);
      const inst = this.inst(sym);
      slice.simFilled = plusQty(slice.simFilled, rep.qty, inst);
      o.filledQty = plusQty(o.filledQty, rep.qty, inst);
      o.filledValue += rep.qty * rep.price;
      o.updatedAt = rep.ts;
      const done = atLeastQty(o.filledQty, o.qty, inst);
      o.status = done ? 'filled' : 'partially_filled';
      if (done) o.filledAt = rep.ts;
      const fillLots = toLots(rep.qty, inst.lotSize);
      const posLots = (this.posLots.get(sym) ?? 0) + (o.side === 'buy' ? fillLots : -fillLots);
      this.posLots.set(sym, posLots);
      const pos = fromSteps(posLots, inst.lotSize);
      const executionId = randomUUID();
      this.state.fills.push({
        activityId: `${activityStamp(rep.ts)}::${executionId}`, executionId, orderId: o.id, symbol: o.symbol, side: o.side,
        qty: rep.qty, price: rep.price, ts: rep.ts, cumQty: o.filledQty, leavesQty: minusQty(o.qty, o.filledQty, inst), orderStatus: o.status,
      });
      if (done) this.dropSlice(o.id);
      else if (atLeastQty(slice.simFilled, slice.simQty, inst) && (this.unsliced.get(o.id) ?? 0) > 0) this.pendingSlices.push(o.id);
      this.opts.emit({ event: done ? 'fill' : 'partial_fill', order: { ...o }, ts: rep.ts, executionId, price: rep.price, qty: rep.qty, positionQty: pos });
    } else if (rep.kind === 'canceled') {
      if (OPEN_STATUSES.has(o.status)) this.finish(o, 'canceled', rep.ts, rep.reason ?? null);
    } else if (rep.kind === 'expired') {
      if (OPEN_STATUSES.has(o.status)) this.finish(o, 'expired', rep.ts, null);
    }
  }

  /** Hand the sim the rest of orders whose first part has filled (partial-fill fault). */
  private drainSlices(now: number): void {
    while (this.pendingSlices.length > 0) {
      const id = this.pendingSlices.shift()!;
      const o = this.byId.get(id);
      const rest = this.unsliced.get(id) ?? 0;
      this.unsliced.delete(id);
      if (o === undefined || !OPEN_STATUSES.has(o.status) || rest <= 0) continue;
      const reps = this.command(() => this.newSlice(o, rest, now));
      const rej = reps.find((r) => r.kind === 'rejected');
      if (rej !== undefined && rej.kind === 'rejected') this.finish(o, 'canceled', now, `remainder refused: ${rej.reason}`);
    }
  }

  /** `later`: the event goes out after the HTTP answer (an exchange rejecting what Alpaca accepted). */
  private finish(o: OrderRec, status: 'canceled' | 'expired' | 'rejected', ts: number, reason: string | null, later = false): void {
    o.status = status;
    o.updatedAt = ts;
    o.reason = reason;
    if (status === 'canceled') o.canceledAt = ts;
    else if (status === 'expired') o.expiredAt = ts;
    else o.failedAt = ts;
    this.dropSlice(o.id);
    this.unsliced.delete(o.id);
    this.dirty = true;
    const ev: CoreEvent = { event: status, order: { ...o }, ts };
    if (later) setTimeout(() => this.opts.emit(ev), 20);
    else this.opts.emit(ev);
  }

  private dropSlice(orderId: string): void {
    const s = this.sliceOf.get(orderId);
    if (s === undefined) return;
    this.sliceOf.delete(orderId);
    this.slices.delete(s.simId);
  }

  private store(o: OrderRec): void {
    this.state.orders.push(o);
    this.byId.set(o.id, o);
    this.byClientId.set(o.clientOrderId, o);
    this.dirty = true;
  }
}

/** "20240304143001123": Alpaca's activity id prefix (UTC, to the millisecond). */
function activityStamp(ts: number): string {
  return new Date(ts).toISOString().replace(/[-:TZ.]/g, '');
}
