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

/**
 * Numbers kept as 32-bit integers where that is exact, 4 bytes a slot instead of 8: each chunk of
 * 16,384 slots holds `(v * div - base) / mul` as an Int32Array (base: the chunk's first value,
 * times div), and becomes a Float64Array of the plain numbers the first time a value does not come
 * back exactly that way (a finer fraction, a range wider than 2^31 steps, -0, NaN). So every number
 * reads back exactly as written; only the memory depends on the data. Times in ms: `mul` 1000
 * (whole seconds) or 1; prices and quantities: `div` a power of ten.
 */
export class ChunkedScaled {
  private readonly chunks: (Int32Array | Float64Array)[] = [];
  /** Per chunk: its base, or NaN once it holds plain numbers. */
  private readonly bases: number[] = [];
  constructor(private readonly div = 1, private readonly mul = 1) {}

  set(i: number, v: number): void {
    const c = i >>> SHIFT;
    while (c >= this.chunks.length) { this.chunks.push(new Int32Array(CHUNK)); this.bases.push(Number.NaN); this.fresh.push(true); }
    const a = this.chunks[c]!;
    if (a instanceof Float64Array) { a[i & MASK] = v; return; }
    if (this.fresh[c]) {
      const b = Math.round(v * this.div);
      if (Number.isSafeInteger(b)) { this.bases[c] = b; this.fresh[c] = false; }
    }
    const b = this.bases[c]!;
    const k = Math.round((v * this.div - b) / this.mul);
    if (k === (k | 0) && (b + k * this.mul) / this.div === v && !Object.is(v, -0)) { a[i & MASK] = k; return; }
    const f = new Float64Array(CHUNK);
    if (!this.fresh[c]) for (let j = 0; j < CHUNK; j++) f[j] = (b + a[j]! * this.mul) / this.div;
    f[i & MASK] = v;
    this.chunks[c] = f;
    this.bases[c] = Number.NaN;
    this.fresh[c] = false;
  }

  get(i: number): number {
    const c = i >>> SHIFT;
    const r = this.chunks[c]![i & MASK]!;
    const b = this.bases[c]!;
    return b === b ? (b + r * this.mul) / this.div : r;
  }

  get bytes(): number {
    let n = 0;
    for (const a of this.chunks) n += a.byteLength;
    return n;
  }

  /** Chunks not written yet (their base is set by the first value). */
  private readonly fresh: boolean[] = [];
}
