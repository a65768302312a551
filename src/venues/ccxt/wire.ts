/**
 * The shapes the adapter reads from ccxt: its unified order, trade, ledger entry and position, and
 * the few fields of the venue's own payload (`info`) it relies on. ccxt's types promise more than a
 * venue delivers (undefined where a number is declared), so every answer is parsed here; a surprise
 * becomes a CcxtProtocolError naming the field, never a NaN in the books.
 */
import { z } from 'zod';

const num = z.number().finite();
const optNum = num.nullish();
const optStr = z.string().nullish();

export const CcxtOrder = z.looseObject({
  id: z.string().min(1),
  clientOrderId: optStr,
  timestamp: optNum,
  lastUpdateTimestamp: optNum,
  lastTradeTimestamp: optNum,
  symbol: z.string().min(1),
  type: optStr,
  side: z.enum(['buy', 'sell']),
  price: optNum,
  triggerPrice: optNum,
  amount: num,
  filled: optNum,
  average: optNum,
  status: z.enum(['open', 'closed', 'canceled', 'expired', 'rejected']).nullish(),
  timeInForce: optStr,
  reduceOnly: z.boolean().nullish(),
  info: z.record(z.string(), z.unknown()),
});
export type CcxtOrderT = z.output<typeof CcxtOrder>;

export const CcxtTrade = z.looseObject({
  id: z.string().min(1),
  order: optStr,
  timestamp: num,
  symbol: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  amount: num,
  price: num,
  takerOrMaker: z.enum(['taker', 'maker']).nullish(),
  fee: z.looseObject({ cost: optNum, currency: optStr }).nullish(),
  info: z.record(z.string(), z.unknown()),
});
export type CcxtTradeT = z.output<typeof CcxtTrade>;

export const CcxtLedgerEntry = z.looseObject({
  id: z.string().min(1),
  timestamp: num,
  currency: z.string().min(1),
  symbol: optStr,
  amount: optNum,
  info: z.record(z.string(), z.unknown()),
});
export type CcxtLedgerEntryT = z.output<typeof CcxtLedgerEntry>;

export const CcxtPosition = z.looseObject({
  symbol: z.string().min(1),
  contracts: optNum,
  side: z.enum(['long', 'short']).nullish(),
  entryPrice: optNum,
  info: z.record(z.string(), z.unknown()),
});
export type CcxtPositionT = z.output<typeof CcxtPosition>;

export const CcxtBalance = z.looseObject({
  total: z.record(z.string(), optNum).prefault({}),
  free: z.record(z.string(), optNum).prefault({}),
  info: z.unknown(),
});

export const CcxtOHLCV = z.tuple([num, num, num, num, num, num]);

/** A venue's decimal in `info` (a string, often "" for absent) as a number; undefined when absent or unreadable. */
export function infoNumber(info: Readonly<Record<string, unknown>>, field: string): number | undefined {
  const v = info[field];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A string field of `info`; undefined when absent or empty. */
export function infoString(info: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const v = info[field];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The value at a dotted path (`data.0.details`: keys and array indices) of a venue's answer; undefined when any step is absent. */
export function atPath(x: unknown, path: string): unknown {
  let at: unknown = x;
  for (const k of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = Array.isArray(at) ? at[Number(k)] : (at as Record<string, unknown>)[k];
  }
  return at;
}
