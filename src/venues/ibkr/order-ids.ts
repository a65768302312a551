/**
 * IB's integer order ids. TWS says, in nextValidId, the lowest id it will take from this client;
 * an id is never used twice, not even across restarts (TWS refuses a reused id with 103, and a
 * reused id on an order that still works would MODIFY that order). So the highest id handed out is
 * persisted next to the account's journal, through the file-system port, before the id leaves:
 * ids are reserved in blocks (one fsync per block, not per order), and a restart starts above the
 * block, skipping a few ids rather than reusing any.
 *
 * The id map (IB order id <-> our client order id) is the adapter's only memory of orders; it is a
 * cache of what TWS says (the orderRef of every openOrder and execution carries our id) and is
 * rebuilt from TWS at every (re)connect.
 */
import { writeFileDurable } from '../../util/durable-file.ts';
import { join } from 'node:path';
import { z } from 'zod';
import { errorCode, type FileSystem } from '../../ports/file-system.ts';
import type { OrderRequest } from '../../domain/order.ts';

export const ORDER_IDS_FILE = 'ibkr-order-ids.json';

const Saved = z.strictObject({ reservedThrough: z.number().int().nonnegative(), clientId: z.number().int().optional() });

export interface OrderIdOptions {
  readonly fs: FileSystem;
  /** The account's store folder (state/ibkr-DU.../). */
  readonly dir: string;
  /** Ids reserved per write (default 100). */
  readonly block?: number;
}

export class OrderIdAllocator {
  /** The next id to hand out (null until TWS's nextValidId or the saved mark says). */
  private nextId: number;
  /** Every id up to here is reserved on disk. */
  private reserved: number;
  private readonly block: number;
  private readonly path: string;

  constructor(private readonly o: OrderIdOptions) {
    this.block = Math.max(1, Math.floor(o.block ?? 100));
    this.path = join(o.dir, ORDER_IDS_FILE);
    this.reserved = this.load();
    this.nextId = this.reserved + 1;
  }

  /** TWS's nextValidId (at every connect, and after reqIds): ids below it are never handed out. */
  observeNextValid(id: number): void {
    if (Number.isInteger(id) && id > this.nextId) this.nextId = id;
  }

  /** An id TWS has shown us in use (an open order, an execution): never hand it out again. */
  observeUsed(id: number): void {
    if (Number.isInteger(id) && id >= this.nextId) this.nextId = id + 1;
  }

  /** A fresh id, durable on disk before it is returned. */
  next(): number {
    const id = this.nextId;
    if (id > this.reserved) this.persist(id + this.block - 1);
    this.nextId = id + 1;
    return id;
  }

  /** The highest id reserved on disk (tests). */
  get reservedThrough(): number {
    return this.reserved;
  }

  private load(): number {
    let text: string;
    try {
      text = this.o.fs.readText(this.path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return 0;
      throw err;
    }
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { raw = undefined; }
    const p = Saved.safeParse(raw);
    if (!p.success) throw new Error(`${this.path} is unreadable (${p.error.issues[0]?.message ?? 'not JSON'}): IB order ids must never be reused; fix or remove it only after checking TWS's highest order id`);
    return p.data.reservedThrough;
  }

  private persist(through: number): void {
    this.o.fs.mkdir(this.o.dir);
    writeFileDurable(this.path, `${JSON.stringify({ reservedThrough: through })}\n`, this.o.fs);
    this.reserved = through;
  }
}

/** TWS's last word on one of our IB orders: its terms and its latest orderStatus. */
export interface IbOrderWord {
  /** The terms placed or last shown by an openOrder. */
  request?: OrderRequest;
  /** The latest orderStatus (TWS's status name, cumulative filled quantity, average price, when heard). */
  status?: { readonly status: string; readonly filled: number; readonly avgFillPrice: number; readonly ts: number };
}

/**
 * IB order id <-> client order id (our orderRef), with TWS's last word on each order. A cache of
 * TWS's word, never a source of truth: it answers "where does the order stand" when TWS itself can
 * no longer be asked (a Filled order whose executions are not visible, reqCompletedOrders unsupported).
 */
export class IdMap {
  private readonly byIb = new Map<number, string>();
  private readonly byCid = new Map<string, number>();
  private readonly words = new Map<number, IbOrderWord>();

  /** Note the terms of an IB order (placed, or as an openOrder shows them). */
  noteTerms(ibId: number, request: OrderRequest): void {
    const w = this.words.get(ibId);
    if (w === undefined) this.words.set(ibId, { request });
    else w.request = request;
  }

  /** Note the latest orderStatus of an IB order. */
  noteStatus(ibId: number, status: NonNullable<IbOrderWord['status']>): void {
    const w = this.words.get(ibId);
    if (w === undefined) this.words.set(ibId, { status });
    else w.status = status;
  }

  /** What TWS last said about an IB order. */
  wordOf(ibId: number): Readonly<IbOrderWord> | undefined {
    return this.words.get(ibId);
  }

  set(ibId: number, cid: string): void {
    const old = this.byCid.get(cid);
    if (old !== undefined && old !== ibId) { this.byIb.delete(old); this.words.delete(old); }
    this.byIb.set(ibId, cid);
    this.byCid.set(cid, ibId);
  }

  cidOf(ibId: number): string | undefined {
    return this.byIb.get(ibId);
  }

  ibOf(cid: string): number | undefined {
    return this.byCid.get(cid);
  }

  cids(): IterableIterator<string> {
    return this.byCid.keys();
  }

  get size(): number {
    return this.byIb.size;
  }
}
