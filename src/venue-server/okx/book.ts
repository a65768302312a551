/**
 * OKX's order model over the simulated venue's matching core: ordIds, clOrdIds (1-32 letters and
 * digits, unique among pending orders), tags, states live / partially_filled / filled / canceled,
 * amend in place, fills with trade ids, account bills (trades type 2, funding type 8), per-instrument
 * leverage, the cancel-all-after countdowns, and OKX's sCodes for refusals. SimVenue does all matching
 * and accounting; this class is synchronous and free of I/O (the wire lives in server.ts).
 *
 * An OKX order is worked in the sim as one "slice" under the ordId; the partial-fill fault hands the
 * sim half of it first and the rest once that half has filled (two fills on two bars).
 */
import { fromSteps, isOnGrid, makeInstrument, toLots, type Instrument, type MarginMode, type PerpSpec } from '../../domain/instrument.ts';
import type { PositionView } from '../../portfolio/portfolio.ts';
import type { Bar } from '../../domain/market.ts';
import type { OrderRequest } from '../../domain/order.ts';
import type { AccountEntry, ExecutionReport, InstrumentProvider } from '../../ports/index.ts';
import { SimVenue } from '../../venues/sim/index.ts';
import type { FaultState } from './faults.ts';
import type { OkxInstrumentSpec } from './types.ts';

export type OkxState = 'live' | 'partially_filled' | 'filled' | 'canceled';
export type OkxOrdType = 'market' | 'limit' | 'post_only' | 'fok' | 'ioc' | 'optimal_limit_ioc';

export interface OkxInst {
  readonly spec: OkxInstrumentSpec;
  readonly instType: 'SPOT' | 'SWAP';
  readonly base: string;
  readonly quote: string;
  readonly ctVal: number;
  /** Replaced (never mutated) when set-leverage or an order's tdMode changes its perpetual terms. */
  readonly inst: Instrument;
}

export interface OkxOrder {
  readonly ordId: string;
  readonly clOrdId: string;
  readonly tag: string;
  readonly instId: string;
  readonly instType: 'SPOT' | 'SWAP';
  readonly side: 'buy' | 'sell';
  readonly ordType: OkxOrdType;
  readonly tdMode: string;
  readonly reduceOnly: boolean;
  sz: number;
  px: number | null;
  state: OkxState;
  accFillSz: number;
  fillValue: number;
  fee: number;
  lever: number;
  readonly cTime: number;
  uTime: number;
  fillTime: number | null;
  lastFill: { px: number; sz: number; tradeId: string; ts: number; fee: number; maker: boolean } | null;
  cancelSource: string;
  amendResult: string;
  reqId: string;
}

export interface OkxFill {
  readonly tradeId: string;
  readonly billId: string;
  readonly ordId: string;
  readonly clOrdId: string;
  readonly tag: string;
  readonly instId: string;
  readonly instType: 'SPOT' | 'SWAP';
  readonly side: 'buy' | 'sell';
  readonly fillPx: number;
  readonly fillSz: number;
  readonly fee: number;
  readonly maker: boolean;
  readonly ts: number;
}

export interface OkxBill {
  readonly billId: string;
  readonly ccy: string;
  readonly instId: string;
  readonly instType: 'SPOT' | 'SWAP' | '';
  /** OKX bill type: 2 trade, 8 funding fee (5 liquidation and 9 ADL are not produced yet). */
  readonly type: string;
  /** 1 buy, 2 sell (spot); 3 open long .. 6 close short (swaps); 173 funding expense, 174 income. */
  readonly subType: string;
  readonly balChg: number;
  readonly bal: number;
  readonly sz: number;
  readonly px: number;
  readonly pnl: number;
  readonly fee: number;
  readonly ordId: string;
  readonly clOrdId: string;
  readonly tradeId: string;
  readonly ts: number;
  readonly mgnMode: string;
}

export type BookEvent =
  | { readonly kind: 'order'; readonly order: OkxOrder }
  | { readonly kind: 'account'; readonly instIds: readonly string[] };

export interface Refusal {
  readonly sCode: string;
  readonly sMsg: string;
}
export type Outcome<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & Refusal);
const refuse = (sCode: string, sMsg: string): Outcome<never> => ({ ok: false, sCode, sMsg });

export const CLORDID = /^[A-Za-z0-9]{1,32}$/;
export const TAG = /^[A-Za-z0-9]{1,16}$/;

export interface PlaceReq {
  readonly instId: string;
  readonly side: 'buy' | 'sell';
  readonly ordType: OkxOrdType;
  readonly sz: number;
  readonly px?: number;
  readonly tdMode: string;
  readonly clOrdId?: string;
  readonly tag?: string;
  readonly reduceOnly?: boolean;
}

export interface BookOptions {
  readonly instruments: readonly OkxInstrumentSpec[];
  readonly cash: number;
  readonly leverage: number;
  readonly fundingIntervalMs: number;
  readonly fundingRate: number;
  /** Maker / taker fee in basis points of notional (OKX Regular tier, USDT swaps: 2 / 5). */
  readonly fees: { readonly makerBps: number; readonly takerBps: number };
  readonly now: () => number;
  readonly faults: FaultState;
  readonly emit: (ev: BookEvent) => void;
  /** The client order id rule (default OKX's CLORDID); another venue's fake passes its own (Bybit orderLinkId: up to 36 of letters, digits, - and _). */
  readonly clientIdPattern?: RegExp;
  /** The liquidation fee on the notional closed (default LIQUIDATION_FEE): another venue's fake charges its own (Binance: taker commission plus clearance fee). */
  readonly liquidationFeeRate?: number;
}

/** The maintenance margin rate of the fake's swaps (OKX's first tier for BTC-USDT-SWAP is 0.4%). */
export const MMR = 0.004;
/** The liquidation fee on the notional closed (OKX charges a tiered fee; its first tier is in this range). */
export const LIQUIDATION_FEE = 0.0005;

export class OkxBook implements InstrumentProvider {
  readonly insts = new Map<string, OkxInst>();
  private readonly sim: SimVenue;
  private readonly orders = new Map<string, OkxOrder>();
  private readonly pendingByClOrd = new Map<string, OkxOrder>();
  private readonly byClOrd = new Map<string, OkxOrder>();
  /** The current sim slice per working order, and the quantity not yet handed to the sim (partial-fill fault). */
  private readonly slice = new Map<string, { simId: string; base: number; filled: number }>();
  private readonly sliceOwner = new Map<string, string>();
  private readonly unsliced = new Map<string, number>();
  readonly fills: OkxFill[] = [];
  readonly bills: OkxBill[] = [];
  private readonly lastPx = new Map<string, number>();
  private lastUsdt: number;
  private seq = 0;
  private sliceSeq = 0;
  private captured: ExecutionReport[] | null = null;
  private readonly touched = new Set<string>();

  constructor(private readonly opts: BookOptions) {
    for (const spec of opts.instruments) this.insts.set(spec.instId, okxInst(spec, opts));
    this.sim = new SimVenue({
      instruments: this,
      account: { currency: 'USDT', cash: opts.cash, type: 'margin', leverage: 1, perpLeverage: opts.leverage, fxRates: { USDT: 1, USDC: 1, USD: 1 } },
      commission: { model: 'crypto', makerBps: opts.fees.makerBps, takerBps: opts.fees.takerBps },
      // The fake runs OKX's funding clock itself and books each payment through bookFunding.
      funding: 'external',
    });
    this.sim.connect((rep) => {
      if (this.captured !== null) this.captured.push(rep);
      else this.onSimReport(rep);
    }, undefined, (entry) => this.onSimEntry(entry));
    this.lastUsdt = opts.cash;
  }

  // ---------- InstrumentProvider (the sim's view) ----------
  get(symbol: string): Instrument | undefined {
    return this.insts.get(symbol)?.inst;
  }
  all(): readonly Instrument[] {
    return [...this.insts.values()].map((i) => i.inst);
  }

  // ---------- commands ----------

  place(req: PlaceReq): Outcome<OkxOrder> {
    if (!this.insts.has(req.instId)) return refuse('51001', `Instrument ID ${req.instId} does not exist.`);
    if (req.clOrdId !== undefined && req.clOrdId !== '' && !(this.opts.clientIdPattern ?? CLORDID).test(req.clOrdId)) return refuse('51000', 'Parameter clOrdId error');
    if (req.tag !== undefined && req.tag !== '' && !TAG.test(req.tag)) return refuse('51000', 'Parameter tag error');
    const clOrdId = req.clOrdId ?? '';
    if (clOrdId !== '' && this.pendingByClOrd.has(clOrdId)) return refuse('51016', 'Duplicated client order ID');
    const kind = this.insts.get(req.instId)!.instType;
    if (kind === 'SPOT' && req.tdMode !== 'cash') return refuse('51000', 'Parameter tdMode error');
    if (kind === 'SWAP') {
      if (req.tdMode !== 'cross' && req.tdMode !== 'isolated') return refuse('51000', 'Parameter tdMode error');
      const mode = this.retune(req.instId, { marginMode: req.tdMode });
      if (!mode.ok) return mode;
    }
    const i = this.insts.get(req.instId)!;
    if (!(req.sz > 0) || !isOnGrid(req.sz, i.spec.lotSz)) return refuse('51121', `Order quantity must be a multiple of the lot size (${i.spec.lotSz}).`);
    if (req.sz < i.spec.minSz) return refuse('51020', `Your order should meet or exceed the minimum order amount (${i.spec.minSz}).`);
    const priced = req.ordType !== 'market' && req.ordType !== 'optimal_limit_ioc';
    if (priced && (req.px === undefined || !(req.px > 0) || !isOnGrid(req.px, i.spec.tickSz))) return refuse('51000', 'Parameter px error');
    if (i.instType === 'SPOT' && req.side === 'sell' && req.sz > this.spotFree(i) + 1e-12) return refuse('51008', `Order failed. Insufficient ${i.base} balance in account.`);
    if (this.opts.faults.reject > 0) {
      this.opts.faults.reject--;
      return refuse(this.opts.faults.rejectCode, 'Order rejected (injected fault)');
    }
    const now = this.opts.now();
    const o: OkxOrder = {
      ordId: String(700_000_000_000 + ++this.seq), clOrdId, tag: req.tag ?? '', instId: req.instId, instType: i.instType, side: req.side,
      ordType: req.ordType, tdMode: req.tdMode, reduceOnly: req.reduceOnly === true, sz: req.sz, px: priced ? req.px ?? null : null,
      state: 'live', accFillSz: 0, fillValue: 0, fee: 0, lever: i.instType === 'SWAP' ? this.leverOf(req.instId) : 0, cTime: now, uTime: now,
      fillTime: null, lastFill: null, cancelSource: '', amendResult: '', reqId: '',
    };
    let first = req.sz;
    if (this.opts.faults.partialFill > 0) {
      const half = Math.floor(toLots(req.sz, i.inst.lotSize) / 2);
      if (half > 0) {
        this.opts.faults.partialFill--;
        first = fromSteps(half, i.inst.lotSize);
        this.unsliced.set(o.ordId, fromSteps(toLots(req.sz, i.inst.lotSize) - half, i.inst.lotSize));
      }
    }
    this.orders.set(o.ordId, o);
    const reps = this.command(() => this.newSlice(o, first, now));
    const rej = reps.find((r) => r.kind === 'rejected');
    if (rej !== undefined && rej.kind === 'rejected') {
      this.orders.delete(o.ordId);
      this.unsliced.delete(o.ordId);
      this.dropSlice(o.ordId);
      if (/reduce-only/.test(rej.reason)) return refuse('51169', "Order failed because you don't have any positions in this direction for this contract to reduce or close.");
      return refuse('51008', `Order failed. Insufficient ${i.quote} margin in account (${rej.reason}).`);
    }
    if (clOrdId !== '') {
      this.pendingByClOrd.set(clOrdId, o);
      this.byClOrd.set(clOrdId, o);
    }
    this.opts.emit({ kind: 'order', order: { ...o } });
    this.flushAccount();
    return { ok: true, value: { ...o } };
  }

  cancel(instId: string, ref: { ordId?: string; clOrdId?: string }, source = '1'): Outcome<OkxOrder> {
    const o = this.find(instId, ref);
    if (o === undefined) return refuse('51400', 'Order cancellation failed as the order does not exist.');
    if (o.state === 'canceled') return refuse('51401', 'Order cancellation failed as the order has been canceled.');
    if (o.state === 'filled') return refuse('51402', 'Order cancellation failed as the order has been filled.');
    const s = this.slice.get(o.ordId);
    // The slice is let go first, so the sim's cancel report is not taken for a cancel of its own.
    this.dropSlice(o.ordId);
    if (s !== undefined) this.command(() => this.sim.cancel(s.simId, this.opts.now()));
    this.finish(o, source);
    this.flushAccount();
    return { ok: true, value: { ...o } };
  }

  amend(instId: string, ref: { ordId?: string; clOrdId?: string }, newSz: number | undefined, newPx: number | undefined, reqId: string): Outcome<OkxOrder> {
    const o = this.find(instId, ref);
    if (o === undefined) return refuse('51503', 'Order modification failed as the order does not exist.');
    if (o.state === 'canceled') return refuse('51509', 'Modification failed as the order has been canceled.');
    if (o.state === 'filled') return refuse('51510', 'Modification failed as the order has been completed.');
    const i = this.insts.get(o.instId)!;
    if (newSz === undefined && newPx === undefined) return refuse('51500', 'Either order price or amount is required.');
    if (newPx !== undefined && (o.px === null || !(newPx > 0) || !isOnGrid(newPx, i.spec.tickSz))) return refuse('51000', 'Parameter newPx error');
    if (newSz !== undefined && (!(newSz > 0) || !isOnGrid(newSz, i.spec.lotSz))) return refuse('51121', `Order quantity must be a multiple of the lot size (${i.spec.lotSz}).`);
    const lot = i.inst.lotSize;
    const total = newSz ?? o.sz;
    if (toLots(total, lot) <= toLots(o.accFillSz, lot)) return refuse('51000', 'Parameter newSz error: it must be above the filled quantity.');
    const s = this.slice.get(o.ordId);
    if (s === undefined) return refuse('51503', 'Order modification failed as the order has been filled, canceled or does not exist.');
    // The slice carries all that is left: what it filled plus the rest of the new size.
    const rest = toLots(total, lot) - toLots(o.accFillSz, lot);
    const changes = { qty: fromSteps(toLots(s.filled, lot) + rest, lot), ...(newPx !== undefined ? { limitPrice: newPx } : {}) };
    const reps = this.command(() => this.sim.replace(s.simId, changes, this.opts.now()));
    const rej = reps.find((r) => r.kind === 'replace_rejected');
    if (rej !== undefined && rej.kind === 'replace_rejected') return refuse('51502', `Order modification failed for insufficient margin or balance (${rej.reason}).`);
    this.unsliced.delete(o.ordId);
    o.sz = total;
    if (newPx !== undefined) o.px = newPx;
    o.uTime = this.opts.now();
    o.amendResult = '0';
    o.reqId = reqId;
    this.opts.emit({ kind: 'order', order: { ...o } });
    o.amendResult = '';
    o.reqId = '';
    return { ok: true, value: { ...o } };
  }

  /** The dead-man switch: cancel every working order (with this tag, when one is given). */
  cancelAllTagged(tag: string): string[] {
    return this.cancelWhere((o) => tag === '' || o.tag === tag);
  }

  /** Cancel every working order the predicate picks (another venue's dead-man switch: Bybit's DCP per product). */
  cancelWhere(pick: (o: Readonly<OkxOrder>) => boolean, source = '20'): string[] {
    const out: string[] = [];
    for (const o of this.orders.values()) {
      if (o.state !== 'live' && o.state !== 'partially_filled') continue;
      if (!pick(o)) continue;
      // OKX's cancelSource for an order canceled by cancel-all-after.
      const r = this.cancel(o.instId, { ordId: o.ordId }, source);
      if (r.ok) out.push(o.ordId);
    }
    return out;
  }

  setLeverage(instId: string, lever: number): Outcome<number> {
    const i = this.insts.get(instId);
    if (i === undefined) return refuse('51001', `Instrument ID ${instId} does not exist.`);
    if (i.instType !== 'SWAP') return refuse('51000', 'Parameter instId error: the fake sets leverage on swaps only');
    if (!(lever >= 1 && lever <= 125)) return refuse('51000', 'Parameter lever error');
    const r = this.retune(instId, { leverage: lever });
    return r.ok ? { ok: true, value: lever } : r;
  }

  leverOf(instId: string): number {
    return this.insts.get(instId)?.inst.perp?.leverage ?? this.opts.leverage;
  }

  /**
   * New perpetual terms (leverage, margin mode) for an instrument: the sim takes a position's terms
   * from its instrument when the position opens, so they change only while the instrument has no
   * position and no working order (59000 otherwise, as OKX answers a change it cannot make then).
   */
  private retune(instId: string, terms: { leverage?: number; marginMode?: MarginMode }): Outcome<null> {
    const i = this.insts.get(instId)!;
    const perp = i.inst.perp!;
    const next: PerpSpec = { ...perp, ...terms };
    if (next.leverage === perp.leverage && next.marginMode === perp.marginMode) return { ok: true, value: null };
    const busy = this.position(instId) !== null || [...this.orders.values()].some((o) => o.instId === instId && (o.state === 'live' || o.state === 'partially_filled'));
    if (busy) {
      const what = terms.marginMode !== undefined && next.marginMode !== perp.marginMode ? `margin mode ${perp.marginMode}` : `leverage ${perp.leverage}`;
      return refuse('59000', `Your settings failed as you have positions or open orders (${instId} keeps ${what} until it is flat with no working order).`);
    }
    this.insts.set(instId, { ...i, inst: { ...i.inst, perp: next } });
    return { ok: true, value: null };
  }

  onBar(bar: Bar): void {
    this.lastPx.set(bar.symbol, bar.close);
    this.sim.onMarketData(bar);
    this.drainSlices(bar.ts);
    this.flushAccount();
  }

  markPx(instId: string): number | undefined {
    return this.lastPx.get(instId);
  }

  /** Book one funding payment on an open swap position: amount = -pos x ctVal x mark x rate. */
  fund(instId: string, rate: number, ts: number): OkxBill | null {
    const i = this.insts.get(instId);
    const mark = this.lastPx.get(instId);
    if (i === undefined || i.instType !== 'SWAP' || mark === undefined) return null;
    const pos = this.position(instId);
    if (pos === null || pos.qty === 0) return null;
    const amount = this.sim.bookFunding(instId, rate, mark, ts)?.amount ?? 0;
    const bill: OkxBill = {
      billId: this.billId(), ccy: i.quote, instId, instType: 'SWAP', type: '8', subType: amount < 0 ? '173' : '174', balChg: amount,
      bal: this.usdtCash(), sz: Math.abs(pos.qty), px: mark, pnl: amount, fee: 0, ordId: '', clOrdId: '', tradeId: '', ts, mgnMode: 'cross',
    };
    this.lastUsdt = bill.bal;
    this.bills.push(bill);
    this.opts.emit({ kind: 'account', instIds: [instId] });
    return bill;
  }

  /**
   * What the sim books on its own: a liquidation (the position closed at the mark, the fee charged)
   * becomes OKX's bill type 5, subType 104 (long) or 105 (short), px the mark it was closed at.
   * Funding entries are the fake's own bookFunding calls: fund() writes their bills.
   */
  private onSimEntry(e: AccountEntry): void {
    if (e.kind !== 'liquidation' || e.symbol === null || e.trade === undefined) return;
    const i = this.insts.get(e.symbol);
    if (i === undefined) return;
    const bal = this.usdtCash();
    const balChg = bal - this.lastUsdt;
    this.bills.push({
      billId: this.billId(), ccy: e.currency, instId: e.symbol, instType: i.instType, type: '5', subType: e.trade.qty < 0 ? '104' : '105', balChg, bal,
      sz: Math.abs(e.trade.qty), px: e.trade.price, pnl: balChg - e.amount, fee: e.amount, ordId: '', clOrdId: '', tradeId: '', ts: e.ts,
      mgnMode: i.inst.perp?.marginMode ?? 'cross',
    });
    this.lastUsdt = bal;
    this.touched.add(e.symbol);
  }

  // ---------- queries ----------

  find(instId: string, ref: { ordId?: string; clOrdId?: string }): OkxOrder | undefined {
    const o = ref.ordId !== undefined && ref.ordId !== '' ? this.orders.get(ref.ordId) : ref.clOrdId !== undefined ? this.byClOrd.get(ref.clOrdId) : undefined;
    return o !== undefined && o.instId === instId ? o : undefined;
  }

  allOrders(): readonly OkxOrder[] {
    return [...this.orders.values()];
  }

  /** Signed position (contracts or base units) and its average price; null when flat or never traded. */
  position(instId: string): { qty: number; avgPrice: number; upl: number; realized: number; fees: number } | null {
    const p = this.sim.snapshot().positions.find((x) => x.symbol === instId);
    if (p === undefined || p.qty === 0) return null;
    return { qty: p.qty, avgPrice: p.avgPrice, upl: p.unrealizedPnl, realized: p.realizedPnl, fees: p.fees };
  }

  /** USDT cash balance (without open swap P&L). */
  usdtCash(): number {
    return this.sim.snapshot().cash.USDT ?? 0;
  }

  /** USDT equity: cash plus swap unrealized P&L, and the initial margin the swaps and working orders hold. */
  usdtEquity(): { eq: number; imr: number; upl: number } {
    let upl = 0;
    let imr = 0;
    for (const p of this.sim.snapshot().positions) {
      const i = this.insts.get(p.symbol);
      if (i === undefined || i.instType !== 'SWAP' || p.qty === 0) continue;
      upl += p.unrealizedPnl;
      imr += (Math.abs(p.qty) * i.ctVal * (this.lastPx.get(p.symbol) ?? p.avgPrice)) / this.leverOf(p.symbol);
    }
    return { eq: this.usdtCash() + upl, imr, upl };
  }

  /** Spot holdings per base currency (OKX shows them as balances, not positions). */
  spotBalances(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.sim.snapshot().positions) {
      const i = this.insts.get(p.symbol);
      if (i === undefined || i.instType !== 'SPOT' || p.qty === 0) continue;
      out.set(i.base, (out.get(i.base) ?? 0) + p.qty);
    }
    return out;
  }

  private spotFree(i: OkxInst): number {
    const held = this.spotBalances().get(i.base) ?? 0;
    let selling = 0;
    for (const o of this.orders.values()) {
      if ((o.state === 'live' || o.state === 'partially_filled') && o.side === 'sell' && o.instType === 'SPOT' && this.insts.get(o.instId)?.base === i.base) selling += o.sz - o.accFillSz;
    }
    return held - selling;
  }

  /** Open swap positions as the sim's ledger values them (mark, liquidation price, leverage, margin mode). */
  swapPositions(): { inst: OkxInst; view: PositionView }[] {
    const out: { inst: OkxInst; view: PositionView }[] = [];
    for (const p of this.sim.snapshot().positions) {
      const i = this.insts.get(p.symbol);
      if (i === undefined || i.instType !== 'SWAP' || p.qty === 0) continue;
      out.push({ inst: i, view: p });
    }
    return out;
  }

  // ---------- sim plumbing ----------

  private command(fn: () => void): ExecutionReport[] {
    const prev = this.captured;
    const reps: ExecutionReport[] = [];
    this.captured = reps;
    try {
      fn();
    } finally {
      this.captured = prev;
    }
    for (const r of reps) if (r.kind === 'fill' || r.kind === 'expired' || r.kind === 'canceled') this.onSimReport(r);
    return reps;
  }

  private newSlice(o: OkxOrder, qty: number, now: number): void {
    const simId = `${o.ordId}s${++this.sliceSeq}`;
    this.slice.set(o.ordId, { simId, base: o.accFillSz, filled: 0 });
    this.sliceOwner.set(simId, o.ordId);
    const tif = o.ordType === 'fok' ? 'fok' : o.ordType === 'ioc' || o.ordType === 'optimal_limit_ioc' || o.ordType === 'market' ? 'ioc' : 'gtc';
    const base = { symbol: o.instId, side: o.side, qty, tif, ...(o.reduceOnly ? { reduceOnly: true } : {}) } as const;
    const req: OrderRequest = o.px === null ? { ...base, type: 'market', tif: 'gtc' } : { ...base, type: 'limit', limitPrice: o.px };
    this.sim.submit({ clientOrderId: simId, request: req, ts: now });
  }

  private onSimReport(rep: ExecutionReport): void {
    const ordId = this.sliceOwner.get(rep.clientOrderId);
    if (ordId === undefined) return;
    const o = this.orders.get(ordId);
    if (o === undefined) return;
    const i = this.insts.get(o.instId)!;
    const lot = i.inst.lotSize;
    if (rep.kind === 'fill') {
      const s = this.slice.get(o.ordId);
      if (s !== undefined) s.filled = fromSteps(toLots(s.filled, lot) + toLots(rep.qty, lot), lot);
      o.accFillSz = fromSteps(toLots(o.accFillSz, lot) + toLots(rep.qty, lot), lot);
      o.fillValue += rep.qty * rep.price;
      o.fee -= rep.fee;
      o.uTime = rep.ts;
      o.fillTime = rep.ts;
      const done = toLots(o.accFillSz, lot) >= toLots(o.sz, lot);
      o.state = done ? 'filled' : 'partially_filled';
      const tradeId = String(900_000_000 + this.fills.length + 1);
      o.lastFill = { px: rep.price, sz: rep.qty, tradeId, ts: rep.ts, fee: -rep.fee, maker: rep.liquidity === 'maker' };
      const bill = this.tradeBill(o, i, rep.qty, rep.price, -rep.fee, tradeId, rep.ts);
      this.fills.push({
        tradeId, billId: bill.billId, ordId: o.ordId, clOrdId: o.clOrdId, tag: o.tag, instId: o.instId, instType: o.instType, side: o.side,
        fillPx: rep.price, fillSz: rep.qty, fee: -rep.fee, maker: rep.liquidity === 'maker', ts: rep.ts,
      });
      if (done) this.release(o);
      else if (s !== undefined && toLots(s.filled, lot) > 0 && (this.unsliced.get(o.ordId) ?? 0) > 0 && this.sliceDone(o, s)) this.pendingSlices.push(o.ordId);
      this.touched.add(o.instId);
      this.opts.emit({ kind: 'order', order: { ...o } });
      o.lastFill = null;
    } else if (rep.kind === 'expired' || rep.kind === 'canceled') {
      // OKX's cancelSource: 3 canceled for liquidation risk, 22 a reduce-only order left nothing to reduce, 13 a FOK not filled whole, 14 the rest of
      // an IOC (market orders too), 0 the system.
      const source = rep.kind === 'canceled' ? (rep.reason === 'liquidation' ? '3' : rep.reason?.startsWith('reduce-only') === true ? '22' : '0')
        : o.ordType === 'fok' ? '13' : o.ordType === 'limit' || o.ordType === 'post_only' ? '0' : '14';
      if (o.state === 'live' || o.state === 'partially_filled') this.finish(o, source);
    }
  }

  private sliceDone(o: OkxOrder, s: { base: number; filled: number }): boolean {
    const lot = this.insts.get(o.instId)!.inst.lotSize;
    const unsliced = this.unsliced.get(o.ordId) ?? 0;
    return toLots(s.base, lot) + toLots(s.filled, lot) + toLots(unsliced, lot) >= toLots(o.sz, lot);
  }

  private readonly pendingSlices: string[] = [];

  private drainSlices(now: number): void {
    while (this.pendingSlices.length > 0) {
      const id = this.pendingSlices.shift()!;
      const o = this.orders.get(id);
      const rest = this.unsliced.get(id) ?? 0;
      this.unsliced.delete(id);
      if (o === undefined || (o.state !== 'live' && o.state !== 'partially_filled') || rest <= 0) continue;
      const reps = this.command(() => this.newSlice(o, rest, now));
      if (reps.some((r) => r.kind === 'rejected')) this.finish(o, '0');
    }
  }

  private tradeBill(o: OkxOrder, i: OkxInst, qty: number, px: number, fee: number, tradeId: string, ts: number): OkxBill {
    const bal = this.usdtCash();
    // The sim has booked the fill already: the position before it is the one now less the fill.
    const lot = i.inst.lotSize;
    const afterLots = toLots(this.position(o.instId)?.qty ?? 0, lot);
    const beforeLots = afterLots - (o.side === 'buy' ? toLots(qty, lot) : -toLots(qty, lot));
    const closing = o.side === 'buy' ? beforeLots < 0 : beforeLots > 0;
    const subType = i.instType === 'SPOT' ? (o.side === 'buy' ? '1' : '2') : o.side === 'buy' ? (closing ? '6' : '3') : closing ? '5' : '4';
    const bill: OkxBill = {
      billId: this.billId(), ccy: i.quote, instId: o.instId, instType: i.instType, type: '2', subType, balChg: bal - this.lastUsdt, bal, sz: qty, px,
      pnl: i.instType === 'SWAP' ? bal - this.lastUsdt - fee : 0, fee, ordId: o.ordId, clOrdId: o.clOrdId, tradeId, ts, mgnMode: o.instType === 'SWAP' ? o.tdMode : 'cash',
    };
    this.lastUsdt = bal;
    this.bills.push(bill);
    return bill;
  }

  private finish(o: OkxOrder, cancelSource: string): void {
    o.state = 'canceled';
    o.cancelSource = cancelSource;
    o.uTime = this.opts.now();
    this.release(o);
    this.opts.emit({ kind: 'order', order: { ...o } });
  }

  private release(o: OkxOrder): void {
    this.dropSlice(o.ordId);
    this.unsliced.delete(o.ordId);
    if (o.clOrdId !== '' && this.pendingByClOrd.get(o.clOrdId) === o) this.pendingByClOrd.delete(o.clOrdId);
  }

  private dropSlice(ordId: string): void {
    const s = this.slice.get(ordId);
    if (s === undefined) return;
    this.slice.delete(ordId);
    this.sliceOwner.delete(s.simId);
  }

  private flushAccount(): void {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    this.opts.emit({ kind: 'account', instIds: ids });
  }

  private billId(): string {
    return String(800_000_000 + this.bills.length + 1);
  }
}

function okxInst(spec: OkxInstrumentSpec, opts: BookOptions): OkxInst {
  const parts = spec.instId.split('-');
  const base = parts[0] ?? '';
  const quote = parts[1] ?? '';
  const swap = parts[2] === 'SWAP';
  if (base === '' || quote === '' || (parts.length !== 2 && !swap)) throw new Error(`OKX fake: instId ${spec.instId} is neither BASE-QUOTE (spot) nor BASE-QUOTE-SWAP`);
  const ctVal = swap ? spec.ctVal ?? 1 : 1;
  const perp: PerpSpec | undefined = swap
    ? { leverage: opts.leverage, marginMode: 'cross', maintenanceMarginRate: MMR, fundingIntervalMs: opts.fundingIntervalMs, fundingRate: opts.fundingRate, liquidationFeeRate: opts.liquidationFeeRate ?? LIQUIDATION_FEE }
    : undefined;
  const inst = makeInstrument(spec.instId, 'okx', {
    assetClass: swap ? 'crypto_perp' : 'crypto_spot', quoteCurrency: quote, tickSize: spec.tickSz, lotSize: spec.lotSz, minQty: spec.minSz,
    multiplier: ctVal, calendar: '24x7', source: 'venue', ...(perp !== undefined ? { perp } : {}),
  });
  return { spec, instType: swap ? 'SWAP' : 'SPOT', base, quote, ctVal, inst };
}
