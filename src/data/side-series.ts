/**
 * Side inputs per symbol beside the bars: funding rates and index (spot reference) prices, each a
 * CSV with a header naming `ts`, `symbol` and one value column (any order and case), then one row
 * per instant. `ts` is ISO-8601 with a zone (or `Z`) or epoch milliseconds. The funding file's
 * value column is `rate` (`funding_rate` also accepted), the index file's `price` or `index`.
 *
 * `SideCursor` answers "the value in force at T" walking forward only, so reading a series along a
 * bar file costs O(1) per bar, amortised.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './errors.ts';

/** A value in force from `ts` on (until the next row of the same symbol). */
export interface SideRow {
  readonly ts: number;
  readonly value: number;
}

/** Rows per symbol, ascending by ts (rows with equal ts keep file order: the later one wins). */
export type SideSeries = Readonly<Record<string, readonly SideRow[]>>;

/** What one kind of side file looks like. */
export interface SideKind {
  /** The file's name in messages ('funding', 'index'). */
  readonly what: string;
  /** Lower-case header names accepted for the value column. */
  readonly valueColumns: readonly string[];
  /** The canonical header, shown when one is missing (`ts,symbol,rate`). */
  readonly header: string;
  /** The problem with a parsed value (NaN when the text is not a number), or undefined when it is acceptable. */
  readonly check: (value: number, text: string) => string | undefined;
  /** Where the path came from, for the cannot-read message. */
  readonly configKey: string;
}

export const FUNDING_FILE: SideKind = {
  what: 'funding',
  valueColumns: ['rate', 'funding_rate', 'fundingrate'],
  header: 'ts,symbol,rate',
  check: (v, text) => (!Number.isFinite(v) || Math.abs(v) > 0.1 ? `rate "${text}" must be a rate per interval in [-0.1, 0.1] (0.0001 = 0.01%)` : undefined),
  configKey: 'data.funding in the config',
};

export const INDEX_FILE: SideKind = {
  what: 'index',
  valueColumns: ['price', 'index', 'index_price', 'indexprice'],
  header: 'ts,symbol,price',
  check: (v, text) => (Number.isFinite(v) && v > 0 ? undefined : `price "${text}" must be a positive number (an index price)`),
  configKey: 'data.index in the config',
};

const TS_COLUMNS: readonly string[] = ['ts', 'timestamp', 'time', 'fundingtime'];

/** Parse side-input CSV text into rows per symbol, ascending by ts. `source` names the text in errors. */
export function parseSideCsv(text: string, source: string, kind: SideKind): Record<string, SideRow[]> {
  const lines = text.split(/\r?\n/);
  const head = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  const find = (names: readonly string[]): number => head.findIndex((h) => names.includes(h));
  const col = { ts: find(TS_COLUMNS), symbol: find(['symbol']), value: find(kind.valueColumns) };
  const valueName = kind.header.split(',')[2] ?? 'value';
  for (const [need, label] of [['ts', 'ts'], ['symbol', 'symbol'], ['value', valueName]] as const) {
    if (col[need] < 0) throw new DataError(source, 1, `${kind.what} file header needs a ${label} column (${kind.header}), got "${lines[0] ?? ''}"`);
  }
  const out: Record<string, SideRow[]> = {};
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const f = line.split(',').map((x) => x.trim().replace(/^"|"$/g, ''));
    const tsText = f[col.ts] ?? '';
    const symbol = f[col.symbol] ?? '';
    const valueText = f[col.value] ?? '';
    const ts = /^\d+$/.test(tsText) ? Number(tsText) : /(Z|[+-]\d\d:?\d\d)$/i.test(tsText) ? Date.parse(tsText) : Number.NaN;
    if (!Number.isFinite(ts)) throw new DataError(source, n + 1, `ts "${tsText}" is neither epoch milliseconds nor ISO-8601 with a zone (2024-03-04T08:00:00Z)`);
    if (symbol === '') throw new DataError(source, n + 1, 'symbol is empty');
    const value = valueText === '' ? Number.NaN : Number(valueText);
    const problem = kind.check(value, valueText);
    if (problem !== undefined) throw new DataError(source, n + 1, problem);
    (out[symbol] ??= []).push({ ts, value });
  }
  for (const rows of Object.values(out)) rows.sort((a, b) => a.ts - b.ts);
  return out;
}

export function loadSideSeries(path: string, kind: SideKind): Record<string, SideRow[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(path, 0, `cannot read the ${kind.what} file (${err instanceof Error ? err.message : String(err)}): check ${kind.configKey}`);
  }
  return parseSideCsv(text, path, kind);
}

/**
 * The value in force at an instant, for one symbol's rows, moving forward only: each row is passed
 * once over the cursor's life, so a walk along n bars costs O(n + rows). NaN before the first row.
 *
 * `edge` says whether a row stamped exactly at the asked instant counts: 'inclusive' gives the last
 * row with ts <= t, 'exclusive' the last row with ts < t.
 */
export class SideCursor {
  private readonly rows: readonly SideRow[];
  private readonly inclusive: boolean;
  private next = 0;
  private current = Number.NaN;
  private lastT = Number.NEGATIVE_INFINITY;

  /** `rows` ascending by ts (as `parseSideCsv` returns them). */
  constructor(rows: readonly SideRow[], edge: 'inclusive' | 'exclusive' = 'inclusive') {
    this.rows = rows;
    this.inclusive = edge === 'inclusive';
  }

  /** Throws a RangeError when `t` is before an instant already asked (the cursor does not go back). */
  valueAt(t: number): number {
    if (t < this.lastT) throw new RangeError(`side cursor asked for ${t} after ${this.lastT}: it moves forward only (ask in time order, or make a new cursor)`);
    this.lastT = t;
    const rows = this.rows;
    while (this.next < rows.length) {
      const r = rows[this.next]!;
      if (this.inclusive ? r.ts > t : r.ts >= t) break;
      this.current = r.value;
      this.next++;
    }
    return this.current;
  }
}
