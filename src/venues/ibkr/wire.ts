/**
 * The SDK's event payloads as the adapter reads them, parsed with zod: whatever the decoder made of
 * TWS's fields (numbers, strings, undefined for unset, Number.MAX_VALUE for an unset double) becomes
 * a plain value or undefined here, and a payload missing what the adapter needs is a protocol problem.
 */
import { z } from 'zod';

/** The SDK's unset double (Number.MAX_VALUE) and unset int (2^31-1) mean "not given". */
const unsetNum = (n: number): boolean => !Number.isFinite(n) || n >= 1e300 || n === 2147483647;
const num = z.preprocess((v) => {
  if (typeof v === 'string') { if (v.trim() === '') return undefined; const n = Number(v); return Number.isFinite(n) ? n : v; }
  if (typeof v === 'number' && unsetNum(v)) return undefined;
  return v ?? undefined;
}, z.number().optional());
const str = z.preprocess((v) => (v === null || v === '' ? undefined : typeof v === 'number' ? String(v) : v), z.string().optional());

export const WireContract = z.looseObject({
  conId: num, symbol: str, secType: str, exchange: str, primaryExch: str, currency: str, localSymbol: str,
});
export type WireContractT = z.output<typeof WireContract>;

export const WireOrder = z.looseObject({
  orderId: num, clientId: num, permId: num, action: str, totalQuantity: num, orderType: str,
  lmtPrice: num, auxPrice: num, tif: str, orderRef: str, account: str, filledQuantity: num,
});
export type WireOrderT = z.output<typeof WireOrder>;

export const WireOrderState = z.looseObject({ status: str, warningText: str, rejectReason: str });

export const WireExecution = z.looseObject({
  orderId: num, clientId: num, execId: z.string().min(1), time: str, acctNumber: str, exchange: str, side: str,
  shares: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number().positive().lt(1e300, 'an unset or absurd quantity')),
  price: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number().positive().lt(1e300, 'an unset or absurd price')),
  permId: num, cumQty: num, avgPrice: num, orderRef: str, lastLiquidity: z.unknown().optional(),
});
export type WireExecutionT = z.output<typeof WireExecution>;

export const WireCommission = z.looseObject({
  execId: z.string().min(1),
  commission: num,
  currency: str,
  realizedPNL: num,
});
export type WireCommissionT = z.output<typeof WireCommission>;

/** orderStatus(orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld, mktCapPrice) */
export const WireOrderStatus = z.object({
  orderId: z.number().int(),
  status: z.string().min(1),
  filled: z.number().nonnegative(),
  remaining: z.number().nonnegative(),
  avgFillPrice: num,
});
export type WireOrderStatusT = z.output<typeof WireOrderStatus>;

/** The first issue of a failed parse, for a problem's message. */
export function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return i === undefined ? 'invalid' : `${i.path.join('.') || '(root)'}: ${i.message}`;
}

const MONTHS_OK = /^(\d{4})(\d{2})(\d{2})[ -]+(\d{2}):(\d{2}):(\d{2})(?:\s+(\S+))?$/;

/**
 * An execution's time as TWS writes it: "20261202  14:30:05" (local to TWS), "20261202 14:30:05 US/Eastern",
 * "20261202-14:30:05" (UTC), or epoch seconds. A time without a zone is read in `defaultTz` (the zone
 * TWS runs in; default UTC). null when it is none of these.
 */
export function parseIbTime(s: string, defaultTz = 'UTC'): number | null {
  const t = s.trim();
  if (/^\d{9,11}$/.test(t)) return Number(t) * 1000;
  const m = MONTHS_OK.exec(t);
  if (m === null) return null;
  const [, y, mo, d, h, mi, se, tzRaw] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  const tz = tzRaw ?? (t.includes('-') && !/ /.test(t.slice(8)) ? 'UTC' : defaultTz);
  if (tz === 'UTC' || tz === 'GMT') return utc;
  const offset = zoneOffsetMs(tz, utc);
  return offset === null ? null : utc - offset;
}

/** The zone's offset from UTC (ms) at about `utcMs`, or null for a zone Intl does not know. */
function zoneOffsetMs(tz: string, utcMs: number): number | null {
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  } catch {
    return null;
  }
  const at = (ms: number): number => {
    const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - ms;
  };
  // Two passes: the offset at the local wall time, not at the UTC instant with the same digits.
  const first = at(utcMs);
  return at(utcMs - first);
}
