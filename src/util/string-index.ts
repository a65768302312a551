/**
 * id -> row for a table whose ids already sit in a column (an array of strings, or objects that
 * carry them): an open-addressing hash table of row numbers in an Int32Array, the key read back
 * from the table through `keyOf(row)` to confirm a hit. A Map<string, number> costs about 40 bytes
 * an entry on the garbage-collected heap; this costs 5 to 11 (slots of 4 bytes, 3/8 to 3/4 full),
 * out of the heap's sight. Rows are non-negative integers below 2^31.
 */
import { ChunkedU32 } from './columns.ts';

const EMPTY = -1;
const GONE = -2;

/** FNV-1a over the UTF-16 code units, 32 bits. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class StringIndex {
  private table = new Int32Array(64).fill(EMPTY);
  private mask = 63;
  /** Live entries, and live + tombstones (what fills the table). */
  private live = 0;
  private used = 0;
  /**
   * Each row's hash, kept (4 bytes a row) so growing the table moves rows without reading and
   * hashing their keys again (which was most of a long backtest's cost of this table).
   */
  private readonly hashes = new ChunkedU32();

  constructor(private readonly keyOf: (row: number) => string) {}

  get size(): number {
    return this.live;
  }

  get(id: string): number | undefined {
    const slot = this.find(id);
    return slot < 0 ? undefined : this.table[slot]!;
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** Point `id` at `row` (replacing its row if it has one). */
  set(id: string, row: number): void {
    const at = this.find(id);
    if (at >= 0) { this.hashes.set(row, this.hashes.get(this.table[at]!)); this.table[at] = row; return; }
    if ((this.used + 1) * 4 > this.table.length * 3) this.rehash(this.live + 1);
    const t = this.table;
    const h = hashOf(id);
    this.hashes.set(row, h);
    let i = h & this.mask;
    while (t[i]! >= 0) i = (i + 1) & this.mask;
    if (t[i] === EMPTY) this.used++;
    t[i] = row;
    this.live++;
  }

  delete(id: string): boolean {
    const at = this.find(id);
    if (at < 0) return false;
    this.table[at] = GONE;
    this.live--;
    return true;
  }

  /** The slot holding id, or -1. */
  private find(id: string): number {
    const t = this.table;
    const m = this.mask;
    for (let i = hashOf(id) & m; ; i = (i + 1) & m) {
      const r = t[i]!;
      if (r === EMPTY) return -1;
      if (r >= 0 && this.keyOf(r) === id) return i;
    }
  }

  /** A table at least twice `need` (at most half full after), tombstones dropped. */
  private rehash(need: number): void {
    let size = 64;
    while (size < need * 2) size *= 2;
    const old = this.table;
    const t = new Int32Array(size).fill(EMPTY);
    const m = size - 1;
    for (let k = 0; k < old.length; k++) {
      const r = old[k]!;
      if (r < 0) continue;
      let i = this.hashes.get(r) & m;
      while (t[i] !== EMPTY) i = (i + 1) & m;
      t[i] = r;
    }
    this.table = t;
    this.mask = m;
    this.used = this.live;
  }
}
