/**
 * Alpaca's wire shapes (JSON, snake_case, numbers as decimal strings), as zod schemas. The adapter
 * parses every answer and stream frame with them (the SDK is JavaScript underneath: its types are
 * a promise, not a check), and the venue server builds its answers to the same shapes, so a test
 * that passes against the server exercises the very parsing that meets the real API.
 */
import { z } from 'zod';

/** A decimal that Alpaca sends as a string (sometimes a number): parsed to a finite number. */
export const Num = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a finite number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});
const OptNum = Num.nullable().optional();
/** ISO time string, or a Date when the SDK has already converted it. */
export const Time = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const t = v instanceof Date ? v.getTime() : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${String(v)}` });
    return z.NEVER;
  }
  return t;
});
const OptTime = Time.nullable().optional();

export const ORDER_STATUSES = [
  'new', 'partially_filled', 'filled', 'done_for_day', 'canceled', 'expired', 'replaced', 'pending_cancel',
  'pending_replace', 'accepted', 'pending_new', 'accepted_for_bidding', 'stopped', 'rejected', 'suspended',
  'calculated', 'held',
] as const;
export type WireOrderStatus = (typeof ORDER_STATUSES)[number] | 'unknown';
const KNOWN_STATUSES: ReadonlySet<string> = new Set(ORDER_STATUSES);
/**
 * An order status; one this version does not know (Alpaca adds them) is 'unknown' rather than a
 * reason to drop the whole frame: a fill in it must still be booked. Unknown counts as working.
 */
const OrderStatus = z.string().min(1).transform((s): WireOrderStatus => (KNOWN_STATUSES.has(s) ? (s as WireOrderStatus) : 'unknown'));

export const WireOrder = z.object({
  id: z.string().min(1),
  client_order_id: z.string().min(1),
  symbol: z.string().min(1),
  asset_class: z.string().optional(),
  side: z.enum(['buy', 'sell']),
  type: z.string(),
  time_in_force: z.string(),
  qty: OptNum,
  notional: OptNum,
  filled_qty: Num,
  filled_avg_price: OptNum,
  limit_price: OptNum,
  stop_price: OptNum,
  status: OrderStatus,
  created_at: Time,
  updated_at: OptTime,
  submitted_at: OptTime,
  filled_at: OptTime,
  canceled_at: OptTime,
  expired_at: OptTime,
  failed_at: OptTime,
  replaced_at: OptTime,
  replaced_by: z.string().nullable().optional(),
  replaces: z.string().nullable().optional(),
  extended_hours: z.boolean().optional(),
});
export type WireOrderT = z.output<typeof WireOrder>;

export const WireTradeUpdate = z.object({
  event: z.string().min(1),
  timestamp: OptTime,
  order: WireOrder,
  execution_id: z.string().optional(),
  price: OptNum,
  qty: OptNum,
  position_qty: OptNum,
});
export type WireTradeUpdateT = z.output<typeof WireTradeUpdate>;

export const WireAccount = z.object({
  id: z.string().min(1),
  account_number: z.string().optional(),
  status: z.string(),
  currency: z.string().default('USD'),
  cash: Num,
  equity: Num,
  buying_power: OptNum,
  trading_blocked: z.boolean().optional(),
  account_blocked: z.boolean().optional(),
});
export type WireAccountT = z.output<typeof WireAccount>;

/**
 * A position as GET /v2/positions lists it. `symbol` is Alpaca's position spelling: "BTCUSD" for a
 * crypto pair its orders call "BTC/USD" (asset_class "crypto" tells them apart from equities); turn
 * it into parity's with symbols.ts `fromAlpaca(symbol, asset_class)`, never by itself. A short has a
 * negative qty and side "short".
 */
export const WirePosition = z.object({
  asset_id: z.string().optional(),
  symbol: z.string().min(1),
  exchange: z.string().optional(),
  asset_class: z.string().optional(),
  qty: Num,
  qty_available: OptNum,
  avg_entry_price: Num,
  side: z.enum(['long', 'short']).optional(),
  current_price: OptNum,
  market_value: OptNum,
});
export type WirePositionT = z.output<typeof WirePosition>;

export const WireClock = z.object({
  timestamp: Time,
  is_open: z.boolean(),
  next_open: Time,
  next_close: Time,
});
export type WireClockT = z.output<typeof WireClock>;

/** A parity venue replaying a data file also states its data time (the real Alpaca does not). */
export const WireVenueTime = z.object({ parity_venue_time: Time.optional() });

/** One historical bar (market data REST): t is the bar's start, RFC 3339. */
export const WireHistoryBar = z.object({
  t: Time,
  o: Num,
  h: Num,
  l: Num,
  c: Num,
  v: Num,
  n: Num.optional(),
  vw: Num.optional(),
});
export type WireHistoryBarT = z.output<typeof WireHistoryBar>;

/** GET /v2/stocks/bars and /v1beta3/crypto/us/bars: bars by symbol, sorted by symbol then time, paged. */
export const WireBarsPage = z.object({
  bars: z.record(z.string(), z.array(WireHistoryBar).nullable()).nullable(),
  next_page_token: z.string().nullable().optional(),
});
export type WireBarsPageT = z.output<typeof WireBarsPage>;

/** GET /v2/assets/{symbol}: `symbol` in the order spelling ("BTC/USD"), `class` "crypto" or "us_equity". */
export const WireAsset = z.object({
  id: z.string(),
  class: z.string(),
  symbol: z.string(),
  status: z.string(),
  tradable: z.boolean(),
  shortable: z.boolean().optional(),
  fractionable: z.boolean().optional(),
  min_order_size: OptNum,
  min_trade_increment: OptNum,
  price_increment: OptNum,
});
export type WireAssetT = z.output<typeof WireAsset>;

export const WireFillActivity = z.object({
  id: z.string().min(1),
  activity_type: z.literal('FILL'),
  transaction_time: Time,
  type: z.string(),
  price: Num,
  qty: Num,
  side: z.string(),
  symbol: z.string(),
  leaves_qty: OptNum,
  cum_qty: OptNum,
  order_id: z.string().min(1),
  order_status: z.string().optional(),
});
export type WireFillActivityT = z.output<typeof WireFillActivity>;

export const WireError = z.object({ code: z.union([z.number(), z.string()]).optional(), message: z.string() });

/** A bar as the SDK's market data stream hands it over (already mapped from msgpack). */
export const StreamBar = z.object({
  symbol: z.string().min(1),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  timestamp: z.date(),
});
export const StreamQuote = z.object({
  symbol: z.string().min(1),
  bidPrice: z.number(),
  askPrice: z.number(),
  bidSize: z.number(),
  askSize: z.number(),
  timestamp: z.date(),
});

/** Activity ids look like "20240304143001123::<execution id>": the part after "::" names the execution. */
export function executionIdOf(activityId: string): string {
  const i = activityId.indexOf('::');
  return i < 0 ? activityId : activityId.slice(i + 2);
}
