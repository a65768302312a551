/**
 * When a day order dies. Computed once per order at submission, never on the per-event path.
 *
 * - '24x7' (crypto): the next UTC midnight after submission.
 * - 'us_equity': the next 16:00 America/New_York close after submission, on a weekday. An order placed
 *   after the close (or on a weekend) is for the next session, as at US brokers. Exchange holidays are
 *   not known here: an order placed after the close on the eve of a holiday expires at the holiday's
 *   16:00 and so never works in the session after it (a broker would queue it for that session).
 *
 * New York daylight saving time comes from domain/market-hours.ts. The switch happens at 02:00 local,
 * so 16:00 is never ambiguous: a date is either wholly EDT (UTC-4) or EST (UTC-5) at its close.
 */
import type { Instrument } from '../../domain/instrument.ts';
import { isNyDst } from '../../domain/market-hours.ts';

const DAY_MS = 86_400_000;

export function dayExpiry(ts: number, calendar: Instrument['calendar']): number {
  if (!Number.isFinite(ts)) throw new RangeError(`day expiry of a non-finite time: ${ts}`);
  if (calendar === '24x7') return Math.floor(ts / DAY_MS) * DAY_MS + DAY_MS;
  // New York is behind UTC, so the NY date of `ts` is its UTC date or the day before.
  let day = Math.floor(ts / DAY_MS) - 1;
  for (;;) {
    const close = nyCloseOf(day);
    if (close !== null && close > ts) return close;
    day++;
  }
}

/** 16:00 New York on the UTC calendar date `dayNumber` (days since 1970-01-01), or null on weekends. */
export function nyCloseOf(dayNumber: number): number | null {
  const d = new Date(dayNumber * DAY_MS);
  const dow = d.getUTCDay();
  if (dow === 0 || dow === 6) return null;
  const offsetHours = isNyDst(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) ? 4 : 5;
  return dayNumber * DAY_MS + (16 + offsetHours) * 3_600_000;
}
