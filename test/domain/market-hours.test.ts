/** The clock built on the calendar (usEquityClock, used by `parity venue`) agrees with the gates' session check. */
import { describe, expect, it } from 'vitest';
import { usEquityClock, usEquitySession } from '../../src/domain/market-hours.ts';

const MIN = 60_000;

describe('usEquityClock', () => {
  it('agrees with usEquitySession every half hour of 2024-2027', () => {
    const wrong: string[] = [];
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2028, 0, 1); t += 30 * MIN) {
      const c = usEquityClock(t);
      const ok = c.isOpen === usEquitySession(t).open
        && c.nextOpen > t && c.nextClose > t
        // nextOpen is an open, nextClose a close
        && usEquitySession(c.nextOpen).open && !usEquitySession(c.nextOpen - MIN).open
        && usEquitySession(c.nextClose - MIN).open && !usEquitySession(c.nextClose).open
        // while open, the close comes first; while closed, the open does
        && (c.isOpen ? c.nextClose < c.nextOpen : c.nextOpen < c.nextClose);
      if (!ok) wrong.push(`${new Date(t).toISOString()}: ${JSON.stringify(c)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('the day after Thanksgiving 2024 closes at 13:00 New York', () => {
    expect(usEquityClock(Date.UTC(2024, 10, 29, 18, 30))).toEqual({
      isOpen: false, nextOpen: Date.UTC(2024, 11, 2, 14, 30), nextClose: Date.UTC(2024, 11, 2, 21, 0),
    });
    expect(usEquityClock(Date.UTC(2024, 10, 29, 17, 59))).toEqual({
      isOpen: true, nextOpen: Date.UTC(2024, 11, 2, 14, 30), nextClose: Date.UTC(2024, 10, 29, 18, 0),
    });
  });
});
