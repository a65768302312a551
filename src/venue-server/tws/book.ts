/**
 * TWS's order model on the venue's matching core. Orders are named by (client id, order id) as
 * TWS names them; each is worked in the VenueCore (the Alpaca fake's order handling on the
 * SimVenue, which does all matching, funds checks and accounting) under an internal id, and a
 * modification (placeOrder with a working id) is a core replace moved back under the same TWS id.
 * Executions get TWS execution ids and IBKR Pro fixed commissions. Synchronous and free of I/O:
 * what the clients hear is decided in server.ts from the events emitted here.
 */
import { randomUUID } from 'node:crypto';
import { fromSteps, toLots } from '../../domain/instrument.ts';
import type { Bar } from '../../domain/market.ts';
import { VenueCore, type CoreEvent } from '../core.ts';
import { freshState } from '../state.ts';
import type { PlaceOrderReq } from './requests.ts';
import type { CommissionView, ExecView, OrderStatusText, OrderView, TwsContract } from './wire.ts';
import { twsTime } from './wire.ts';

export interface CommissionSchedule {
  /** Per share (stocks) or per unit (crypto), in the account currency. Default 0.005. */
  readonly perShare: number;
  /** Per order execution. Default 1.00. */
  readonly min: number;
  /** Cap as a fraction of the trade value. Default 0.01. */
  readonly maxPct: number;
}

export const IBKR_PRO_FIXED: CommissionSchedule = { perShare: 0.005, min: 1, maxPct: 0.01 };

export interface TwsOrder {
  orderId: number;
  clientId: number;
  permId: number;
  contract: TwsContract;
  action: 'BUY' | 'SELL';
  totalQuantity: number;
  orderType: OrderView['orderType'];
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  tif: OrderView['tif'];
  orderRef: string;
  account: string;
  outsideRth: boolean;
  status: OrderStatusText;
  filled: number;
  filledValue: number;
  lastFillPrice: number;
  /** The core's id of the order now working this one (changes on each modification). */
  coreId: string;
  cancelRequested: boolean;
}

export interface TwsExec extends ExecView {
  readonly ts: number;
  readonly commissionReport: CommissionView;
}

export type BookEvent =
  | { readonly kind: 'status'; readonly order: OrderView; readonly reason?: 'api-cancel' | 'venue-cancel' | 'expired' | 'rejected' }
  | { readonly kind: 'exec'; readonly order: OrderView; readonly exec: TwsExec };

export type Refusal = { readonly code: number; readonly message: string };

export interface BookOptions {
  readonly account: string;
  readonly cash: number;
  readonly accountType: 'cash' | 'margin';
  readonly commission: CommissionSchedule;
  readonly now: () => number;
  readonly emit: (ev: BookEvent) => void;
  readonly log: (line: string) => void;
}

const key = (clientId: number, orderId: number): string => `${clientId}:${orderId}`;

export class TwsBook {
  readonly core: VenueCore;
  private readonly orders = new Map<string, TwsOrder>();
  private readonly byCoreId = new Map<string, TwsOrder>();
  readonly execs: TwsExec[] = [];
  private maxOrderId = 0;
  private permSeq = 1_000_000;
  private execSeq = 0;
  private commissionsPaid = 0;
  private readonly execPrefix = randomUUID().replace(/-/g, '').slice(0, 8);
  /** The order whose core submit is running: core events about it can come before the submit returns. */
  private pending: { readonly order: TwsOrder; readonly cid: string } | null = null;
  private cancelReason: 'api-cancel' | 'venue-cancel' | null = null;

  constructor(private readonly opts: BookOptions, private readonly contractOf: (paritySymbol: string) => TwsContract) {
    this.core = new VenueCore({
      state: freshState(opts.account, opts.cash, 'USD', opts.now()),
      accountType: opts.accountType,
      now: opts.now,
      log: opts.log,
      emit: (ev) => this.onCore(ev),
    });
  }

  /** Above every order id ever placed here (by any client). */
  nextValidId(): number {
    return this.maxOrderId + 1;
  }

  order(clientId: number, orderId: number): TwsOrder | undefined {
    return this.orders.get(key(clientId, orderId));
  }

  allOrders(): TwsOrder[] {
    return [...this.orders.values()];
  }

  working(): TwsOrder[] {
    return this.allOrders().filter((o) => o.status === 'Submitted' || o.status === 'PreSubmitted');
  }

  commissions(): number {
    return this.commissionsPaid;
  }

  view(o: TwsOrder): OrderView {
    return {
      orderId: o.orderId, clientId: o.clientId, permId: o.permId, contract: o.contract, action: o.action, totalQuantity: o.totalQuantity,
      orderType: o.orderType, lmtPrice: o.lmtPrice, auxPrice: o.auxPrice, tif: o.tif, orderRef: o.orderRef, account: o.account,
      outsideRth: o.outsideRth, status: o.status, filled: o.filled, avgFillPrice: o.filled > 0 ? o.filledValue / o.filled : 0,
      lastFillPrice: o.lastFillPrice,
    };
  }

  /** A new order, or a modification when the id is working: a Refusal, or accepted (events follow). */
  place(clientId: number, req: PlaceOrderReq, contract: TwsContract): Refusal | { modified: boolean } {
    this.maxOrderId = Math.max(this.maxOrderId, req.orderId);
    const existing = this.orders.get(key(clientId, req.orderId));
    const check = this.validate(req);
    if (check !== null) return check;
    const action = req.action as 'BUY' | 'SELL';
    const qty = req.totalQuantity!;
    if (existing !== undefined) return this.modify(existing, req, contract, action, qty);
    const o: TwsOrder = {
      orderId: req.orderId, clientId, permId: ++this.permSeq, contract, action, totalQuantity: qty,
      orderType: req.orderType as TwsOrder['orderType'], lmtPrice: req.lmtPrice, auxPrice: req.auxPrice, tif: req.tif as TwsOrder['tif'],
      orderRef: req.orderRef, account: this.opts.account, outsideRth: req.outsideRth, status: 'PreSubmitted', filled: 0, filledValue: 0,
      lastFillPrice: 0, coreId: '', cancelRequested: false,
    };
    const type = { MKT: 'market', LMT: 'limit', STP: 'stop', 'STP LMT': 'stop_limit' } as const;
    const tif = { DAY: 'day', GTC: 'gtc', IOC: 'ioc', OPG: 'opg' } as const;
    this.orders.set(key(clientId, o.orderId), o);
    const cid = `tws-${clientId}-${o.orderId}-${o.permId}`;
    this.pending = { order: o, cid };
    const r = (() => {
      try {
        return this.core.submit({
          symbol: contract.paritySymbol, qty, side: action === 'BUY' ? 'buy' : 'sell', type: type[o.orderType], time_in_force: tif[o.tif],
          limit_price: o.lmtPrice, stop_price: o.auxPrice, client_order_id: cid,
        } as Parameters<VenueCore['submit']>[0]);
      } finally {
        this.pending = null;
      }
    })();
    if (!r.ok) {
      this.orders.delete(key(clientId, o.orderId));
      return { code: 201, message: `Order rejected - reason: ${r.message}` };
    }
    if (o.coreId === '') this.bind(o, r.value.id);
    // As at TWS, a stop waits PreSubmitted until its price is touched (onBar), then is Submitted.
    if (o.status === 'PreSubmitted' && o.orderType !== 'STP' && o.orderType !== 'STP LMT') o.status = 'Submitted';
    return { modified: false };
  }

  private bind(o: TwsOrder, coreId: string): void {
    if (o.coreId !== '') this.byCoreId.delete(o.coreId);
    o.coreId = coreId;
    this.byCoreId.set(coreId, o);
  }

  private validate(req: PlaceOrderReq): Refusal | null {
    const rej = (why: string): Refusal => ({ code: 201, message: `Order rejected - reason: ${why}` });
    if (req.action !== 'BUY' && req.action !== 'SELL') return rej(`action "${req.action}" (the parity TWS fake takes BUY or SELL)`);
    if (req.totalQuantity === undefined || !(req.totalQuantity > 0)) return rej('the order quantity must be above 0');
    if (!['DAY', 'GTC', 'IOC', 'OPG'].includes(req.tif)) return rej(`time in force "${req.tif || '(empty)'}" is not simulated (the parity TWS fake takes DAY, GTC, IOC, OPG)`);
    if ((req.orderType === 'LMT' || req.orderType === 'STP LMT') && !(req.lmtPrice !== undefined && req.lmtPrice > 0)) return rej(`a ${req.orderType} order needs a limit price above 0`);
    if ((req.orderType === 'STP' || req.orderType === 'STP LMT') && !(req.auxPrice !== undefined && req.auxPrice > 0)) return rej(`a ${req.orderType} order needs a stop price (auxPrice) above 0`);
    if (req.account !== '' && req.account !== this.opts.account) return rej(`account ${req.account} is not managed here (the account is ${this.opts.account})`);
    if (req.whatIf) return rej('what-if orders are not simulated');
    if (req.parentId !== undefined && req.parentId !== 0) return rej('attached (parent/child) orders are not simulated');
    if (req.transmit === '0') return rej('orders with transmit=false are not simulated');
    return null;
  }

  private modify(o: TwsOrder, req: PlaceOrderReq, contract: TwsContract, action: 'BUY' | 'SELL', qty: number): Refusal | { modified: boolean } {
    if (o.status === 'Filled') return { code: 104, message: `Cannot modify a filled order (order ${o.orderId})` };
    if (o.status === 'Cancelled' || o.status === 'Inactive') return { code: 103, message: `Duplicate order id ${o.orderId} (it named an order now ${o.status}: use nextValidId)` };
    const diffs: string[] = [];
    if (contract.conId !== o.contract.conId) diffs.push(`contract ${contract.symbol} vs ${o.contract.symbol}`);
    if (action !== o.action) diffs.push(`action ${action} vs ${o.action}`);
    if (req.orderType !== o.orderType) diffs.push(`order type ${req.orderType} vs ${o.orderType}`);
    if (req.tif !== o.tif) diffs.push(`time in force ${req.tif} vs ${o.tif}`);
    if (diffs.length > 0) return { code: 105, message: `Order being modified does not match original order: ${diffs.join(', ')}` };
    const inst = this.core.instruments.get(contract.paritySymbol)!;
    const leftLots = toLots(qty, inst.lotSize) - toLots(o.filled, inst.lotSize);
    if (leftLots <= 0) return { code: 105, message: `Order being modified does not match original order: total quantity ${qty} is not above the ${o.filled} already filled` };
    const r = this.core.replace(o.coreId, {
      qty: fromSteps(leftLots, inst.lotSize),
      ...(o.lmtPrice !== req.lmtPrice && req.lmtPrice !== undefined ? { limit_price: req.lmtPrice } : {}),
      ...(o.auxPrice !== req.auxPrice && req.auxPrice !== undefined ? { stop_price: req.auxPrice } : {}),
    } as Parameters<VenueCore['replace']>[1]);
    if (!r.ok) return { code: 201, message: `Order rejected - reason: the modification was refused: ${r.message}` };
    this.bind(o, r.value.id);
    o.totalQuantity = qty;
    o.lmtPrice = req.lmtPrice;
    o.auxPrice = req.auxPrice;
    o.orderRef = req.orderRef;
    o.outsideRth = req.outsideRth;
    return { modified: true };
  }

  /** cancelOrder: null = the cancel went through (202 and Cancelled follow as events). */
  cancel(clientId: number, orderId: number, by: 'api-cancel' | 'venue-cancel' = 'api-cancel'): Refusal | null {
    const o = this.orders.get(key(clientId, orderId));
    if (o === undefined) return { code: 10147, message: `OrderId ${orderId} that needs to be cancelled is not found.` };
    if (o.status !== 'Submitted' && o.status !== 'PreSubmitted') {
      return { code: 10148, message: `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${o.status}.` };
    }
    o.cancelRequested = true;
    this.cancelReason = by;
    try {
      const r = this.core.cancel(o.coreId);
      if (!r.ok) return { code: 10148, message: `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${o.status}. (${r.message})` };
    } finally {
      this.cancelReason = null;
    }
    return null;
  }

  onBar(bar: Bar): void {
    for (const o of this.orders.values()) {
      if (o.status !== 'PreSubmitted' || o.contract.paritySymbol !== bar.symbol || o.auxPrice === undefined) continue;
      if (o.action === 'BUY' ? bar.high >= o.auxPrice : bar.low <= o.auxPrice) {
        o.status = 'Submitted';
        this.opts.emit({ kind: 'status', order: this.view(o) });
      }
    }
    this.core.onBar(bar);
  }

  private onCore(ev: CoreEvent): void {
    const o = this.byCoreId.get(ev.order.id) ?? (this.pending !== null && ev.order.clientOrderId === this.pending.cid ? this.pending.order : undefined);
    if (o === undefined) return;
    if (o.coreId === '' && ev.event !== 'replaced') this.bind(o, ev.order.id);
    if (ev.event === 'fill' || ev.event === 'partial_fill') {
      if (o.coreId !== ev.order.id) return;
      const qty = ev.qty ?? 0;
      const price = ev.price ?? 0;
      const inst = this.core.instruments.get(o.contract.paritySymbol)!;
      o.filled = fromSteps(toLots(o.filled, inst.lotSize) + toLots(qty, inst.lotSize), inst.lotSize);
      o.filledValue += qty * price;
      o.lastFillPrice = price;
      const done = toLots(o.filled, inst.lotSize) >= toLots(o.totalQuantity, inst.lotSize);
      o.status = done ? 'Filled' : 'Submitted';
      const value = qty * price;
      const commission = round2(Math.min(Math.max(qty * this.opts.commission.perShare, this.opts.commission.min), Math.max(this.opts.commission.min, value * this.opts.commission.maxPct)));
      this.commissionsPaid += commission;
      const execId = `${this.execPrefix}.${String(++this.execSeq).padStart(6, '0')}.01.01`;
      const realized = this.realized(o, qty, price);
      const exec: TwsExec = {
        execId, orderId: o.orderId, clientId: o.clientId, permId: o.permId, contract: o.contract, time: twsTime(ev.ts), ts: ev.ts,
        account: o.account, side: o.action === 'BUY' ? 'BOT' : 'SLD', shares: qty, price, cumQty: o.filled,
        avgPrice: o.filledValue / o.filled, orderRef: o.orderRef,
        commissionReport: { execId, commission, currency: 'USD', realizedPnl: realized === undefined ? undefined : round2(realized - commission) },
      };
      this.execs.push(exec);
      this.opts.emit({ kind: 'exec', order: this.view(o), exec });
      return;
    }
    if (ev.event === 'canceled' || ev.event === 'expired') {
      if (o.coreId !== ev.order.id) return;
      o.status = 'Cancelled';
      const reason = ev.event === 'expired' ? 'expired' : o.cancelRequested ? (this.cancelReason ?? 'api-cancel') : 'expired';
      this.opts.emit({ kind: 'status', order: this.view(o), reason });
      return;
    }
    if (ev.event === 'rejected') {
      if (o.coreId !== ev.order.id) return;
      o.status = 'Inactive';
      this.opts.emit({ kind: 'status', order: this.view(o), reason: 'rejected' });
    }
  }

  /** Average-cost book per symbol, to report a closing fill's realized P&L as TWS does. */
  private readonly avg = new Map<string, { qty: number; cost: number }>();
  private realized(o: TwsOrder, qty: number, price: number): number | undefined {
    const s = o.contract.paritySymbol;
    const p = this.avg.get(s) ?? { qty: 0, cost: 0 };
    const signed = o.action === 'BUY' ? qty : -qty;
    let realized: number | undefined;
    if (p.qty === 0 || Math.sign(p.qty) === Math.sign(signed)) {
      p.cost += signed * price;
      p.qty += signed;
    } else {
      const closing = Math.min(Math.abs(signed), Math.abs(p.qty));
      const avgPrice = p.cost / p.qty;
      realized = closing * (price - avgPrice) * Math.sign(p.qty);
      const rest = Math.abs(signed) - closing;
      p.qty += Math.sign(signed) * closing;
      p.cost = p.qty === 0 ? 0 : avgPrice * p.qty;
      if (rest > 0) {
        p.qty = Math.sign(signed) * rest;
        p.cost = p.qty * price;
      }
    }
    this.avg.set(s, p);
    return realized;
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
