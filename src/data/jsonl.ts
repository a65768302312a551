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

const FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
type Field = (typeof FIELDS)[number];

/** The row's fields by lower-cased name. */
function fieldsOf(obj: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const k of Object.keys(obj)) m.set(k.toLowerCase(), obj[k]);
  return m;
}

export function parseJsonlBars(text: string, source: string, opts: LoadOptions = {}): BarSeries[] {
  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.slice(pos).trim() === '') throw new DataError(source, 0, 'file is empty');
  const rows = new BarCollector(source, opts);
  const zone = rows.zone;
  const scan: TsScan = { ms: 0 };
  let line = 0;
  let withSymbol: boolean | null = null; // decided by the first data line
  let firstLine = 0;
  const fallback = opts.symbol ?? symbolFromFileName(source);

  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    line++;
    const raw = text.slice(pos, end).trim();
    pos = end + 1;
    if (raw === '') continue;
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
    if (withSymbol === null) { withSymbol = has; firstLine = line; }
    else if (has !== withSymbol) {
      throw new DataError(source, line, has
        ? `this line has a symbol but line ${firstLine} has none: give every line a symbol or none`
        : `this line has no symbol but line ${firstLine} has one: give every line a symbol or none`);
    }
    let symbol = fallback;
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
  return rows.finish({ symbol: opts.symbol, fixedSymbol: withSymbol !== true });
}
