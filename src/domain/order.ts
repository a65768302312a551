/** Orders as a strategy asks for them, and as the engine tracks them. */
export type Side = 'buy' | 'sell';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';

/** The price fields an order type needs, and no others: a market order cannot carry a limit price. */
export type OrderPricing =
  | { readonly type: 'market' }
  | { readonly type: 'limit'; readonly limitPrice: number }
  | { readonly type: 'stop'; readonly stopPrice: number }
  | { readonly type: 'stop_limit'; readonly stopPrice: number; readonly limitPrice: number };

export type OrderType = OrderPricing['type'];

export type OrderRequest = OrderPricing & {
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  /** Defaults to 'day' for equities and 'gtc' for crypto (what the venues default to). */
  readonly tif?: TimeInForce;
  /** May only reduce an existing position; the venue (or the engine) refuses anything else. */
  readonly reduceOnly?: boolean;
  /** Free text kept with the order and shown in the console (e.g. "entry", "stop"). */
  readonly tag?: string;
};

export interface ReplaceRequest {
  readonly qty?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

export const signedQty = (side: Side, qty: number): number => (side === 'buy' ? qty : -qty);
export const opposite = (side: Side): Side => (side === 'buy' ? 'sell' : 'buy');

export function describeOrder(r: OrderRequest): string {
  const px = r.type === 'market' ? 'MKT'
    : r.type === 'limit' ? `LMT ${r.limitPrice}`
    : r.type === 'stop' ? `STP ${r.stopPrice}`
    : `STP ${r.stopPrice} LMT ${r.limitPrice}`;
  return `${r.side.toUpperCase()} ${r.qty} ${r.symbol} ${px}`;
}

/** The limit price an order carries, if its type has one. */
export const limitPriceOf = (r: OrderPricing): number | undefined =>
  r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : undefined;

/** The stop price an order carries, if its type has one. */
export const stopPriceOf = (r: OrderPricing): number | undefined =>
  r.type === 'stop' || r.type === 'stop_limit' ? r.stopPrice : undefined;
