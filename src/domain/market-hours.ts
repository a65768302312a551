/**
 * US equity market sessions (NYSE / Nasdaq regular hours, 09:30-16:00 New York), with the exchange
 * holidays and early closes for 2024-2027.
 *
 * Source: NYSE "Holidays & Trading Hours" (nyse.com/markets/hours-calendars), as published for
 * 2024-2027, including the 2025-01-09 closure (National Day of Mourning for President Carter).
 * Extend the table each year; outside 2024-2027 only weekends are known and `usEquitySession` says so (holidaysKnown: false).
 * It is the one calendar: the gates and risk (`usEquitySession`), the simulated venue's day orders
 * (`nextUsEquitySession`) and `parity venue`'s GET /v2/clock (`usEquityClock`) all read it.
 *
 * US daylight saving time is computed by rule (no time-zone database, so results never depend on the
 * machine): since 2007 from the second Sunday of March to the first Sunday of November; 1987-2006 from
 * the first Sunday of April to the last Sunday of October.
 */

/** Is daylight saving time in effect in New York at 16:00 local on this date? (month 0-based) */
export function isNyDst(year: number, month: number, date: number): boolean {
  let start: [number, number];
  let end: [number, number];
  if (year >= 2007) {
    start = [2, nthSunday(year, 2, 2)];
    end = [10, nthSunday(year, 10, 1)];
  } else {
    start = [3, nthSunday(year, 3, 1)];
    end = [9, lastSunday(year, 9)];
  }
  const key = month * 100 + date;
  return key >= start[0] * 100 + start[1] && key < end[0] * 100 + end[1];
}

function nthSunday(year: number, month: number, n: number): number {
  const firstDow = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - firstDow) % 7) + 7 * (n - 1);
}

function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getUTCDate() - last.getUTCDay();
}

/** Full-day closures, New York dates. */
export const US_EQUITY_HOLIDAYS: Readonly<Record<string, string>> = {
  '2024-01-01': "New Year's Day", '2024-01-15': 'Martin Luther King Jr. Day', '2024-02-19': "Washington's Birthday",
  '2024-03-29': 'Good Friday', '2024-05-27': 'Memorial Day', '2024-06-19': 'Juneteenth', '2024-07-04': 'Independence Day',
  '2024-09-02': 'Labor Day', '2024-11-28': 'Thanksgiving Day', '2024-12-25': 'Christmas Day',
  '2025-01-01': "New Year's Day", '2025-01-09': 'National Day of Mourning (President Carter)', '2025-01-20': 'Martin Luther King Jr. Day',
  '2025-02-17': "Washington's Birthday", '2025-04-18': 'Good Friday', '2025-05-26': 'Memorial Day', '2025-06-19': 'Juneteenth',
  '2025-07-04': 'Independence Day', '2025-09-01': 'Labor Day', '2025-11-27': 'Thanksgiving Day', '2025-12-25': 'Christmas Day',
  '2026-01-01': "New Year's Day", '2026-01-19': 'Martin Luther King Jr. Day', '2026-02-16': "Washington's Birthday",
  '2026-04-03': 'Good Friday', '2026-05-25': 'Memorial Day', '2026-06-19': 'Juneteenth', '2026-07-03': 'Independence Day (observed)',
  '2026-09-07': 'Labor Day', '2026-11-26': 'Thanksgiving Day', '2026-12-25': 'Christmas Day',
  '2027-01-01': "New Year's Day", '2027-01-18': 'Martin Luther King Jr. Day', '2027-02-15': "Washington's Birthday",
  '2027-03-26': 'Good Friday', '2027-05-31': 'Memorial Day', '2027-06-18': 'Juneteenth (observed)', '2027-07-05': 'Independence Day (observed)',
  '2027-09-06': 'Labor Day', '2027-11-25': 'Thanksgiving Day', '2027-12-24': 'Christmas Day (observed)',
};

/** Early closes at 13:00 New York. */
export const US_EQUITY_EARLY_CLOSES: ReadonlySet<string> = new Set([
  '2024-07-03', '2024-11-29', '2024-12-24',
  '2025-07-03', '2025-11-28', '2025-12-24',
  '2026-11-27', '2026-12-24',
  '2027-11-26',
]);

export const CALENDAR_YEARS = { first: 2024, last: 2027 } as const;

export interface SessionInfo {
  readonly open: boolean;
  /** Why closed (weekend, a holiday's name, before the open, after the close), or 'regular hours'. */
  readonly detail: string;
  /** False when the date is outside the holiday table's years. */
  readonly holidaysKnown: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** 09:30 New York, in minutes after midnight. */
const OPEN_MINUTES = 9 * 60 + 30;

/** The regular close of a trading date, in minutes after New York midnight (16:00, or 13:00 on an early close). */
function closeMinutes(date: string): number {
  return US_EQUITY_EARLY_CLOSES.has(date) ? 13 * 60 : 16 * 60;
}

/** The New York calendar date and minutes after midnight of an instant. */
export function nyLocal(ts: number): { date: string; dow: number; minutes: number } {
  // Try EST first; if the EST date is in DST, use EDT. The switch happens at 02:00, never at the open.
  for (const offset of [5, 4]) {
    const d = new Date(ts - offset * 3_600_000);
    const dst = isNyDst(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    if ((offset === 4) === dst) {
      return { date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, dow: d.getUTCDay(), minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
    }
  }
  const d = new Date(ts - 5 * 3_600_000);
  return { date: d.toISOString().slice(0, 10), dow: d.getUTCDay(), minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
}

/** Is the US equity market in regular hours at `ts` (epoch ms)? */
export function usEquitySession(ts: number): SessionInfo {
  const { date, dow, minutes } = nyLocal(ts);
  const year = Number(date.slice(0, 4));
  const holidaysKnown = year >= CALENDAR_YEARS.first && year <= CALENDAR_YEARS.last;
  if (dow === 0 || dow === 6) return { open: false, detail: `weekend (${date} New York)`, holidaysKnown };
  const holiday = US_EQUITY_HOLIDAYS[date];
  if (holiday !== undefined) return { open: false, detail: `exchange holiday: ${holiday} (${date})`, holidaysKnown };
  const close = closeMinutes(date);
  if (minutes < OPEN_MINUTES) return { open: false, detail: `before the 09:30 open (${date} New York)`, holidaysKnown };
  if (minutes >= close) return { open: false, detail: `after the ${close === 780 ? '13:00 early' : '16:00'} close (${date} New York)`, holidaysKnown };
  return { open: true, detail: `regular hours (${date} New York${close === 780 ? ', early close 13:00' : ''})`, holidaysKnown };
}

export interface SessionHours {
  /** 09:30 New York on that date (epoch ms). */
  readonly open: number;
  /** 16:00 New York, or 13:00 on an early close (epoch ms). */
  readonly close: number;
}

/**
 * The regular session on a New York calendar date, given as days since 1970-01-01 (the UTC date with
 * the same year, month and day), or null when the market is closed all day: a weekend or an
 * exchange holiday (outside the table's years only weekends are known, as in `usEquitySession`).
 */
export function usEquityHoursOn(dayNumber: number): SessionHours | null {
  const d = new Date(dayNumber * DAY_MS);
  const dow = d.getUTCDay();
  if (dow === 0 || dow === 6) return null;
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (US_EQUITY_HOLIDAYS[date] !== undefined) return null;
  // DST switches at 02:00 local, so one offset holds for the whole session.
  const midnight = dayNumber * DAY_MS + (isNyDst(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) ? 4 : 5) * 3_600_000;
  return { open: midnight + OPEN_MINUTES * MINUTE_MS, close: midnight + closeMinutes(date) * MINUTE_MS };
}

/** Far more than the longest closure in the table (a holiday next to a weekend: 4 days). */
const SEARCH_DAYS = 14;

/** The first regular session whose close is after `ts` (the one in progress, or the next one). */
export function nextUsEquitySession(ts: number): SessionHours {
  if (!Number.isFinite(ts)) throw new RangeError(`next session of a non-finite time: ${ts}`);
  // New York is behind UTC, so the New York date of `ts` is its UTC date or the day before.
  const first = Math.floor(ts / DAY_MS) - 1;
  for (let day = first; day < first + SEARCH_DAYS; day++) {
    const h = usEquityHoursOn(day);
    if (h !== null && h.close > ts) return h;
  }
  throw new Error(`no US equity session within ${SEARCH_DAYS} days of ${new Date(ts).toISOString()}`);
}

export interface UsEquityClock {
  readonly isOpen: boolean;
  /** The next 09:30 open after `ts` (tomorrow's while the market is open). */
  readonly nextOpen: number;
  /** The close of the session in progress, or of the next one while closed. */
  readonly nextClose: number;
}

/** Market clock at `ts`, as a broker's clock endpoint reports it (Alpaca's GET /v2/clock). */
export function usEquityClock(ts: number): UsEquityClock {
  const s = nextUsEquitySession(ts);
  if (s.open > ts) return { isOpen: false, nextOpen: s.open, nextClose: s.close };
  // In the session: the next open is the following session's.
  return { isOpen: true, nextOpen: nextUsEquitySession(s.close).open, nextClose: s.close };
}
