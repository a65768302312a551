/**
 * The venue server's books as they are kept on disk: every order it ever accepted (so a reused
 * client_order_id is refused after a restart too), every fill (account activities), positions,
 * cash, and the submission counters that prove no order was sent twice. One JSON file, replaced
 * durably (write, fsync, rename, fsync the folder) before an answer leaves the server, so a crash
 * of the venue or of the console loses nothing either side was told.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileDurable } from '../util/durable-file.ts';

export const ALPACA_STATUSES = ['new', 'partially_filled', 'filled', 'canceled', 'expired', 'replaced', 'rejected', 'pending_new'] as const;
export type OrderStatus = (typeof ALPACA_STATUSES)[number];
export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set(['new', 'partially_filled', 'pending_new']);

const OrderRecSchema = z.object({
  id: z.string(),
  clientOrderId: z.string(),
  /** Wire symbol ("AAPL", "BTC/USD"). */
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit']),
  tif: z.enum(['day', 'gtc', 'ioc', 'fok']),
  qty: z.number(),
  filledQty: z.number(),
  /** Sum of qty x price over fills (average price = filledValue / filledQty). */
  filledValue: z.number(),
  limitPrice: z.number().nullable(),
  stopPrice: z.number().nullable(),
  status: z.enum(ALPACA_STATUSES),
  createdAt: z.number(),
  updatedAt: z.number(),
  filledAt: z.number().nullable(),
  canceledAt: z.number().nullable(),
  expiredAt: z.number().nullable(),
  failedAt: z.number().nullable(),
  replacedAt: z.number().nullable(),
  replacedBy: z.string().nullable(),
  replaces: z.string().nullable(),
  /** Why it was rejected or canceled by the venue (not on Alpaca's wire; shown in events). */
  reason: z.string().nullable(),
});
export type OrderRec = z.infer<typeof OrderRecSchema>;

const FillRecSchema = z.object({
  activityId: z.string(),
  executionId: z.string(),
  orderId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  qty: z.number(),
  price: z.number(),
  ts: z.number(),
  cumQty: z.number(),
  leavesQty: z.number(),
  orderStatus: z.string(),
});
export type FillRec = z.infer<typeof FillRecSchema>;

const StateSchema = z.object({
  version: z.literal(1),
  accountId: z.string(),
  createdAt: z.number(),
  currency: z.string(),
  startCash: z.number(),
  cash: z.record(z.string(), z.number()),
  /** Parity symbols ("BTC-USD"), signed quantities. */
  positions: z.array(z.object({ symbol: z.string(), qty: z.number(), avgPrice: z.number() })),
  orders: z.array(OrderRecSchema),
  fills: z.array(FillRecSchema),
  /** POST /v2/orders attempts that reached order handling, per client_order_id. */
  submissions: z.record(z.string(), z.number()),
  /** Of those, refused because the client_order_id was already used. */
  duplicates: z.record(z.string(), z.number()),
  /** Attempts answered 429 before any handling (not counted in submissions). */
  throttled: z.record(z.string(), z.number()),
  /** Calls of DELETE /v2/orders (cancel everything): parity must never make one. */
  cancelAllCalls: z.number(),
  /** Data time of the last replayed bar, so a restarted server continues where it stopped. */
  dataTime: z.number().nullable(),
});
export type VenueStateData = z.infer<typeof StateSchema>;

export function freshState(accountId: string, cash: number, currency: string, now: number): VenueStateData {
  return {
    version: 1, accountId, createdAt: now, currency, startCash: cash, cash: { [currency]: cash }, positions: [],
    orders: [], fills: [], submissions: {}, duplicates: {}, throttled: {}, cancelAllCalls: 0, dataTime: null,
  };
}

export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

/** Read a state file; null when there is none yet. A damaged file stops the venue (never silently reset). */
export function loadState(path: string): VenueStateData | null {
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StateFileError(`venue state ${path} is not valid JSON (${(err as Error).message}); move it away to start fresh`);
  }
  const r = StateSchema.safeParse(raw);
  if (!r.success) throw new StateFileError(`venue state ${path} is damaged: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}

export function saveState(path: string, data: VenueStateData): void {
  writeFileDurable(path, JSON.stringify(data));
}
