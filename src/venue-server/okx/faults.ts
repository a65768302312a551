/**
 * Fault injection for the OKX fake, the same kinds as the Alpaca fake's plus what OKX clients must
 * survive: one body shape for `admin.inject()` and POST /admin/faults. Counts add up.
 */
import { z } from 'zod';
import { zodMessage } from '../../util/zod-message.ts';

const Count = z.number().int().min(0);

export const OkxFault = z.strictObject({
  /** Refuse the next N orders at entry with this sCode (default 51008, insufficient margin). */
  reject: Count.optional(),
  rejectCode: z.string().regex(/^\d{5,6}$/).optional(),
  /** Fill each of the next N orders in two parts on two bars (the order is partially_filled between). */
  partialFill: Count.optional(),
  /** Close every private websocket now (ccxt's pending watch* reject with NetworkError). */
  dropPrivate: z.literal(true).optional(),
  /** Hold the answer of the next N trade requests (order, batch, cancel, amend) this long. */
  delayAcks: z.strictObject({ count: Count, ms: z.number().int().min(0).max(60_000) }).optional(),
  /** Answer the next N REST requests with HTTP 503 (OKX's 50013 "System is busy"). */
  serverError: Count.optional(),
  /** Answer the next N REST requests with HTTP 429 and code 50011 "Too Many Requests". */
  rateLimit: Count.optional(),
  /** Never answer the next N REST requests to this path under /api/v5 (market/index-candles): a stalled endpoint. */
  stall: z.strictObject({ path: z.string().min(1), count: Count }).optional(),
});
export type OkxFaultIn = z.input<typeof OkxFault>;
export type OkxFaultT = z.output<typeof OkxFault>;

export function parseOkxFault(raw: unknown): { ok: true; value: OkxFaultT } | { ok: false; message: string } {
  const r = OkxFault.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: zodMessage(r.error) };
}

/** The faults still to come. */
export class FaultState {
  reject = 0;
  rejectCode = '51008';
  partialFill = 0;
  delayAcks = { count: 0, ms: 0 };
  serverError = 0;
  rateLimit = 0;
  readonly stalls = new Map<string, number>();

  add(f: OkxFaultT): void {
    this.reject += f.reject ?? 0;
    if (f.rejectCode !== undefined) this.rejectCode = f.rejectCode;
    this.partialFill += f.partialFill ?? 0;
    if (f.delayAcks !== undefined) this.delayAcks = { count: this.delayAcks.count + f.delayAcks.count, ms: f.delayAcks.ms };
    this.serverError += f.serverError ?? 0;
    this.rateLimit += f.rateLimit ?? 0;
    if (f.stall !== undefined) this.stalls.set(f.stall.path, (this.stalls.get(f.stall.path) ?? 0) + f.stall.count);
  }

  /** True when this request to `path` is one to leave unanswered (taken once). */
  takeStall(path: string): boolean {
    const n = this.stalls.get(path) ?? 0;
    if (n <= 0) return false;
    this.stalls.set(path, n - 1);
    return true;
  }

  /** An HTTP failure due for this request, if any (taken once). */
  takeHttpFailure(): { status: number; code: string; msg: string } | null {
    if (this.serverError > 0) {
      this.serverError--;
      return { status: 503, code: '50013', msg: 'Systems are busy. Please try again later.' };
    }
    if (this.rateLimit > 0) {
      this.rateLimit--;
      return { status: 429, code: '50011', msg: 'Too Many Requests' };
    }
    return null;
  }

  takeAckDelay(): number {
    if (this.delayAcks.count <= 0) return 0;
    this.delayAcks.count--;
    return this.delayAcks.ms;
  }
}
