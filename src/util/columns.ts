/**
 * Append-only number columns grown in fixed chunks of 16,384 slots: no doubling copy (a doubled
 * array briefly needs three times the data) and no half-empty tail, so a column of a million rows
 * costs what it holds. Numbers in typed arrays are never scanned by the garbage collector.
 */
const SHIFT = 14;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class ChunkedF64 {
  private readonly chunks: Float64Array[] = [];
  /** Write slot i; slots are written in order (i at most one past the last chunk's end). */
  set(i: number, v: number): void {
    const c = i >>> SHIFT;
    while (c >= this.chunks.length) this.chunks.push(new Float64Array(CHUNK));
    this.chunks[c]![i & MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
  get bytes(): number {
    return this.chunks.length * CHUNK * 8;
  }
}

export class ChunkedU32 {
  private readonly chunks: Uint32Array[] = [];
  set(i: number, v: number): void {
    const c = i >>> SHIFT;
    while (c >= this.chunks.length) this.chunks.push(new Uint32Array(CHUNK));
    this.chunks[c]![i & MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
  get bytes(): number {
    return this.chunks.length * CHUNK * 4;
  }
}

export class ChunkedU8 {
  private readonly chunks: Uint8Array[] = [];
  set(i: number, v: number): void {
    const c = i >>> SHIFT;
    while (c >= this.chunks.length) this.chunks.push(new Uint8Array(CHUNK));
    this.chunks[c]![i & MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
  get bytes(): number {
    return this.chunks.length * CHUNK;
  }
}

const NOT_INT = -2147483648;

/**
 * Numbers that are mostly 32-bit integers (sequence numbers, counts, small deltas) at 4 bytes a
 * slot; any other value (a fraction, -0, NaN, a large number) goes to a side map, so every number
 * comes back exactly as written.
 */
export class ChunkedI32 {
  private readonly chunks: Int32Array[] = [];
  private readonly other = new Map<number, number>();
  set(i: number, v: number): void {
    const c = i >>> SHIFT;
    while (c >= this.chunks.length) this.chunks.push(new Int32Array(CHUNK));
    if ((v | 0) === v && v !== NOT_INT && !Object.is(v, -0)) {
      this.chunks[c]![i & MASK] = v;
      if (this.other.size > 0) this.other.delete(i);
    } else {
      this.chunks[c]![i & MASK] = NOT_INT;
      this.other.set(i, v);
    }
  }
  get(i: number): number {
    const r = this.chunks[i >>> SHIFT]![i & MASK]!;
    return r === NOT_INT ? this.other.get(i)! : r;
  }
  /** Write v as its difference from `base` when that gives v back exactly, else v itself, flagged. */
  setDelta(i: number, v: number, base: number): void {
    const d = v - base;
    if ((d | 0) === d && d !== NOT_INT && !Object.is(d, -0) && base + d === v && !Object.is(v, -0)) { this.set(i, d); return; }
    const c = i >>> SHIFT;
    while (c >= this.chunks.length) this.chunks.push(new Int32Array(CHUNK));
    this.chunks[c]![i & MASK] = NOT_INT;
    this.other.set(i, v);
  }
  getDelta(i: number, base: number): number {
    const r = this.chunks[i >>> SHIFT]![i & MASK]!;
    return r === NOT_INT ? this.other.get(i)! : base + r;
  }
  get bytes(): number {
    return this.chunks.length * CHUNK * 4;
  }
}
