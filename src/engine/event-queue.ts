/** A binary min-heap ordered by (ts, seq): equal timestamps keep their arrival order. */
export interface Queued<T> {
  readonly ts: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T> {
  private heap: Queued<T>[] = [];
  private seq = 0;

  get size(): number { return this.heap.length; }

  push(ts: number, item: T): void {
    const h = this.heap;
    const e: Queued<T> = { ts, seq: this.seq++, item };
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  peekTime(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.heap[0]!.ts;
  }

  /** The item `pop` would return next, or null. */
  peekItem(): T | null {
    return this.heap.length === 0 ? null : this.heap[0]!.item;
  }

  pop(): Queued<T> | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        if (!less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

const less = <T>(a: Queued<T>, b: Queued<T>): boolean => a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
