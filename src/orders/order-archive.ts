/**
 * Finished orders, out of the registry's hot maps: one row of columns each (numbers in typed
 * arrays, which the garbage collector never scans; strings and the request by reference). Kept for
 * the report and for what can still arrive about them: a late report (the FSM's canceled -> filled
 * rows) revives the order into the hot map and goes through the FSM like any other.
 */
import type { OrderRequest } from '../domain/order.ts';
import { ORDER_STATES, type OrderStatus } from './fsm.ts';
import { type Order, type OrderView } from './order.ts';
import { grownF64 as grown, grownU8 } from '../util/grow.ts';

const STATUS_CODE = new Map<OrderStatus, number>(ORDER_STATES.map((s, i) => [s, i]));

/** Everything of an order the archive keeps (the registry's OrderRecord has these). */
export type ArchivedOrder = Omit<Order, 'handle' | 'execIds' | 'hasExec' | 'addExec'> & {
  readonly seq: number;
  readonly execs: string | Set<string> | null;
};

const NUM = ['filledQty', 'avgFillPrice', 'fees', 'createdAt', 'updatedAt', 'filledLots', 'fillTickLots', 'lastVenueSeq', 'lastStatusTs', 'seq'] as const;
type NumField = (typeof NUM)[number];

export class OrderArchive {
  private readonly rows = new Map<string, number>();
  private n = 0;
  private readonly ids: string[] = [];
  private readonly requests: OrderRequest[] = [];
  private readonly venueIds: (string | null)[] = [];
  private readonly reasons: (string | null)[] = [];
  private readonly flags: (string | null)[] = [];
  private readonly execs: (string | Set<string> | null)[] = [];
  private status = new Uint8Array(64);
  /** returnTo's code + 1 (0 = null). */
  private returnTo = new Uint8Array(64);
  /** bit 0 external, bit 1 leftAlone. */
  private bits = new Uint8Array(64);
  private num: Record<NumField, Float64Array<ArrayBuffer>> = Object.fromEntries(NUM.map((k) => [k, new Float64Array(64)])) as Record<NumField, Float64Array<ArrayBuffer>>;
  private cap = 64;

  get size(): number {
    return this.rows.size;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  put(o: ArchivedOrder): void {
    const i = this.n++;
    if (i === this.cap) this.grow();
    this.ids.push(o.clientOrderId);
    this.requests.push(o.request);
    this.venueIds.push(o.venueOrderId);
    this.reasons.push(o.reason);
    this.flags.push(o.flagged);
    this.execs.push(o.execs);
    this.status[i] = STATUS_CODE.get(o.status)!;
    this.returnTo[i] = o.returnTo === null ? 0 : STATUS_CODE.get(o.returnTo)! + 1;
    this.bits[i] = (o.external ? 1 : 0) | (o.leftAlone ? 2 : 0);
    const num = this.num;
    num.filledQty[i] = o.filledQty;
    num.avgFillPrice[i] = o.avgFillPrice;
    num.fees[i] = o.fees;
    num.createdAt[i] = o.createdAt;
    num.updatedAt[i] = o.updatedAt;
    num.filledLots[i] = o.filledLots;
    num.fillTickLots[i] = o.fillTickLots;
    num.lastVenueSeq[i] = o.lastVenueSeq;
    num.lastStatusTs[i] = o.lastStatusTs;
    num.seq[i] = o.seq;
    this.rows.set(o.clientOrderId, i);
  }

  /** Double every column (rarely: log2 of the number of orders times). */
  private grow(): void {
    const need = this.cap * 2;
    this.status = grownU8(this.status, need);
    this.returnTo = grownU8(this.returnTo, need);
    this.bits = grownU8(this.bits, need);
    const num = { ...this.num };
    for (const k of NUM) num[k] = grown(num[k], need);
    this.num = num;
    this.cap = need;
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
    const o = this.row(i);
    // The row stays (columns are append-only) but nothing points at it; drop its references.
    this.execs[i] = null;
    return o;
  }

  view(id: string): OrderView | undefined {
    const i = this.rows.get(id);
    if (i === undefined) return undefined;
    const b = this.bits[i]!;
    const num = this.num;
    return {
      clientOrderId: this.ids[i]!, venueOrderId: this.venueIds[i]!, request: this.requests[i]!, status: ORDER_STATES[this.status[i]!]!,
      filledQty: num.filledQty[i]!, avgFillPrice: num.avgFillPrice[i]!, fees: num.fees[i]!, createdAt: num.createdAt[i]!, updatedAt: num.updatedAt[i]!,
      reason: this.reasons[i]!, flagged: this.flags[i]!, external: (b & 1) !== 0, leftAlone: (b & 2) !== 0,
    };
  }

  /** Every archived order, oldest row first. */
  *all(): IterableIterator<ArchivedOrder> {
    for (const i of this.rows.values()) yield this.row(i);
  }

  private row(i: number): ArchivedOrder {
    const b = this.bits[i]!;
    const r = this.returnTo[i]!;
    const num = this.num;
    return {
      clientOrderId: this.ids[i]!, request: this.requests[i]!, venueOrderId: this.venueIds[i]!, status: ORDER_STATES[this.status[i]!]!,
      returnTo: r === 0 ? null : ORDER_STATES[r - 1]!, filledQty: num.filledQty[i]!, avgFillPrice: num.avgFillPrice[i]!, fees: num.fees[i]!,
      createdAt: num.createdAt[i]!, updatedAt: num.updatedAt[i]!, reason: this.reasons[i]!, flagged: this.flags[i]!,
      external: (b & 1) !== 0, leftAlone: (b & 2) !== 0, filledLots: num.filledLots[i]!, fillTickLots: num.fillTickLots[i]!,
      lastVenueSeq: num.lastVenueSeq[i]!, lastStatusTs: num.lastStatusTs[i]!, seq: num.seq[i]!, execs: this.execs[i]!,
    };
  }
}
