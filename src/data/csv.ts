/**
 * CSV bars without a CSV library: the text is walked once with `indexOf` / `charCodeAt`, numbers
 * and timestamps are read straight from the text (no substring per field), and values land in
 * typed arrays. What it reads: a header line naming `timestamp,open,high,low,close,volume` and
 * optionally `symbol`, in any order and case; other columns are ignored. Fields may be wrapped in
 * double quotes, but a quoted field cannot contain a comma (bar data never needs one).
 */
import type { BarSeries } from './series.ts';
import { BarCollector, type LoadOptions } from './collect.ts';
import { DataError } from './errors.ts';
import { parseDecimal, rawField } from './numbers.ts';
import { TS_NAIVE, TS_UTC, scanTimestamp, type TsKind, type TsScan } from './timestamps.ts';
import { symbolFromFileName } from './symbol-name.ts';
import { timestampProblem } from './timestamp-problem.ts';

export const BAR_FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

// Column roles.
export const IGNORE = 0, TS = 1, OPEN = 2, HIGH = 3, LOW = 4, CLOSE = 5, VOLUME = 6, SYMBOL = 7;
const ROLE_OF = new Map<string, number>([['timestamp', TS], ['open', OPEN], ['high', HIGH], ['low', LOW], ['close', CLOSE], ['volume', VOLUME], ['symbol', SYMBOL]]);
export const NAME_OF = ['', 'timestamp', 'open', 'high', 'low', 'close', 'volume', 'symbol'] as const;

/** Count of '\n' in the text: sizes the columns once for a single-symbol file. */
function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n + 1;
}

function headerNames(line: string): string[] {
  return line.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
}

/** Column roles of a header line, or the DataError a header gets (shared by both CSV readers). */
export function csvHeader(header: string, source: string, headerLine: number): { ncols: number; roles: Uint8Array; hasSymbol: boolean } {
  const names = headerNames(header);
  const ncols = names.length;
  const roles = new Uint8Array(ncols);
  const seen = new Map<string, number>();
  for (let i = 0; i < ncols; i++) {
    const n = names[i]!;
    const role = ROLE_OF.get(n) ?? IGNORE;
    if (role !== IGNORE && seen.has(n)) throw new DataError(source, headerLine, `column '${n}' appears twice in the header`);
    seen.set(n, i);
    roles[i] = role;
  }
  const missing = BAR_FIELDS.filter((f) => !seen.has(f));
  if (missing.length > 0) {
    const looksLikeData = /^\s*"?[\d-]/.test(header);
    throw new DataError(source, headerLine,
      `header is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` +
      (looksLikeData ? ` (the first line looks like data: add a header line timestamp,open,high,low,close,volume)` : ` (found: ${names.join(', ')})`));
  }
  return { ncols, roles, hasSymbol: seen.has('symbol') };
}

/**
 * Parse CSV text into one series per symbol. `source` names the text in errors (the file path)
 * and, for a file without a symbol column and no `opts.symbol`, gives the symbol (see
 * `symbolFromFileName`).
 */
export function parseCsvBars(text: string, source: string, opts: LoadOptions = {}): BarSeries[] {
  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;

  // The header: the first line that is not blank.
  let header = '';
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    line++;
    header = text.slice(pos, end).trim();
    pos = end + 1;
    if (header !== '') break;
  }
  if (header === '') throw new DataError(source, 0, 'file is empty');
  const headerLine = line;

  const { ncols, roles, hasSymbol } = csvHeader(header, source, headerLine);
  const fixed = hasSymbol ? '' : (opts.symbol ?? symbolFromFileName(source));

  const rows = new BarCollector(source, opts, hasSymbol ? 1024 : countLines(text) - headerLine + 1);
  const zone = rows.zone;
  const scan: TsScan = { ms: 0 };
  let symbol = fixed;

  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    line++;
    let e = end;
    if (e > pos && text.charCodeAt(e - 1) === 13) e--;
    if (e === pos) { pos = end + 1; continue; } // blank line

    let ts = Number.NaN, o = Number.NaN, h = Number.NaN, l = Number.NaN, c = Number.NaN, v = Number.NaN;
    let tsKind: TsKind = TS_UTC;
    let tsStart = 0, tsEnd = 0;
    let col = 0;
    let s = pos;
    for (;;) {
      let fe = s;
      while (fe < e && text.charCodeAt(fe) !== 44) fe++;
      if (col < ncols) {
        const role = roles[col]!;
        if (role === TS) {
          tsStart = s; tsEnd = fe;
          tsKind = scanTimestamp(text, s, fe, scan);
          ts = scan.ms;
        } else if (role !== IGNORE && role !== SYMBOL) {
          const x = parseDecimal(text, s, fe);
          if (x !== x) rowError(source, line, text, pos, e, ncols, numberProblem(NAME_OF[role]!, text, s, fe));
          if (role === OPEN) o = x;
          else if (role === HIGH) h = x;
          else if (role === LOW) l = x;
          else if (role === CLOSE) c = x;
          else v = x;
        } else if (role === SYMBOL) {
          symbol = symbolAt(text, s, fe, symbol);
          if (symbol === '') rowError(source, line, text, pos, e, ncols, 'symbol is empty');
        }
      }
      col++;
      if (fe >= e) break;
      s = fe + 1;
    }
    if (col !== ncols) rowError(source, line, text, pos, e, ncols, '');
    if (tsKind !== TS_UTC) {
      if (tsKind === TS_NAIVE && zone !== null) {
        ts = zone.toUtc(ts, rows.previousTs(symbol));
        if (ts !== ts) throw new DataError(source, line, `timestamp '${rawField(text, tsStart, tsEnd)}' does not exist in ${zone.zone} (skipped by a daylight-saving change)`);
      } else {
        throw new DataError(source, line, timestampProblem(rawField(text, tsStart, tsEnd), tsKind, scan.ms));
      }
    }
    rows.add(symbol, ts, o, h, l, c, v, line);
    pos = end + 1;
  }
  return rows.finish({ symbol: opts.symbol, fixedSymbol: !hasSymbol });
}

function numberProblem(name: string, text: string, s: number, e: number): string {
  const raw = rawField(text, s, e);
  return raw === '' ? `${name} is empty` : `${name} '${raw}' is not a number`;
}

/**
 * A row's problem, unless the row has the wrong number of columns: then that is the problem (a
 * missing comma shifts every field, and "open '2024-01-02' is not a number" would mislead).
 */
function rowError(source: string, line: number, text: string, start: number, end: number, ncols: number, problem: string): never {
  let cols = 1;
  for (let i = text.indexOf(',', start); i >= 0 && i < end; i = text.indexOf(',', i + 1)) cols++;
  if (cols !== ncols) {
    const q = text.indexOf('"', start);
    const quoted = q >= 0 && q < end;
    throw new DataError(source, line, `expected ${ncols} columns as in the header, found ${cols}` + (quoted ? ' (a quoted field cannot contain a comma)' : ''));
  }
  throw new DataError(source, line, problem);
}

/** The symbol field ('' when empty), reusing the previous row's string when equal (no allocation). */
function symbolAt(text: string, s: number, e: number, prev: string): string {
  let a = s, b = e;
  while (a < b && text.charCodeAt(a) === 32) a++;
  while (b > a && text.charCodeAt(b - 1) === 32) b--;
  if (b - a >= 2 && text.charCodeAt(a) === 34 && text.charCodeAt(b - 1) === 34) { a++; b--; }
  if (prev.length === b - a && text.startsWith(prev, a)) return prev;
  return text.slice(a, b);
}
