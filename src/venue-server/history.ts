/**
 * Historical bars as Alpaca's market data REST serves them (GET /v2/stocks/bars,
 * /v2/stocks/{symbol}/bars, /v1beta3/crypto/us/bars), from the bars the venue has already played:
 * the past only, never a bar the replay has yet to reach. One-minute bars only (what the venue has).
 * Results are sorted by symbol, then time (asc or desc), `limit` counts across symbols, and
 * next_page_token continues after the last bar of the page.
 */
import type { Bar } from '../domain/market.ts';

export interface BarsRequest {
  /** Wire symbols asked for. */
  readonly symbols: readonly string[];
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  readonly sort: 'asc' | 'desc';
  readonly pageToken: string | null;
}

export type BarsParse = { readonly ok: true; readonly req: BarsRequest } | { readonly ok: false; readonly message: string };

const time = (s: string | null, fallback: number): number | null => {
  if (s === null || s === '') return fallback;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(s);
  return Number.isFinite(t) ? t : null;
};

/** The query string of a bars request (`symbol` from the single-symbol path wins over `symbols`). */
export function parseBarsQuery(q: URLSearchParams, now: number, symbol?: string): BarsParse {
  const symbols = symbol !== undefined ? [symbol] : (q.get('symbols') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (symbols.length === 0) return { ok: false, message: 'symbols is required' };
  const tf = q.get('timeframe');
  if (tf === null) return { ok: false, message: 'timeframe is required' };
  if (tf !== '1Min' && tf !== '1T') return { ok: false, message: `timeframe ${tf}: this venue has one-minute bars only (1Min)` };
  const start = time(q.get('start'), Number.NEGATIVE_INFINITY);
  const end = time(q.get('end'), now);
  if (start === null) return { ok: false, message: `invalid start: ${q.get('start')}` };
  if (end === null) return { ok: false, message: `invalid end: ${q.get('end')}` };
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? 1000 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return { ok: false, message: `invalid limit: ${limitRaw} (1 to 10000)` };
  const sort = q.get('sort') ?? 'asc';
  if (sort !== 'asc' && sort !== 'desc') return { ok: false, message: `invalid sort: ${sort}` };
  return { ok: true, req: { symbols, start, end, limit, sort, pageToken: q.get('page_token') } };
}

export function barJson(b: Bar): Record<string, unknown> {
  return { t: new Date(b.ts).toISOString(), o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, n: 1, vw: b.close };
}

const encodeToken = (sym: string, ts: number): string => Buffer.from(JSON.stringify([sym, ts])).toString('base64url');
function decodeToken(token: string): [string, number] | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number' ? [v[0], v[1]] : null;
  } catch {
    return null;
  }
}

export type BarsPage = { readonly ok: true; readonly bars: Map<string, Bar[]>; readonly next: string | null } | { readonly ok: false; readonly message: string };

/**
 * One page from `played` (every bar the venue has played, in play order). `now` bounds `end`: a
 * request for the future gets the past only. `wireOf` names a bar's symbol on the wire.
 */
export function barsPage(played: readonly Bar[], req: BarsRequest, now: number, wireOf: (b: Bar) => string): BarsPage {
  const end = Math.min(req.end, now);
  const wanted = new Set(req.symbols);
  const rows: { sym: string; bar: Bar }[] = [];
  for (const b of played) {
    if (b.ts < req.start || b.ts > end) continue;
    const sym = wireOf(b);
    if (wanted.has(sym)) rows.push({ sym, bar: b });
  }
  const dir = req.sort === 'asc' ? 1 : -1;
  const cmp = (sa: string, ta: number, sb: string, tb: number): number => (sa < sb ? -1 : sa > sb ? 1 : (ta - tb) * dir);
  rows.sort((a, b) => cmp(a.sym, a.bar.ts, b.sym, b.bar.ts));
  let from = 0;
  if (req.pageToken !== null) {
    const tok = decodeToken(req.pageToken);
    if (tok === null) return { ok: false, message: 'invalid page_token' };
    while (from < rows.length && cmp(rows[from]!.sym, rows[from]!.bar.ts, tok[0], tok[1]) <= 0) from++;
  }
  const page = rows.slice(from, from + req.limit);
  const bars = new Map<string, Bar[]>();
  for (const r of page) {
    const l = bars.get(r.sym);
    if (l === undefined) bars.set(r.sym, [r.bar]); else l.push(r.bar);
  }
  const last = page[page.length - 1];
  const next = from + req.limit < rows.length && last !== undefined ? encodeToken(last.sym, last.bar.ts) : null;
  return { ok: true, bars, next };
}
