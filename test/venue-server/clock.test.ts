/** GET /v2/clock of `parity venue` answers from the exchange calendar the gates use (src/domain/market-hours.ts). */
import { describe, expect, it } from 'vitest';
import { KEY, SECRET, venue } from '../venues/alpaca/helpers.ts';

type Venue = Awaited<ReturnType<typeof venue>>;

interface ClockBody { is_open: boolean; next_open: string; next_close: string; parity_venue_time: string }

/** Venue time without --data is the last pushed bar's time: push one at `ts`, then read the clock. */
async function clockAt(s: Venue, ts: number): Promise<ClockBody> {
  const pushed = await fetch(`${s.url}/parity/bars`, { method: 'POST', body: JSON.stringify({ bars: [{ S: 'AAPL', t: ts, o: 100, h: 100, l: 100, c: 100, v: 1 }] }) });
  expect(pushed.status).toBe(200);
  const r = await fetch(`${s.url}/v2/clock`, { headers: { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET } });
  expect(r.status).toBe(200);
  const body = await r.json() as ClockBody;
  expect(body.parity_venue_time).toBe(new Date(ts).toISOString());
  return body;
}

const iso = (ts: number): string => new Date(ts).toISOString();

describe('parity venue /v2/clock', () => {
  it('closed on a holiday (2024-12-25): the next session is the 26th', async () => {
    const s = await venue();
    try {
      expect(await clockAt(s, Date.UTC(2024, 11, 25, 16, 0))).toMatchObject({ // 11:00 EST, Christmas Day
        is_open: false, next_open: iso(Date.UTC(2024, 11, 26, 14, 30)), next_close: iso(Date.UTC(2024, 11, 26, 21, 0)),
      });
    } finally {
      await s.close();
    }
  });

  it('2024-11-29 closes at 13:00 New York: open at 12:59, closed at 13:30, next_close 13:00 that day', async () => {
    const s = await venue();
    try {
      const earlyClose = iso(Date.UTC(2024, 10, 29, 18, 0));
      // The evening before Thanksgiving: the next session is the short Friday one.
      expect(await clockAt(s, Date.UTC(2024, 10, 27, 22, 0))).toMatchObject({
        is_open: false, next_open: iso(Date.UTC(2024, 10, 29, 14, 30)), next_close: earlyClose,
      });
      expect(await clockAt(s, Date.UTC(2024, 10, 29, 15, 0))).toMatchObject({ // 10:00 EST
        is_open: true, next_open: iso(Date.UTC(2024, 11, 2, 14, 30)), next_close: earlyClose,
      });
      expect(await clockAt(s, Date.UTC(2024, 10, 29, 17, 59))).toMatchObject({ is_open: true, next_close: earlyClose });
      expect(await clockAt(s, Date.UTC(2024, 10, 29, 18, 30))).toMatchObject({ // 13:30 EST
        is_open: false, next_open: iso(Date.UTC(2024, 11, 2, 14, 30)), next_close: iso(Date.UTC(2024, 11, 2, 21, 0)),
      });
    } finally {
      await s.close();
    }
  });
});
