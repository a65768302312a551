/**
 * The panes' content as pure functions of a snapshot: rows of text cut to a width. Kept apart from
 * the components so they are tested without rendering and reused by any layout.
 */
import type { OrderView } from '../../orders/order.ts';
import { isOpen } from '../../orders/fsm.ts';
import { KILL_LEVEL_NAMES } from '../../ops/kill-state.ts';
import { age, fit, fitNumber, hms, money, sparkRows } from '../format.ts';
import type { PositionView } from '../../portfolio/portfolio.ts';
import { type TableCol, fitTable, layoutTable } from './table-fit.ts';
import type { ConsoleSnapshot, EventRow } from '../model.ts';
import type { Line } from './pane.tsx';
import type { Tone } from '../theme.tsx';

/**
 * Orders, in display order. The give-way order at a narrow width (README "80x24"): type, then
 * filled, then age, then the reason column (its full text is in the row's detail view: enter);
 * id, symbol, side, qty, price and state never go, and no number is ever cut.
 */
const ORDER_COLS: readonly TableCol<OrderView, number>[] = [
  { head: ['client id', 'id'], priority: 0, min: 10, cell: (o) => o.clientOrderId },
  { head: ['symbol'], priority: 0, min: 7, cell: (o) => o.request.symbol },
  { head: ['side'], priority: 0, cell: (o) => o.request.side },
  { head: ['type'], priority: 5, cell: (o) => o.request.type },
  { head: ['qty'], priority: 0, align: 'right', cell: (o) => ({ n: o.request.qty, kind: 'qty' }) },
  { head: ['filled'], priority: 4, align: 'right', cell: (o) => ({ n: o.filledQty, kind: 'qty' }) },
  { head: ['price'], priority: 0, align: 'right', cell: (o) => { const p = orderPrice(o); return p === undefined ? '-' : { n: p, kind: 'price' }; } },
  { head: ['state'], priority: 0, min: 8, cell: (o) => o.status + (o.external ? ' ext' : '') },
  // The clock's, not the order's: asked every frame (the other cells are kept per order view).
  { head: ['age'], priority: 3, align: 'right', volatile: true, cell: (o, now) => age(now - o.createdAt) },
  { head: ['reason'], priority: 2, flex: true, min: 12, cell: (o) => orderReason(o) },
];

/** Why an order is where it is: flagged, the venue's or risk's reason, or its tag. */
export function orderReason(o: OrderView): string {
  return o.flagged ?? o.reason ?? (o.request.tag ? `(${o.request.tag})` : '');
}

/** The orders table at width `w`: its layout judged on every order, a row written only when asked for. */
export interface OrderTable {
  /** The column header (the columns depend on what the orders must show). */
  readonly header: string;
  readonly count: number;
  /** Row i of `orders`, as orderLines writes it. */
  line(i: number): Line;
}

export function orderTable(orders: readonly OrderView[], now: number, w: number): OrderTable {
  const t = layoutTable(ORDER_COLS, orders, w, now);
  return { header: t.header, count: t.count, line: (i) => ({ text: t.row(i), tone: orderTone(orders[i]!) }) };
}

function orderPrice(o: OrderView): number | undefined {
  if (o.avgFillPrice > 0) return o.avgFillPrice;
  const r = o.request;
  return r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : r.type === 'stop' ? r.stopPrice : undefined;
}

function orderTone(o: OrderView): Tone | null {
  return o.status === 'denied' || o.status === 'rejected' || o.flagged ? 'bad' : o.status === 'filled' ? 'good' : isOpen(o.status) ? 'accent' : 'dim';
}

/** Every order's row (the pane writes only its window: orderTable). */
export function orderLines(snap: ConsoleSnapshot, w: number): Line[] {
  const t = orderTable(snap.orders, snap.engineTime ?? 0, w);
  return snap.orders.map((_, i) => t.line(i));
}

/**
 * Positions. Give-way order: avg, then last, then realized (also on the P&L line); symbol, qty and
 * unrealized never go, and their figures shorten to k / M before anything is cut.
 */
const POSITION_COLS: readonly TableCol<PositionRow>[] = [
  { head: ['symbol'], priority: 0, min: 7, cell: (p) => p.symbol },
  { head: ['qty'], priority: 0, align: 'right', cell: (p) => ({ n: p.qty, kind: 'qty' }) },
  { head: ['avg'], priority: 3, align: 'right', cell: (p) => (p.avgPrice ? { n: p.avgPrice, kind: 'price' } : '-') },
  { head: ['last'], priority: 2, align: 'right', cell: (p) => (p.lastPrice ? { n: p.lastPrice, kind: 'price' } : '-') },
  { head: ['unrealized', 'unreal', 'upnl'], priority: 0, align: 'right', cell: (p) => ({ n: p.unrealizedPnl, kind: 'pnl' }) },
  { head: ['realized', 'real', 'rpnl'], priority: 1, align: 'right', cell: (p) => ({ n: p.realizedPnl, kind: 'pnl' }) },
];

/**
 * Positions as a snapshot holds them: a recording made before the perpetual fields (a replay's
 * positions) has none of them, so each is read as possibly missing. leverage / marginMode are null
 * for a position that is not a perpetual.
 */
type PositionRow = Omit<PositionView, 'markPrice' | 'liquidationPrice' | 'leverage' | 'marginMode'> & Partial<Pick<PositionView, 'markPrice' | 'liquidationPrice' | 'leverage' | 'marginMode'>>;

const isPerp = (p: PositionRow): boolean => p.marginMode != null || p.leverage != null;

const levText = (p: PositionRow): string =>
  (isPerp(p) ? `${p.leverage != null ? `${Number(p.leverage.toFixed(2))}x` : '?x'} ${p.marginMode === 'isolated' ? 'iso' : 'cross'}` : '-');

/**
 * Positions once a perpetual position exists: mark price, the estimated liquidation price and the
 * leverage / margin mode join. Give-way order (the 80x24 rule; at 80x24 the pane has 47 columns):
 * last first (mark is the price a perpetual is marked and liquidated at), then avg, then lev, then
 * realized (also on the P&L line), then mark; symbol, qty, liq and unrealized never go. A row that
 * is not a perpetual shows '-' for liq and lev; its mark is its last price.
 */
const PERP_POSITION_COLS: readonly TableCol<PositionRow>[] = [
  { head: ['symbol'], priority: 0, min: 7, cell: (p) => p.symbol },
  { head: ['qty'], priority: 0, align: 'right', cell: (p) => ({ n: p.qty, kind: 'qty' }) },
  { head: ['avg'], priority: 5, align: 'right', cell: (p) => (p.avgPrice ? { n: p.avgPrice, kind: 'price' } : '-') },
  { head: ['last'], priority: 6, align: 'right', cell: (p) => (p.lastPrice ? { n: p.lastPrice, kind: 'price' } : '-') },
  { head: ['mark'], priority: 2, align: 'right', cell: (p) => { const m = p.markPrice || p.lastPrice; return m ? { n: m, kind: 'price' } : '-'; } },
  { head: ['liq.price', 'liq'], priority: 0, align: 'right', cell: (p) => (isPerp(p) && p.liquidationPrice != null ? { n: p.liquidationPrice, kind: 'price' } : '-') },
  { head: ['lev'], priority: 4, cell: levText },
  { head: ['unrealized', 'unreal', 'upnl'], priority: 0, align: 'right', cell: (p) => ({ n: p.unrealizedPnl, kind: 'pnl' }) },
  { head: ['realized', 'real', 'rpnl'], priority: 3, align: 'right', cell: (p) => ({ n: p.realizedPnl, kind: 'pnl' }) },
];

/** Equity-only sessions keep the columns they always had. */
const positionCols = (positions: readonly PositionRow[]): readonly TableCol<PositionRow>[] => (positions.some(isPerp) ? PERP_POSITION_COLS : POSITION_COLS);

export const POSITION_HEADER = (w: number, snap?: ConsoleSnapshot): string => {
  const rows = snap?.positions ?? [];
  return fitTable(positionCols(rows), rows, w, undefined).header;
};

export function positionLines(snap: ConsoleSnapshot, w: number): Line[] {
  if (snap.positions.length === 0) return [{ text: 'flat: no positions', tone: 'dim' }];
  const t = fitTable(positionCols(snap.positions), snap.positions, w, undefined);
  return snap.positions.map((p, i) => ({
    text: t.rows[i]!,
    tone: p.qty === 0 ? 'dim' : p.unrealizedPnl < 0 ? 'bad' : 'good',
  }));
}

const GATE_MARK = { pass: '✔ pass', warn: '! warn', fail: '✖ FAIL' } as const;

export function gateLines(snap: ConsoleSnapshot, _w: number): Line[] {
  // What the session runs comes first: the checks below are about that strategy on those instruments.
  const run: Line[] = (snap.info.run ?? []).map((r) => ({ text: r.text, tone: r.warn ? 'warn' : 'dim' }));
  const g = snap.ops.gates;
  if (g.length === 0) {
    // A replay shows what was recorded; its g is "jump", not "run gates".
    const none = snap.replay !== undefined ? 'no gate results recorded up to this event' : snap.ops.gatesRunning ? 'running pre-flight checks…' : 'no gates run (g runs them)';
    return [...run, { text: none, tone: 'dim' }];
  }
  const out: Line[] = [...run];
  for (const r of g) {
    const tone: Tone = r.status === 'pass' ? 'good' : r.status === 'warn' ? 'warn' : 'bad';
    out.push({ text: `${GATE_MARK[r.status]}  ${fit(r.title, 16)} ${r.detail}`, tone, bold: r.status === 'fail' });
    if (r.status !== 'pass' && r.fix) out.push({ text: `        → ${r.fix}`, tone: r.status === 'fail' ? 'bad' : 'dim' });
  }
  if (snap.ops.gatesRunning) out.push({ text: 're-running…', tone: 'dim' });
  return out;
}

export function gateSummary(snap: ConsoleSnapshot): { text: string; tone: Tone } {
  const g = snap.ops.gates;
  if (g.length === 0) return { text: snap.ops.gatesRunning ? 'gates: running…' : snap.replay !== undefined ? 'gates: none recorded yet' : 'gates: not run', tone: 'dim' };
  const fails = g.filter((x) => x.status === 'fail');
  const warns = g.filter((x) => x.status === 'warn');
  if (fails.length > 0) return { text: `gates: ${fails.length} FAIL (${fails.map((f) => f.title).join(', ')}): no orders until fixed`, tone: 'bad' };
  if (warns.length > 0) return { text: `gates: ${g.length - warns.length} pass, ${warns.length} warn (${warns.map((f) => f.title).join(', ')})`, tone: 'warn' };
  return { text: `gates: all ${g.length} pass`, tone: 'good' };
}

export function reconLines(snap: ConsoleSnapshot, _w: number): Line[] {
  const r = snap.ops.reconciliation;
  if (r === null) return [{ text: snap.ops.reconcileUnavailable ?? 'not run yet: press r to reconcile now', tone: 'dim' }];
  const when = `ran ${age(snap.wallTime - r.at)} ago (${new Date(r.at).toISOString().slice(11, 19)}Z)`;
  if (r.clean && r.paused === true) return [{ text: `clean now, ${when}; new signals stay paused from a confirmed difference: a a accepts the venue's state`, tone: 'warn' }];
  if (r.clean) return [{ text: `clean: books agree with the venue (positions, orders, cash), ${when}`, tone: 'good' }];
  const state = r.status === 'confirmed'
    ? `confirmed by a re-check${r.paused === true ? ', new signals paused' : ''}: a a accepts the venue's state`
    : r.status === 'rechecking' && r.recheckAt != null ? `re-checking at ${new Date(r.recheckAt).toISOString().slice(11, 19)}Z` : null;
  return [
    { text: `DIFFERENCES, ${when}${state !== null ? `; ${state}` : ''}:`, tone: 'bad', bold: true },
    ...r.lines.map((l) => ({ text: l, tone: 'bad' as const })),
  ];
}

const KIND_TONE: Record<EventRow['kind'], Tone | null> = { order: null, fill: 'good', info: 'dim', warn: 'warn', error: 'bad', state: 'warn', operator: 'accent', account: 'accent', forced: 'bad' };

const DAY_MS = 86_400_000;

/**
 * Event times carry the (UTC) date when the events held and the engine clock fall on more than one
 * day: "23:59:00" and "00:01:00" alone would not say which came first. Judged on the whole ring, not
 * the rows in view, so the column does not change width while scrolling.
 */
export function eventsSpanDays(snap: ConsoleSnapshot): boolean {
  let day: number | null = null;
  const seen = (ts: number | null): boolean => {
    if (ts === null || !Number.isFinite(ts) || ts <= 0) return false; // notes from before the engine started
    const d = Math.floor(ts / DAY_MS);
    if (day === null) { day = d; return false; }
    return d !== day;
  };
  if (seen(snap.engineTime)) return true;
  for (const e of snap.events) if (seen(e.ts)) return true;
  return false;
}

function eventTime(ts: number, dated: boolean): string {
  if (!dated) return hms(ts);
  return Number.isFinite(ts) && ts > 0 ? `${new Date(ts).toISOString().slice(5, 10)} ${hms(ts)}` : `      ${hms(ts)}`;
}

/** The newest `rows` events, scrolled back `back` rows. */
export function eventLines(snap: ConsoleSnapshot, rows: number, back: number): { lines: Line[]; note: string } {
  const dated = eventsSpanDays(snap);
  const ev = snap.events;
  const maxBack = Math.max(0, ev.length - rows);
  const b = Math.min(Math.max(0, back), maxBack);
  const end = ev.length - b;
  const slice = ev.slice(Math.max(0, end - rows), end);
  const note = b > 0 ? `scrolled back ${b} (↓ to follow)` : `${snap.eventsTotal} total`;
  return { lines: slice.map((e) => ({ text: `${eventTime(e.ts, dated)} ${fit(e.kind, 8)} ${e.text}`, tone: KIND_TONE[e.kind], bold: e.kind === 'error' || e.kind === 'forced' })), note };
}

export function pnlLines(snap: ConsoleSnapshot, w: number, rows: number): Line[] {
  const s = snap.equitySeries;
  if (rows <= 0) return [];
  if (s.length < 2) return [{ text: 'equity: waiting for data', tone: 'dim' }];
  const first = s[0]!;
  const last = s[s.length - 1]!;
  const chg = last - first;
  // The 80x24 rule: lo / hi give way first, then the percentage; the figures shorten to k / M before
  // any is cut.
  const pct = `(${first !== 0 ? ((chg / first) * 100).toFixed(2) : '0'}%)`;
  const lo = Math.min(...s);
  const hi = Math.max(...s);
  // Funding (perpetuals), when any was paid or received: after lo / hi and the percentage, before
  // the figures shorten; its label shortens to "fund" and its figure to k / M last.
  const f = snap.funding ?? 0;
  const fund = (label: string, fig: string) => (f !== 0 ? `  ${label} ${fig}` : '');
  const tries = [
    `${money(last)}  ${money(chg, true)} ${pct}${fund('funding', money(f, true))}  lo ${money(lo)} hi ${money(hi)}`,
    `${money(last)}  ${money(chg, true)} ${pct}${fund('funding', money(f, true))}`,
    `${money(last)}  ${money(chg, true)}${fund('funding', money(f, true))}`,
    `${money(last)}  ${money(chg, true)}${fund('fund', money(f, true))}`,
    `${fitNumber(last, 'money', 7)} ${fitNumber(chg, 'pnl', 7)}${fund('fund', fitNumber(f, 'pnl', 7)).slice(1)}`,
  ];
  const label = tries.find((t) => t.length <= w) ?? tries[tries.length - 1]!;
  const chart = sparkRows(s, Math.max(1, w - 2), Math.max(1, rows - 1));
  const tone: Tone = chg >= 0 ? 'good' : 'bad';
  return [{ text: label, tone }, ...chart.map((c) => ({ text: c, tone }))];
}

export function killLine(snap: ConsoleSnapshot): string {
  const k = snap.ops.killLevel;
  return k === 0 ? 'off' : `${KILL_LEVEL_NAMES[k]}: ${snap.ops.killReason}`;
}
