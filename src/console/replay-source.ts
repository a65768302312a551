/**
 * The replay player: a cursor over a recording that hands the console the same ConsoleSnapshot a
 * live session does, built from the state at the cursor (recording.ts). Playback advances the
 * cursor in data time at a chosen pace; the keys step, seek and jump between events of a kind.
 *
 * The snapshot is a function of the cursor and the player's settings only (speed, kind, playing),
 * so the screen for an event is the same whichever way the cursor got there. Nothing here holds a
 * venue or an engine: a replay cannot place an order.
 */
import type { OrderView } from '../orders/order.ts';
import type { PositionView } from '../portfolio/portfolio.ts';
import type { TradingState } from '../risk/trading-state.ts';
import { type ConsoleSnapshot, type EventKind as RowKind, type EventRow, type SnapshotSource } from './model.ts';
import { EMPTY_OPS } from '../ops/view.ts';
import type { GateResult } from '../ops/gates/types.ts';
import { FLAG, NAV_KINDS, NAV_LABEL, type NavKind } from '../recording/format.ts';
import type { Recording } from '../recording/recording.ts';
import { tradingDayCalendarOf } from '../risk/daily-loss.ts';
import { DayTracker } from './day-pnl.ts';

/** Data-time multiples of wall time; 0 = as fast as the screen redraws (one frame's worth of events). */
export const SPEEDS: readonly number[] = [1, 10, 60, 300, 1800, 3600, 36_000, 0];
const DEFAULT_SPEED = 3; // 300x: a one-minute bar every 200 ms, like a paper session
const TICK_MS = 100;
const MAX_EVENTS_PER_TICK = 5000;
const LOG_ROWS = 300;

export interface ReplayKey {
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly tab?: boolean;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
}

export interface PlayerOptions {
  /** Wall clock (tests pass a fake one). */
  readonly wallNow?: () => number;
  /** Start at this event (default 0). */
  readonly start?: number;
}

export function speedLabel(s: number): string {
  return s === 0 ? 'max' : `${s}x`;
}

/**
 * Where `g` jumps: "#1234" (event number), "+5m" / "-2h" / "+30s" (from the cursor), "14:30" or
 * "14:30:05" (that time on the cursor's UTC day), or an ISO time (UTC unless it has an offset).
 */
export function parseJump(text: string, rec: Recording, cursor: number): number | string {
  const s = text.trim();
  if (s === '') return 'type a time (14:30, 2024-03-04T14:30, +5m, -1h) or #event';
  const ev = /^#(\d+)$/.exec(s);
  if (ev !== null) {
    const n = Number(ev[1]);
    if (n < 1 || n > rec.total) return `event numbers go from 1 to ${rec.total}`;
    return n - 1;
  }
  const now = rec.total > 0 ? rec.timeOf(Math.max(0, cursor)) : 0;
  const rel = /^([+-])(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s);
  if (rel !== null) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[3] as 'ms' | 's' | 'm' | 'h' | 'd'];
    const t = now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * unit;
    return rec.indexAtTime(t);
  }
  const hm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (hm !== null) {
    const day = Math.floor(now / 86_400_000) * 86_400_000;
    return rec.indexAtTime(day + Number(hm[1]) * 3_600_000 + Number(hm[2]) * 60_000 + Number(hm[3] ?? 0) * 1000);
  }
  const iso = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : `${s}Z`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return `cannot read "${s}" as a time: try 14:30, 2024-03-04T14:30, +5m or #1234`;
  return rec.indexAtTime(t);
}

function rowKind(kind: string, flags: number, text: string): RowKind {
  if ((flags & FLAG.error) !== 0) return 'error';
  if ((flags & FLAG.operator) !== 0) return 'operator';
  if ((flags & (FLAG.rejection | FLAG.gateFailure)) !== 0) return 'warn';
  if (kind === 'fill') return 'fill';
  if (kind === 'order' || kind === 'decision' || kind === 'report') return 'order';
  if (kind === 'state') return 'state';
  if (kind === 'log' && text.startsWith('[warn')) return 'warn';
  return 'info';
}

/**
 * The gate results a recording holds, in event order. The gates report through the engine log
 * (source "gates", the result as fields; older recordings: the text "PASS Title: detail (fix)"),
 * and a `gate` record may carry one too.
 */
function gateResultsOf(rec: Recording): { index: number; result: GateResult }[] {
  const out: { index: number; result: GateResult }[] = [];
  for (let i = 0; i < rec.total; i++) {
    const k = rec.kindOf(i);
    if (k !== 'log' && k !== 'gate') continue;
    // Only the gates' own log lines are parsed: a chatty strategy's million logs cost a text search each.
    if (k === 'log' && !rec.lineIncludes(i, '"src":"gates"')) continue;
    const r = rec.record(i);
    if (r.k === 'gate') {
      out.push({ index: i, result: { id: r.name, title: r.name, status: r.ok ? 'pass' : 'fail', detail: r.detail ?? '', fix: '' } });
      continue;
    }
    if (r.k !== 'log' || r.src !== 'gates') continue;
    const g = gateFromFields(r.fields?.['gate']);
    if (g !== null) { out.push({ index: i, result: g }); continue; }
    const m = /^(PASS|WARN|FAIL) ([^:]+): ([\s\S]*)$/.exec(r.msg);
    if (m !== null) out.push({ index: i, result: { id: m[2]!, title: m[2]!, status: m[1]!.toLowerCase() as GateResult['status'], detail: m[3]!, fix: '' } });
  }
  return out;
}

function gateFromFields(v: unknown): GateResult | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string';
  if (!str(o['id']) || !str(o['title']) || !str(o['detail']) || !(o['status'] === 'pass' || o['status'] === 'warn' || o['status'] === 'fail')) return null;
  return { id: o['id'], title: o['title'], status: o['status'], detail: o['detail'], fix: str(o['fix']) ? o['fix'] : '' };
}

/**
 * Where each trading day of a recording began: its market events fed, in order, through the tracker
 * the live console uses, on the calendar the engine used (from the recorded instruments). A market
 * event is recorded as it arrives, before the fills and orders it causes; the live console sees it
 * once all of those are handled, so its equity is the one just before the next market event.
 */
function dayStartsOf(rec: Recording): { index: number; equity: number }[] {
  const days = new DayTracker(tradingDayCalendarOf(rec.header?.instruments ?? []));
  const out: { index: number; equity: number }[] = [];
  const book = { at: 0, equity: () => rec.equityOf(book.at) };
  let pending = -1;
  const handled = (next: number): void => {
    if (pending < 0) return;
    book.at = next - 1;
    if (days.onMarket(rec.timeOf(pending), book)) out.push({ index: pending, equity: days.dayStart()!.equity });
  };
  for (let i = 0; i < rec.total; i++) {
    const k = rec.kindOf(i);
    if (k !== 'bar' && k !== 'quote' && k !== 'trade') continue;
    handled(i);
    pending = i;
  }
  handled(rec.total);
  return out;
}

export class ReplayPlayer implements SnapshotSource {
  private cursorIdx: number;
  private speedIdx = DEFAULT_SPEED;
  private kindIdx = 0;
  private playingFlag = false;
  private promptText: string | null = null;
  private message: string | null = null;
  private snap: ConsoleSnapshot;
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  /** Data time the playback has reached (between events at slow speeds). */
  private playT = 0;
  private readonly wallNow: () => number;
  private lastTick = 0;
  /** Event index and equity where each trading day began (the live console's rule, day-pnl.ts). */
  private readonly dayStarts: readonly { readonly index: number; readonly equity: number }[];
  /** Every recorded gate result with its event index (the gates pane at a cursor). */
  private readonly gateResults: readonly { readonly index: number; readonly result: GateResult }[];

  constructor(readonly rec: Recording, opts: PlayerOptions = {}) {
    this.wallNow = opts.wallNow ?? Date.now;
    this.dayStarts = dayStartsOf(rec);
    this.gateResults = gateResultsOf(rec);
    this.cursorIdx = rec.total === 0 ? -1 : Math.max(0, Math.min(rec.total - 1, opts.start ?? 0));
    if (rec.warnings.length > 0) this.message = `${rec.warnings.length} warning(s) opening the recording: ${rec.warnings.map((w) => w.message).join(' | ')}`;
    this.snap = this.build();
  }

  // ---------- SnapshotSource ----------

  get(): ConsoleSnapshot {
    return this.snap;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  // ---------- state ----------

  get cursor(): number {
    return this.cursorIdx;
  }

  get playing(): boolean {
    return this.playingFlag;
  }

  get speed(): number {
    return SPEEDS[this.speedIdx]!;
  }

  get seekKind(): NavKind {
    return NAV_KINDS[this.kindIdx]!;
  }

  get prompt(): string | null {
    return this.promptText;
  }

  // ---------- commands ----------

  seek(i: number): void {
    if (this.rec.total === 0) return;
    this.cursorIdx = Math.max(0, Math.min(this.rec.total - 1, i));
    this.playT = this.rec.timeOf(this.cursorIdx);
    this.changed();
  }

  step(n: number): void {
    this.pause();
    this.message = null;
    this.seek(this.cursorIdx + n);
  }

  seekTime(t: number): void {
    this.seek(this.rec.indexAtTime(t));
  }

  /** Next (dir 1) or previous (dir -1) event of the chosen kind. */
  jumpKind(dir: 1 | -1): void {
    this.pause();
    const k = this.seekKind;
    const i = dir === 1 ? this.rec.findNext(this.cursorIdx, k) : this.rec.findPrev(this.cursorIdx, k);
    if (i === null) this.message = `no ${dir === 1 ? 'later' : 'earlier'} ${NAV_LABEL[k]}`;
    else { this.message = null; this.seek(i); return; }
    this.changed();
  }

  cycleKind(): void {
    this.kindIdx = (this.kindIdx + 1) % NAV_KINDS.length;
    this.message = `n / N now jump to the next / previous ${NAV_LABEL[this.seekKind]}`;
    this.changed();
  }

  faster(): void {
    this.speedIdx = Math.min(SPEEDS.length - 1, this.speedIdx + 1);
    this.changed();
  }

  slower(): void {
    this.speedIdx = Math.max(0, this.speedIdx - 1);
    this.changed();
  }

  play(): void {
    if (this.playingFlag || this.rec.total === 0) return;
    if (this.cursorIdx >= this.rec.total - 1) this.seek(0);
    this.playingFlag = true;
    this.message = null;
    this.playT = this.rec.timeOf(this.cursorIdx);
    this.lastTick = this.wallNow();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.changed();
  }

  pause(): void {
    if (!this.playingFlag) return;
    this.playingFlag = false;
    if (this.timer !== null) { clearInterval(this.timer); this.timer = null; }
    this.changed();
  }

  toggle(): void {
    if (this.playingFlag) this.pause(); else this.play();
  }

  /** Advance playback by the wall time since the last tick (the timer calls this). */
  tick(): void {
    if (!this.playingFlag) return;
    const now = this.wallNow();
    const dt = Math.max(0, now - this.lastTick);
    this.lastTick = now;
    const last = this.rec.total - 1;
    let next: number;
    if (this.speed === 0) next = this.cursorIdx + MAX_EVENTS_PER_TICK;
    else {
      this.playT += dt * this.speed;
      next = Math.max(this.cursorIdx, this.rec.indexAtTime(this.playT));
      // Never skip more than a screen can follow; never stall on a long gap either.
      next = Math.min(next, this.cursorIdx + MAX_EVENTS_PER_TICK);
    }
    if (next >= last) {
      this.cursorIdx = last;
      this.message = 'end of the recording';
      this.pause();
      this.changed();
      return;
    }
    if (next !== this.cursorIdx) {
      const t = this.playT;
      this.seek(next);
      if (this.speed !== 0) this.playT = Math.max(t, this.rec.timeOf(next));
    }
  }

  /**
   * The replay's keys, offered to the console before its own. Returns true when the key was used
   * (tab, ↑/↓, ?, q stay with the console).
   */
  handleKey(input: string, key: ReplayKey): boolean {
    if (this.promptText !== null) {
      if (key.escape === true) { this.promptText = null; this.message = 'jump canceled'; }
      else if (key.return === true) {
        const r = parseJump(this.promptText, this.rec, this.cursorIdx);
        this.promptText = null;
        if (typeof r === 'string') this.message = r;
        else { this.pause(); this.message = null; this.seek(r); return true; }
      } else if (key.backspace === true || key.delete === true) this.promptText = this.promptText.slice(0, -1);
      else if (input !== '' && key.ctrl !== true && key.meta !== true) this.promptText += input;
      this.changed();
      return true;
    }
    if (key.ctrl === true || key.meta === true) return false;
    if (key.rightArrow === true) { this.step(1); return true; }
    if (key.leftArrow === true) { this.step(-1); return true; }
    switch (input) {
      case ' ': this.toggle(); return true;
      case ']': this.faster(); return true;
      case '[': this.slower(); return true;
      case 'n': this.jumpKind(1); return true;
      case 'N': this.jumpKind(-1); return true;
      case 'k': this.cycleKind(); return true;
      case 'g': this.pause(); this.promptText = ''; this.changed(); return true;
      case '0': this.step(-this.cursorIdx); return true;
      case '$': this.step(this.rec.total); return true;
      default: return false;
    }
  }

  dispose(): void {
    this.pause();
    this.listeners.clear();
  }

  // ---------- snapshots ----------

  private changed(): void {
    this.snap = this.build();
    for (const l of this.listeners) l();
  }

  /** Day P&L at event i, as the live console showed it after that event (0 before any market data). */
  private dayPnl(i: number, equity: number): number {
    const d = this.dayStarts;
    let lo = 0;
    let hi = d.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid]!.index <= i) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best < 0 ? 0 : equity - d[best]!.equity;
  }

  /** The latest recorded result of each gate at or before event i, in the order the gates first reported. */
  private gatesAt(i: number): GateResult[] {
    const latest = new Map<string, GateResult>();
    for (const g of this.gateResults) {
      if (g.index > i) break;
      latest.set(g.result.id, g.result);
    }
    return [...latest.values()];
  }

  private build(): ConsoleSnapshot {
    const rec = this.rec;
    const h = rec.header;
    const i = this.cursorIdx;
    const st = rec.stateAt(i);
    const orders = st.orders as readonly OrderView[];
    const open = orders.filter((o) => o.status !== 'filled' && o.status !== 'canceled' && o.status !== 'rejected' && o.status !== 'denied' && o.status !== 'expired' && o.status !== 'lost' && o.status !== 'initialized')
      .sort((a, b) => b.createdAt - a.createdAt);
    const openIds = new Set(open.map((o) => o.clientOrderId));
    const closed = orders.filter((o) => !openIds.has(o.clientOrderId)).sort((a, b) => b.updatedAt - a.updatedAt);
    const events: EventRow[] = rec.logAt(i, LOG_ROWS).map((l) => ({
      seq: l.index + 1, ts: l.t, kind: rowKind(l.kind, l.flags, l.text), text: l.index === i ? `▶ #${l.index + 1} ${l.text}` : `#${l.index + 1} ${l.text}`,
    }));
    const equity = st.account.equity;
    const atEnd = i === rec.total - 1;
    const name = rec.dir.split(/[\\/]/).pop() ?? '';
    return {
      seq: ++this.seq,
      info: {
        mode: 'replay', venue: h?.venue ?? '?', account: h?.account.id ?? '-', strategy: h?.strategy.name ?? '?',
        session: name, ...(h !== null ? { id: h.sessionId } : {}), sessionDir: rec.dir, pace: speedLabel(this.speed), inProcessVenue: true,
      },
      wallTime: this.wallNow(),
      engineTime: i >= 0 ? rec.timeOf(i) : null,
      running: !(atEnd && rec.clean),
      ended: null,
      currency: st.account.currency,
      equity,
      dayPnl: i >= 0 ? this.dayPnl(i, equity) : 0,
      realized: st.account.realizedPnl,
      fees: st.account.fees,
      connection: { state: 'in-process', heartbeatAgeMs: null, detail: 'replay: no venue, no orders can be placed' },
      trading: st.tradingState as TradingState,
      ops: { ...EMPTY_OPS, gates: this.gatesAt(i), reconcileUnavailable: 'replay: there is no venue to reconcile with' },
      orders: [...open, ...closed],
      openOrders: open.length,
      positions: st.positions as readonly PositionView[],
      events,
      eventsTotal: i + 1,
      equitySeries: rec.equitySeries(i, 400).map((p) => p.equity),
      eventsProcessed: i + 1,
      replay: {
        cursor: i, total: rec.total, playing: this.playingFlag, speed: speedLabel(this.speed), seekKind: NAV_LABEL[this.seekKind],
        prompt: this.promptText, message: this.message, clean: rec.clean, warnings: rec.warnings.length,
      },
    };
  }
}
