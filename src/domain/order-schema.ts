/**
 * Orders as they are written to disk (journal, recordings) and read back: one schema, so the store
 * and the recorder cannot drift apart on what an order looks like.
 */
import { z } from 'zod';

const num = z.number();

/** The domain's OrderRequest: the price fields an order type needs, and no others. */
export const OrderRequestSchema = z.union([
  z.object({ type: z.literal('market') }),
  z.object({ type: z.literal('limit'), limitPrice: num }),
  z.object({ type: z.literal('stop'), stopPrice: num }),
  z.object({ type: z.literal('stop_limit'), stopPrice: num, limitPrice: num }),
]).and(z.object({
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  qty: num,
  tif: z.enum(['day', 'gtc', 'ioc', 'fok']).optional(),
  reduceOnly: z.boolean().optional(),
  tag: z.string().optional(),
}));

/** The fields of an OrderView other than its status (whose set differs: strict in the store). */
export const orderViewFields = {
  clientOrderId: z.string(),
  venueOrderId: z.string().nullable(),
  request: OrderRequestSchema,
  filledQty: num,
  avgFillPrice: num,
  fees: num,
  /** Engine time. */
  createdAt: num,
  updatedAt: num,
  reason: z.string().nullable(),
  flagged: z.string().nullable(),
  external: z.boolean(),
  /** An external order the operator chose to leave alone (absent in older files: false). */
  leftAlone: z.boolean().default(false),
};
