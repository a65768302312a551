/**
 * Archived orders' requests in columns, not one object per order. A long backtest archives
 * hundreds of thousands of finished orders and each kept its request (an object and a boxed
 * quantity on the garbage-collected heap, kept twice: the registry's archive and the sim's).
 * Here a request is its shape (its keys in order, with its string and boolean values: symbol,
 * side, type, tif, tag ... of which a run has few) and up to three numbers (qty, limit, stop) in
 * number columns; `get` builds an object equal to the one that came in, keys in the same order.
 * A request with another kind of value (undefined, an object), more numbers, a class instance,
 * or past `maxShapes` distinct shapes is kept as it came.
 */
import type { OrderRequest } from '../domain/order.ts';
import { ChunkedScaled, ChunkedU32 } from '../util/columns.ts';

interface Shape {
  readonly keys: readonly string[];
  /** Per key: the value (string or boolean), or the number column it is in. */
  readonly fixed: readonly (string | boolean | null)[];
  readonly slot: readonly number[];
}

const NUMS = 3;
const RECENT = 4;

export class RequestColumns {
  private readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<string, number>();
  /** Shape index + 1 per row; 0 = kept as an object in `other`. */
  private readonly shape = new ChunkedU32();
  /** Exact 32-bit steps where they are (columns.ts ChunkedScaled): the first number is most often a quantity, the others prices. */
  private readonly nums: ChunkedScaled[] = [new ChunkedScaled(1e8), new ChunkedScaled(1e4), new ChunkedScaled(1e4)];
  private readonly other = new Map<number, OrderRequest>();
  /**
   * The shapes the latest requests had, newest first: a run repeats a handful (buy and sell of one
   * order type alternate), so most requests match one of these and build no key string.
   */
  private readonly recent: number[] = [];
  /** Shape indices by the request's symbol (whatever value it has), for runs with more shapes than `recent` holds. */
  private readonly bySymbol = new Map<unknown, number[]>();

  constructor(private readonly maxShapes = 4096) {}

  /** Bytes of the columns (the rare requests kept as objects not counted). */
  get bytes(): number {
    let b = this.shape.bytes;
    for (const c of this.nums) b += c.bytes;
    return b;
  }

  set(i: number, r: OrderRequest): void {
    const s = Object.getPrototypeOf(r) === Object.prototype ? this.shapeOf(r) : -1;
    if (s < 0) { this.shape.set(i, 0); this.other.set(i, r); return; }
    this.other.delete(i);
    this.shape.set(i, s + 1);
    const sh = this.shapes[s]!;
    const rec = r as unknown as Record<string, unknown>;
    for (let k = 0; k < sh.keys.length; k++) {
      const slot = sh.slot[k]!;
      if (slot >= 0) this.nums[slot]!.set(i, rec[sh.keys[k]!] as number);
    }
  }

  get(i: number): OrderRequest {
    const s = this.shape.get(i);
    if (s === 0) return this.other.get(i)!;
    const sh = this.shapes[s - 1]!;
    const o: Record<string, unknown> = {};
    for (let k = 0; k < sh.keys.length; k++) {
      const slot = sh.slot[k]!;
      o[sh.keys[k]!] = slot >= 0 ? this.nums[slot]!.get(i) : sh.fixed[k];
    }
    return o as unknown as OrderRequest;
  }

  /** The shape's index (added if new), or -1 when the request cannot be kept in columns. */
  private shapeOf(r: OrderRequest): number {
    const rec = r as unknown as Record<string, unknown>;
    const recent = this.recent;
    for (let j = 0; j < recent.length; j++) {
      const s = recent[j]!;
      if (this.matches(this.shapes[s]!, rec)) return s;
    }
    // Many symbols (a 50-symbol run has 100+ shapes): the shapes seen with this symbol, then the key.
    let s = -1;
    const same = this.bySymbol.get(rec['symbol']);
    if (same !== undefined) {
      for (let j = 0; j < same.length; j++) if (this.matches(this.shapes[same[j]!]!, rec)) { s = same[j]!; break; }
    }
    if (s < 0) {
      const before = this.shapes.length;
      s = this.lookUp(rec);
      if (s >= 0 && s >= before) {
        const list = this.bySymbol.get(rec['symbol']);
        if (list === undefined) this.bySymbol.set(rec['symbol'], [s]);
        else list.push(s);
      }
    }
    if (s >= 0) { recent.unshift(s); if (recent.length > RECENT) recent.pop(); }
    return s;
  }

  /** Whether `rec` has exactly this shape: the same keys in the same order, the same fixed values, numbers where the shape has them. */
  private matches(sh: Shape, rec: Record<string, unknown>): boolean {
    let k = 0;
    for (const key in rec) {
      if (!Object.hasOwn(rec, key)) return false;
      if (k === sh.keys.length || key !== sh.keys[k]) return false;
      const v = rec[key];
      if (sh.slot[k]! >= 0 ? typeof v !== 'number' : v !== sh.fixed[k]) return false;
      k++;
    }
    return k === sh.keys.length;
  }

  private lookUp(rec: Record<string, unknown>): number {
    let key = '';
    let n = 0;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (typeof v === 'number') { if (n === NUMS) return -1; n++; key += `${JSON.stringify(k)}#,`; }
      else if (typeof v === 'string' || typeof v === 'boolean') key += `${JSON.stringify(k)}:${JSON.stringify(v)},`;
      else return -1;
    }
    const had = this.shapeIndex.get(key);
    if (had !== undefined) return had;
    if (this.shapes.length >= this.maxShapes) return -1;
    const keys = Object.keys(rec);
    let slots = 0;
    const slot = keys.map((k) => (typeof rec[k] === 'number' ? slots++ : -1));
    const fixed = keys.map((k) => (typeof rec[k] === 'number' ? null : rec[k] as string | boolean));
    this.shapes.push({ keys, fixed, slot });
    this.shapeIndex.set(key, this.shapes.length - 1);
    return this.shapes.length - 1;
  }
}
