/**
 * Small incremental building blocks for strategies: O(1) per bar, typed arrays, no allocation.
 * The same object runs in every mode, so an indicator cannot differ between backtest and live.
 */
export class RollingSum {
  private readonly buf: Float64Array;
  private i = 0;
  private n = 0;
  /** Sum of the newest `size` values pushed (or of all of them while fewer were pushed). */
  sum = 0;
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`RollingSum size must be a positive integer, got ${size}`);
    this.buf = new Float64Array(size);
  }
  push(x: number): void {
    if (this.n === this.size) this.sum -= this.buf[this.i]!;
    else this.n++;
    this.buf[this.i] = x;
    this.sum += x;
    this.i = this.i + 1 === this.size ? 0 : this.i + 1;
  }
  /** True once `size` values have been pushed. */
  get full(): boolean {
    return this.n === this.size;
  }
  get count(): number {
    return this.n;
  }
}
