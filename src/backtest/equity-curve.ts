/**
 * A backtest's equity curve in bounded memory, and the summary's per-sample figures accumulated as
 * the samples come (metrics.ts reads them: nothing per sample is needed after the run).
 *
 * Storage: every sample at full resolution (timestamp, equity, exposed) up to `fullSamples`
 * (default 2,097,152: two million one-minute bars, about four years, are kept exactly). Past that
 * the curve becomes at most `buckets` buckets (default 65,536) of equal sample counts, each keeping
 * its first, lowest, highest and last sample; when they are all full, neighbours merge pairwise
 * (the merged bucket's first, min, max and last are among its two halves'), and the width doubles.
 * So the stored series (`series()`) is at most 4 x buckets + 1 points, always holds the first and
 * last samples and the global minimum and maximum, and never costs more than a few MB.
 *
 * Figures (`CurveFigures`): the returns' sum and downside sum, the equity sum, the running peak and
 * worst drawdown and the exposure count are the same arithmetic, in the same order, as metrics.ts
 * applied to the whole series, so they are identical. The sum of squared deviations of the returns
 * needs the mean: on a curve kept in full it is the same two passes as before (identical figures);
 * past the cap it is taken with Welford's update from the two-pass value over the samples kept so
 * far (differences in the last digits of Sharpe only, well under the 10 decimals `--json` prints).
 */
import { grownF64, grownU8 } from '../util/grow.ts';

/** What metrics.ts `summarize` needs of the curve, accumulated per sample. */
export interface CurveFigures {
  /** The anchor: equity before the first sample (starting cash). */
  readonly start: number;
  /** Samples. */
  readonly n: number;
  readonly firstTs: number;
  readonly lastTs: number;
  readonly final: number;
  /** Returns counted (a return from a non-positive equity is skipped), their sum, Σ(r - mean)², Σ r² over r < 0. */
  readonly returns: number;
  readonly returnSum: number;
  readonly sqDev: number;
  readonly downSq: number;
  readonly equitySum: number;
  readonly maxDrawdown: number;
  readonly exposureBars: number;
}

export interface EquityCurveOptions {
  /** Samples kept at full resolution (default 2,097,152). */
  readonly fullSamples?: number;
  /** Buckets kept past that (default 65,536; at least 4, made even). */
  readonly buckets?: number;
  /** Expected samples (e.g. the feed's size, up to fullSamples): avoids regrowing the arrays. */
  readonly capacity?: number;
}

export const DEFAULT_FULL_SAMPLES = 1 << 21;
export const DEFAULT_BUCKETS = 1 << 16;

/** The running figures (one sample at a time, in order). */
class Acc {
  n = 0;
  firstTs = Number.NaN;
  lastTs = Number.NaN;
  prev: number;
  returns = 0;
  sum = 0;
  down = 0;
  /** Welford's running mean and M2, once the full series is gone (null before). */
  wMean = 0;
  wM2 = 0;
  welford = false;
  eqSum = 0;
  peak: number;
  worst = 0;
  exposed = 0;

  constructor(readonly start: number) {
    this.prev = start;
    this.peak = start;
  }

  add(ts: number, e: number, ex: number): void {
    if (this.n === 0) this.firstTs = ts;
    this.lastTs = ts;
    this.n++;
    const prev = this.prev;
    if (prev > 0) {
      const r = e / prev - 1;
      this.sum += r;
      this.returns++;
      if (r < 0) this.down += r * r;
      if (this.welford) {
        const d = r - this.wMean;
        this.wMean += d / this.returns;
        this.wM2 += d * (r - this.wMean);
      }
    }
    this.prev = e;
    this.eqSum += e;
    if (e > this.peak) this.peak = e;
    else if (this.peak > 0) {
      const d = (this.peak - e) / this.peak;
      if (d > this.worst) this.worst = d;
    }
    this.exposed += ex;
  }

  copy(): Acc {
    return Object.assign(new Acc(this.start), this);
  }
}

/** Σ(r - mean)² over the returns of `eq[0..n)` anchored at `start`, mean = the sum's / count (metrics.ts's second pass). */
function sqDeviation(eq: Float64Array, n: number, start: number, mean: number): number {
  let sq = 0;
  let prev = start;
  for (let i = 0; i < n; i++) {
    const e = eq[i]!;
    if (prev > 0) {
      const r = e / prev - 1;
      sq += (r - mean) * (r - mean);
    }
    prev = e;
  }
  return sq;
}

/** The figures of a whole series held in arrays: the same accumulator the collector uses. */
export function curveFigures(ts: ArrayLike<number>, equity: Float64Array, length: number, start: number, exposureBars: number): CurveFigures {
  const a = new Acc(start);
  for (let i = 0; i < length; i++) a.add(ts[i]!, equity[i]!, 0);
  a.exposed = exposureBars;
  return figuresOf(a, a.returns > 0 ? sqDeviation(equity, length, start, a.sum / a.returns) : 0);
}

function figuresOf(a: Acc, sqDev: number): CurveFigures {
  return {
    start: a.start, n: a.n, firstTs: a.firstTs, lastTs: a.lastTs, final: a.n > 0 ? a.prev : a.start, returns: a.returns, returnSum: a.sum,
    sqDev, downSq: a.down, equitySum: a.eqSum, maxDrawdown: a.worst, exposureBars: a.exposed,
  };
}

export class EquityCurve {
  private readonly fullCap: number;
  private readonly maxBuckets: number;
  private acc: Acc | null = null;
  /** Samples opened (the last one is the current slot, still writable). */
  private n = 0;
  // Full resolution: null once the curve went to buckets.
  private ts: Float64Array<ArrayBuffer> | null;
  private eq: Float64Array<ArrayBuffer> | null;
  private ex: Uint8Array<ArrayBuffer> | null;
  // Buckets: first, min, max, last (timestamp and equity each).
  private b: Float64Array<ArrayBuffer>[] = [];
  private nb = 0;
  private width = 0;
  /** Samples in the last bucket. */
  private inLast = 0;
  // The current slot past the cap (committed to the buckets when the next opens).
  private curTs = 0;
  private curEq = 0;
  private curEx = 0;

  constructor(opts: EquityCurveOptions = {}) {
    this.fullCap = Math.max(1, Math.floor(opts.fullSamples ?? DEFAULT_FULL_SAMPLES));
    this.maxBuckets = Math.max(4, Math.floor((opts.buckets ?? DEFAULT_BUCKETS) / 2) * 2);
    const cap = Math.min(this.fullCap, Math.max(16, Math.floor(opts.capacity ?? 4096)));
    this.ts = new Float64Array(cap);
    this.eq = new Float64Array(cap);
    this.ex = new Uint8Array(cap);
  }

  /** Samples (distinct timestamps) so far. */
  get length(): number {
    return this.n;
  }

  /** True once the curve is kept as buckets (the stored series is decimated). */
  get decimated(): boolean {
    return this.ts === null;
  }

  /** Open the next sample at `t`, anchored at `start` (the equity before the first sample). */
  open(t: number, start: number): void {
    if (this.acc === null) this.acc = new Acc(start);
    if (this.n > 0) this.commit(this.n - 1);
    if (this.ts !== null && this.n === this.fullCap) this.toBuckets();
    const i = this.n++;
    if (this.ts !== null) {
      if (i === this.ts.length) {
        const need = Math.min(this.fullCap, i * 2);
        this.ts = grownF64(this.ts, need);
        this.eq = grownF64(this.eq!, need);
        this.ex = grownU8(this.ex!, need);
      }
      this.ts[i] = t;
      this.eq![i] = 0;
      this.ex![i] = 0;
    } else {
      this.curTs = t;
      this.curEq = 0;
      this.curEx = 0;
    }
  }

  /** Write the current sample's equity and whether a position is open. */
  set(equity: number, exposed: boolean): void {
    const i = this.n - 1;
    if (i < 0) return;
    if (this.ts !== null) { this.eq![i] = equity; this.ex![i] = exposed ? 1 : 0; }
    else { this.curEq = equity; this.curEx = exposed ? 1 : 0; }
  }

  /** The current (last) sample's timestamp; -Infinity before any. */
  get lastTs(): number {
    if (this.n === 0) return Number.NEGATIVE_INFINITY;
    return this.ts !== null ? this.ts[this.n - 1]! : this.curTs;
  }

  private commit(i: number): void {
    if (this.ts !== null) { this.acc!.add(this.ts[i]!, this.eq![i]!, this.ex![i]!); return; }
    this.acc!.add(this.curTs, this.curEq, this.curEx);
    this.bucketAdd(this.curTs, this.curEq);
  }

  /** Full resolution -> buckets of fullCap / (buckets / 2) samples; the deviation goes on with Welford. */
  private toBuckets(): void {
    const ts = this.ts!;
    const eq = this.eq!;
    const n = this.n;
    const a = this.acc!;
    a.wMean = a.returns > 0 ? a.sum / a.returns : 0;
    a.wM2 = a.returns > 0 ? sqDeviation(eq, n, a.start, a.wMean) : 0;
    a.welford = true;
    this.b = Array.from({ length: 8 }, () => new Float64Array(this.maxBuckets));
    this.width = Math.max(1, Math.ceil(n / (this.maxBuckets / 2)));
    this.nb = 0;
    this.inLast = 0;
    for (let i = 0; i < n; i++) this.bucketAdd(ts[i]!, eq[i]!);
    this.ts = null;
    this.eq = null;
    this.ex = null;
  }

  private bucketAdd(t: number, e: number): void {
    const b = this.b;
    if (this.nb === 0 || this.inLast === this.width) {
      if (this.nb === this.maxBuckets) this.mergePairs();
      const k = this.nb++;
      b[0]![k] = t; b[1]![k] = e; b[2]![k] = t; b[3]![k] = e; b[4]![k] = t; b[5]![k] = e; b[6]![k] = t; b[7]![k] = e;
      this.inLast = 1;
      return;
    }
    const k = this.nb - 1;
    if (e < b[3]![k]!) { b[2]![k] = t; b[3]![k] = e; }
    if (e > b[5]![k]!) { b[4]![k] = t; b[5]![k] = e; }
    b[6]![k] = t; b[7]![k] = e;
    this.inLast++;
  }

  /** Buckets 2k and 2k + 1 -> k: first of the left, last of the right, the lower min and higher max (earlier on ties). */
  private mergePairs(): void {
    const [fT, fE, loT, loE, hiT, hiE, lT, lE] = this.b as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const half = this.nb / 2;
    for (let k = 0; k < half; k++) {
      const x = 2 * k;
      const y = x + 1;
      fT[k] = fT[x]!; fE[k] = fE[x]!;
      if (loE[y]! < loE[x]!) { loT[k] = loT[y]!; loE[k] = loE[y]!; } else { loT[k] = loT[x]!; loE[k] = loE[x]!; }
      if (hiE[y]! > hiE[x]!) { hiT[k] = hiT[y]!; hiE[k] = hiE[y]!; } else { hiT[k] = hiT[x]!; hiE[k] = hiE[x]!; }
      lT[k] = lT[y]!; lE[k] = lE[y]!;
    }
    this.nb = half;
    this.width *= 2;
    this.inLast = this.width;
  }

  /** The summary's figures over every sample so far (the current one included). */
  figures(start: number): CurveFigures {
    if (this.acc === null || this.n === 0) return figuresOf(new Acc(start), 0);
    const a = this.acc.copy();
    const last = this.n - 1;
    if (this.ts !== null) {
      a.add(this.ts[last]!, this.eq![last]!, this.ex![last]!);
      return figuresOf(a, a.returns > 0 ? sqDeviation(this.eq!, this.n, a.start, a.sum / a.returns) : 0);
    }
    a.add(this.curTs, this.curEq, this.curEx);
    return figuresOf(a, a.wM2);
  }

  /** The stored series: every sample up to the cap, else the buckets' points in time order and the current sample. */
  series(): { readonly ts: Float64Array; readonly equity: Float64Array } {
    if (this.ts !== null) return { ts: this.ts.subarray(0, this.n), equity: this.eq!.subarray(0, this.n) };
    const [fT, fE, loT, loE, hiT, hiE, lT, lE] = this.b as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const ts = new Float64Array(4 * this.nb + 1);
    const eq = new Float64Array(4 * this.nb + 1);
    let m = 0;
    const put = (t: number, e: number): void => {
      if (m > 0 && ts[m - 1] === t) return;
      ts[m] = t; eq[m] = e; m++;
    };
    for (let k = 0; k < this.nb; k++) {
      put(fT[k]!, fE[k]!);
      const a = loT[k]! <= hiT[k]! ? 0 : 1;
      if (a === 0) { put(loT[k]!, loE[k]!); put(hiT[k]!, hiE[k]!); } else { put(hiT[k]!, hiE[k]!); put(loT[k]!, loE[k]!); }
      put(lT[k]!, lE[k]!);
    }
    put(this.curTs, this.curEq);
    return { ts: ts.subarray(0, m), equity: eq.subarray(0, m) };
  }

  /** Whether a position was open at sample i (known while the curve is kept in full). */
  exposedAt(i: number): boolean {
    return this.ex !== null && i >= 0 && i < this.n && this.ex[i] === 1;
  }

  /** Bytes of the typed arrays held. */
  retainedBytes(): number {
    let s = (this.ts?.byteLength ?? 0) + (this.eq?.byteLength ?? 0) + (this.ex?.byteLength ?? 0);
    for (const a of this.b) s += a.byteLength;
    return s;
  }
}
