/** The Bybit fake's request bodies (zod): what ccxt sends, every field Bybit requires checked. */
import { z } from 'zod';

/** Bybit sends numbers as strings; ccxt too. */
const Num = z.union([z.string().regex(/^-?\d+(\.\d+)?$/, 'a number'), z.number()]).transform(Number);
const Category = z.enum(['spot', 'linear']);

export const CreateBody = z.object({
  category: Category,
  symbol: z.string().min(1),
  side: z.enum(['Buy', 'Sell']),
  orderType: z.enum(['Market', 'Limit']),
  qty: Num,
  price: Num.optional(),
  timeInForce: z.enum(['GTC', 'IOC', 'FOK', 'PostOnly']).optional(),
  orderLinkId: z.string().optional(),
  reduceOnly: z.boolean().optional(),
  marketUnit: z.enum(['baseCoin', 'quoteCoin']).optional(),
  positionIdx: z.union([z.literal(0), z.literal('0')]).optional(),
});
export type CreateBodyT = z.output<typeof CreateBody>;

export const AmendBody = z.object({
  category: Category,
  symbol: z.string().min(1),
  orderId: z.string().optional(),
  orderLinkId: z.string().optional(),
  qty: Num.optional(),
  price: Num.optional(),
});

export const CancelBody = z.object({
  category: Category,
  symbol: z.string().min(1),
  orderId: z.string().optional(),
  orderLinkId: z.string().optional(),
});

export const SetLeverageBody = z.object({
  category: z.literal('linear'),
  symbol: z.string().min(1),
  buyLeverage: Num,
  sellLeverage: Num,
});

export const SetMarginModeBody = z.object({ setMarginMode: z.enum(['ISOLATED_MARGIN', 'REGULAR_MARGIN', 'PORTFOLIO_MARGIN']) });

/** order/disconnected-cancel-all: timeWindow 3-300 s (Bybit's range), product OPTIONS (default) / DERIVATIVES / SPOT. */
export const DcpBody = z.object({
  timeWindow: z.number().int(),
  product: z.enum(['OPTIONS', 'DERIVATIVES', 'SPOT']).optional(),
});

export const WsMessage = z.object({
  op: z.string(),
  args: z.array(z.unknown()).optional(),
  req_id: z.union([z.string(), z.number()]).optional(),
});
