/**
 * parity's orders and instruments in IB's words and back: Contract and Order as the SDK sends
 * them, and what TWS says (an openOrder's terms, an orderStatus) as parity's VenueOrderState.
 * Pure functions; the adapter does the talking.
 */
import type { Contract, Order } from '@stoqey/ib';
import { OrderAction, OrderType, SecType, TimeInForce } from '@stoqey/ib';
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderRequest, TimeInForce as Tif } from '../../domain/order.ts';
import type { VenueOrderStatus } from '../../ports/index.ts';
import type { WireContractT, WireOrderT } from './wire.ts';

/** How one symbol is pinned at IB (config `ibkr.contracts`, or what contract details said). */
export interface ContractSpec {
  readonly exchange?: string;
  readonly primaryExchange?: string;
  readonly currency?: string;
  readonly conId?: number;
}

/** Stocks and ETFs (STK) on SMART routing unless the spec or --route pins an exchange. */
export function toContract(inst: Pick<Instrument, 'symbol' | 'assetClass' | 'quoteCurrency'>, route: string, spec: ContractSpec = {}): Contract {
  if (inst.assetClass !== 'equity' && inst.assetClass !== 'etf') {
    throw new Error(`${inst.symbol}: this build trades stocks and ETFs at Interactive Brokers (asset class ${inst.assetClass} is not supported yet)`);
  }
  return {
    symbol: inst.symbol,
    secType: SecType.STK,
    exchange: spec.exchange ?? route,
    currency: spec.currency ?? inst.quoteCurrency,
    ...(spec.primaryExchange !== undefined ? { primaryExch: spec.primaryExchange } : {}),
    ...(spec.conId !== undefined ? { conId: spec.conId } : {}),
  };
}

const TIF_TO_IB: Readonly<Record<Tif, TimeInForce | null>> = { day: TimeInForce.DAY, gtc: TimeInForce.GTC, ioc: TimeInForce.IOC, fok: null };

const dec = (n: number): number => Number(n.toPrecision(12));

/** The Order the SDK sends for a new order (or, with the same id, a modify). */
export function toIbOrder(r: OrderRequest, o: { readonly orderRef: string; readonly account: string }): Order {
  const tif = TIF_TO_IB[r.tif ?? 'day'];
  if (tif === null) throw new Error(`time in force ${r.tif} is not offered for stocks at Interactive Brokers (use day, gtc or ioc)`);
  const base: Order = {
    action: r.side === 'buy' ? OrderAction.BUY : OrderAction.SELL,
    totalQuantity: dec(r.qty),
    orderType: OrderType.MKT,
    tif,
    orderRef: o.orderRef,
    account: o.account,
    transmit: true,
  };
  switch (r.type) {
    case 'market': return base;
    case 'limit': return { ...base, orderType: OrderType.LMT, lmtPrice: dec(r.limitPrice) };
    case 'stop': return { ...base, orderType: OrderType.STP, auxPrice: dec(r.stopPrice) };
    case 'stop_limit': return { ...base, orderType: OrderType.STP_LMT, lmtPrice: dec(r.limitPrice), auxPrice: dec(r.stopPrice) };
  }
}

/** An openOrder's terms as parity's request (null when IB's order type is not one parity places). */
export function requestFromIb(c: WireContractT, o: WireOrderT): OrderRequest | null {
  const symbol = c.symbol ?? c.localSymbol;
  if (symbol === undefined || o.totalQuantity === undefined) return null;
  const side = o.action === 'BUY' ? 'buy' : o.action === 'SELL' || o.action === 'SSHORT' ? 'sell' : null;
  if (side === null) return null;
  const tif = o.tif === 'GTC' ? 'gtc' : o.tif === 'IOC' ? 'ioc' : 'day';
  const base = { symbol, side, qty: o.totalQuantity, tif } as const;
  switch (o.orderType) {
    case 'MKT': return { ...base, type: 'market' };
    case 'LMT': return o.lmtPrice === undefined ? null : { ...base, type: 'limit', limitPrice: o.lmtPrice };
    case 'STP': return o.auxPrice === undefined ? null : { ...base, type: 'stop', stopPrice: o.auxPrice };
    case 'STP LMT': return o.lmtPrice === undefined || o.auxPrice === undefined ? null : { ...base, type: 'stop_limit', limitPrice: o.lmtPrice, stopPrice: o.auxPrice };
    default: return null;
  }
}

/** TWS's order status in parity's words. */
export function statusFromIb(status: string, filled: number): VenueOrderStatus {
  switch (status) {
    case 'Filled': return 'filled';
    case 'Cancelled': case 'ApiCancelled': return 'canceled';
    case 'Inactive': return 'rejected';
    case 'PendingSubmit': case 'ApiPending': return 'pending';
    case 'PreSubmitted': case 'Submitted': case 'PendingCancel':
    default:
      return filled > 0 ? 'partially_filled' : 'accepted';
  }
}

/** Final states: the order no longer works at TWS. */
export const isFinalIbStatus = (status: string): boolean => status === 'Filled' || status === 'Cancelled' || status === 'ApiCancelled' || status === 'Inactive';
