/** The request bodies and queries the fake accepts, parsed with zod (OKX sends numbers as strings). */
import { z } from 'zod';

const Num = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) ctx.addIssue({ code: 'custom', message: 'not a number' });
  return n;
});
const Bool = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');

export const PlaceBody = z.object({
  instId: z.string().min(1),
  tdMode: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  ordType: z.enum(['market', 'limit', 'post_only', 'fok', 'ioc', 'optimal_limit_ioc']),
  sz: Num,
  px: Num.optional(),
  clOrdId: z.string().optional(),
  tag: z.string().optional(),
  reduceOnly: Bool.optional(),
  posSide: z.enum(['net']).optional(),
  tgtCcy: z.enum(['base_ccy']).optional(),
});
export type PlaceBodyT = z.output<typeof PlaceBody>;

export const CancelBody = z.object({ instId: z.string().min(1), ordId: z.string().optional(), clOrdId: z.string().optional() });

export const AmendBody = z.object({
  instId: z.string().min(1), ordId: z.string().optional(), clOrdId: z.string().optional(), newSz: Num.optional(), newPx: Num.optional(),
  reqId: z.string().optional(), cxlOnFail: Bool.optional(),
});

export const CancelAllAfterBody = z.object({ timeOut: Num, tag: z.string().optional() });

export const SetLeverageBody = z.object({ instId: z.string().min(1), lever: Num, mgnMode: z.enum(['cross', 'isolated']), posSide: z.string().optional() });

export const LoginArg = z.object({ apiKey: z.string(), passphrase: z.string(), timestamp: z.string(), sign: z.string() });

export const WsMessage = z.object({
  id: z.string().optional(),
  op: z.string(),
  args: z.array(z.record(z.string(), z.unknown())).default([]),
});
