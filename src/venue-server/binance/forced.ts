/**
 * Binance's forced orders: a USD-M liquidation is an order the venue places on our account, not a
 * bare position change. The sim closes the position at the mark and books one liquidation bill
 * (OKX type 5: the P&L and the whole fee); here each such bill becomes what Binance shows:
 * - an order with client id `autoclose-<n>` (Binance: "starts with autoclose-: liquidation order";
 *   "adl_autoclose" is ADL, which the sim does not make), type LIQUIDATION, reduce-only, FILLED at
 *   the liquidation price, in allOrders and by orderId;
 * - its trade in userTrades (a taker, with its commission and realized P&L);
 * - ORDER_TRADE_UPDATE frames: x NEW / X NEW, then x CALCULATED (Binance's "Liquidation
 *   Execution") / X FILLED with the trade's l, L, n, t, rp;
 * - income rows: REALIZED_PNL and COMMISSION carrying the trade id in tradeId, and INSURANCE_CLEAR
 *   (the clearance fee, the rest of the sim's fee: the book charges taker + clearance).
 * Pure bookkeeping over the book's bills; the wire lives in server.ts and streams.ts.
 */
import type { OkxBill } from '../okx/book.ts';
import { s } from './shapes.ts';

/** The clearance fee on the notional a liquidation closes (what exchangeInfo's `liquidationFee` shows). */
export const CLEARANCE_RATE = 0.005;
export const LIQUIDATION_PREFIX = 'autoclose-';

export interface ForcedOrder {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly tradeId: number;
  readonly instId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  /** Paid, positive: the taker commission on the trade and the clearance fee apart. */
  readonly commission: number;
  readonly clearance: number;
  readonly pnl: number;
  readonly ts: number;
  readonly billId: string;
}

const r8 = (x: number): number => Math.round(x * 1e8) / 1e8;

export class ForcedOrders {
  readonly list: ForcedOrder[] = [];
  private readonly byBill = new Map<string, ForcedOrder>();

  constructor(private readonly takerBps: number, private readonly symbolOf: (instId: string) => string) {}

  /** Forced orders for the liquidation bills not yet seen, oldest first (idempotent). */
  take(bills: readonly OkxBill[]): ForcedOrder[] {
    const fresh: ForcedOrder[] = [];
    for (const b of bills) {
      if (b.type !== '5' || b.instType !== 'SWAP' || this.byBill.has(b.billId)) continue;
      const n = this.list.length + 1;
      const fee = -b.fee;
      const commission = Math.min(fee, r8(b.sz * b.px * (this.takerBps / 10_000)));
      const f: ForcedOrder = {
        orderId: 799_000_000_000 + n, clientOrderId: `${LIQUIDATION_PREFIX}${n}`, tradeId: 990_000_000 + n, instId: b.instId,
        symbol: this.symbolOf(b.instId), side: b.subType === '104' ? 'sell' : 'buy', qty: b.sz, price: b.px, commission, clearance: r8(fee - commission),
        pnl: b.pnl, ts: b.ts, billId: b.billId,
      };
      this.list.push(f);
      this.byBill.set(b.billId, f);
      fresh.push(f);
    }
    return fresh;
  }

  ofBill(billId: string): ForcedOrder | undefined {
    return this.byBill.get(billId);
  }

  find(ref: { orderId?: string | null; clientOrderId?: string | null }): ForcedOrder | undefined {
    return this.list.find((f) => (ref.orderId !== undefined && ref.orderId !== null ? String(f.orderId) === ref.orderId : f.clientOrderId === ref.clientOrderId));
  }
}

export function forcedOrderJson(f: ForcedOrder) {
  return {
    orderId: f.orderId, symbol: f.symbol, status: 'FILLED', clientOrderId: f.clientOrderId, price: s(f.price), avgPrice: s(f.price), origQty: s(f.qty),
    executedQty: s(f.qty), cumQty: s(f.qty), cumQuote: s(f.qty * f.price), timeInForce: 'IOC', type: 'LIQUIDATION', reduceOnly: true, closePosition: false,
    side: f.side.toUpperCase(), positionSide: 'BOTH', stopPrice: '0', workingType: 'CONTRACT_PRICE', priceProtect: false, origType: 'LIQUIDATION',
    priceMatch: 'NONE', selfTradePreventionMode: 'NONE', goodTillDate: 0, time: f.ts, updateTime: f.ts,
  };
}

export function forcedTradeJson(f: ForcedOrder) {
  return {
    buyer: f.side === 'buy', commission: s(f.commission), commissionAsset: 'USDT', id: f.tradeId, maker: false, orderId: f.orderId, price: s(f.price), qty: s(f.qty),
    quoteQty: s(f.qty * f.price), realizedPnl: s(f.pnl), side: f.side.toUpperCase(), positionSide: 'BOTH', symbol: f.symbol, time: f.ts,
  };
}

/** The two ORDER_TRADE_UPDATE `o` objects Binance pushes for a forced order: its NEW, then its liquidation execution. */
export function forcedOrderUpdates(f: ForcedOrder): Record<string, unknown>[] {
  const base = {
    s: f.symbol, c: f.clientOrderId, S: f.side.toUpperCase(), o: 'LIQUIDATION', f: 'IOC', q: s(f.qty), p: s(f.price), sp: '0', i: f.orderId, b: '0', a: '0',
    m: false, R: true, wt: 'CONTRACT_PRICE', ot: 'LIQUIDATION', ps: 'BOTH', cp: false, pP: false, si: 0, ss: 0, V: 'NONE', pm: 'NONE', gtd: 0,
  };
  return [
    { ...base, ap: '0', x: 'NEW', X: 'NEW', l: '0', z: '0', L: '0', n: '0', N: 'USDT', T: f.ts, t: 0, rp: '0' },
    { ...base, ap: s(f.price), x: 'CALCULATED', X: 'FILLED', l: s(f.qty), z: s(f.qty), L: s(f.price), n: s(f.commission), N: 'USDT', T: f.ts, t: f.tradeId, rp: s(f.pnl) },
  ];
}
