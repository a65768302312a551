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
