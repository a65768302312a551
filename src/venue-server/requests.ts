/** Request bodies the venue server accepts, validated with zod before anything else looks at them. */
import { z } from 'zod';

/** Alpaca sends decimals as strings; numbers are tolerated. */
const Dec = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be a positive decimal, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

export const CLIENT_ORDER_ID_MAX = 128;
const ClientOrderId = z.string().min(1).max(CLIENT_ORDER_ID_MAX, `client_order_id is longer than ${CLIENT_ORDER_ID_MAX} characters`);

export const PostOrderBody = z
  .object({
    symbol: z.string().min(1),
    qty: Dec.optional(),
    notional: Dec.optional(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
    time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']),
    limit_price: Dec.optional(),
    stop_price: Dec.optional(),
    trail_price: Dec.optional(),
    trail_percent: Dec.optional(),
    client_order_id: ClientOrderId.optional(),
    extended_hours: z.boolean().optional(),
    order_class: z.string().optional(),
  })
  .superRefine((b, ctx) => {
    const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (b.qty === undefined) bad(b.notional !== undefined ? 'notional orders are not supported by the parity venue: give qty' : 'qty is required');
    if (b.type === 'trailing_stop') bad('trailing_stop orders are not supported by the parity venue');
    if (b.time_in_force === 'opg' || b.time_in_force === 'cls') bad(`time_in_force ${b.time_in_force} is not supported by the parity venue`);
    if (b.order_class !== undefined && b.order_class !== '' && b.order_class !== 'simple') bad(`order_class ${b.order_class} is not supported by the parity venue`);
    const needsLimit = b.type === 'limit' || b.type === 'stop_limit';
    const needsStop = b.type === 'stop' || b.type === 'stop_limit';
    if (needsLimit && b.limit_price === undefined) bad(`limit_price is required for ${b.type} orders`);
    if (!needsLimit && b.limit_price !== undefined) bad(`limit_price is not allowed for ${b.type} orders`);
    if (needsStop && b.stop_price === undefined) bad(`stop_price is required for ${b.type} orders`);
    if (!needsStop && b.stop_price !== undefined) bad(`stop_price is not allowed for ${b.type} orders`);
  });
export type PostOrderBodyT = z.output<typeof PostOrderBody>;

export const PatchOrderBody = z.object({
  qty: Dec.optional(),
  limit_price: Dec.optional(),
  stop_price: Dec.optional(),
  time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']).optional(),
  client_order_id: ClientOrderId.optional(),
  trail: Dec.optional(),
});
export type PatchOrderBodyT = z.output<typeof PatchOrderBody>;

const Count = z.number().int().min(0);
export const FaultsBody = z.strictObject({
  /** Cut every trade_updates connection now (the client sees a dropped socket). */
  dropStream: z.boolean().optional(),
  /** Refuse new trade_updates connections for this long (a gap to fill during). */
  streamDownMs: z.number().min(0).optional(),
  /** Cut every market data connection now. */
  dropData: z.boolean().optional(),
  /** Hold every trade_updates event this long before sending it. */
  delayMs: z.number().min(0).optional(),
  /** Send each of the next N events twice. */
  duplicate: Count.optional(),
  /** Swap the next N events with the one after each. */
  reorder: Count.optional(),
  /** Accept the next N orders, then reject them on the stream. */
  reject: Count.optional(),
  /** Fill each of the next N orders in two parts, on two different bars. */
  partialFill: Count.optional(),
  /**
   * Fail the next requests that match (method and a path regular expression) with this HTTP
   * status. `apply: true` carries the request out first and loses only its answer (the client sees
   * the error, the venue has done it): the ambiguous outcome every adapter must resolve by asking.
   */
  failNext: z.array(z.strictObject({
    method: z.enum(['GET', 'POST', 'PATCH', 'DELETE']),
    path: z.string().min(1),
    status: z.number().int().min(400).max(599).default(500),
    apply: z.boolean().default(false),
    /** The error's message (a venue that echoes what it was sent: the secret-scrubbing tests). */
    message: z.string().optional(),
  })).optional(),
  /** Send the next N fill / partial_fill events without an execution_id (some venues have none). */
  omitExecutionId: Count.optional(),
  /** Never send the next N fill / partial_fill events (the venue's books still change). */
  dropFills: Count.optional(),
  /** Answer the next N replaces with the new order, then reject it on the stream; the old order keeps working. */
  rejectReplacement: Count.optional(),
  /** Answer the next N /v2 requests with 429. */
  http429: Count.optional(),
  /** Retry-After (seconds) sent with those 429s; absent = no header. */
  retryAfterSec: z.number().min(0).nullable().optional(),
});
export type FaultsBodyT = z.output<typeof FaultsBody>;

const TimeIn = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${String(v)}` });
    return z.NEVER;
  }
  return t;
});
export const BarsBody = z.strictObject({
  bars: z.array(z.strictObject({
    S: z.string().min(1), t: TimeIn,
    o: z.number().positive(), h: z.number().positive(), l: z.number().positive(), c: z.number().positive(),
    v: z.number().min(0),
  })).min(1),
});
export type BarsBodyT = z.output<typeof BarsBody>;
