/**
 * The run's files: orders.csv, fills.csv, equity.csv. RFC 4180 quoting, "\n" line ends, numbers
 * printed by String() (the shortest exact form of a double, the same on every machine) and times
 * as ISO UTC, so identical runs write byte-identical files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fill } from '../domain/fill.ts';
import type { OrderView } from '../orders/order.ts';
import type { BacktestCollector } from './collector.ts';

export type CsvValue = string | number | null | undefined;

/** One field: quoted when it holds a comma, a quote, a line break or edge spaces; quotes doubled. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? formatNumber(v) : v;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',');
}

/** A header and rows as one CSV text ending with a newline. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const out: string[] = [csvLine(header)];
  for (const r of rows) out.push(csvLine(r));
  return `${out.join('\n')}\n`;
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  return Object.is(x, -0) ? '0' : String(x);
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

/**
 * Equity is a sum of doubles: round to the ledger's unit (1e-8) so float noise never reaches the
 * file. k / 1e8 is the double nearest the decimal k x 10^-8, so String() prints it short.
 */
const money8 = (x: number): number => Math.round(x * 1e8) / 1e8;

const DAY_MS = 86_400_000;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * ISO times for a long increasing series (a million equity rows): the date part is formatted once
 * per day, the time of day by hand. Same text as Date.toISOString, several times faster.
 */
function isoSeries(): (ms: number) => string {
  let day = Number.NaN;
  let prefix = '';
  return (ms: number): string => {
    if (!Number.isFinite(ms)) return '';
    const d = Math.floor(ms / DAY_MS);
    if (d !== day) {
      day = d;
      const dayIso = new Date(d * DAY_MS).toISOString();
      prefix = dayIso.slice(0, dayIso.indexOf('T') + 1);
    }
    let r = ms - d * DAY_MS;
    if (!Number.isInteger(r)) return new Date(ms).toISOString();
    const milli = r % 1000; r = (r - milli) / 1000;
    const sec = r % 60; r = (r - sec) / 60;
    const min = r % 60;
    const hour = (r - min) / 60;
    return `${prefix}${pad2(hour)}:${pad2(min)}:${pad2(sec)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  };
}

export const ORDER_COLUMNS = [
  'client_id', 'created', 'symbol', 'side', 'type', 'qty', 'limit', 'stop', 'status', 'filled', 'avg_price', 'fees', 'reason', 'updated', 'tag',
] as const;

export function orderRow(o: OrderView): CsvValue[] {
  const r = o.request;
  const limit = r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : null;
  const stop = r.type === 'stop' || r.type === 'stop_limit' ? r.stopPrice : null;
  return [
    o.clientOrderId, iso(o.createdAt), r.symbol, r.side, r.type, r.qty, limit, stop, o.status, o.filledQty,
    o.filledQty > 0 ? o.avgFillPrice : null, o.fees, o.reason ?? o.flagged, iso(o.updatedAt), r.tag,
  ];
}

export const FILL_COLUMNS = ['ts', 'client_id', 'exec_id', 'symbol', 'side', 'qty', 'price', 'fee', 'liquidity'] as const;

export function fillRow(f: Fill): CsvValue[] {
  return [iso(f.ts), f.clientOrderId, f.execId, f.symbol, f.side, f.qty, f.price, f.fee, f.liquidity];
}

/**
 * equity.csv as bytes. A million rows are written straight into a growing buffer: the short-lived
 * line strings die young, whereas a million retained strings joined at the end cost twice the time.
 */
export function equityCsvBytes(ts: ArrayLike<number>, equity: ArrayLike<number>, length: number): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(256, Math.min(length, 1 << 20) * 48));
  let off = buf.write('ts,equity\n', 0, 'latin1');
  const isoOf = isoSeries();
  for (let i = 0; i < length; i++) {
    const line = `${isoOf(ts[i]!)},${formatNumber(money8(equity[i]!))}\n`;
    if (off + line.length > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, off + line.length));
      buf.copy(bigger, 0, 0, off);
      buf = bigger;
    }
    off += buf.write(line, off, 'latin1'); // ASCII only: digits, '-', ':', '.', 'T', 'Z', ','
  }
  return buf.subarray(0, off);
}

export function equityCsv(ts: ArrayLike<number>, equity: ArrayLike<number>, length: number): string {
  return equityCsvBytes(ts, equity, length).toString('latin1');
}

/** Write orders.csv, fills.csv and equity.csv into `dir` (created if missing); returns their paths. */
export function writeOutputs(dir: string, collector: BacktestCollector): string[] {
  mkdirSync(dir, { recursive: true });
  const curve = collector.result();
  const files: [string, string | Buffer][] = [
    ['orders.csv', toCsv(ORDER_COLUMNS, collector.orders().map(orderRow))],
    ['fills.csv', toCsv(FILL_COLUMNS, collector.fills().map(fillRow))],
    ['equity.csv', equityCsvBytes(curve.ts, curve.equity, curve.ts.length)],
  ];
  const paths: string[] = [];
  for (const [name, text] of files) {
    const p = join(dir, name);
    writeFileSync(p, text);
    paths.push(p);
  }
  return paths;
}
