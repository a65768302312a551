/**
 * Warm-up history: the last N one-minute bars of every symbol, fetched from the venue's market data
 * REST API before the session starts, so the strategy's indicators are warm on the first live bar.
 * Per symbol, newest first (sort=desc, limit) across as many pages as it takes, then put back in
 * time order; every page is parsed with zod (rest.ts). The caller decides what a failure means (the
 * session starts cold and says so).
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { Bar } from '../../domain/market.ts';
import { AlpacaProtocolError } from './errors.ts';
import type { AlpacaRest } from './rest.ts';
import { fromWireSymbol, toWireSymbol, wireAssetClass } from './symbols.ts';

/** Alpaca's largest page (limit) for historical bars. */
export const MAX_PAGE = 10_000;
/** More warm-up than this is never fetched (a strategy asking for more gets this many, and a note). */
export const MAX_WARMUP_BARS = 10_000;
/** Default when the strategy does not say how much history it needs (the engine's default ring). */
export const DEFAULT_WARMUP_BARS = 500;
const MINUTE = 60_000;
const DAY = 86_400_000;

export interface WarmupQuery {
  readonly instruments: readonly Instrument[];
  /** Bars per symbol wanted (capped at MAX_WARMUP_BARS). */
  readonly count: number;
  /** The venue's now: only bars that started at or before it are asked for. */
  readonly end: number;
  /** Bars per request (default and cap 10 000; tests make it small to exercise paging). */
  readonly pageSize?: number;
  /** Safety stop on paging per symbol (default 100). */
  readonly maxPages?: number;
}

export interface WarmupHistory {
  /** Every symbol's bars, in time order (ties by symbol), each strictly before the next of its symbol. */
  readonly bars: Bar[];
  /** Bars received per symbol (parity symbols). */
  readonly perSymbol: Readonly<Record<string, number>>;
}

/** How many bars to warm up with: the strategy's lookback, default 500, at least 1, at most MAX_WARMUP_BARS. */
export function warmupCount(lookback: number | undefined): number {
  const n = lookback === undefined || !Number.isFinite(lookback) ? DEFAULT_WARMUP_BARS : Math.ceil(lookback);
  return Math.max(1, Math.min(MAX_WARMUP_BARS, n));
}

/**
 * How far back to look: N minutes are rarely N bars (markets close at night and at weekends, quiet
 * minutes have no bar), so a week at least, more for long lookbacks. `sort=desc` with a limit keeps
 * the answer to the newest N bars whatever the window.
 */
export function warmupWindowMs(count: number): number {
  return Math.max(7 * DAY, count * 5 * MINUTE);
}

export async function fetchWarmupBars(rest: AlpacaRest, q: WarmupQuery): Promise<WarmupHistory> {
  const count = Math.max(1, Math.min(MAX_WARMUP_BARS, Math.floor(q.count)));
  const pageSize = Math.max(1, Math.min(MAX_PAGE, Math.floor(q.pageSize ?? MAX_PAGE)));
  const maxPages = q.maxPages ?? 100;
  const start = q.end - warmupWindowMs(count);
  const all: Bar[] = [];
  const perSymbol: Record<string, number> = {};
  for (const inst of q.instruments) {
    const wire = toWireSymbol(inst.symbol, inst.assetClass);
    const crypto = wireAssetClass(inst.assetClass) === 'crypto';
    const got: Bar[] = [];
    let token: string | undefined;
    for (let page = 0; got.length < count; page++) {
      if (page >= maxPages) throw new AlpacaProtocolError(`history ${wire}`, `still paging after ${maxPages} pages: giving up`);
      const res = await rest.bars({
        symbols: [wire], crypto, start, end: q.end, sort: 'desc', limit: Math.min(pageSize, count - got.length),
        ...(token !== undefined ? { pageToken: token } : {}),
      });
      for (const [sym, list] of Object.entries(res.bars ?? {})) {
        if (sym !== wire) throw new AlpacaProtocolError(`history ${wire}`, `bars for ${sym} in the answer for ${wire}`);
        for (const b of list ?? []) {
          if (got.length >= count) break;
          got.push({ kind: 'bar', symbol: fromWireSymbol(sym), ts: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v });
        }
      }
      const next = res.next_page_token ?? null;
      if (next === null || next === '') break;
      if (next === token) throw new AlpacaProtocolError(`history ${wire}`, `the same page token twice (${next})`);
      token = next;
    }
    got.reverse();
    // Newest-first pages put back in time order: anything out of order or repeated is the venue's
    // mistake and must not reach the strategy's indicators.
    for (let i = 1; i < got.length; i++) {
      if (got[i]!.ts <= got[i - 1]!.ts) throw new AlpacaProtocolError(`history ${wire}`, `bars out of order or repeated at ${new Date(got[i]!.ts).toISOString()}`);
    }
    if (got.length > 0 && got[got.length - 1]!.ts > q.end) throw new AlpacaProtocolError(`history ${wire}`, `a bar at ${new Date(got[got.length - 1]!.ts).toISOString()} is after the end asked for`);
    perSymbol[inst.symbol] = got.length;
    all.push(...got);
  }
  all.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { bars: all, perSymbol };
}
