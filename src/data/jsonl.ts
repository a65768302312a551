/**
 * JSON Lines bars: one object per line with the CSV's field names (any case). Prices may be JSON
 * numbers or numeric strings (many exchange APIs send strings); the timestamp an ISO string or
 * integer epoch milliseconds. Other fields are ignored. Every line carries a symbol, or none does.
 */
import type { BarSeries } from './series.ts';
import { BarCollector, type LoadOptions } from './collect.ts';
import { DataError } from './errors.ts';
import { parseDecimal } from './numbers.ts';
import { TS_NAIVE, TS_UTC, scanTimestamp, type TsKind, type TsScan } from './timestamps.ts';
import { symbolFromFileName } from './symbol-name.ts';
import { timestampProblem } from './timestamp-problem.ts';
import type { LineReader } from './lines.ts';

const FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
type Field = (typeof FIELDS)[number];

/** The row's fields by lower-cased name. */
function fieldsOf(obj: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const k of Object.keys(obj)) m.set(k.toLowerCase(), obj[k]);
  return m;
}

/**
 * The JSONL rules for one line at a time, into a collector: shared by `parseJsonlBars` (text) and
 * the chunked reader (`JsonlByteReader`), so both refuse the same things with the same words.
 */
export class JsonlRows {
  private readonly source: string;
  private readonly rows: BarCollector;
  private readonly scan: TsScan = { ms: 0 };
  private readonly fallback: string;
  /** Decided by the first data line. */
  withSymbol: boolean | null = null;
  private firstLine = 0;

  constructor(source: string, opts: LoadOptions, rows: BarCollector) {
    this.source = source;
    this.rows = rows;
    this.fallback = opts.symbol ?? symbolFromFileName(source);
  }

  /** One line, already trimmed and not blank. */
  line(raw: string, line: number): void {
    const source = this.source;
    const rows = this.rows;
    const zone = rows.zone;
    const scan = this.scan;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new DataError(source, line, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DataError(source, line, 'expected a JSON object with timestamp, open, high, low, close, volume');
    }
    const f = fieldsOf(parsed as Record<string, unknown>);
    const missing = FIELDS.filter((k) => f.get(k) === undefined);
    if (missing.length > 0) throw new DataError(source, line, `missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

    const symRaw = f.get('symbol');
    const has = symRaw !== undefined && symRaw !== null;
    if (this.withSymbol === null) { this.withSymbol = has; this.firstLine = line; }
    else if (has !== this.withSymbol) {
      throw new DataError(source, line, has
        ? `this line has a symbol but line ${this.firstLine} has none: give every line a symbol or none`
        : `this line has no symbol but line ${this.firstLine} has one: give every line a symbol or none`);
    }
    let symbol = this.fallback;
    if (has) {
      if (typeof symRaw !== 'string' || symRaw.trim() === '') throw new DataError(source, line, `symbol ${JSON.stringify(symRaw)} is not a non-empty string`);
      symbol = symRaw.trim();
    }

    const num = (k: Field): number => {
      const x = f.get(k);
      const n = typeof x === 'number' ? x : typeof x === 'string' ? parseDecimal(x, 0, x.length) : Number.NaN;
      if (!Number.isFinite(n)) throw new DataError(source, line, `${k} ${JSON.stringify(x)} is not a number`);
      return n;
    };
    const o = num('open'), h = num('high'), l = num('low'), c = num('close'), v = num('volume');

    const t = f.get('timestamp');
    let kind: TsKind;
    let tsText: string;
    if (typeof t === 'number') {
      tsText = String(t);
      if (!Number.isInteger(t) || t < 0) throw new DataError(source, line, `timestamp ${tsText} is not a whole, non-negative number of epoch milliseconds`);
      kind = scanTimestamp(tsText, 0, tsText.length, scan);
    } else if (typeof t === 'string') {
      tsText = t;
      kind = scanTimestamp(t, 0, t.length, scan);
    } else {
      throw new DataError(source, line, `timestamp ${JSON.stringify(t)} is neither an ISO-8601 string nor epoch milliseconds`);
    }
    let ts = scan.ms;
    if (kind === TS_NAIVE && zone !== null) {
      ts = zone.toUtc(ts, rows.previousTs(symbol));
      if (Number.isNaN(ts)) throw new DataError(source, line, `timestamp '${tsText}' does not exist in ${zone.zone} (skipped by a daylight-saving change)`);
    } else if (kind !== TS_UTC) {
      throw new DataError(source, line, timestampProblem(tsText.trim(), kind, scan.ms));
    }
    rows.add(symbol, ts, o, h, l, c, v, line);
  }
}

export function parseJsonlBars(text: string, source: string, opts: LoadOptions = {}): BarSeries[] {
  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.slice(pos).trim() === '') throw new DataError(source, 0, 'file is empty');
  const rows = new BarCollector(source, opts);
  const reader = new JsonlRows(source, opts, rows);
  let line = 0;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    line++;
    const raw = text.slice(pos, end).trim();
    pos = end + 1;
    if (raw !== '') reader.line(raw, line);
  }
  return rows.finish({ symbol: opts.symbol, fixedSymbol: reader.withSymbol !== true });
}

/** JSONL in chunks of bytes: a line is decoded only to be given to JSON.parse. */
export class JsonlByteReader {
  private readonly lines: LineReader;
  private readonly reader: JsonlRows;
  private readonly source: string;
  private sawContent = false;
  private done = false;

  constructor(lines: LineReader, source: string, opts: LoadOptions, rows: BarCollector) {
    this.lines = lines;
    this.source = source;
    this.reader = new JsonlRows(source, opts, rows);
  }

  get withSymbol(): boolean | null {
    return this.reader.withSymbol;
  }

  get consumed(): number {
    return this.lines.consumed;
  }

  /** Up to `maxRows` data lines into the collector; false once the file is done (and closed). */
  pump(maxRows: number): boolean {
    if (this.done) return false;
    const lines = this.lines;
    let n = 0;
    while (n < maxRows) {
      if (!lines.next()) {
        this.done = true;
        lines.close();
        if (!this.sawContent) throw new DataError(this.source, 0, 'file is empty');
        return false;
      }
      const raw = lines.buf.toString('utf8', lines.start, lines.end).trim();
      if (raw === '') continue;
      this.sawContent = true;
      this.reader.line(raw, lines.line);
      n++;
    }
    return true;
  }

  close(): void {
    this.done = true;
    this.lines.close();
  }
}

/** The distinct symbols of a JSONL file, first-seen order (empty when its lines carry none). */
export function jsonlSymbols(lines: LineReader): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  try {
    while (lines.next()) {
      const raw = lines.buf.toString('utf8', lines.start, lines.end).trim();
      if (raw === '') continue;
      let parsed: unknown;
      try { parsed = JSON.parse(raw); } catch { continue; } // the reading pass reports it
      if (parsed === null || typeof parsed !== 'object') continue;
      const f = fieldsOf(parsed as Record<string, unknown>);
      const sym = f.get('symbol');
      if (typeof sym !== 'string' || sym.trim() === '') continue;
      const t = sym.trim();
      if (!seen.has(t)) { seen.add(t); out.push(t); }
    }
  } finally {
    lines.close();
  }
  return out;
}
