/**
 * The CSV bar reader over bytes, in chunks: what `loadBars` and the streaming backtest use. It
 * reads the same files as `parseCsvBars` (csv.ts, the string reader kept as the reference) and
 * gives the same values and the same errors by line, which a property test checks; it never holds
 * more of the file than a chunk, and decodes text only for the header, a symbol it has not seen
 * on the row before, and the words of an error.
 */
import { NO_FRAC as NO_FRAC_, type BarCollector, type LoadOptions } from './collect.ts';
import { DataError } from './errors.ts';
import * as bytes from './bytes.ts';
import * as roles from './csv.ts';
import { NAME_OF, csvHeader } from './csv.ts';
import { LineReader } from './lines.ts';
import { symbolFromFileName } from './symbol-name.ts';
import * as kinds from './timestamps.ts';
import type { TsKind, TsScan } from './timestamps.ts';
import { timestampProblem } from './timestamp-problem.ts';

// Imported constants copied into locals once: a module binding read in the row loop costs a
// getter call per use under the tsx loader (a third of the parse time when measured).
const { IGNORE, TS, OPEN, HIGH, LOW, CLOSE, VOLUME, SYMBOL } = roles;
const { TS_NAIVE, TS_UTC, daysFromCivil } = kinds;
const { ByteTimestamps, parseDecimalBytes, rawFieldBytes } = bytes;
const NO_FRAC = NO_FRAC_;

export class CsvByteReader {
  readonly source: string;
  readonly hasSymbol: boolean;
  private readonly lines: LineReader;
  private readonly rows: BarCollector;
  private readonly ncols: number;
  private readonly roles: Uint8Array;
  private readonly stamps = new ByteTimestamps();
  private readonly scan: TsScan = { ms: 0 };
  private symbol: string;
  /** The bytes of `symbol`, to see a repeated symbol without decoding it. */
  private symBytes = new Uint8Array(64);
  private symLen = -1;
  /** A symbol of 4 bytes or more as two (overlapping) little-endian words: its first and last four bytes. */
  private symW0 = 0;
  private symW1 = 0;
  private done = false;
  /** Rows the in-place path read, and lines it left to the general one (it gives up on a file of the other kind). */
  private fast = true;
  private hits = 0;
  private misses = 0;
  /** The last date the fast ISO path saw, and its day number. */
  isoYmd = -1;
  isoDays = 0;
  /** The first 14 bytes ("YYYY-MM-DDTHH:") of the last canonical timestamp, as words, and its hour's instant. */
  private isoW0 = 0;
  private isoW1 = 0;
  private isoW2 = 0;
  private isoW3 = -1;
  private isoHour = 0;
  private dv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** Reads the header (errors about it are thrown here); rows come with `pump`. */
  constructor(lines: LineReader, source: string, opts: LoadOptions, rows: BarCollector) {
    this.source = source;
    this.lines = lines;
    this.rows = rows;
    let header = '';
    while (lines.next()) {
      header = lines.buf.toString('utf8', lines.start, lines.end).trim();
      if (header !== '') break;
    }
    if (header === '') throw new DataError(source, 0, 'file is empty');
    const h = csvHeader(header, source, lines.line);
    this.ncols = h.ncols;
    this.roles = h.roles;
    this.hasSymbol = h.hasSymbol;
    this.symbol = h.hasSymbol ? '' : (opts.symbol ?? symbolFromFileName(source));
  }

  /** Bytes read so far. */
  get consumed(): number {
    return this.lines.consumed;
  }

  /**
   * Reads up to `maxRows` data rows into the collector; false once the file is done (then the
   * file is closed). Every row is checked as `parseCsvBars` checks it.
   */
  pump(maxRows: number): boolean {
    if (this.done) return false;
    const lines = this.lines;
    let n = 0;
    while (n < maxRows) {
      if (this.fast) {
        // The complete lines in the buffer, in place, while they are the common kind.
        const b = lines.buf;
        const lim = lines.lastNl;
        const line0 = lines.line;
        if (this.dv.buffer !== b.buffer || this.dv.byteOffset !== b.byteOffset || this.dv.byteLength !== b.length) this.dv = new DataView(b.buffer, b.byteOffset, b.length);
        let p = lines.cursor;
        let k = 0;
        let q = 0;
        while (p <= lim && n < maxRows) {
          q = this.fastRow(b, p, lim, line0 + k + 1);
          if (q < 0) break;
          p = q;
          k++;
          n++;
        }
        if (k > 0) { lines.skipTo(p, k); this.hits += k; }
        if (n >= maxRows) break;
        // Mostly other kinds of rows (naive times, quoted fields...): the general path only.
        if (q < 0 && ++this.misses > 256 && this.misses * 8 > this.hits) this.fast = false;
      }
      if (!lines.next()) {
        this.done = true;
        lines.close();
        return false;
      }
      if (this.generalRow()) n++;
    }
    return true;
  }

  /**
   * The common row, parsed in place from `p` (a '\n' ends the line inside the buffer): every
   * field bare, each number [-]digits[.digits] of at most 15 digits, the timestamp one that
   * `ByteTimestamps` reads as UTC, the symbol the same bytes as the row before's. The index past
   * the line's end; -1, having changed nothing, for any other line (blank, quoted, a new symbol,
   * an exponent, a wrong field...): the general path then reads it or words what is wrong with it.
   */
  private fastRow(b: Buffer, p: number, lim: number, line: number): number {
    const roles = this.roles;
    const ncols = this.ncols;
    let ts = 0, o = 0, h = 0, l = 0, c = 0, v = 0;
    let pfrac = 0;
    let s = p;
    for (let col = 0; col < ncols; col++) {
      const role = roles[col]!;
      let i = s;
      if (role === TS) {
        let t = Number.NaN;
        if (s + 20 <= lim) {
          // Minute bars repeat "YYYY-MM-DDTHH:" for an hour: four word compares against the last
          // canonical timestamp's (checked in full then), and only the minutes and seconds read.
          const dv = this.dv;
          if (dv.getInt32(s, true) === this.isoW0 && dv.getInt32(s + 4, true) === this.isoW1 && dv.getInt32(s + 8, true) === this.isoW2 && dv.getUint16(s + 12, true) === this.isoW3
            && b[s + 16] === 58 && b[s + 19] === 90) {
            const mi = dig(b, s + 14) * 10 + dig(b, s + 15);
            const ss = dig(b, s + 17) * 10 + dig(b, s + 18);
            if (mi <= 59 && ss <= 59) t = this.isoHour + mi * 60_000 + ss * 1000;
          }
          if (t !== t) {
            t = fastIsoZ(b, s, s + 20, this);
            if (t === t) {
              this.isoW0 = dv.getInt32(s, true); this.isoW1 = dv.getInt32(s + 4, true); this.isoW2 = dv.getInt32(s + 8, true); this.isoW3 = dv.getUint16(s + 12, true);
              this.isoHour = t - (dig(b, s + 14) * 10 + dig(b, s + 15)) * 60_000 - (dig(b, s + 17) * 10 + dig(b, s + 18)) * 1000;
            }
          }
        }
        if (t === t) { ts = t; i = s + 20; }
        else {
          for (let ch = b[i]; ch !== 44 && ch !== 10 && ch !== 13; ch = b[++i]);
          if (this.stamps.scan(b, s, i, this.scan) !== TS_UTC) return -1;
          ts = this.scan.ms;
        }
      } else if (role === SYMBOL) {
        const n = this.symLen;
        if (n >= 4 && s + n <= lim) {
          const dv = this.dv;
          if (dv.getInt32(s, true) !== this.symW0 || dv.getInt32(s + n - 4, true) !== this.symW1) return -1;
          if (n > 8) {
            const prev = this.symBytes;
            for (let k = 4; k < n - 4; k++) if (prev[k] !== b[s + k]) return -1;
          }
        } else {
          if (n <= 0) return -1;
          const prev = this.symBytes;
          let k = 0;
          while (k < n && prev[k] === b[s + k]) k++;
          if (k !== n) return -1;
        }
        i = s + n;
      } else if (role === IGNORE) {
        for (let ch = b[i]; ch !== 44 && ch !== 10 && ch !== 13; ch = b[++i]);
      } else {
        // The digits go into a small integer 8 at a time (int32 arithmetic, not a chain of
        // float multiply-adds), spilled into a double above it; all exact below 2^53.
        let neg = false;
        if (b[i] === 45) { neg = true; i++; }
        const i0 = i;
        let hi = 0, lo = 0, nlo = 0;
        for (;; i++) {
          const d = b[i]! - 48;
          if (!(d >= 0 && d <= 9)) break;
          if (nlo === 8) { hi = hi * 1e8 + lo; lo = 0; nlo = 0; }
          lo = lo * 10 + d;
          nlo++;
        }
        let nd = i - i0;
        let frac = 0;
        if (b[i] === 46) {
          const f0 = ++i;
          for (;; i++) {
            const d = b[i]! - 48;
            if (!(d >= 0 && d <= 9)) break;
            if (nlo === 8) { hi = hi * 1e8 + lo; lo = 0; nlo = 0; }
            lo = lo * 10 + d;
            nlo++;
          }
          frac = i - f0;
          nd += frac;
        }
        if (nd === 0 || nd > 15) return -1;
        const mant = hi === 0 ? lo : hi * POW10[nlo]! + lo;
        let x = frac === 0 ? mant : mant / POW10[frac]!;
        if (neg) x = -x;
        if (role === VOLUME) v = x;
        else {
          if (frac > pfrac) pfrac = frac;
          if (role === OPEN) o = x;
          else if (role === HIGH) h = x;
          else if (role === LOW) l = x;
          else c = x;
        }
      }
      const t = b[i];
      if (col + 1 < ncols) {
        if (t !== 44) return -1;
        s = i + 1;
      } else if (t === 10) s = i + 1;
      else if (t === 13 && b[i + 1] === 10) s = i + 2;
      else return -1;
    }
    this.rows.add(this.symbol, ts, o, h, l, c, v, line, pfrac);
    return s;
  }

  /** The current line of `lines`, every case: false for a blank line. */
  private generalRow(): boolean {
    const lines = this.lines;
    const rows = this.rows;
    const zone = rows.zone;
    const roles = this.roles;
    const ncols = this.ncols;
    const scan = this.scan;
    const stamps = this.stamps;
    {
      const b = lines.buf;
      const pos = lines.start;
      let e = lines.end;
      if (e > pos && b[e - 1] === 13) e--;
      if (e === pos) return false; // blank line
      const line = lines.line;

      let ts = Number.NaN, o = Number.NaN, h = Number.NaN, l = Number.NaN, c = Number.NaN, v = Number.NaN;
      let tsKind: TsKind = TS_UTC;
      let pfrac = 0;
      let tsStart = 0, tsEnd = 0;
      let col = 0;
      let s = pos;
      for (;;) {
        let fe = s;
        const role = col < ncols ? roles[col]! : IGNORE;
        if (role === TS) {
          const t = fastIsoZ(b, s, e, this);
          if (t === t) { fe = s + 20; ts = t; tsKind = TS_UTC; }
          else {
            while (fe < e && b[fe] !== 44) fe++;
            tsKind = stamps.scan(b, s, fe, scan);
            ts = scan.ms;
          }
          tsStart = s; tsEnd = fe;
        } else if (role !== IGNORE && role !== SYMBOL) {
          // Fast path, one pass: [-]digits[.digits] ending at the comma or the line's end, at most
          // 15 digits: the exact double, as parseDecimalBytes gives it. Anything else takes that path.
          let i = s;
          let neg = false;
          if (b[i] === 45) { neg = true; i++; }
          const i0 = i;
          let mant = 0;
          for (; i < e; i++) {
            const d = b[i]! - 48;
            if (d < 0 || d > 9) break;
            mant = mant * 10 + d;
          }
          let nd = i - i0;
          let frac = 0;
          if (i < e && b[i] === 46) {
            const f0 = ++i;
            for (; i < e; i++) {
              const d = b[i]! - 48;
              if (d < 0 || d > 9) break;
              mant = mant * 10 + d;
            }
            frac = i - f0;
            nd += frac;
          }
          let x: number;
          if ((i === e || b[i] === 44) && nd > 0 && nd <= 15) {
            x = frac === 0 ? mant : mant / POW10[frac]!;
            if (neg) x = -x;
            fe = i;
            if (frac > pfrac && role !== VOLUME) pfrac = frac;
          } else {
            while (fe < e && b[fe] !== 44) fe++;
            x = parseDecimalBytes(b, s, fe);
            if (x !== x) this.rowError(line, b, pos, e, numberProblem(NAME_OF[role]!, b, s, fe));
            if (role !== VOLUME) pfrac = NO_FRAC;
          }
          if (role === OPEN) o = x;
          else if (role === HIGH) h = x;
          else if (role === LOW) l = x;
          else if (role === CLOSE) c = x;
          else v = x;
        } else {
          while (fe < e && b[fe] !== 44) fe++;
          if (role === SYMBOL) {
            this.symbolAt(b, s, fe);
            if (this.symbol === '') this.rowError(line, b, pos, e, 'symbol is empty');
          }
        }
        col++;
        if (fe >= e) break;
        s = fe + 1;
      }
      if (col !== ncols) this.rowError(line, b, pos, e, '');
      const symbol = this.symbol;
      if (tsKind !== TS_UTC) {
        if (tsKind === TS_NAIVE && zone !== null) {
          ts = zone.toUtc(ts, rows.previousTs(symbol));
          if (ts !== ts) throw new DataError(this.source, line, `timestamp '${rawFieldBytes(b, tsStart, tsEnd)}' does not exist in ${zone.zone} (skipped by a daylight-saving change)`);
        } else {
          throw new DataError(this.source, line, timestampProblem(rawFieldBytes(b, tsStart, tsEnd), tsKind, scan.ms));
        }
      }
      rows.add(symbol, ts, o, h, l, c, v, line, pfrac);
    }
    return true;
  }

  close(): void {
    this.done = true;
    this.lines.close();
  }

  /** The row's symbol; decoded only when its bytes differ from the previous row's. */
  private symbolAt(b: Buffer, s: number, e: number): void {
    let a = s, z = e;
    while (a < z && b[a] === 32) a++;
    while (z > a && b[z - 1] === 32) z--;
    if (z - a >= 2 && b[a] === 34 && b[z - 1] === 34) { a++; z--; }
    const n = z - a;
    if (n === this.symLen) {
      const prev = this.symBytes;
      let k = 0;
      while (k < n && prev[k] === b[a + k]) k++;
      if (k === n) return;
    }
    this.symbol = b.toString('utf8', a, z);
    if (n > this.symBytes.length) this.symBytes = new Uint8Array(n * 2);
    this.symBytes.set(b.subarray(a, z));
    this.symLen = n;
    if (n >= 4) { this.symW0 = b.readInt32LE(a); this.symW1 = b.readInt32LE(z - 4); }
  }

  /** As csv.ts: a wrong column count is the problem before any field's (a missing comma shifts them all). */
  private rowError(line: number, b: Buffer, start: number, end: number, problem: string): never {
    let cols = 1;
    let quoted = false;
    for (let i = start; i < end; i++) {
      if (b[i] === 44) cols++;
      else if (b[i] === 34) quoted = true;
    }
    if (cols !== this.ncols) {
      throw new DataError(this.source, line, `expected ${this.ncols} columns as in the header, found ${cols}` + (quoted ? ' (a quoted field cannot contain a comma)' : ''));
    }
    throw new DataError(this.source, line, problem);
  }
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
const DAY_MS = 86_400_000;

/** A digit at b[i] as 0-9, or a large number that fails any range check. */
const dig = (b: Buffer, i: number): number => { const d = b[i]! - 48; return d >= 0 && d <= 9 ? d : 1000; };

/**
 * The canonical `YYYY-MM-DDTHH:MM:SSZ` ending at a comma or the line's end, in one pass with the
 * day number cached per date; NaN for any other shape (the general scanner then decides).
 */
function fastIsoZ(b: Buffer, s: number, e: number, cache: { isoYmd: number; isoDays: number }): number {
  if (s + 20 > e || (s + 20 < e && b[s + 20] !== 44)) return Number.NaN;
  // (With e = s + 20 the caller checks what follows; the shape below holds no '\n', so a line that
  // ends sooner is never read past.)
  if (b[s + 4] !== 45 || b[s + 7] !== 45 || b[s + 10] !== 84 || b[s + 13] !== 58 || b[s + 16] !== 58 || b[s + 19] !== 90) return Number.NaN;
  const y = dig(b, s) * 1000 + dig(b, s + 1) * 100 + dig(b, s + 2) * 10 + dig(b, s + 3);
  const mo = dig(b, s + 5) * 10 + dig(b, s + 6);
  const d = dig(b, s + 8) * 10 + dig(b, s + 9);
  const hh = dig(b, s + 11) * 10 + dig(b, s + 12);
  const mi = dig(b, s + 14) * 10 + dig(b, s + 15);
  const ss = dig(b, s + 17) * 10 + dig(b, s + 18);
  // Every field in range before the cache is asked: a non-digit must never alias a cached date.
  if (y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 59) return Number.NaN;
  const ymd = y * 10000 + mo * 100 + d;
  let days: number;
  if (ymd === cache.isoYmd) days = cache.isoDays;
  else {
    const dim = mo === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
    if (d > dim) return Number.NaN;
    days = daysFromCivil(y, mo, d);
    cache.isoYmd = ymd;
    cache.isoDays = days;
  }
  return days * DAY_MS + hh * 3_600_000 + mi * 60_000 + ss * 1000;
}

function numberProblem(name: string, b: Buffer, s: number, e: number): string {
  const raw = rawFieldBytes(b, s, e);
  return raw === '' ? `${name} is empty` : `${name} '${raw}' is not a number`;
}

/**
 * The distinct symbols of a CSV file with a symbol column, first-seen order, without checking
 * anything else (the reading pass does): a streaming backtest needs its instruments before the
 * first bar. Empty for a file without a symbol column.
 */
export function csvSymbols(lines: LineReader, source: string): string[] {
  try {
    let header = '';
    while (lines.next()) {
      header = lines.buf.toString('utf8', lines.start, lines.end).trim();
      if (header !== '') break;
    }
    if (header === '') return [];
    const h = csvHeader(header, source, lines.line);
    if (!h.hasSymbol) return [];
    const col = h.roles.indexOf(SYMBOL);
    const seen = new Set<string>();
    const out: string[] = [];
    let last = new Uint8Array(64);
    let lastLen = -1;
    for (;;) {
      // In place, while each line's symbol is the bare bytes of the last one: skip to the symbol's
      // field, compare, jump to the next line (a native search). Any other line goes below.
      {
        const b = lines.buf;
        const lim = lines.lastNl;
        const n = lastLen;
        let p = lines.cursor;
        let k = 0;
        while (p <= lim && n > 0) {
          // Native searches: the line's end, then its first `col` commas (all before that end).
          const nl = b.indexOf(10, p);
          let s = p;
          let f = 0;
          for (; f < col; f++) {
            const comma = b.indexOf(44, s);
            if (comma < 0 || comma > nl) break;
            s = comma + 1;
          }
          if (f < col || s + n > nl) break;
          let j = 0;
          while (j < n && last[j] === b[s + j]) j++;
          if (j < n) break;
          const t = b[s + n];
          if (t !== 44 && t !== 10 && !(t === 13 && s + n + 1 === nl)) break;
          p = nl + 1;
          k++;
        }
        if (k > 0) lines.skipTo(p, k);
      }
      if (!lines.next()) break;
      const b = lines.buf;
      let s = lines.start;
      let e = lines.end;
      // Short fields: a byte loop beats a native indexOf call per field.
      for (let k = 0; k < col && s <= e; k++) {
        while (s < e && b[s] !== 44) s++;
        s++;
      }
      if (s > e) continue;
      let c = s;
      while (c < e && b[c] !== 44) c++;
      if (c < e) e = c;
      else if (e > s && b[e - 1] === 13) e--;
      let a = s, z = e;
      while (a < z && b[a] === 32) a++;
      while (z > a && b[z - 1] === 32) z--;
      if (z - a >= 2 && b[a] === 34 && b[z - 1] === 34) { a++; z--; }
      if (z === a) continue;
      // Most rows repeat the previous row's symbol: compare bytes before decoding.
      const n = z - a;
      if (n === lastLen) {
        let k = 0;
        while (k < n && last[k] === b[a + k]) k++;
        if (k === n) continue;
      }
      const sym = b.toString('utf8', a, z);
      if (n > last.length) last = new Uint8Array(n * 2);
      last.set(b.subarray(a, z));
      lastLen = n;
      if (!seen.has(sym)) { seen.add(sym); out.push(sym); }
    }
    return out;
  } finally {
    lines.close();
  }
}
