/**
 * The panes' content as pure functions of a snapshot: rows of text cut to a width. Kept apart from
 * the components so they are tested without rendering and reused by any layout.
 */
import type { OrderView } from '../../orders/order.ts';
import { isOpen } from '../../orders/fsm.ts';
import { KILL_LEVEL_NAMES } from '../../ops/kill-state.ts';
import { age, fit, hms, money, price, qty, sparkRows } from '../format.ts';
import type { ConsoleSnapshot, EventRow } from '../model.ts';
import type { Line } from './pane.tsx';
import type { Tone } from '../theme.tsx';

interface Col { readonly name: string; readonly w: number; readonly right?: boolean; readonly drop: number }

/** Columns in display order; `drop` says which go first when the pane is narrow (higher = earlier). */
const ORDER_COLS: readonly Col[] = [
  { name: 'client id', w: 16, drop: 0 }, { name: 'symbol', w: 9, drop: 0 }, { name: 'side', w: 4, drop: 0 },
  { name: 'type', w: 6, drop: 3 }, { name: 'qty', w: 10, right: true, drop: 0 }, { name: 'filled', w: 10, right: true, drop: 2 },
  { name: 'price', w: 10, right: true, drop: 0 }, { name: 'state', w: 15, drop: 0 }, { name: 'age', w: 5, right: true, drop: 1 },
];

function orderColumns(w: number): boolean[] {
  const keep = ORDER_COLS.map(() => true);
  const width = () => ORDER_COLS.reduce((a, c, i) => a + (keep[i] ? c.w + 1 : 0), 0);
  for (let d = 3; d >= 1 && width() > w; d--) ORDER_COLS.forEach((c, i) => { if (c.drop === d) keep[i] = false; });
  return keep;
}

export const ORDER_HEADER = (w: number): string => orderCells(w, ['client id', 'symbol', 'side', 'type', 'qty', 'filled', 'price', 'state', 'age', 'reason']);

function orderCells(w: number, c: readonly string[]): string {
  const keep = orderColumns(w);
  let s = '';
  ORDER_COLS.forEach((col, i) => { if (keep[i]) s += fit(c[i]!, col.w, col.right ? 'right' : 'left') + ' '; });
  const rest = Math.max(0, w - s.length);
  return (s + fit(c[9] ?? '', rest)).slice(0, w);
}

function orderPrice(o: OrderView): number | undefined {
  if (o.avgFillPrice > 0) return o.avgFillPrice;
  const r = o.request;
  return r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : r.type === 'stop' ? r.stopPrice : undefined;
}

export function orderLines(snap: ConsoleSnapshot, w: number): Line[] {
  const now = snap.engineTime ?? 0;
  return snap.orders.map((o) => {
    const r = o.request;
    const open = isOpen(o.status);
    const tone: Tone | null = o.status === 'denied' || o.status === 'rejected' || o.flagged ? 'bad' : o.status === 'filled' ? 'good' : open ? 'accent' : 'dim';
    const reason = o.flagged ?? o.reason ?? (r.tag ? `(${r.tag})` : '');
    return {
      text: orderCells(w, [o.clientOrderId, r.symbol, r.side, r.type, qty(r.qty), qty(o.filledQty), price(orderPrice(o)), o.status + (o.external ? ' ext' : ''), age(now - o.createdAt), reason]),
      tone,
    };
  });
}

export const POSITION_HEADER = (w: number): string => positionCells(w, ['symbol', 'qty', 'avg', 'last', 'unrealized', 'realized']);

function positionCells(w: number, c: readonly string[]): string {
  const widths = w >= 70 ? [10, 12, 11, 11, 12, 12] : w >= 58 ? [9, 9, 9, 9, 10, 10] : [8, 8, 9, 9, 10, 0];
  // Narrow: the realized column goes first (it is also in the P&L line).
  let s = '';
  for (let i = 0; i < widths.length; i++) if (widths[i]! > 0) s += fit(c[i]!, widths[i]!, i === 0 ? 'left' : 'right') + ' ';
  return s.slice(0, Math.max(0, w - 1));
}

export function positionLines(snap: ConsoleSnapshot, w: number): Line[] {
  if (snap.positions.length === 0) return [{ text: 'flat: no positions', tone: 'dim' }];
  return snap.positions.map((p) => ({
    text: positionCells(w, [p.symbol, qty(p.qty), price(p.avgPrice), price(p.lastPrice), money(p.unrealizedPnl, true), money(p.realizedPnl, true)]),
    tone: p.qty === 0 ? 'dim' : p.unrealizedPnl < 0 ? 'bad' : 'good',
  }));
}

const GATE_MARK = { pass: '✔ pass', warn: '! warn', fail: '✖ FAIL' } as const;

export function gateLines(snap: ConsoleSnapshot, _w: number): Line[] {
  const g = snap.ops.gates;
  if (g.length === 0) return [{ text: snap.ops.gatesRunning ? 'running pre-flight checks…' : 'no gates run (g runs them)', tone: 'dim' }];
  const out: Line[] = [];
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
  if (g.length === 0) return { text: snap.ops.gatesRunning ? 'gates: running…' : 'gates: not run', tone: 'dim' };
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

const KIND_TONE: Record<EventRow['kind'], Tone | null> = { order: null, fill: 'good', info: 'dim', warn: 'warn', error: 'bad', state: 'warn', operator: 'accent' };

/** The newest `rows` events, scrolled back `back` rows. */
export function eventLines(snap: ConsoleSnapshot, rows: number, back: number): { lines: Line[]; note: string } {
  const ev = snap.events;
  const maxBack = Math.max(0, ev.length - rows);
  const b = Math.min(Math.max(0, back), maxBack);
  const end = ev.length - b;
  const slice = ev.slice(Math.max(0, end - rows), end);
  const note = b > 0 ? `scrolled back ${b} (↓ to follow)` : `${snap.eventsTotal} total`;
  return { lines: slice.map((e) => ({ text: `${hms(e.ts)} ${fit(e.kind, 8)} ${e.text}`, tone: KIND_TONE[e.kind], bold: e.kind === 'error' })), note };
}

export function pnlLines(snap: ConsoleSnapshot, w: number, rows: number): Line[] {
  const s = snap.equitySeries;
  if (rows <= 0) return [];
  if (s.length < 2) return [{ text: 'equity: waiting for data', tone: 'dim' }];
  const first = s[0]!;
  const last = s[s.length - 1]!;
  const chg = last - first;
  const label = `${money(last)}  ${money(chg, true)} (${first !== 0 ? ((chg / first) * 100).toFixed(2) : '0'}%)  lo ${money(Math.min(...s))} hi ${money(Math.max(...s))}`;
  const chart = sparkRows(s, Math.max(1, w - 2), Math.max(1, rows - 1));
  const tone: Tone = chg >= 0 ? 'good' : 'bad';
  return [{ text: label, tone }, ...chart.map((c) => ({ text: c, tone }))];
}

export function killLine(snap: ConsoleSnapshot): string {
  const k = snap.ops.killLevel;
  return k === 0 ? 'off' : `${KILL_LEVEL_NAMES[k]}: ${snap.ops.killReason}`;
}
