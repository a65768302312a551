/**
 * Decimal parsing straight from a slice of the file's text, without cutting a substring per field.
 *
 * The fast path is exact: a mantissa of at most 15 digits is an exact double, and so is 10^k for
 * k <= 22, so one IEEE division gives the correctly rounded result, the same double `Number(text)`
 * gives (Clinger's fast path). Anything else (exponents, long mantissas) falls back to `Number`.
 */

const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Parse `text[start, end)` as a finite decimal number (leading/trailing spaces and surrounding
 * double quotes allowed). Returns NaN for anything that is not one: empty, "NaN", "1,5", "0x10",
 * "Infinity", "1e400".
 */
export function parseDecimal(text: string, start: number, end: number): number {
  let s = start;
  let e = end;
  while (s < e && text.charCodeAt(s) === 32) s++;
  while (e > s && text.charCodeAt(e - 1) === 32) e--;
  if (e - s >= 2 && text.charCodeAt(s) === 34 && text.charCodeAt(e - 1) === 34) { s++; e--; }
  if (s >= e) return Number.NaN;

  let i = s;
  let neg = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 43) { neg = c === 45; i++; }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  for (; i < e; i++) {
    c = text.charCodeAt(i);
    if (isDigit(c)) {
      mant = mant * 10 + (c - 48);
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
  return slowDecimal(text, s, e);
}

/** Exponents and long mantissas: let `Number` do it, after refusing what `Number` is too lenient on. */
function slowDecimal(text: string, s: number, e: number): number {
  let digits = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) digits++;
    // digits, sign, dot and exponent only: no "Infinity", hex, binary or inner spaces.
    else if (c !== 43 && c !== 45 && c !== 46 && c !== 101 && c !== 69) return Number.NaN;
  }
  if (digits === 0) return Number.NaN;
  const v = Number(text.slice(s, e));
  return Number.isFinite(v) ? v : Number.NaN;
}

/** A field as the user wrote it, for error messages (trimmed, quotes removed, shortened). */
export function rawField(text: string, start: number, end: number): string {
  let raw = text.slice(start, end).trim();
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1);
  return raw.length > 40 ? `${raw.slice(0, 37)}...` : raw;
}
