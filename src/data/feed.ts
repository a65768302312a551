/**
 * Columnar series as the engine's pull feed. One series: an index increment and one `Bar` object
 * per call. Several: a k-way merge by timestamp; equal timestamps come out in the order the series
 * were given, so a run is the same every time.
 */
import type { Bar } from '../domain/market.ts';
import type { PullFeed } from '../ports/index.ts';
import type { BarSeries } from './series.ts';

/** Above this many series a binary heap beats scanning every head per bar. */
const SCAN_MAX = 8;

export class SeriesFeed implements PullFeed {
  readonly kind = 'pull' as const;
  /** Total bars over all series. */
  readonly size: number;
  private readonly series: readonly BarSeries[];
  /** Next index per series. */
  private readonly pos: Int32Array;
  /** Series index of the next bar, -1 when exhausted. */
  private cur = -1;
  private emitted = 0;
  // Single-series fast path: the arrays held directly.
  private readonly single: boolean;
  private readonly sym: string;
  private readonly ts: Float64Array;
  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly v: Float64Array;
  private i = 0;
  private readonly n: number;
  // Heap of series indices (many-series path).
  private readonly heap: Int32Array | null;
  private heapSize = 0;

  constructor(series: BarSeries | readonly BarSeries[]) {
    const list: readonly BarSeries[] = isSeriesList(series) ? series : [series];
    this.series = list;
    this.pos = new Int32Array(list.length);
    let size = 0;
    for (const s of list) size += s.length;
    this.size = size;
    const first = list[0];
    this.single = list.length === 1;
    const empty = new Float64Array(0);
    this.sym = first?.symbol ?? '';
    this.ts = this.single ? first!.ts : empty;
    this.o = this.single ? first!.open : empty;
    this.h = this.single ? first!.high : empty;
    this.l = this.single ? first!.low : empty;
    this.c = this.single ? first!.close : empty;
    this.v = this.single ? first!.volume : empty;
    this.n = this.single ? first!.length : 0;
    if (!this.single && list.length > SCAN_MAX) {
      this.heap = new Int32Array(list.length);
      for (let k = 0; k < list.length; k++) if (list[k]!.length > 0) this.heapPush(k);
      this.cur = this.heapSize > 0 ? this.heap[0]! : -1;
    } else {
      this.heap = null;
      if (!this.single) this.cur = this.scan();
    }
  }

  /** Bars handed out so far (progress). */
  get position(): number {
    return this.single ? this.i : this.emitted;
  }

  peekTime(): number {
    if (this.single) return this.i < this.n ? this.ts[this.i]! : Number.POSITIVE_INFINITY;
    const k = this.cur;
    return k < 0 ? Number.POSITIVE_INFINITY : this.series[k]!.ts[this.pos[k]!]!;
  }

  next(): Bar {
    if (this.single) {
      const i = this.i;
      if (i >= this.n) throw new Error('SeriesFeed.next() called on an exhausted feed');
      this.i = i + 1;
      return { kind: 'bar', symbol: this.sym, ts: this.ts[i]!, open: this.o[i]!, high: this.h[i]!, low: this.l[i]!, close: this.c[i]!, volume: this.v[i]! };
    }
    const k = this.cur;
    if (k < 0) throw new Error('SeriesFeed.next() called on an exhausted feed');
    const s = this.series[k]!;
    const i = this.pos[k]!;
    this.pos[k] = i + 1;
    this.emitted++;
    const bar: Bar = { kind: 'bar', symbol: s.symbol, ts: s.ts[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
    if (this.heap === null) this.cur = this.scan();
    else {
      if (i + 1 < s.length) this.siftDown(0);
      else this.heapPop();
      this.cur = this.heapSize > 0 ? this.heap[0]! : -1;
    }
    return bar;
  }

  /** The series with the earliest head; the first such on ties (strict `<`). */
  private scan(): number {
    let best = -1;
    let bt = Number.POSITIVE_INFINITY;
    const list = this.series;
    for (let k = 0; k < list.length; k++) {
      const s = list[k]!;
      const p = this.pos[k]!;
      if (p < s.length) {
        const t = s.ts[p]!;
        if (t < bt) { bt = t; best = k; }
      }
    }
    return best;
  }

  // ---------- heap ordered by (head timestamp, series index) ----------

  private before(a: number, b: number): boolean {
    const ta = this.series[a]!.ts[this.pos[a]!]!;
    const tb = this.series[b]!.ts[this.pos[b]!]!;
    return ta < tb || (ta === tb && a < b);
  }

  private heapPush(k: number): void {
    const h = this.heap!;
    let i = this.heapSize++;
    h[i] = k;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      const t = h[i]!; h[i] = h[p]!; h[p] = t;
      i = p;
    }
  }

  private heapPop(): void {
    const h = this.heap!;
    this.heapSize--;
    if (this.heapSize > 0) {
      h[0] = h[this.heapSize]!;
      this.siftDown(0);
    }
  }

  private siftDown(start: number): void {
    const h = this.heap!;
    const n = this.heapSize;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.before(h[r]!, h[l]!) ? r : l;
      if (!this.before(h[m]!, h[i]!)) break;
      const t = h[i]!; h[i] = h[m]!; h[m] = t;
      i = m;
    }
  }
}

function isSeriesList(x: BarSeries | readonly BarSeries[]): x is readonly BarSeries[] {
  return Array.isArray(x);
}
