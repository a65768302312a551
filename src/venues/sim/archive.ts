/**
 * What the simulated venue keeps of the past, in columns: every order that left its book and every
 * execution, queryable by client order id and by time (crash recovery and `executionsSince` need
 * both), at a few typed-array slots each instead of an object per order and per execution. A
 * long backtest keeps hundreds of thousands of them: as objects they were most of what the garbage
 * collector had to copy and mark; numbers in typed arrays are never scanned.
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderRequest } from '../../domain/order.ts';
import type { VenueExecution } from '../../ports/index.ts';
import { grownF64 as grown, grownU8 } from '../../util/grow.ts';

export type EndedLife = 'filled' | 'canceled' | 'expired';
const LIVES: readonly EndedLife[] = ['filled', 'canceled', 'expired'];

/** What a finished order was, as a query reports it. */
export interface EndedOrder {
  readonly clientOrderId: string;
  readonly seq: number;
  readonly inst: Instrument;
  readonly request: OrderRequest;
  readonly life: EndedLife;
  readonly filledLots: number;
  readonly submitTs: number;
  readonly updatedTs: number;
  readonly fillValue: number;
  readonly fillQty: number;
}

/** Orders that left the book, and ids refused at entry (which may be used again). */
export class EndedOrders {
  /** Row per client order id; -1 = refused at entry. */
  private readonly rows = new Map<string, number>();
  private n = 0;
  private ids: string[] = [];
  private insts: Instrument[] = [];
  private requests: OrderRequest[] = [];
  private life = new Uint8Array(64);
  private seq = new Float64Array(64);
  private filledLots = new Float64Array(64);
  private submitTs = new Float64Array(64);
  private updatedTs = new Float64Array(64);
  private fillValue = new Float64Array(64);
  private fillQty = new Float64Array(64);

  get size(): number {
    return this.rows.size;
  }

  /** 'rejected' for an id refused at entry, the life of a finished order, undefined if never seen here. */
  lifeOf(id: string): EndedLife | 'rejected' | undefined {
    const r = this.rows.get(id);
    return r === undefined ? undefined : r < 0 ? 'rejected' : LIVES[this.life[r]!]!;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  refused(id: string): void {
    this.rows.set(id, -1);
  }

  /** An id that was refused is used again by an accepted order. */
  forget(id: string): void {
    if (this.rows.size > 0) this.rows.delete(id);
  }

  add(o: Omit<EndedOrder, 'life'>, life: EndedLife): void {
    const i = this.n++;
    if (i === this.life.length) {
      const need = i * 2;
      this.life = grownU8(this.life, need);
      this.seq = grown(this.seq, need);
      this.filledLots = grown(this.filledLots, need);
      this.submitTs = grown(this.submitTs, need);
      this.updatedTs = grown(this.updatedTs, need);
      this.fillValue = grown(this.fillValue, need);
      this.fillQty = grown(this.fillQty, need);
    }
    this.ids.push(o.clientOrderId);
    this.insts.push(o.inst);
    this.requests.push(o.request);
    this.life[i] = LIVES.indexOf(life);
    this.seq[i] = o.seq;
    this.filledLots[i] = o.filledLots;
    this.submitTs[i] = o.submitTs;
    this.updatedTs[i] = o.updatedTs;
    this.fillValue[i] = o.fillValue;
    this.fillQty[i] = o.fillQty;
    this.rows.set(o.clientOrderId, i);
  }

  get(id: string): EndedOrder | undefined {
    const i = this.rows.get(id);
    if (i === undefined || i < 0) return undefined;
    return {
      clientOrderId: this.ids[i]!, seq: this.seq[i]!, inst: this.insts[i]!, request: this.requests[i]!, life: LIVES[this.life[i]!]!,
      filledLots: this.filledLots[i]!, submitTs: this.submitTs[i]!, updatedTs: this.updatedTs[i]!, fillValue: this.fillValue[i]!, fillQty: this.fillQty[i]!,
    };
  }
}

/**
 * Every execution, in the order they happened. The execution id is rebuilt from the venue order's
 * sequence and the execution's number on it (`S<seq>-<n>`, how the venue spells them).
 */
export class ExecutionLog {
  private n = 0;
  private ids: string[] = [];
  private symbols: string[] = [];
  private buy = new Uint8Array(64);
  private seq = new Float64Array(64);
  private no = new Float64Array(64);
  private qty = new Float64Array(64);
  private price = new Float64Array(64);
  private fee = new Float64Array(64);
  private ts = new Float64Array(64);
  /** False once a late event (a push feed's) put an execution before an earlier one. */
  private inOrder = true;

  get length(): number {
    return this.n;
  }

  add(clientOrderId: string, seq: number, no: number, symbol: string, buy: boolean, qty: number, price: number, fee: number, ts: number): void {
    const i = this.n++;
    if (i > 0 && this.ts[i - 1]! > ts) this.inOrder = false;
    if (i === this.buy.length) {
      const need = i * 2;
      this.buy = grownU8(this.buy, need);
      this.seq = grown(this.seq, need);
      this.no = grown(this.no, need);
      this.qty = grown(this.qty, need);
      this.price = grown(this.price, need);
      this.fee = grown(this.fee, need);
      this.ts = grown(this.ts, need);
    }
    this.ids.push(clientOrderId);
    this.symbols.push(symbol);
    this.buy[i] = buy ? 1 : 0;
    this.seq[i] = seq;
    this.no[i] = no;
    this.qty[i] = qty;
    this.price[i] = price;
    this.fee[i] = fee;
    this.ts[i] = ts;
  }

  /** Executions at or after ts, oldest first. */
  since(ts: number): VenueExecution[] {
    const out: VenueExecution[] = [];
    if (this.inOrder) {
      for (let i = this.firstAtOrAfter(ts); i < this.n; i++) out.push(this.at(i));
    } else {
      for (let i = 0; i < this.n; i++) if (this.ts[i]! >= ts) out.push(this.at(i));
    }
    return out;
  }

  private at(i: number): VenueExecution {
    return {
      clientOrderId: this.ids[i]!, execId: `S${this.seq[i]!}-${this.no[i]!}`, symbol: this.symbols[i]!, side: this.buy[i] === 1 ? 'buy' : 'sell',
      qty: this.qty[i]!, price: this.price[i]!, fee: this.fee[i]!, ts: this.ts[i]!,
    };
  }

  private firstAtOrAfter(ts: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
