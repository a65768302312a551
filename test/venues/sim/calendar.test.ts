/**
 * The sim's day orders live by the exchange calendar in src/domain/market-hours.ts, the same one the
 * gates use: holidays are skipped and early closes end the day at 13:00 New York.
 */
import { describe, expect, it } from 'vitest';
import { usEquitySession } from '../../../src/domain/market-hours.ts';
import { dayExpiry } from '../../../src/venues/sim/calendar.ts';
import { harness, lmt } from './helpers.ts';

const HOUR = 3_600_000;

describe('day orders follow the exchange calendar', () => {
  it('a day order on 2024-11-29 (early close) expires at 13:00 New York, not 16:00', () => {
    const h = harness({ latency: { submitMs: 0, ackMs: 7 } });
    const id = h.submit(lmt('buy', 10, 100), Date.UTC(2024, 10, 29, 15, 0)); // 10:00 EST
    const earlyClose = Date.UTC(2024, 10, 29, 18, 0); // 13:00 EST
    h.bar(Date.UTC(2024, 10, 29, 18, 30), 99, 99.5, 98, 99); // 13:30 EST: would fill the limit if the order still worked
    expect(h.of(id)).toEqual([
      { kind: 'accepted', clientOrderId: id, venueOrderId: 'S1', ts: Date.UTC(2024, 10, 29, 15, 0) + 7 },
      { kind: 'expired', clientOrderId: id, ts: earlyClose + 7 },
    ]);
    expect(h.fills(id)).toEqual([]);
  });

  it('dayExpiry skips holidays and ends early-close days at 13:00', () => {
    // Wednesday 2024-11-27 after the close: Thanksgiving is closed, the next session is Friday's short one.
    expect(dayExpiry(Date.UTC(2024, 10, 27, 22, 0), 'us_equity')).toBe(Date.UTC(2024, 10, 29, 18, 0));
    // Christmas Eve 2024, 10:00 EST: 13:00 close.
    expect(dayExpiry(Date.UTC(2024, 11, 24, 15, 0), 'us_equity')).toBe(Date.UTC(2024, 11, 24, 18, 0));
    // On Christmas Day itself: the order is for the 26th.
    expect(dayExpiry(Date.UTC(2024, 11, 25, 15, 0), 'us_equity')).toBe(Date.UTC(2024, 11, 26, 21, 0));
    // 2025-01-09 (National Day of Mourning) is skipped.
    expect(dayExpiry(Date.UTC(2025, 0, 8, 22, 0), 'us_equity')).toBe(Date.UTC(2025, 0, 10, 21, 0));
    // July 3rd 2024 (EDT) closes at 13:00 = 17:00 UTC; Independence Day is skipped after it.
    expect(dayExpiry(Date.UTC(2024, 6, 3, 14, 0), 'us_equity')).toBe(Date.UTC(2024, 6, 3, 17, 0));
    expect(dayExpiry(Date.UTC(2024, 6, 3, 18, 0), 'us_equity')).toBe(Date.UTC(2024, 6, 5, 20, 0));
  });

  it('agrees with the gates\' session everywhere in 2024-2027: a day order dies at the first instant the market is closed', () => {
    // Every half hour over the calendar's years (about 70,000 instants).
    const wrong: string[] = [];
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2028, 0, 1); t += HOUR / 2) {
      const exp = dayExpiry(t, 'us_equity');
      // The expiry is a close (open one minute before, closed at it), and while the market is open
      // an order placed now dies at this session's close.
      const ok = exp > t && usEquitySession(exp - 60_000).open && !usEquitySession(exp).open
        && (!usEquitySession(t).open || exp - t <= 6.5 * HOUR);
      if (!ok) wrong.push(`${new Date(t).toISOString()} -> ${new Date(exp).toISOString()}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
