/** The venue's books in Alpaca's wire shapes (snake_case, decimals as strings, times as ISO). */
import { fnv1a32 } from '../util/hash.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { PositionView, AccountView } from '../portfolio/portfolio.ts';
import { toAlpaca, toWireSymbol, wireAssetClass } from '../venues/alpaca/symbols.ts';
import type { MarketClock } from './market-clock.ts';
import type { CoreEvent } from './core.ts';
import type { FillRec, OrderRec } from './state.ts';

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
/** Decimal string without float noise (0.30000000000000004 -> "0.3"). */
export const dec = (n: number): string => String(Number(n.toPrecision(12)));

/** A stable asset id per symbol (Alpaca's are uuids; ours only need to be stable and unique). */
export function assetId(wireSymbol: string): string {
  const hex = fnv1a32(wireSymbol).toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${Buffer.from(wireSymbol).toString('hex').padEnd(12, '0').slice(0, 12)}`;
}

export function orderJson(o: OrderRec): Record<string, unknown> {
  return {
    id: o.id, client_order_id: o.clientOrderId,
    created_at: iso(o.createdAt), updated_at: iso(o.updatedAt), submitted_at: iso(o.createdAt),
    filled_at: iso(o.filledAt), expired_at: iso(o.expiredAt), canceled_at: iso(o.canceledAt), failed_at: iso(o.failedAt),
    replaced_at: iso(o.replacedAt), replaced_by: o.replacedBy, replaces: o.replaces,
    asset_id: assetId(o.symbol), symbol: o.symbol, asset_class: o.symbol.includes('/') ? 'crypto' : 'us_equity',
    notional: null, qty: dec(o.qty), filled_qty: dec(o.filledQty),
    filled_avg_price: o.filledQty > 0 ? dec(o.filledValue / o.filledQty) : null,
    order_class: '', order_type: o.type, type: o.type, side: o.side, position_intent: null, time_in_force: o.tif,
    limit_price: o.limitPrice === null ? null : dec(o.limitPrice), stop_price: o.stopPrice === null ? null : dec(o.stopPrice),
    status: o.status, extended_hours: false, legs: null, trail_percent: null, trail_price: null, hwm: null,
  };
}

export function tradeUpdateJson(ev: CoreEvent): Record<string, unknown> {
  const data: Record<string, unknown> = { event: ev.event, timestamp: new Date(ev.ts).toISOString(), order: orderJson(ev.order) };
  if (ev.executionId !== undefined) data.execution_id = ev.executionId;
  if (ev.price !== undefined) data.price = dec(ev.price);
  if (ev.qty !== undefined) data.qty = dec(ev.qty);
  if (ev.positionQty !== undefined) data.position_qty = dec(ev.positionQty);
  return { stream: 'trade_updates', data };
}

export function accountJson(accountId: string, a: AccountView, createdAt: number, shorting: boolean): Record<string, unknown> {
  const long = a.equity - a.cash;
  return {
    id: accountId, account_number: `PA${accountId.replace(/-/g, '').slice(0, 10).toUpperCase()}`, status: 'ACTIVE',
    crypto_status: 'ACTIVE', currency: a.currency, cash: dec(a.cash), portfolio_value: dec(a.equity), equity: dec(a.equity),
    last_equity: dec(a.equity), buying_power: dec(Math.max(0, a.buyingPower)), regt_buying_power: dec(Math.max(0, a.buyingPower)),
    daytrading_buying_power: '0', non_marginable_buying_power: dec(Math.max(0, a.cash)),
    long_market_value: dec(Math.max(0, long)), short_market_value: dec(Math.min(0, long)),
    initial_margin: dec(a.marginUsed), maintenance_margin: dec(a.marginUsed), multiplier: shorting ? '2' : '1',
    pattern_day_trader: false, trading_blocked: false, transfers_blocked: false, account_blocked: false,
    trade_suspended_by_user: false, shorting_enabled: shorting, daytrade_count: 0, sma: '0',
    created_at: new Date(createdAt).toISOString(),
  };
}

/** The symbol a position is listed and looked up by, as at Alpaca: "BTCUSD" for the pair its orders call "BTC/USD". */
export const positionSymbol = (inst: Instrument): string => toAlpaca(inst.symbol, 'position', inst.assetClass);

/**
 * A position as Alpaca lists it. Crypto: symbol "BTCUSD" (no slash) with asset_class "crypto"; the
 * asset id is the asset's, the one its orders carry (assetId of "BTC/USD").
 */
export function positionJson(p: PositionView, inst: Instrument): Record<string, unknown> {
  const wire = toWireSymbol(p.symbol, inst.assetClass);
  const crypto = wireAssetClass(inst.assetClass) === 'crypto';
  const last = p.lastPrice > 0 ? p.lastPrice : p.avgPrice;
  const value = p.qty * last * inst.multiplier;
  const cost = p.qty * p.avgPrice * inst.multiplier;
  return {
    asset_id: assetId(wire), symbol: positionSymbol(inst), exchange: crypto ? 'CRYPTO' : 'NASDAQ',
    asset_class: wireAssetClass(inst.assetClass), asset_marginable: !crypto, avg_entry_price: dec(p.avgPrice), qty: dec(p.qty), qty_available: dec(p.qty),
    side: p.qty >= 0 ? 'long' : 'short', market_value: dec(value), cost_basis: dec(cost), unrealized_pl: dec(value - cost),
    unrealized_plpc: cost !== 0 ? dec((value - cost) / Math.abs(cost)) : '0', unrealized_intraday_pl: dec(value - cost),
    unrealized_intraday_plpc: cost !== 0 ? dec((value - cost) / Math.abs(cost)) : '0', current_price: dec(last),
    lastday_price: dec(last), change_today: '0',
  };
}

export function assetJson(inst: Instrument, shortable: boolean): Record<string, unknown> {
  const wire = toWireSymbol(inst.symbol, inst.assetClass);
  const crypto = inst.assetClass === 'crypto_spot' || inst.assetClass === 'crypto_perp';
  return {
    id: assetId(wire), class: crypto ? 'crypto' : 'us_equity', exchange: crypto ? 'CRYPTO' : 'NASDAQ', symbol: wire, name: wire,
    status: 'active', tradable: true, marginable: !crypto, shortable: shortable && !crypto, easy_to_borrow: shortable && !crypto,
    fractionable: inst.lotSize < 1, min_order_size: dec(inst.minQty), min_trade_increment: dec(inst.lotSize),
    price_increment: dec(inst.tickSize), attributes: [],
  };
}

export function clockJson(now: number, c: MarketClock): Record<string, unknown> {
  return { timestamp: new Date(now).toISOString(), is_open: c.isOpen, next_open: new Date(c.nextOpen).toISOString(), next_close: new Date(c.nextClose).toISOString() };
}

export function fillActivityJson(f: FillRec): Record<string, unknown> {
  return {
    id: f.activityId, activity_type: 'FILL', transaction_time: new Date(f.ts).toISOString(),
    type: f.leavesQty > 0 ? 'partial_fill' : 'fill', price: dec(f.price), qty: dec(f.qty), side: f.side, symbol: f.symbol,
    leaves_qty: dec(f.leavesQty), order_id: f.orderId, cum_qty: dec(f.cumQty), order_status: f.orderStatus,
  };
}
