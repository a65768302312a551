/**
 * What the simulated venue keeps of the past, in columns: every order that left its book and every
 * execution, queryable by client order id and by time (crash recovery and `executionsSince` need
 * both), at a few typed-array slots each (grown in fixed chunks: no doubling copy, no idle half) instead of an object per order and per execution. A
 * long backtest keeps hundreds of thousands of them: as objects they were most of what the garbage
 * collector had to copy and mark; numbers in typed arrays are never scanned.
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderRequest } from '../../domain/order.ts';
import type { VenueExecution } from '../../ports/index.ts';
import { ChunkedF64, ChunkedI32, ChunkedScaled, ChunkedU32, ChunkedU8 } from '../../util/columns.ts';
import { RequestColumns } from '../../orders/request-columns.ts';
import { IdColumn, IdIndex } from '../../util/string-index.ts';

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
  /** Client ids as prefix + counter (4 bytes a row, no string kept: string-index.ts IdColumn). */
  private readonly ids = new IdColumn();
  /** Instruments are kept once each, by index. */
  private readonly instList: Instrument[] = [];
  private readonly instIndex = new Map<Instrument, number>();
  /** Row per client order id (a typed hash table over `ids`, not a Map: 8 bytes an order off the GC heap). */
  private readonly rows = new IdIndex(this.ids);
  /** Ids refused at entry (no row). */
  private readonly refusedIds = new Set<string>();
  private n = 0;
  private readonly inst = new ChunkedU32();
  /** The requests in columns (request-columns.ts), not an object per order. */
  private readonly requests = new RequestColumns();
  private readonly life = new ChunkedU8();
  /** Small integers at 4 bytes (anything else exact through a side map); updatedTs as a delta from submitTs. */
  private readonly seq = new ChunkedI32();
  private readonly filledLots = new ChunkedI32();
  /** Times, quantities, prices as exact 32-bit steps where they are (columns.ts ChunkedScaled). */
  private readonly submitTs = new ChunkedScaled(1, 1000);
  private readonly updatedTs = new ChunkedI32();
  private readonly fillValue = new ChunkedF64();
  private readonly fillQty = new ChunkedScaled(1e8);

  get size(): number {
    return this.rows.size + this.refusedIds.size;
  }

  /** Bytes held: the columns, the id references (8 bytes each) and the lookup table. */
  get bytes(): number {
    return this.ids.bytes + this.rows.bytes + this.requests.bytes + this.inst.bytes + this.life.bytes + this.seq.bytes + this.filledLots.bytes
      + this.submitTs.bytes + this.updatedTs.bytes + this.fillValue.bytes + this.fillQty.bytes;
  }

  /** 'rejected' for an id refused at entry, the life of a finished order, undefined if never seen here. */
  lifeOf(id: string): EndedLife | 'rejected' | undefined {
    if (this.refusedIds.size > 0 && this.refusedIds.has(id)) return 'rejected';
    const r = this.rows.get(id);
    return r === undefined ? undefined : LIVES[this.life.get(r)]!;
  }

  has(id: string): boolean {
    return (this.refusedIds.size > 0 && this.refusedIds.has(id)) || this.rows.has(id);
  }

  refused(id: string): void {
    this.rows.delete(id);
    this.refusedIds.add(id);
  }

  /** An id that was refused is used again by an accepted order. */
  forget(id: string): void {
    if (this.refusedIds.size > 0) this.refusedIds.delete(id);
    if (this.rows.size > 0) this.rows.delete(id);
  }

  add(o: Omit<EndedOrder, 'life'>, life: EndedLife): void {
    const i = this.n++;
    this.ids.push(o.clientOrderId);
    let k = this.instIndex.get(o.inst);
    if (k === undefined) { k = this.instList.length; this.instList.push(o.inst); this.instIndex.set(o.inst, k); }
    this.inst.set(i, k);
    this.requests.set(i, o.request);
    this.life.set(i, LIVES.indexOf(life));
    this.seq.set(i, o.seq);
    this.filledLots.set(i, o.filledLots);
    this.submitTs.set(i, o.submitTs);
    this.updatedTs.setDelta(i, o.updatedTs, o.submitTs);
    this.fillValue.set(i, o.fillValue);
    this.fillQty.set(i, o.fillQty);
    if (this.refusedIds.size > 0) this.refusedIds.delete(o.clientOrderId);
    this.rows.set(o.clientOrderId, i);
  }

  get(id: string): EndedOrder | undefined {
    if (this.refusedIds.size > 0 && this.refusedIds.has(id)) return undefined;
    const i = this.rows.get(id);
    if (i === undefined) return undefined;
    return {
      clientOrderId: this.ids.at(i), seq: this.seq.get(i), inst: this.instList[this.inst.get(i)]!, request: this.requests.get(i), life: LIVES[this.life.get(i)]!,
      filledLots: this.filledLots.get(i), submitTs: this.submitTs.get(i), updatedTs: this.updatedTs.getDelta(i, this.submitTs.get(i)), fillValue: this.fillValue.get(i), fillQty: this.fillQty.get(i),
    };
  }
}

/**
 * Every execution, in the order they happened. The execution id is rebuilt from the venue order's
 * sequence and the execution's number on it (`S<seq>-<n>`, how the venue spells them).
 */
export class ExecutionLog {
  private n = 0;
  private readonly ids = new IdColumn();
  /** The symbol by index (symbolList), not a reference per execution. */
  private readonly symbol = new ChunkedU32();
  private readonly symbolList: string[] = [];
  private readonly symbolIndex = new Map<string, number>();
  private readonly buy = new ChunkedU8();
  private readonly seq = new ChunkedI32();
  private readonly no = new ChunkedI32();
  /** Exact 32-bit steps where they are (columns.ts ChunkedScaled), else plain numbers. */
  private readonly qty = new ChunkedScaled(1e8);
  private readonly price = new ChunkedScaled(1e4);
  private readonly fee = new ChunkedScaled(1e6);
  private readonly ts = new ChunkedScaled(1, 1000);
  /** False once a late event (a push feed's) put an execution before an earlier one. */
  private inOrder = true;

  get length(): number {
    return this.n;
  }

  /** Bytes held: the columns and the id references (8 bytes each). */
  get bytes(): number {
    return this.ids.bytes + this.symbol.bytes + this.buy.bytes + this.seq.bytes + this.no.bytes + this.qty.bytes + this.price.bytes + this.fee.bytes + this.ts.bytes;
  }

  add(clientOrderId: string, seq: number, no: number, symbol: string, buy: boolean, qty: number, price: number, fee: number, ts: number): void {
    const i = this.n++;
    if (i > 0 && this.ts.get(i - 1) > ts) this.inOrder = false;
    this.ids.push(clientOrderId);
    let k = this.symbolIndex.get(symbol);
    if (k === undefined) { k = this.symbolList.length; this.symbolList.push(symbol); this.symbolIndex.set(symbol, k); }
    this.symbol.set(i, k);
    this.buy.set(i, buy ? 1 : 0);
    this.seq.set(i, seq);
    this.no.set(i, no);
    this.qty.set(i, qty);
    this.price.set(i, price);
    this.fee.set(i, fee);
    this.ts.set(i, ts);
  }

  /** Executions at or after ts, oldest first. */
  since(ts: number): VenueExecution[] {
    const out: VenueExecution[] = [];
    if (this.inOrder) {
      for (let i = this.firstAtOrAfter(ts); i < this.n; i++) out.push(this.at(i));
    } else {
      for (let i = 0; i < this.n; i++) if (this.ts.get(i) >= ts) out.push(this.at(i));
    }
    return out;
  }

  private at(i: number): VenueExecution {
    return {
      clientOrderId: this.ids.at(i), execId: `S${this.seq.get(i)}-${this.no.get(i)}`, symbol: this.symbolList[this.symbol.get(i)]!, side: this.buy.get(i) === 1 ? 'buy' : 'sell',
      qty: this.qty.get(i), price: this.price.get(i), fee: this.fee.get(i), ts: this.ts.get(i),
    };
  }

  private firstAtOrAfter(ts: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts.get(mid) < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
