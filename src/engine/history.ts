/**
 * Bounded rolling windows of bars per symbol, in typed arrays (no object per bar kept).
 * The window only ever holds bars the engine has already delivered: the future is unreachable.
 */
import type { Bar } from '../domain/market.ts';

export class BarRing {
  readonly capacity: number;
  private readonly ts: Float64Array;
  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly v: Float64Array;
  private head = -1; // index of the newest bar
  private count = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new Error(`history capacity must be >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.ts = new Float64Array(capacity);
    this.o = new Float64Array(capacity);
    this.h = new Float64Array(capacity);
    this.l = new Float64Array(capacity);
    this.c = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  push(bar: Bar): void {
    const i = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.ts[i] = bar.ts;
    this.o[i] = bar.open;
    this.h[i] = bar.high;
    this.l[i] = bar.low;
    this.c[i] = bar.close;
    this.v[i] = bar.volume;
    this.head = i;
    if (this.count < this.capacity) this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** Physical index of the bar `ago` bars back (0 = newest). */
  private at(ago: number): number {
    if (ago < 0 || ago >= this.count || !Number.isInteger(ago)) {
      throw new RangeError(`history: ${ago} bars ago is outside the ${this.count} bars held`);
    }
    const i = this.head - ago;
    return i < 0 ? i + this.capacity : i;
  }

  close(ago = 0): number { return this.c[this.at(ago)]!; }
  open(ago = 0): number { return this.o[this.at(ago)]!; }
  high(ago = 0): number { return this.h[this.at(ago)]!; }
  low(ago = 0): number { return this.l[this.at(ago)]!; }
  volume(ago = 0): number { return this.v[this.at(ago)]!; }
  time(ago = 0): number { return this.ts[this.at(ago)]!; }
}

/** A read-only view of the newest `length` bars of one symbol; index 0 is the newest. */
export interface BarHistory {
  readonly symbol: string;
  /** Bars available, at most the number asked for. */
  readonly length: number;
  close(ago?: number): number;
  open(ago?: number): number;
  high(ago?: number): number;
  low(ago?: number): number;
  volume(ago?: number): number;
  time(ago?: number): number;
  /** Oldest first, for charts and indicators that want arrays. Allocates. */
  closes(): number[];
}

/** One small object per call: a view taken earlier keeps its own window length. */
export class HistoryView implements BarHistory {
  readonly length: number;
  constructor(readonly symbol: string, private readonly ring: BarRing, n: number) {
    this.length = Math.max(0, Math.min(Math.floor(n), ring.length));
  }
  private check(ago: number): number {
    if (ago >= this.length) throw new RangeError(`history(${this.symbol}): ${ago} bars ago is outside the ${this.length}-bar window`);
    return ago;
  }
  close(ago = 0): number { return this.ring.close(this.check(ago)); }
  open(ago = 0): number { return this.ring.open(this.check(ago)); }
  high(ago = 0): number { return this.ring.high(this.check(ago)); }
  low(ago = 0): number { return this.ring.low(this.check(ago)); }
  volume(ago = 0): number { return this.ring.volume(this.check(ago)); }
  time(ago = 0): number { return this.ring.time(this.check(ago)); }
  closes(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.ring.close(this.length - 1 - i);
    return out;
  }
}
