/**
 * Client ids in typed columns, off the garbage-collected heap: `IdColumn` keeps each id as a
 * learned prefix and a counter (4 bytes a row), `IdIndex` finds a row by id through an
 * open-addressing hash table of row numbers in an Int32Array keyed by that code. A
 * Map<string, number> costs about 40 bytes an entry on the heap and keeps the id strings alive.
 * Rows are non-negative integers below 2^31.
 */
import { ChunkedU32 } from './columns.ts';

const EMPTY = -1;
const GONE = -2;

/** In an IdColumn's codes: an id of no learned shape (kept as a string in a side map). */
const OTHER_ID = 0xffffffff;
const VALUE_BITS = 26;
const VALUE_LIMIT = 1 << VALUE_BITS;
const MAX_PREFIXES = 32;

/**
 * Ids as a prefix and a counter, 4 bytes a row instead of a reference to a string of its own
 * (about 60 bytes each on the garbage-collected heap, kept alive for as long as any holder refers
 * to it). The engine's client ids are a prefix and a base-36 counter (client-ids.ts SequentialIds:
 * "smacrossbt1f"); the column learns the prefixes it sees (at most 32) and keeps every id of that
 * shape as (prefix index, counter), rebuilt as the same string on read. The counter is canonical
 * base 36 (digits and lowercase letters, no leading zero) below 2^26; any other id is kept as it came.
 */
export class IdColumn {
  private readonly prefixes: string[] = [];
  private readonly codes = new ChunkedU32();
  private readonly other = new Map<number, string>();
  private n = 0;

  get length(): number {
    return this.n;
  }

  /** Bytes held: 4 a row, and an estimate for the ids kept as strings. */
  get bytes(): number {
    let b = this.codes.bytes;
    for (const s of this.other.values()) b += 48 + 2 * s.length;
    return b;
  }

  /** Append an id; its row. */
  push(id: string): number {
    const i = this.n++;
    const c = this.encode(id, true);
    this.codes.set(i, c);
    if (c === OTHER_ID) this.other.set(i, id);
    return i;
  }

  at(i: number): string {
    const c = this.codes.get(i);
    if (c === OTHER_ID) return this.other.get(i)!;
    return this.prefixes[c >>> VALUE_BITS]! + (c & (VALUE_LIMIT - 1)).toString(36);
  }

  code(i: number): number {
    return this.codes.get(i);
  }

  /**
   * The id's code, or OTHER_ID. Prefixes are only ever appended and tried in order, so an id gets
   * the same code every time (once it has one).
   */
  encode(id: string, learn: boolean): number {
    const ps = this.prefixes;
    for (let p = 0; p < ps.length; p++) {
      const pre = ps[p]!;
      if (id.length > pre.length && id.startsWith(pre)) {
        const v = counterAt(id, pre.length);
        if (v >= 0) return ((p << VALUE_BITS) | v) >>> 0;
      }
    }
    if (!learn || ps.length >= MAX_PREFIXES) return OTHER_ID;
    // A new prefix: where the id parts from the last one learned (a counter that gained a digit
    // or changed its leading one), else all but the last character.
    let cut = id.length - 1;
    const last = ps[ps.length - 1];
    if (last !== undefined) {
      let k = 0;
      while (k < last.length && k < id.length && last.charCodeAt(k) === id.charCodeAt(k)) k++;
      if (k > 0 && k < id.length && counterAt(id, k) >= 0) cut = k;
    }
    if (cut < 1 || counterAt(id, cut) < 0) return OTHER_ID;
    ps.push(id.slice(0, cut));
    return (((ps.length - 1) << VALUE_BITS) | counterAt(id, cut)) >>> 0;
  }
}

/** The canonical base-36 counter id[from..] as a number below 2^26, or -1. */
function counterAt(id: string, from: number): number {
  const len = id.length - from;
  if (len < 1 || len > 6) return -1;
  if (len > 1 && id.charCodeAt(from) === 48) return -1;
  let v = 0;
  for (let k = from; k < id.length; k++) {
    const ch = id.charCodeAt(k);
    const d = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 122 ? ch - 87 : -1;
    if (d < 0) return -1;
    v = v * 36 + d;
  }
  return v < VALUE_LIMIT ? v : -1;
}

function mix(c: number): number {
  let h = Math.imul(c ^ (c >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * id -> row over an IdColumn, keyed by the ids' codes (no string is built or hashed for a coded
 * id): an open-addressing table of rows in an Int32Array, 3/8 to 3/4 full; ids of no learned
 * shape in a Map. Same contract as StringIndex: `set(id, row)` needs `col.at(row) === id`.
 */
export class IdIndex {
  private table = new Int32Array(64).fill(EMPTY);
  private mask = 63;
  private live = 0;
  private used = 0;
  private readonly other = new Map<string, number>();

  constructor(private readonly col: IdColumn) {}

  get size(): number {
    return this.live + this.other.size;
  }

  get bytes(): number {
    return this.table.length * 4 + this.other.size * 48;
  }

  get(id: string): number | undefined {
    if (this.other.size > 0) { const r = this.other.get(id); if (r !== undefined) return r; }
    const c = this.col.encode(id, false);
    if (c === OTHER_ID) return undefined;
    const slot = this.find(c);
    return slot < 0 ? undefined : this.table[slot]!;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, row: number): void {
    const c = this.col.code(row);
    if (c === OTHER_ID) { this.other.set(id, row); return; }
    if (this.other.size > 0) this.other.delete(id);
    const at = this.find(c);
    if (at >= 0) { this.table[at] = row; return; }
    if ((this.used + 1) * 4 > this.table.length * 3) this.rehash(this.live + 1);
    const t = this.table;
    let i = mix(c) & this.mask;
    while (t[i]! >= 0) i = (i + 1) & this.mask;
    if (t[i] === EMPTY) this.used++;
    t[i] = row;
    this.live++;
  }

  delete(id: string): boolean {
    if (this.other.size > 0 && this.other.delete(id)) return true;
    const c = this.col.encode(id, false);
    if (c === OTHER_ID) return false;
    const at = this.find(c);
    if (at < 0) return false;
    this.table[at] = GONE;
    this.live--;
    return true;
  }

  private find(c: number): number {
    const t = this.table;
    const m = this.mask;
    const col = this.col;
    for (let i = mix(c) & m; ; i = (i + 1) & m) {
      const r = t[i]!;
      if (r === EMPTY) return -1;
      if (r >= 0 && col.code(r) === c) return i;
    }
  }

  private rehash(need: number): void {
    let size = 64;
    while (size < need * 2) size *= 2;
    const old = this.table;
    const t = new Int32Array(size).fill(EMPTY);
    const m = size - 1;
    for (let k = 0; k < old.length; k++) {
      const r = old[k]!;
      if (r < 0) continue;
      let i = mix(this.col.code(r)) & m;
      while (t[i] !== EMPTY) i = (i + 1) & m;
      t[i] = r;
    }
    this.table = t;
    this.mask = m;
    this.used = this.live;
  }
}
