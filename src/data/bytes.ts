/**
 * Numbers and timestamps read straight from the bytes of a file (a Buffer chunk), without
 * decoding text: the byte-level twins of `parseDecimal` (numbers.ts) and `scanTimestamp`
 * (timestamps.ts). They give the same double and the same verdict for every input, which a
 * property test checks against the string versions; the bytes of bar data are ASCII, and a
 * non-ASCII byte is never a digit, a sign or a separator in either version.
 */
import * as kinds from './timestamps.ts';
import type { TsKind, TsScan } from './timestamps.ts';

// Copied into locals once: a module binding read per row costs a getter call under the tsx loader.
const { TS_BAD, TS_NAIVE, TS_RANGE, TS_SECONDS, TS_SUBMS, TS_UTC, daysFromCivil } = kinds;

const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
const DAY_MS = 86_400_000;

/**
 * Parse `buf[start, end)` as a finite decimal (spaces and surrounding double quotes allowed), the
 * same double `parseDecimal` gives for the same text: NaN for anything that is not one.
 */
export function parseDecimalBytes(buf: Uint8Array, start: number, end: number): number {
  let s = start;
  let e = end;
  while (s < e && buf[s] === 32) s++;
  while (e > s && buf[e - 1] === 32) e--;
  if (e - s >= 2 && buf[s] === 34 && buf[e - 1] === 34) { s++; e--; }
  if (s >= e) return Number.NaN;

  let i = s;
  let neg = false;
  let c = buf[i]!;
  if (c === 45 || c === 43) { neg = c === 45; i++; }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  for (; i < e; i++) {
    c = buf[i]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      digits++;
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (i === e && digits > 0 && digits <= 15) {
    const v = frac === 0 ? mant : mant / POW10[frac]!;
    return neg ? -v : v;
  }
  return slowDecimalBytes(buf, s, e);
}

/** Exponents and long mantissas: `Number` on the (ASCII) text, after the same refusals as numbers.ts. */
function slowDecimalBytes(buf: Uint8Array, s: number, e: number): number {
  let digits = 0;
  let text = '';
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 43 && c !== 45 && c !== 46 && c !== 101 && c !== 69) return Number.NaN;
    text += String.fromCharCode(c);
  }
  if (digits === 0) return Number.NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Value of `n` digits at buf[i..i+n), or -1 if any is not a digit (or past `e`). */
function digitsAt(buf: Uint8Array, i: number, n: number, e: number): number {
  if (i + n > e) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = buf[i + k]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;

/**
 * `scanTimestamp` over bytes. `days` caches the last date's day number: minute bars repeat the
 * same date 1,440 times, and `daysFromCivil` is the dearest part of an ISO timestamp.
 */
export class ByteTimestamps {
  private lastYmd = -1;
  private lastDays = 0;

  scan(buf: Uint8Array, start: number, end: number, out: TsScan): TsKind {
    let s = start;
    let e = end;
    while (s < e && buf[s] === 32) s++;
    while (e > s && buf[e - 1] === 32) e--;
    if (e - s >= 2 && buf[s] === 34 && buf[e - 1] === 34) { s++; e--; }
    const len = e - s;
    if (len === 0) return TS_BAD;

    // Epoch milliseconds: all digits (the string version reads charCodeAt(s + 4) even past the end: NaN, not a digit).
    const c4 = s + 4 < e ? buf[s + 4]! : -1;
    if (len < 5 || (c4 >= 48 && c4 <= 57)) {
      const v = digitsAt(buf, s, len, e);
      if (v < 0) return TS_BAD;
      if (v >= 1e8 && v < 1e10) { out.ms = v; return TS_SECONDS; }
      if (v >= 1e14) return TS_SUBMS;
      out.ms = v;
      return TS_UTC;
    }

    if (len < 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return TS_BAD;
    const y = digitsAt(buf, s, 4, e);
    const mo = digitsAt(buf, s + 5, 2, e);
    const d = digitsAt(buf, s + 8, 2, e);
    if (y < 0 || mo < 0 || d < 0) return TS_BAD;
    const ymd = y * 10000 + mo * 100 + d;
    let days: number;
    if (ymd === this.lastYmd) days = this.lastDays;
    else {
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return TS_RANGE;
      days = daysFromCivil(y, mo, d);
      this.lastYmd = ymd;
      this.lastDays = days;
    }
    if (len === 10) { out.ms = days * DAY_MS; return TS_NAIVE; }

    let i = s + 10;
    const sep = buf[i];
    if (sep !== 84 && sep !== 32 && sep !== 116) return TS_BAD;
    i++;
    if (e - i < 5 || buf[i + 2] !== 58) return TS_BAD;
    const hh = digitsAt(buf, i, 2, e);
    const mi = digitsAt(buf, i + 3, 2, e);
    if (hh < 0 || mi < 0) return TS_BAD;
    i += 5;
    let ss = 0;
    let ms = 0;
    if (i < e && buf[i] === 58) {
      // The string version reads two chars even when one is past the end (NaN there, so -1).
      ss = digitsAt(buf, i + 1, 2, e);
      if (ss < 0 || i + 3 > e) return TS_BAD;
      i += 3;
      if (i < e && (buf[i] === 46 || buf[i] === 44)) {
        i++;
        let scale = 100;
        const f0 = i;
        for (; i < e; i++) {
          const c = buf[i]! - 48;
          if (c < 0 || c > 9) break;
          ms += c * scale;
          scale = scale > 1 ? scale / 10 : 0;
        }
        if (i === f0) return TS_BAD;
      }
    }
    if (hh > 23 || mi > 59 || ss > 59) return TS_RANGE;
    const wall = days * DAY_MS + hh * 3_600_000 + mi * 60_000 + ss * 1000 + ms;
    if (i === e) { out.ms = wall; return TS_NAIVE; }

    const c = buf[i]!;
    if ((c === 90 || c === 122) && i + 1 === e) { out.ms = wall; return TS_UTC; }
    if (c !== 43 && c !== 45) return TS_BAD;
    const rest = e - i - 1;
    const oh = digitsAt(buf, i + 1, 2, e);
    let om = 0;
    if (rest === 5 && buf[i + 3] === 58) om = digitsAt(buf, i + 4, 2, e);
    else if (rest === 4) om = digitsAt(buf, i + 3, 2, e);
    else if (rest !== 2) return TS_BAD;
    if (oh < 0 || om < 0) return TS_BAD;
    if (oh > 23 || om > 59) return TS_RANGE;
    const off = (oh * 60 + om) * 60_000;
    out.ms = c === 43 ? wall - off : wall + off;
    return TS_UTC;
  }
}

/** A field as the user wrote it, for error messages: the same text `rawField` gives. */
export function rawFieldBytes(buf: Uint8Array, start: number, end: number): string {
  let raw = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8').trim();
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1);
  return raw.length > 40 ? `${raw.slice(0, 37)}...` : raw;
}
