/**
 * When a day order dies. Computed once per order at submission, never on the per-event path.
 *
 * - '24x7' (crypto): the next UTC midnight after submission.
 * - 'us_equity': the close of the next regular session after submission, from the exchange calendar
 *   in domain/market-hours.ts (the one the gates use): 16:00 New York, 13:00 on early closes, no
 *   session on weekends and exchange holidays. An order placed after the close (or on a day without
 *   a session) is for the next session, as at US brokers.
 */
import type { Instrument } from '../../domain/instrument.ts';
import { nextUsEquitySession } from '../../domain/market-hours.ts';

const DAY_MS = 86_400_000;

export function dayExpiry(ts: number, calendar: Instrument['calendar']): number {
  if (!Number.isFinite(ts)) throw new RangeError(`day expiry of a non-finite time: ${ts}`);
  if (calendar === '24x7') return Math.floor(ts / DAY_MS) * DAY_MS + DAY_MS;
  return nextUsEquitySession(ts).close;
}
