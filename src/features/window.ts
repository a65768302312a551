/**
 * A fixed-capacity window of the last `capacity` numbers pushed: O(1) push, bounded memory. The
 * features recompute their statistics over it each bar (O(n)) instead of keeping running sums, so
 * no value ever carries rounding drift or sum-of-squares cancellation from bars long gone: the value
 * at a bar is a function of the window alone, whatever came before it.
 */
export class Window {
  readonly capacity: number;
  private readonly buf: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.buf = new Float64Array(capacity);
  }

  push(x: number): void {
    this.buf[this.next] = x;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.filled < this.capacity) this.filled++;
  }

  get full(): boolean {
    return this.filled === this.capacity;
  }

  get size(): number {
    return this.filled;
  }

  /** The i-th value, oldest first (0 = oldest held, size - 1 = the newest). */
  at(i: number): number {
    const start = this.filled < this.capacity ? 0 : this.next;
    const j = start + i;
    return this.buf[j >= this.capacity ? j - this.capacity : j]!;
  }

  /** The newest value (NaN when empty). */
  get last(): number {
    return this.filled === 0 ? Number.NaN : this.at(this.filled - 1);
  }
}
