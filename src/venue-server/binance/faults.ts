/**
 * Fault injection for the Binance fake: the OKX fake's kinds with Binance's codes (a refusal code
 * is Binance's, e.g. -2010; the HTTP failures are 503 -1001 and 429 -1003). The counts live in the
 * OKX book's FaultState, which the matching core reads.
 */
import { z } from 'zod';
import { zodMessage } from '../../util/zod-message.ts';
import type { OkxFaultT } from '../okx/faults.ts';

const Count = z.number().int().min(0);

export const BinanceFault = z.strictObject({
  /** Refuse the next N orders at entry with this Binance code (default -2019 on USD-M / -2010 on spot: insufficient margin / balance). */
  reject: Count.optional(),
  rejectCode: z.string().regex(/^-\d{4}$/).optional(),
  /** Fill each of the next N orders in two parts on two bars. */
  partialFill: Count.optional(),
  /** Close every user-data websocket now (USD-M listen-key streams and spot's WS-API). */
  dropPrivate: z.literal(true).optional(),
  /** Hold the answer of the next N order requests (POST / PUT / DELETE order) this long. */
  delayAcks: z.strictObject({ count: Count, ms: z.number().int().min(0).max(60_000) }).optional(),
  /** Answer the next N REST requests with HTTP 503 (-1001 "Internal error"). */
  serverError: Count.optional(),
  /** Answer the next N REST requests with HTTP 429 (-1003 "Too many requests"). */
  rateLimit: Count.optional(),
});
export type BinanceFaultIn = z.input<typeof BinanceFault>;

/** The OKX fault state's shape: Binance's reject code rides in rejectCode (the book hands it back as the refusal's sCode). */
export function parseBinanceFault(raw: unknown): { ok: true; value: OkxFaultT } | { ok: false; message: string } {
  const r = BinanceFault.safeParse(raw);
  if (!r.success) return { ok: false, message: zodMessage(r.error) };
  const { rejectCode, ...rest } = r.data;
  return { ok: true, value: { ...rest, ...(rejectCode !== undefined ? { rejectCode } : {}) } as OkxFaultT };
}

/** Binance's envelope for the HTTP failures FaultState hands out (it speaks OKX's codes). */
export function binanceHttpFailure(okxCode: string): { code: number; msg: string } {
  return okxCode === '50011' ? { code: -1003, msg: 'Too many requests; current limit is 2400 requests per minute.' } : { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' };
}
