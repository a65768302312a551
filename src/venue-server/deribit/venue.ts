/**
 * The Deribit fake's methods: Deribit API v2 as JSON-RPC calls over the shared matching core
 * (OkxBook), one dispatcher for REST (GET /api/v2/<method>?params) and the websocket. The book
 * knows its perpetuals as OKX ids in its own cash label (BTC-USDT-SWAP, USDT); the wire shows them
 * as Deribit's (BTC_USDC-PERPETUAL, USDC): one currency either way, only the names differ.
 * Orders keep what Deribit has and the book does not: the label (free text, not unique), the
 * connection that placed them (cancel-on-disconnect covers those only) and why they were cancelled.
 */
import { z } from 'zod';
import { zodMessage } from '../../util/zod-message.ts';
import type { OkxBill, OkxBook, OkxFill, OkxOrder, OkxOrdType } from '../okx/book.ts';
import type { FaultState } from '../okx/faults.ts';
import type { MarketTape } from '../okx/market.ts';
import { E, fromBook, rpcError, type RpcError } from './errors.ts';
import type { DeribitInstrumentSpec } from './types.ts';

export const CCY = 'USDC';
const FAR_FUTURE = 32503708800000;

/** Who is calling: a websocket connection (its id, logged in or not) or a signed REST request. */
export interface Caller { readonly connId: string | null; readonly authed: boolean }

export type Result = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: RpcError };
const ok = (result: unknown): Result => ({ ok: true, result });
const fail = (error: RpcError): Result => ({ ok: false, error });

export interface OrderMeta { readonly label: string; readonly connId: string | null; readonly bookInst: string; cancelReason: string; replaced: boolean }

export interface LogRow {
  readonly id: number; readonly type: 'trade' | 'settlement'; readonly timestamp: number; readonly change: number; readonly balance: number;
  readonly instrument: string; readonly position: number; readonly price: number; readonly interest: number; readonly commission: number;
  readonly side: string; readonly amount: number; readonly orderId: string; readonly tradeId: string;
}

const Num = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) ctx.addIssue({ code: 'custom', message: 'not a number' });
  return n;
});
const Bool = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');
const Tif = z.enum(['good_til_cancelled', 'good_til_day', 'fill_or_kill', 'immediate_or_cancel']);
const Place = z.looseObject({
  instrument_name: z.string().min(1), amount: Num, type: z.enum(['limit', 'market']).default('limit'), label: z.string().max(64).optional(),
  price: Num.optional(), time_in_force: Tif.optional(), post_only: Bool.optional(), reject_post_only: Bool.optional(), reduce_only: Bool.optional(),
});
const Edit = z.looseObject({ order_id: z.string().min(1), amount: Num.optional(), price: Num.optional(), post_only: Bool.optional(), reduce_only: Bool.optional() });
const ById = z.looseObject({ order_id: z.string().min(1) });
const ByLabel = z.looseObject({ label: z.string(), currency: z.string().optional() });
const ByCurrency = z.looseObject({ currency: z.string().optional(), kind: z.string().optional() });
const ByInstrument = z.looseObject({ instrument_name: z.string().min(1) });
const Trades = z.looseObject({
  currency: z.string().optional(), instrument_name: z.string().optional(), start_timestamp: Num.optional(), end_timestamp: Num.optional(),
  count: Num.optional(), sorting: z.enum(['asc', 'desc', 'default']).optional(),
});
const Chart = z.looseObject({ instrument_name: z.string().min(1), resolution: z.string(), start_timestamp: Num, end_timestamp: Num });
const TxLog = z.looseObject({ currency: z.string(), start_timestamp: Num, end_timestamp: Num, count: Num.optional(), continuation: Num.optional() });
const Scope = z.looseObject({ scope: z.enum(['connection', 'account']).default('connection') });

export interface VenueDeps {
  readonly book: OkxBook;
  readonly tape: MarketTape;
  readonly faults: FaultState;
  readonly instruments: readonly DeribitInstrumentSpec[];
  readonly userId: number;
  readonly username: string;
  readonly fundingRate: number;
  readonly fundingIntervalMs: number;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** The connection-scoped calls the venue hands to the websocket layer (cancel-on-disconnect, logout). */
export interface ConnectionHooks {
  setCancelOnDisconnect(connId: string, on: boolean, scope: 'connection' | 'account'): void;
  cancelOnDisconnect(connId: string): boolean;
  logout(connId: string): void;
}

export class DeribitVenue {
  readonly meta = new Map<string, OrderMeta>();
  readonly logs: LogRow[] = [];
  private logSeq = 0;
  private fillCursor = 0;
  hooks: ConnectionHooks | null = null;
  /** New fills since the last call, for the user.trades channel. */
  onFills: (fills: OkxFill[]) => void = () => undefined;
  /** An order just placed has its label and connection now (the book told of it before they were known). */
  onPlaced: (ordId: string) => void = () => undefined;

  constructor(private readonly d: VenueDeps) {}

  // ---------- names ----------

  bookId(name: string): string | undefined {
    const m = /^([A-Z]+)_USDC-PERPETUAL$/.exec(name);
    const id = m === null ? undefined : `${m[1]}-USDT-SWAP`;
    return id !== undefined && this.d.book.insts.has(id) ? id : undefined;
  }

  nameOf(bookInst: string): string {
    return `${bookInst.split('-')[0]}_USDC-PERPETUAL`;
  }

  private spec(name: string): DeribitInstrumentSpec | undefined {
    return this.d.instruments.find((i) => i.name === name);
  }

  // ---------- shapes ----------

  orderJson(o: OkxOrder): Record<string, unknown> {
    const m = this.meta.get(o.ordId);
    const avg = o.accFillSz > 0 ? o.fillValue / o.accFillSz : 0;
    const state = o.state === 'filled' ? 'filled' : o.state === 'canceled' ? 'cancelled' : 'open';
    return {
      order_id: `USDC-${o.ordId}`, label: m?.label ?? '', instrument_name: this.nameOf(o.instId), direction: o.side, amount: o.sz, filled_amount: o.accFillSz,
      order_type: o.ordType === 'market' ? 'market' : 'limit', order_state: state, price: o.px ?? 'market_price', average_price: round(avg),
      commission: round(-o.fee), time_in_force: o.ordType === 'ioc' ? 'immediate_or_cancel' : o.ordType === 'fok' ? 'fill_or_kill' : 'good_til_cancelled',
      post_only: o.ordType === 'post_only', reject_post_only: o.ordType === 'post_only', reduce_only: o.reduceOnly, creation_timestamp: o.cTime, last_update_timestamp: o.uTime,
      api: true, web: false, is_liquidation: false, max_show: o.sz, replaced: m?.replaced ?? false, mmp: false, risk_reducing: false,
      ...(state === 'cancelled' ? { cancel_reason: m?.cancelReason !== undefined && m.cancelReason !== '' ? m.cancelReason : 'user_request' } : {}),
    };
  }

  tradeJson(f: OkxFill, seq: number): Record<string, unknown> {
    const o = this.d.book.allOrders().find((x) => x.ordId === f.ordId);
    const mark = this.d.book.markPx(f.instId) ?? f.fillPx;
    return {
      trade_id: `USDC-${f.tradeId}`, trade_seq: seq, order_id: `USDC-${f.ordId}`, instrument_name: this.nameOf(f.instId), direction: f.side,
      price: f.fillPx, amount: f.fillSz, fee: round(-f.fee), fee_currency: CCY, liquidity: f.maker ? 'M' : 'T', timestamp: f.ts,
      label: this.meta.get(f.ordId)?.label ?? '', order_type: o?.ordType === 'market' ? 'market' : 'limit', state: o === undefined ? 'filled' : o.state === 'filled' ? 'filled' : 'open',
      mark_price: mark, index_price: mark, tick_direction: 0, api: true, reduce_only: o?.reduceOnly ?? false, post_only: o?.ordType === 'post_only', matching_id: null, profit_loss: 0,
    };
  }

  positionJson(name: string): Record<string, unknown> | null {
    const id = this.bookId(name);
    const p = id === undefined ? undefined : this.d.book.swapPositions().find((x) => x.inst.spec.instId === id);
    if (p === undefined) return null;
    const v = p.view;
    const notional = Math.abs(v.qty) * v.markPrice;
    return {
      instrument_name: name, kind: 'future', direction: v.qty > 0 ? 'buy' : v.qty < 0 ? 'sell' : 'zero', size: v.qty, size_currency: v.qty,
      average_price: v.avgPrice, mark_price: v.markPrice, index_price: v.markPrice, settlement_price: v.markPrice,
      floating_profit_loss: round(v.unrealizedPnl), realized_profit_loss: round(v.realizedPnl), total_profit_loss: round(v.unrealizedPnl + v.realizedPnl),
      realized_funding: round(v.funding), initial_margin: round(notional / (v.leverage ?? 1)), maintenance_margin: round(notional * 0.004),
      leverage: v.leverage ?? 1, estimated_liquidation_price: v.liquidationPrice, delta: v.qty, open_orders_margin: 0, interest_value: 0,
    };
  }

  summaryJson(ccy: string): Record<string, unknown> {
    const usdc = ccy === CCY;
    const eq = usdc ? this.d.book.usdtEquity() : { eq: 0, imr: 0, upl: 0 };
    const cash = usdc ? this.d.book.usdtCash() : 0;
    return {
      currency: ccy, balance: round(cash), equity: round(eq.eq), margin_balance: round(eq.eq), available_funds: round(eq.eq - eq.imr), available_withdrawal_funds: round(Math.max(0, eq.eq - eq.imr)),
      initial_margin: round(eq.imr), maintenance_margin: round(eq.imr * 0.4), session_upl: round(eq.upl), session_rpl: 0, total_pl: round(eq.upl), futures_pl: round(eq.upl),
      delta_total: 0, fee_balance: 0, portfolio_margining_enabled: false, cross_collateral_enabled: false, margin_model: 'segregated_sm', options_pl: 0, options_value: 0,
      projected_initial_margin: round(eq.imr), projected_maintenance_margin: round(eq.imr * 0.4), limits: {}, id: this.d.userId, username: this.d.username, type: 'main',
    };
  }

  logJson(r: LogRow): Record<string, unknown> {
    return {
      id: r.id, user_seq: r.id, user_id: this.d.userId, username: this.d.username, currency: CCY, timestamp: r.timestamp, type: r.type, change: round(r.change),
      cashflow: round(r.change), balance: round(r.balance), equity: round(this.d.book.usdtEquity().eq), instrument_name: r.instrument, position: r.position,
      price: r.price, mark_price: r.price, index_price: r.price, interest_pl: round(r.interest), total_interest_pl: round(r.interest), commission: round(r.commission),
      side: r.side, amount: r.amount, order_id: r.orderId, trade_id: r.tradeId, price_currency: CCY, profit_as_cashflow: false, session_rpl: 0, session_upl: 0, info: {},
    };
  }

  instrumentJson(i: DeribitInstrumentSpec): Record<string, unknown> {
    const base = i.name.split('_')[0]!;
    return {
      instrument_name: i.name, instrument_id: this.d.instruments.indexOf(i) + 1, kind: 'future', instrument_type: 'linear', settlement_period: 'perpetual',
      base_currency: base, counter_currency: CCY, quote_currency: CCY, settlement_currency: CCY, price_index: `${base.toLowerCase()}_usdc`,
      // Deribit lists a contract size, yet amounts of its linear USDC contracts are in the base currency.
      contract_size: i.contractSize, min_trade_amount: i.minTradeAmount, tick_size: i.tickSize, is_active: true, state: 'open', rfq: false,
      maker_commission: 0.0002, taker_commission: 0.0005, max_leverage: 50, max_liquidation_commission: 0.0075, block_trade_commission: 0.00025,
      block_trade_min_trade_amount: 1, block_trade_tick_size: i.tickSize, creation_timestamp: 1_640_995_200_000, expiration_timestamp: FAR_FUTURE,
    };
  }

  tickerJson(name: string): Record<string, unknown> | null {
    const id = this.bookId(name);
    const bars = id === undefined ? [] : this.d.tape.played(id);
    const last = bars[bars.length - 1];
    if (last === undefined) return null;
    const day = bars.filter((b) => b.ts > last.ts - 86_400_000);
    const vol = day.reduce((a, b) => a + b.volume, 0);
    return {
      instrument_name: name, timestamp: last.ts, state: 'open', last_price: last.close, mark_price: last.close, index_price: last.close, settlement_price: last.close,
      best_bid_price: last.close, best_ask_price: last.close, best_bid_amount: 1, best_ask_amount: 1, min_price: last.close * 0.95, max_price: last.close * 1.05,
      open_interest: 0, current_funding: 0, funding_8h: this.d.fundingRate, estimated_delivery_price: last.close, interest_value: 0,
      stats: { high: Math.max(...day.map((b) => b.high)), low: Math.min(...day.map((b) => b.low)), volume: vol, volume_usd: vol * last.close, volume_notional: vol * last.close, price_change: 0 },
    };
  }

  // ---------- book events ----------

  /** New fills become transaction-log rows (and user.trades pushes). */
  syncFills(): void {
    const fills = this.d.book.fills;
    if (this.fillCursor >= fills.length) return;
    const fresh = fills.slice(this.fillCursor);
    this.fillCursor = fills.length;
    for (const f of fresh) {
      const pos = this.d.book.position(f.instId)?.qty ?? 0;
      this.logs.push({
        id: ++this.logSeq, type: 'trade', timestamp: f.ts, change: f.fee, balance: this.d.book.usdtCash(), instrument: this.nameOf(f.instId), position: pos,
        price: f.fillPx, interest: 0, commission: -f.fee, side: f.side === 'buy' ? 'buy' : 'sell', amount: f.fillSz, orderId: `USDC-${f.ordId}`, tradeId: `USDC-${f.tradeId}`,
      });
    }
    this.onFills(fresh);
  }

  /**
   * A funding payment as Deribit books it: a `settlement` row whose change (and interest_pl) is the
   * funding. Deribit accrues funding continuously and settles it into cash at its settlements; the
   * fake pays it once per 8 h at the mark, which is what the cash sees.
   */
  settlementRow(bill: OkxBill): string {
    const row: LogRow = {
      id: ++this.logSeq, type: 'settlement', timestamp: bill.ts, change: bill.balChg, balance: bill.bal, instrument: this.nameOf(bill.instId),
      position: this.d.book.position(bill.instId)?.qty ?? 0, price: bill.px, interest: bill.balChg, commission: 0, side: '-', amount: bill.sz, orderId: '', tradeId: '',
    };
    this.logs.push(row);
    return String(row.id);
  }

  // ---------- orders ----------

  private place(side: 'buy' | 'sell', raw: unknown, caller: Caller): Result {
    const b = Place.safeParse(raw);
    if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
    const p = b.data;
    const inst = this.bookId(p.instrument_name);
    if (inst === undefined) return fail(rpcError(E.invalidParams, `instrument_name ${p.instrument_name} is not served (${this.d.instruments.map((i) => i.name).join(', ')})`));
    const spec = this.spec(p.instrument_name)!;
    if (!(p.amount > 0) || !onGrid(p.amount, spec.minTradeAmount)) return fail(rpcError(E.invalidAmount, `amount must be a positive multiple of ${spec.minTradeAmount}`));
    if (p.type === 'limit' && (p.price === undefined || !(p.price > 0) || !onGrid(p.price, spec.tickSize))) return fail(rpcError(E.invalidPrice, `price must be a positive multiple of ${spec.tickSize}`));
    const ordType: OkxOrdType = p.type === 'market' ? 'market' : p.post_only === true ? 'post_only' : p.time_in_force === 'immediate_or_cancel' ? 'ioc' : p.time_in_force === 'fill_or_kill' ? 'fok' : 'limit';
    const r = this.d.book.place({ instId: inst, side, ordType, sz: p.amount, tdMode: 'cross', ...(p.type === 'limit' && p.price !== undefined ? { px: p.price } : {}), ...(p.reduce_only === true ? { reduceOnly: true } : {}) });
    if (!r.ok) {
      this.d.log(`order refused ${r.sCode}: ${r.sMsg}`);
      return fail(fromBook(r.sCode, r.sMsg));
    }
    this.meta.set(r.value.ordId, { label: p.label ?? '', connId: caller.connId, bookInst: inst, cancelReason: '', replaced: false });
    this.onPlaced(r.value.ordId);
    const o = this.find(r.value.ordId)!;
    return ok({ order: this.orderJson(o), trades: this.fillsOf(o.ordId) });
  }

  /** Book order id from Deribit's ("USDC-700000000001"). */
  private find(ordId: string): OkxOrder | undefined {
    const m = this.meta.get(ordId);
    return m === undefined ? undefined : this.d.book.find(m.bookInst, { ordId });
  }

  private byDeribitId(id: string): OkxOrder | undefined {
    return this.find(id.replace(/^USDC-/, ''));
  }

  private fillsOf(ordId: string): Record<string, unknown>[] {
    return this.d.book.fills.map((f, i) => ({ f, i })).filter(({ f }) => f.ordId === ordId).map(({ f, i }) => this.tradeJson(f, i + 1));
  }

  cancelOrder(o: OkxOrder, reason: string): boolean {
    const m = this.meta.get(o.ordId);
    if (m !== undefined) m.cancelReason = reason;
    const r = this.d.book.cancel(o.instId, { ordId: o.ordId });
    if (!r.ok && m !== undefined) m.cancelReason = '';
    return r.ok;
  }

  /** Cancel-on-disconnect: every working order this connection placed, none other. */
  cancelPlacedBy(connId: string): string[] {
    const out: string[] = [];
    for (const o of this.d.book.allOrders()) {
      if (o.state !== 'live' && o.state !== 'partially_filled') continue;
      if (this.meta.get(o.ordId)?.connId !== connId) continue;
      if (this.cancelOrder(o, 'cancel_on_disconnect')) out.push(`USDC-${o.ordId}`);
    }
    return out;
  }

  private open(): OkxOrder[] {
    return this.d.book.allOrders().filter((o) => (o.state === 'live' || o.state === 'partially_filled') && this.meta.has(o.ordId));
  }

  private myFills(p: z.output<typeof Trades>): Record<string, unknown> {
    const inst = p.instrument_name === undefined ? undefined : this.bookId(p.instrument_name);
    const all = this.d.book.fills.map((f, i) => ({ f, i })).filter(({ f }) => this.meta.has(f.ordId) && (inst === undefined || f.instId === inst)
      && (p.start_timestamp === undefined || f.ts >= p.start_timestamp) && (p.end_timestamp === undefined || f.ts <= p.end_timestamp));
    const count = Math.min(1000, p.count ?? 10);
    // Deribit answers the oldest first from start_timestamp (sorting asc), else the newest first.
    const asc = p.sorting === 'asc' || (p.sorting !== 'desc' && p.start_timestamp !== undefined);
    const sorted = asc ? all : [...all].reverse();
    const page = sorted.slice(0, count);
    return { trades: page.map(({ f, i }) => this.tradeJson(f, i + 1)), has_more: sorted.length > count };
  }

  // ---------- the dispatcher ----------

  /** One JSON-RPC method (without its public/ or private/ prefix checks: the caller did them). */
  call(method: string, params: Readonly<Record<string, unknown>>, caller: Caller): Result {
    const book = this.d.book;
    const [scope] = method.split('/');
    if (scope === 'private' && !caller.authed) return fail(rpcError(E.unauthorized));
    switch (method) {
      case 'public/get_time': return ok(Date.now());
      case 'public/test': return ok({ version: '1.2.26' });
      case 'public/status': return ok({ locked: 'false', locked_indices: [] });
      case 'public/hello': return ok({ version: '1.2.26' });
      case 'public/get_currencies': return ok(['BTC', 'ETH', CCY].map((c) => ({ currency: c, currency_long: c === CCY ? 'USD Coin' : c === 'BTC' ? 'Bitcoin' : 'Ethereum', coin_type: c === CCY ? 'STABLE' : 'BITCOIN', fee_precision: 4, min_confirmations: 1, min_withdrawal_fee: 0.0001, withdrawal_fee: 0.0001, withdrawal_priorities: [], apr: 0 })));
      case 'public/get_instruments': {
        const ccy = typeof params['currency'] === 'string' ? params['currency'] : 'any';
        const kind = typeof params['kind'] === 'string' ? params['kind'] : undefined;
        if (kind !== undefined && kind !== 'future') return ok([]);
        return ok(this.d.instruments.filter((i) => ccy === 'any' || ccy === CCY || i.name.startsWith(`${ccy}_`)).map((i) => this.instrumentJson(i)));
      }
      case 'public/get_instrument': {
        const i = this.spec(String(params['instrument_name'] ?? ''));
        return i === undefined ? fail(rpcError(E.invalidParams, 'instrument_name')) : ok(this.instrumentJson(i));
      }
      case 'public/ticker': {
        const name = String(params['instrument_name'] ?? '');
        if (this.bookId(name) === undefined) return fail(rpcError(E.invalidParams, 'instrument_name'));
        const t = this.tickerJson(name);
        return t === null ? fail(rpcError(10001, 'no market data yet: no bar has been played')) : ok(t);
      }
      case 'public/get_tradingview_chart_data': {
        const b = Chart.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        const inst = this.bookId(b.data.instrument_name);
        if (inst === undefined) return fail(rpcError(E.invalidParams, 'instrument_name'));
        if (b.data.resolution !== '1') return fail(rpcError(E.invalidParams, `resolution: the fake serves 1-minute bars (got ${b.data.resolution})`));
        const bars = this.d.tape.played(inst).filter((x) => x.ts >= b.data.start_timestamp && x.ts <= b.data.end_timestamp).slice(-5000);
        if (bars.length === 0) return ok({ status: 'no_data', ticks: [], open: [], high: [], low: [], close: [], volume: [], cost: [] });
        return ok({ status: 'ok', ticks: bars.map((x) => x.ts), open: bars.map((x) => x.open), high: bars.map((x) => x.high), low: bars.map((x) => x.low), close: bars.map((x) => x.close), volume: bars.map((x) => x.volume), cost: bars.map((x) => x.volume * x.close) });
      }
      case 'public/get_funding_rate_value': return ok(this.d.fundingRate);
      case 'private/buy':
      case 'private/sell':
        return this.place(method === 'private/buy' ? 'buy' : 'sell', params, caller);
      case 'private/edit': {
        const b = Edit.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        const o = this.byDeribitId(b.data.order_id);
        if (o === undefined) return fail(rpcError(E.orderNotFound));
        const spec = this.spec(this.nameOf(o.instId))!;
        if (b.data.amount !== undefined && (!(b.data.amount > 0) || !onGrid(b.data.amount, spec.minTradeAmount))) return fail(rpcError(E.invalidAmount));
        if (b.data.price !== undefined && (!(b.data.price > 0) || !onGrid(b.data.price, spec.tickSize))) return fail(rpcError(E.invalidPrice));
        const r = book.amend(o.instId, { ordId: o.ordId }, b.data.amount === o.sz ? undefined : b.data.amount, b.data.price === (o.px ?? undefined) ? undefined : b.data.price, '');
        // An edit to the same amount and price is accepted as it is (the book wants a change).
        if (!r.ok && r.sCode !== '51500') return fail(fromBook(r.sCode, r.sMsg));
        const m = this.meta.get(o.ordId);
        if (m !== undefined) m.replaced = true;
        const now = this.find(o.ordId)!;
        return ok({ order: this.orderJson(now), trades: [] });
      }
      case 'private/cancel': {
        const b = ById.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        const o = this.byDeribitId(b.data.order_id);
        if (o === undefined) return fail(rpcError(E.orderNotFound));
        if (o.state !== 'live' && o.state !== 'partially_filled') return fail(rpcError(E.alreadyClosed));
        this.cancelOrder(o, 'user_request');
        return ok(this.orderJson(this.find(o.ordId)!));
      }
      case 'private/cancel_all':
      case 'private/cancel_all_by_currency':
      case 'private/cancel_all_by_instrument': {
        const inst = typeof params['instrument_name'] === 'string' ? this.bookId(params['instrument_name']) : undefined;
        let n = 0;
        for (const o of this.open()) if (inst === undefined || o.instId === inst) if (this.cancelOrder(o, 'user_request')) n++;
        return ok(n);
      }
      case 'private/get_order_state': {
        const b = ById.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        const o = this.byDeribitId(b.data.order_id);
        return o === undefined ? fail(rpcError(E.orderNotFound)) : ok(this.orderJson(o));
      }
      case 'private/get_order_state_by_label': {
        const b = ByLabel.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        const rows = book.allOrders().filter((o) => this.meta.get(o.ordId)?.label === b.data.label);
        return ok(rows.map((o) => this.orderJson(o)));
      }
      case 'private/get_open_orders':
      case 'private/get_open_orders_by_currency': {
        const b = ByCurrency.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        if (b.data.currency !== undefined && b.data.currency !== CCY && b.data.currency !== 'any') return ok([]);
        return ok(this.open().map((o) => this.orderJson(o)));
      }
      case 'private/get_open_orders_by_instrument': {
        const b = ByInstrument.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        const inst = this.bookId(b.data.instrument_name);
        return ok(this.open().filter((o) => o.instId === inst).map((o) => this.orderJson(o)));
      }
      case 'private/get_order_history_by_currency':
      case 'private/get_order_history_by_instrument': {
        const inst = typeof params['instrument_name'] === 'string' ? this.bookId(params['instrument_name']) : undefined;
        const count = Number(params['count'] ?? 20);
        const rows = book.allOrders().filter((o) => this.meta.has(o.ordId) && (o.state === 'filled' || o.state === 'canceled') && (inst === undefined || o.instId === inst));
        return ok([...rows].reverse().slice(0, count).map((o) => this.orderJson(o)));
      }
      case 'private/get_user_trades_by_currency':
      case 'private/get_user_trades_by_currency_and_time':
      case 'private/get_user_trades_by_instrument':
      case 'private/get_user_trades_by_instrument_and_time': {
        const b = Trades.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        if (b.data.currency !== undefined && b.data.currency !== CCY && b.data.currency !== 'any') return ok({ trades: [], has_more: false });
        return ok(this.myFills(b.data));
      }
      case 'private/get_user_trades_by_order': {
        const b = ById.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        return ok(this.fillsOf(b.data.order_id.replace(/^USDC-/, '')));
      }
      case 'private/get_positions': {
        const ccy = typeof params['currency'] === 'string' ? params['currency'] : undefined;
        if (ccy !== undefined && ccy !== CCY && ccy !== 'any') return ok([]);
        return ok(this.d.instruments.map((i) => this.positionJson(i.name)).filter((x) => x !== null));
      }
      case 'private/get_position': {
        const name = String(params['instrument_name'] ?? '');
        if (this.bookId(name) === undefined) return fail(rpcError(E.invalidParams, 'instrument_name'));
        return ok(this.positionJson(name) ?? { instrument_name: name, kind: 'future', direction: 'zero', size: 0, average_price: 0, floating_profit_loss: 0, realized_profit_loss: 0 });
      }
      case 'private/get_account_summary': {
        const ccy = String(params['currency'] ?? '');
        if (!['BTC', 'ETH', CCY].includes(ccy)) return fail(rpcError(E.invalidParams, 'currency'));
        return ok(this.summaryJson(ccy));
      }
      case 'private/get_account_summaries':
        return ok({ id: this.d.userId, username: this.d.username, email: `${this.d.username}@example.invalid`, type: 'main', system_name: this.d.username, summaries: [this.summaryJson(CCY), this.summaryJson('BTC'), this.summaryJson('ETH')] });
      case 'private/get_subaccounts':
        return ok([{ id: this.d.userId, username: this.d.username, email: `${this.d.username}@example.invalid`, type: 'main', system_name: this.d.username, is_password: true, login_enabled: true, receive_notifications: false }]);
      case 'private/get_transaction_log': {
        const b = TxLog.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        if (b.data.currency !== CCY) return ok({ logs: [], continuation: null });
        // Newest first; `continuation` is the id to continue below (older rows).
        const count = Math.min(250, b.data.count ?? 10);
        const rows = this.logs.filter((r) => r.timestamp >= b.data.start_timestamp && r.timestamp <= b.data.end_timestamp && (b.data.continuation === undefined || r.id < b.data.continuation)).reverse();
        const page = rows.slice(0, count);
        return ok({ logs: page.map((r) => this.logJson(r)), continuation: rows.length > count ? page[page.length - 1]!.id : null });
      }
      case 'private/enable_cancel_on_disconnect':
      case 'private/disable_cancel_on_disconnect': {
        const b = Scope.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        // Connection scope exists only on a websocket; over REST the account scope is the one that means anything.
        if (caller.connId === null && b.data.scope === 'connection') return fail(rpcError(E.invalidArguments, 'scope connection needs a websocket connection: use scope account over REST'));
        this.hooks?.setCancelOnDisconnect(caller.connId ?? '', method.startsWith('private/enable'), b.data.scope);
        return ok('ok');
      }
      case 'private/get_cancel_on_disconnect': {
        const b = Scope.safeParse(params);
        if (!b.success) return fail(rpcError(E.invalidParams, zodMessage(b.error)));
        return ok({ scope: b.data.scope, enabled: caller.connId !== null && this.hooks?.cancelOnDisconnect(caller.connId) === true });
      }
      case 'private/logout': {
        if (caller.connId !== null) this.hooks?.logout(caller.connId);
        return ok('ok');
      }
      default: return fail(rpcError(E.methodNotFound, `${method} is not served by the parity Deribit fake`));
    }
  }
}

const round = (x: number): number => Math.round(x * 1e10) / 1e10;
const onGrid = (x: number, step: number): boolean => Math.abs(x / step - Math.round(x / step)) < 1e-6;
