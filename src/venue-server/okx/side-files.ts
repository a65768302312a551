/**
 * The OKX fake's side inputs from files, the same files a backtest reads (src/data/side-series.ts):
 * a funding CSV `ts,symbol,rate` (the rate settled at each funding instant) and an index CSV
 * `ts,symbol,price` (one row per minute stamped at the minute's open, the index at its close). A
 * file's symbol feeds the instruments of its base currency, as the bar files do: funding every swap
 * of that base, the index the swaps' index id (their instFamily, BTC-USDT for BTC-USDT-SWAP).
 *
 * Pure answers for the routes: the server passes its now and the query; only what is settled at or
 * before now is served, newest first, in OKX's layouts.
 */
import { FUNDING_FILE, INDEX_FILE, loadSideSeries, type SideRow } from '../../data/side-series.ts';
import { s } from './shapes.ts';

/** A funding instant to book: the swaps it applies to, at the file's rate. */
export interface FundingEvent {
  readonly ts: number;
  readonly instId: string;
  readonly rate: number;
}

export interface OkxSideData {
  /** Funding rows per swap instId, ascending (empty without a funding file). */
  readonly funding: ReadonlyMap<string, readonly SideRow[]>;
  /** Index rows per index id (BTC-USDT), ascending (empty without an index file). */
  readonly index: ReadonlyMap<string, readonly SideRow[]>;
  /** Every funding row as an event, by time (the fake's funding clock when a file is given). */
  readonly events: readonly FundingEvent[];
}

const baseOf = (symbol: string): string => symbol.toUpperCase().split(/[-/]/)[0] ?? '';

/** The index id OKX gives a swap's index (its instFamily): BTC-USDT-SWAP -> BTC-USDT. */
export const indexIdOf = (swapInstId: string): string => swapInstId.replace(/-SWAP$/, '');

/** Loads the files (either may be absent); a file symbol that feeds no swap is refused naming the file. */
export function loadOkxSideFiles(files: { readonly funding?: string | undefined; readonly index?: string | undefined }, swapIds: readonly string[]): OkxSideData {
  const swapsOf = (flag: string, path: string, symbol: string): string[] => {
    const ids = swapIds.filter((id) => id.split('-')[0] === baseOf(symbol));
    if (ids.length === 0) throw new Error(`${flag} ${path}: symbol ${symbol} matches no swap (${swapIds.join(', ')})`);
    return ids;
  };
  const funding = new Map<string, SideRow[]>();
  const index = new Map<string, SideRow[]>();
  if (files.funding !== undefined) {
    for (const [symbol, rows] of Object.entries(loadSideSeries(files.funding, { ...FUNDING_FILE, configKey: '--funding of parity venue' }))) {
      for (const id of swapsOf('--funding', files.funding, symbol)) funding.set(id, merge(funding.get(id), rows));
    }
  }
  if (files.index !== undefined) {
    for (const [symbol, rows] of Object.entries(loadSideSeries(files.index, { ...INDEX_FILE, configKey: '--index of parity venue' }))) {
      for (const id of swapsOf('--index', files.index, symbol)) index.set(indexIdOf(id), merge(index.get(indexIdOf(id)), rows));
    }
  }
  const events: FundingEvent[] = [];
  for (const [instId, rows] of funding) for (const r of rows) events.push({ ts: r.ts, instId, rate: r.value });
  events.sort((a, b) => a.ts - b.ts);
  return { funding, index, events };
}

function merge(a: readonly SideRow[] | undefined, b: readonly SideRow[]): SideRow[] {
  return [...(a ?? []), ...b].sort((x, y) => x.ts - y.ts);
}

export interface PageQuery {
  /** OKX `after`: older than this (exclusive). */
  readonly after?: number | undefined;
  /** OKX `before`: newer than this (exclusive). */
  readonly before?: number | undefined;
  readonly limit: number;
}

/** Rows at or before `now` inside the page, newest first. */
export function settledPage(rows: readonly SideRow[], now: number, q: PageQuery): SideRow[] {
  const out: SideRow[] = [];
  for (let i = rows.length - 1; i >= 0 && out.length < q.limit; i--) {
    const r = rows[i]!;
    if (r.ts > now || (q.after !== undefined && r.ts >= q.after)) continue;
    if (q.before !== undefined && r.ts <= q.before) break;
    out.push(r);
  }
  return out;
}

/**
 * Without a funding file: the fake's fixed clock (one rate at every multiple of the interval), as
 * settled rows at or before now, newest first.
 */
export function clockFundingPage(rate: number, intervalMs: number, now: number, q: PageQuery): SideRow[] {
  const out: SideRow[] = [];
  let slot = Math.floor(now / intervalMs);
  if (q.after !== undefined) slot = Math.min(slot, Math.ceil(q.after / intervalMs) - 1);
  for (; out.length < q.limit; slot--) {
    const ts = slot * intervalMs;
    if (ts < 0 || (q.before !== undefined && ts <= q.before)) break;
    out.push({ ts, value: rate });
  }
  return out;
}

/** public/funding-rate-history's row: the settled rate (ccxt reads realizedRate). */
export const fundingHistoryRow = (instId: string, r: SideRow) => ({
  instType: 'SWAP', instId, fundingRate: s(r.value), realizedRate: s(r.value), fundingTime: String(r.ts), method: 'current_period',
});

/** market/index-candles' row: [ts, o, h, l, c, confirm]; the file holds the close, so o = h = l = c. */
export const indexCandleRow = (r: SideRow): string[] => [String(r.ts), s(r.value), s(r.value), s(r.value), s(r.value), '1'];
