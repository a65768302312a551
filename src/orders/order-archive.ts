/**
 * Finished orders, out of the registry's hot maps: one row of columns each (numbers in typed
 * arrays grown in chunks, which the garbage collector never scans; the simulated venue's order and
 * execution ids as numbers, the rare reason and flag in side maps; the id and the request by reference). Kept for
 * the report and for what can still arrive about them: a late report (the FSM's canceled -> filled
 * rows) revives the order into the hot map and goes through the FSM like any other.
 */
import type { OrderRequest } from '../domain/order.ts';
import { ORDER_STATES, type OrderStatus } from './fsm.ts';
import { type Order, type OrderView } from './order.ts';
import { ChunkedF64, ChunkedI32, ChunkedScaled, ChunkedU8 } from '../util/columns.ts';
import { IdColumn, IdIndex } from '../util/string-index.ts';
import { RequestColumns } from './request-columns.ts';

const STATUS_CODE = new Map<OrderStatus, number>(ORDER_STATES.map((s, i) => [s, i]));

/** Everything of an order the archive keeps (the registry's OrderRecord has these). */
export type ArchivedOrder = Omit<Order, 'handle' | 'execIds' | 'hasExec' | 'addExec'> & {
  readonly seq: number;
  readonly execs: string | Set<string> | null;
};

const NUM = ['filledQty', 'avgFillPrice', 'fees', 'createdAt', 'fillTickLots'] as const;
type NumField = (typeof NUM)[number];

/** The simulated venue's ids, `S<seq>` and `S<seq>-<n>` (no leading zeros: the numbers spell them back). */
const SIM_ORDER = /^S(0|[1-9]\d{0,14})$/;
const SIM_EXEC = /^S(0|[1-9]\d{0,14})-(0|[1-9]\d{0,14})$/;
/** In the packed id columns: no id, or an id of another shape (kept in a side map). */
const NONE = -2;
const OTHER = -1;

export class OrderArchive {
  /** Client ids as prefix + counter (4 bytes a row, no string kept: string-index.ts IdColumn). */
  private readonly ids = new IdColumn();
  /** Row per id (a typed hash table over the ids' codes, not a Map: off the GC heap). */
  private readonly rows = new IdIndex(this.ids);
  private n = 0;
  /** The requests in columns (request-columns.ts), not an object per order. */
  private readonly requests = new RequestColumns();
  /** Venue order id: the number of `S<n>`, NONE, or OTHER (then in otherVenueIds). */
  private readonly venueNo = new ChunkedI32();
  private readonly otherVenueIds = new Map<number, string>();
  /** Rare per-order strings, by row (most orders have neither). */
  private readonly reasons = new Map<number, string>();
  private readonly flags = new Map<number, string>();
  /** One execution id `S<a>-<b>` as two numbers (execA NONE: none, OTHER: in otherExecs). */
  private readonly execA = new ChunkedI32();
  private readonly execB = new ChunkedI32();
  /** Small integers at 4 bytes (anything else exact through a side map); times as deltas from createdAt. */
  private readonly filledLots = new ChunkedI32();
  private readonly lastVenueSeq = new ChunkedI32();
  private readonly seq = new ChunkedI32();
  private readonly updatedAt = new ChunkedI32();
  private readonly lastStatusTs = new ChunkedI32();
  private readonly otherExecs = new Map<number, string | Set<string>>();
  private readonly status = new ChunkedU8();
  /** returnTo's code + 1 (0 = null). */
  private readonly returnTo = new ChunkedU8();
  /** bit 0 external, bit 1 leftAlone, bit 2 the row is no longer the order's (taken or put again). */
  private readonly bits = new ChunkedU8();
  /** Exact 32-bit steps where they are (columns.ts ChunkedScaled), else plain numbers. */
  private readonly num: Record<NumField, ChunkedF64 | ChunkedScaled> = {
    filledQty: new ChunkedScaled(1e8), avgFillPrice: new ChunkedScaled(1e4), fees: new ChunkedScaled(1e6), createdAt: new ChunkedScaled(1, 1000), fillTickLots: new ChunkedF64(),
  };

  get size(): number {
    return this.rows.size;
  }

  /** Bytes held per row: the columns, the id references (8 bytes each) and the lookup table. */
  get bytes(): number {
    let b = this.ids.bytes + this.rows.bytes + this.requests.bytes + this.status.bytes + this.returnTo.bytes + this.bits.bytes;
    for (const c of [this.venueNo, this.execA, this.execB, this.filledLots, this.lastVenueSeq, this.seq, this.updatedAt, this.lastStatusTs]) b += c.bytes;
    for (const k of NUM) b += this.num[k].bytes;
    return b;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  put(o: ArchivedOrder): void {
    const was = this.rows.get(o.clientOrderId);
    if (was !== undefined) this.bits.set(was, this.bits.get(was) | 4);
    const i = this.n++;
    this.ids.push(o.clientOrderId);
    this.requests.set(i, o.request);
    const v = o.venueOrderId === null ? null : SIM_ORDER.exec(o.venueOrderId);
    if (o.venueOrderId === null) this.venueNo.set(i, NONE);
    else if (v !== null) this.venueNo.set(i, Number(v[1]));
    else { this.venueNo.set(i, OTHER); this.otherVenueIds.set(i, o.venueOrderId); }
    if (o.reason !== null) this.reasons.set(i, o.reason);
    if (o.flagged !== null) this.flags.set(i, o.flagged);
    this.setExecs(i, o.execs);
    this.status.set(i, STATUS_CODE.get(o.status)!);
    this.returnTo.set(i, o.returnTo === null ? 0 : STATUS_CODE.get(o.returnTo)! + 1);
    this.bits.set(i, (o.external ? 1 : 0) | (o.leftAlone ? 2 : 0));
    const num = this.num;
    num.filledQty.set(i, o.filledQty);
    num.avgFillPrice.set(i, o.avgFillPrice);
    num.fees.set(i, o.fees);
    num.createdAt.set(i, o.createdAt);
    this.updatedAt.setDelta(i, o.updatedAt, o.createdAt);
    this.filledLots.set(i, o.filledLots);
    num.fillTickLots.set(i, o.fillTickLots);
    this.lastVenueSeq.set(i, o.lastVenueSeq);
    this.lastStatusTs.setDelta(i, o.lastStatusTs, o.createdAt);
    this.seq.set(i, o.seq);
    this.rows.set(o.clientOrderId, i);
  }

  private setExecs(i: number, x: string | Set<string> | null): void {
    this.otherExecs.delete(i);
    const m = typeof x === 'string' ? SIM_EXEC.exec(x) : null;
    if (x === null) { this.execA.set(i, NONE); this.execB.set(i, 0); }
    else if (m !== null) { this.execA.set(i, Number(m[1])); this.execB.set(i, Number(m[2])); }
    else { this.execA.set(i, OTHER); this.execB.set(i, 0); this.otherExecs.set(i, x); }
  }

  private execsAt(i: number): string | Set<string> | null {
    const a = this.execA.get(i);
    return a === NONE ? null : a === OTHER ? this.otherExecs.get(i)! : `S${a}-${this.execB.get(i)}`;
  }

  private venueIdAt(i: number): string | null {
    const v = this.venueNo.get(i);
    return v === NONE ? null : v === OTHER ? this.otherVenueIds.get(i)! : `S${v}`;
  }

  /** The order as archived, or undefined. `take` also removes it (it is going back to the hot map). */
  get(id: string): ArchivedOrder | undefined {
    const i = this.rows.get(id);
    return i === undefined ? undefined : this.row(i);
  }

  take(id: string): ArchivedOrder | undefined {
    const i = this.rows.get(id);
    if (i === undefined) return undefined;
    this.rows.delete(id);
    this.bits.set(i, this.bits.get(i) | 4);
    const o = this.row(i);
    // The row stays (columns are append-only) but nothing points at it; drop its references.
    this.setExecs(i, null);
    this.reasons.delete(i);
    this.flags.delete(i);
    this.otherVenueIds.delete(i);
    return o;
  }

  view(id: string): OrderView | undefined {
    const i = this.rows.get(id);
    if (i === undefined) return undefined;
    const b = this.bits.get(i);
    const num = this.num;
    return {
      clientOrderId: this.ids.at(i), venueOrderId: this.venueIdAt(i), request: this.requests.get(i), status: ORDER_STATES[this.status.get(i)]!,
      filledQty: num.filledQty.get(i), avgFillPrice: num.avgFillPrice.get(i), fees: num.fees.get(i), createdAt: num.createdAt.get(i), updatedAt: this.updatedAt.getDelta(i, num.createdAt.get(i)),
      reason: this.reasons.get(i) ?? null, flagged: this.flags.get(i) ?? null, external: (b & 1) !== 0, leftAlone: (b & 2) !== 0,
    };
  }

  /** Every archived order, oldest row first. */
  *all(): IterableIterator<ArchivedOrder> {
    for (let i = 0; i < this.n; i++) if ((this.bits.get(i) & 4) === 0) yield this.row(i);
  }

  private row(i: number): ArchivedOrder {
    const b = this.bits.get(i);
    const r = this.returnTo.get(i);
    const num = this.num;
    return {
      clientOrderId: this.ids.at(i), request: this.requests.get(i), venueOrderId: this.venueIdAt(i), status: ORDER_STATES[this.status.get(i)]!,
      returnTo: r === 0 ? null : ORDER_STATES[r - 1]!, filledQty: num.filledQty.get(i), avgFillPrice: num.avgFillPrice.get(i), fees: num.fees.get(i),
      createdAt: num.createdAt.get(i), updatedAt: this.updatedAt.getDelta(i, num.createdAt.get(i)), reason: this.reasons.get(i) ?? null, flagged: this.flags.get(i) ?? null,
      external: (b & 1) !== 0, leftAlone: (b & 2) !== 0, filledLots: this.filledLots.get(i), fillTickLots: num.fillTickLots.get(i),
      lastVenueSeq: this.lastVenueSeq.get(i), lastStatusTs: this.lastStatusTs.getDelta(i, num.createdAt.get(i)), seq: this.seq.get(i), execs: this.execsAt(i),
    };
  }
}
