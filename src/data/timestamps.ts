/**
 * Timestamps as files write them, read from a slice of the text without allocating.
 *
 * Accepted: ISO-8601 with an offset (`2024-01-02T09:30:00Z`, `...+02:00`, `...+0200`), naive ISO
 * (`2024-01-02 09:30:00`, `2024-01-02`) which needs a time zone to mean anything, and integer epoch
 * milliseconds. Epoch seconds, microseconds and nanoseconds are refused, not guessed: a backtest
 * that silently read seconds as milliseconds runs in January 1970 and still "works".
 */

/** What `scanTimestamp` found. */
export const TS_UTC = 0; // `out.ms` is epoch ms (UTC)
export const TS_NAIVE = 1; // `out.ms` is the wall-clock time written as if it were UTC; needs a zone
export const TS_BAD = 2; // not a timestamp we read
export const TS_SECONDS = 3; // an integer that looks like epoch seconds
export const TS_SUBMS = 4; // an integer that looks like epoch micro- or nanoseconds
export const TS_RANGE = 5; // ISO shape, but a field is out of range (month 13, 25:00, Feb 30)
export type TsKind = typeof TS_UTC | typeof TS_NAIVE | typeof TS_BAD | typeof TS_SECONDS | typeof TS_SUBMS | typeof TS_RANGE;

/** Reused result holder: the CSV parser calls this once per row. */
export interface TsScan {
  ms: number;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;

/** Value of `n` digits at text[i..i+n), or -1 if any is not a digit. */
function digitsAt(text: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Read `text[start, end)` (spaces and double quotes around it allowed) as a timestamp.
 * Epoch-ms rule by digit count: 9-10 significant digits look like seconds (1973-2286), 15 or
 * more like micro/nanoseconds; both are refused. Sub-millisecond ISO fractions are truncated to the ms.
 */
export function scanTimestamp(text: string, start: number, end: number, out: TsScan): TsKind {
  let s = start;
  let e = end;
  while (s < e && text.charCodeAt(s) === 32) s++;
  while (e > s && text.charCodeAt(e - 1) === 32) e--;
  if (e - s >= 2 && text.charCodeAt(s) === 34 && text.charCodeAt(e - 1) === 34) { s++; e--; }
  const len = e - s;
  if (len === 0) return TS_BAD;

  // Epoch milliseconds: all digits.
  const c4 = text.charCodeAt(s + 4);
  if (len < 5 || (c4 >= 48 && c4 <= 57)) {
    const v = digitsAt(text, s, len);
    if (v < 0) return TS_BAD;
    // 9-10 significant digits: seconds; 15 or more: micro/nanoseconds.
    if (v >= 1e8 && v < 1e10) { out.ms = v; return TS_SECONDS; }
    if (v >= 1e14) return TS_SUBMS;
    out.ms = v;
    return TS_UTC;
  }

  // ISO date: YYYY-MM-DD
  if (len < 10 || text.charCodeAt(s + 4) !== 45 || text.charCodeAt(s + 7) !== 45) return TS_BAD;
  const y = digitsAt(text, s, 4);
  const mo = digitsAt(text, s + 5, 2);
  const d = digitsAt(text, s + 8, 2);
  if (y < 0 || mo < 0 || d < 0) return TS_BAD;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return TS_RANGE;
  const days = daysFromCivil(y, mo, d);
  if (len === 10) { out.ms = days * DAY_MS; return TS_NAIVE; }

  // Time: [T ]HH:MM[:SS[.fff...]]
  let i = s + 10;
  const sep = text.charCodeAt(i);
  if (sep !== 84 && sep !== 32 && sep !== 116) return TS_BAD;
  i++;
  if (e - i < 5 || text.charCodeAt(i + 2) !== 58) return TS_BAD;
  const hh = digitsAt(text, i, 2);
  const mi = digitsAt(text, i + 3, 2);
  if (hh < 0 || mi < 0) return TS_BAD;
  i += 5;
  let ss = 0;
  let ms = 0;
  if (i < e && text.charCodeAt(i) === 58) {
    ss = digitsAt(text, i + 1, 2);
    if (ss < 0 || i + 3 > e) return TS_BAD;
    i += 3;
    if (i < e && (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 44)) {
      i++;
      let scale = 100;
      const f0 = i;
      for (; i < e; i++) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        ms += c * scale; // digits past the third add 0: truncation to the millisecond
        scale = scale > 1 ? scale / 10 : 0;
      }
      if (i === f0) return TS_BAD;
    }
  }
  if (hh > 23 || mi > 59 || ss > 59) return TS_RANGE;
  const wall = days * DAY_MS + hh * 3_600_000 + mi * 60_000 + ss * 1000 + ms;
  if (i === e) { out.ms = wall; return TS_NAIVE; }

  // Offset: Z | ±HH:MM | ±HHMM | ±HH
  const c = text.charCodeAt(i);
  if ((c === 90 || c === 122) && i + 1 === e) { out.ms = wall; return TS_UTC; }
  if (c !== 43 && c !== 45) return TS_BAD;
  const rest = e - i - 1;
  const oh = digitsAt(text, i + 1, 2);
  let om = 0;
  if (rest === 5 && text.charCodeAt(i + 3) === 58) om = digitsAt(text, i + 4, 2);
  else if (rest === 4) om = digitsAt(text, i + 3, 2);
  else if (rest !== 2) return TS_BAD;
  if (oh < 0 || om < 0) return TS_BAD;
  if (oh > 23 || om > 59) return TS_RANGE;
  const off = (oh * 60 + om) * 60_000;
  out.ms = c === 43 ? wall - off : wall + off;
  return TS_UTC;
}

/** Canonical text of an epoch-ms instant: ISO with Z, milliseconds only when there are some. */
export function formatTs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
