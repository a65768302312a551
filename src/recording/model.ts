/**
 * The state a replay shows at a cursor: positions, orders, account, trading state, recent fills.
 *
 * The model never re-derives the ledger: a fill record carries the engine's position and account
 * right after the fill, a snapshot carries the whole book, an order record the order's full view.
 * Between them only marks move, and equity and unrealized P&L follow the marks linearly:
 *   equity = equity at the last fill or snapshot + sum(qty x multiplier x fx x (mark - mark then)).
 * Every update is "set to what the engine said", so the state after event i depends only on the
 * snapshot it started from and the records applied since: the same cursor gives the same state
 * whichever way it was reached.
 */
import { isOpen } from '../orders/fsm.ts';
import type { OrderStatus } from '../orders/fsm.ts';
import type {
  Counts, EventRecord, Header, RecordedAccount, RecordedFill, RecordedOrderView, RecordedPosition,
  RecordedTradingState, SnapRecord,
} from './format.ts';

const RECENT_CLOSED = 20;
const RECENT_FILLS = 50;

export interface ReplayState {
  /** Event number (0-based) the state is after; -1 = before the first event. */
  readonly index: number;
  /** Engine time of that event. */
  readonly t: number;
  readonly positions: readonly RecordedPosition[];
  readonly account: RecordedAccount;
  /** Open orders (oldest first), then the most recently closed ones (newest last). */
  readonly orders: readonly RecordedOrderView[];
  readonly fills: readonly RecordedFill[];
  readonly tradingState: RecordedTradingState;
  readonly marks: Readonly<Record<string, number>>;
  readonly counts: Counts;
}

interface PosRef {
  readonly view: RecordedPosition;
  /** The mark the view's unrealized P&L was computed at. */
  readonly mark: number;
}

export class ReplayModel {
  private readonly mult = new Map<string, number>();
  private readonly fx = new Map<string, number>();
  private readonly currency: string;
  private readonly startCash: number;
  private marks = new Map<string, number>();
  /** Engine time of the market record each mark came from (absent: from a fill or a snapshot). */
  private markT = new Map<string, number>();
  private positions = new Map<string, PosRef>();
  private acct!: RecordedAccount;
  private acctMarks = new Map<string, number>();
  private open = new Map<string, RecordedOrderView>();
  private closed = new Map<string, RecordedOrderView>();
  private fills: RecordedFill[] = [];
  private trading: RecordedTradingState = { status: 'active', reason: 'start', since: 0 };
  private counts: { -readonly [K in keyof Counts]: number } = { orders: 0, fills: 0, decisions: 0, rejections: 0, errors: 0 };
  t = 0;

  constructor(header: Header | null) {
    this.currency = header?.account.currency ?? 'USD';
    this.startCash = header?.account.cash ?? 0;
    const rates = (header?.config.account as { fxRates?: Record<string, unknown> } | undefined)?.fxRates ?? {};
    for (const [c, r] of Object.entries(rates)) if (typeof r === 'number') this.fx.set(c, r);
    for (const i of header?.instruments ?? []) {
      const rate = i.quoteCurrency === this.currency ? 1 : this.fx.get(i.quoteCurrency) ?? 1;
      this.mult.set(i.symbol, i.multiplier * rate);
    }
    this.reset(null);
  }

  /** Back to the session's start (null) or to a recorded snapshot. */
  reset(snap: SnapRecord | null): void {
    this.marks = new Map();
    this.markT = new Map();
    this.positions = new Map();
    this.acctMarks = new Map();
    this.open = new Map();
    this.closed = new Map();
    if (snap === null) {
      const c = this.startCash;
      this.acct = { currency: this.currency, cash: c, cashByCurrency: { [this.currency]: c }, equity: c, buyingPower: c, marginUsed: 0, realizedPnl: 0, fees: 0 };
      this.fills = [];
      this.trading = { status: 'active', reason: 'start', since: 0 };
      this.counts = { orders: 0, fills: 0, decisions: 0, rejections: 0, errors: 0 };
      this.t = 0;
      return;
    }
    for (const [s, p] of Object.entries(snap.marks)) this.marks.set(s, p);
    for (const p of snap.positions) {
      this.positions.set(p.symbol, { view: p, mark: p.lastPrice });
      // The snapshot's equity was computed at the positions' own last prices.
      this.marks.set(p.symbol, p.lastPrice);
      this.acctMarks.set(p.symbol, p.lastPrice);
    }
    this.acct = snap.account;
    for (const o of snap.orders) {
      if (isOpen(o.status as OrderStatus)) this.open.set(o.clientOrderId, o);
      else this.closed.set(o.clientOrderId, o);
    }
    this.fills = [...snap.fills];
    this.trading = snap.state;
    this.counts = { ...snap.counts };
    this.t = snap.t;
  }

  apply(r: EventRecord): void {
    this.t = r.t;
    switch (r.k) {
      case 'bar': this.marks.set(r.s, r.c); this.markT.set(r.s, r.t); return;
      case 'quote': this.marks.set(r.s, (r.b + r.a) / 2); this.markT.set(r.s, r.t); return;
      case 'trade': this.marks.set(r.s, r.p); this.markT.set(r.s, r.t); return;
      // The engine marks positions at warm-up closes too.
      case 'warmup': for (const b of r.bars) this.marks.set(b.s, b.c); return;
      case 'fill': {
        const f = r.f;
        // The engine's account in the record values this position at the fill price. A fill the
        // venue made on a market event is recorded after that event but happened before the engine
        // marked the symbol to it: the event's price stays the mark (what the engine shows once the
        // event is handled). A fill between market events leaves the fill price as the mark.
        this.acct = r.acct;
        this.acctMarks = new Map(this.marks);
        this.acctMarks.set(f.symbol, r.pos.lastPrice);
        if (this.markT.get(f.symbol) !== r.t) { this.marks.set(f.symbol, f.price); this.markT.delete(f.symbol); }
        this.positions.set(f.symbol, { view: r.pos, mark: r.pos.lastPrice });
        this.fills.push(f);
        if (this.fills.length > RECENT_FILLS) this.fills.shift();
        this.counts.fills++;
        return;
      }
      case 'order': {
        const o = r.o;
        if (r.ev === 'submit' || r.ev === 'deny') this.counts.orders++;
        if (r.ev === 'deny') this.counts.rejections++;
        if (isOpen(o.status as OrderStatus)) {
          this.open.set(o.clientOrderId, o);
          this.closed.delete(o.clientOrderId);
        } else {
          this.open.delete(o.clientOrderId);
          this.closed.delete(o.clientOrderId);
          this.closed.set(o.clientOrderId, o);
          if (this.closed.size > RECENT_CLOSED) this.closed.delete(this.closed.keys().next().value!);
        }
        return;
      }
      case 'report': {
        const k = r.r.kind;
        if (k === 'rejected' || k === 'cancel_rejected' || k === 'replace_rejected') this.counts.rejections++;
        return;
      }
      case 'state': this.trading = r.st; return;
      case 'decision': this.counts.decisions++; return;
      case 'error': this.counts.errors++; return;
      case 'log': if (r.level === 'error') this.counts.errors++; return;
      default: return;
    }
  }

  equity(): number {
    let eq = this.acct.equity;
    for (const [sym, p] of this.positions) {
      const q = p.view.qty;
      if (q === 0) continue;
      const now = this.marks.get(sym);
      const then = this.acctMarks.get(sym) ?? now;
      if (now === undefined || then === undefined) continue;
      eq += q * (this.mult.get(sym) ?? 1) * (now - then);
    }
    return eq;
  }

  view(index: number): ReplayState {
    const positions: RecordedPosition[] = [];
    for (const [sym, p] of this.positions) {
      const v = p.view;
      const mark = this.marks.get(sym) ?? p.mark;
      const u = v.qty === 0 ? 0 : v.unrealizedPnl + v.qty * (this.mult.get(sym) ?? 1) * (mark - p.mark);
      if (v.qty !== 0 || v.realizedPnl !== 0) positions.push({ ...v, lastPrice: mark, unrealizedPnl: u });
    }
    const marks: Record<string, number> = {};
    for (const [s, p] of this.marks) marks[s] = p;
    return {
      index,
      t: this.t,
      positions,
      account: { ...this.acct, equity: this.equity() },
      orders: [...this.open.values(), ...this.closed.values()],
      fills: [...this.fills],
      tradingState: this.trading,
      marks,
      counts: { ...this.counts },
    };
  }
}
