/**
 * A histogram gradient-boosted decision-tree binary classifier (logistic loss), grown depth-wise.
 *
 * Each feature's float32 values are cut into at most `maxBins` quantile bins once; trees then
 * split on bins, from per-node histograms of gradient and hessian (the larger child's histogram is
 * the parent's minus the smaller's). A split "bin <= b" becomes the threshold `x <= edge[b]`, where
 * edge[b] is the midpoint between the largest value in bin b and the smallest in bin b+1, rounded
 * DOWN to float32: every float32 training value then goes the way its bin went, and onnxruntime
 * (float32 compare) routes new rows exactly as `TreeModel` does.
 *
 * Deterministic: no sampling, ties between equal gains go to the lower feature, then lower bin.
 */
import { roundDownToFloat32 } from './float32.ts';
import { TreeModel, type Tree, type TreeNode } from './tree-model.ts';

export interface TrainingSet {
  /** rows × featureCount values, row-major (float32, as the predictor will see them). */
  readonly values: Float32Array;
  readonly rows: number;
  readonly featureCount: number;
  /** One 0 or 1 per row. */
  readonly labels: ArrayLike<number>;
}

export interface GbdtOptions {
  /** Number of trees (boosting rounds). */
  readonly trees: number;
  /** Levels of splits below the root (depth 6: up to 64 leaves). */
  readonly maxDepth: number;
  readonly learningRate: number;
  /** Bins per feature, 2..256 (a bin index is a byte). */
  readonly maxBins: number;
  /** Fewest training rows a leaf may hold. */
  readonly minRowsPerLeaf: number;
  /** L2 regularisation of leaf values (λ in -G/(H+λ)). */
  readonly l2: number;
  /** A split must improve the objective by more than this. */
  readonly minGain: number;
  /** Fewest summed hessian a leaf may hold (guards near-pure leaves). */
  readonly minHessianPerLeaf: number;
  /** Called after each tree: `treeIndex` is the 0-based index of the tree just grown. */
  readonly onProgress?: (treeIndex: number, trees: number) => void;
}

export const GBDT_DEFAULTS: Readonly<Omit<GbdtOptions, 'onProgress'>> = {
  trees: 100,
  maxDepth: 6,
  learningRate: 0.1,
  maxBins: 255,
  minRowsPerLeaf: 20,
  l2: 1,
  minGain: 0,
  minHessianPerLeaf: 1e-3,
};

/** Training input or options that cannot work; the message says which value and why. */
export class GbdtError extends Error {
  override readonly name = 'GbdtError';
}

export function trainGbdt(data: TrainingSet, options: Partial<GbdtOptions> = {}): TreeModel {
  const o: GbdtOptions = { ...GBDT_DEFAULTS, ...options };
  checkOptions(o);
  const { rows: n, featureCount: F } = checkData(data);
  const labels = data.labels;
  const binned = binFeatures(data, o.maxBins);

  let positives = 0;
  for (let r = 0; r < n; r++) positives += labels[r] as number;
  if (positives === 0 || positives === n) {
    throw new GbdtError(`all ${n} training labels are ${positives === 0 ? 0 : 1}: there is nothing to learn; widen the window or change the label definition`);
  }
  const p0 = positives / n;
  const baseScore = Math.log(p0 / (1 - p0));

  const margin = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const grower = new TreeGrower(binned, grad, hess, o);
  const trees: Tree[] = [];
  for (let t = 0; t < o.trees; t++) {
    for (let r = 0; r < n; r++) {
      const p = 1 / (1 + Math.exp(-(margin[r] as number)));
      grad[r] = p - (labels[r] as number);
      hess[r] = Math.max(p * (1 - p), 1e-16);
    }
    trees.push(grower.grow(margin));
    o.onProgress?.(t, o.trees);
  }
  return new TreeModel({ featureCount: F, trees, baseScore });
}

function checkOptions(o: GbdtOptions): void {
  const bad = (name: string, v: number, want: string): never => {
    throw new GbdtError(`gbdt option ${name} = ${v}: want ${want}`);
  };
  if (!Number.isInteger(o.trees) || o.trees < 1) bad('trees', o.trees, 'an integer >= 1');
  if (!Number.isInteger(o.maxDepth) || o.maxDepth < 1 || o.maxDepth > 20) bad('maxDepth', o.maxDepth, 'an integer in 1..20');
  if (!(o.learningRate > 0 && o.learningRate <= 1)) bad('learningRate', o.learningRate, 'a number in (0, 1]');
  if (!Number.isInteger(o.maxBins) || o.maxBins < 2 || o.maxBins > 256) bad('maxBins', o.maxBins, 'an integer in 2..256');
  if (!Number.isInteger(o.minRowsPerLeaf) || o.minRowsPerLeaf < 1) bad('minRowsPerLeaf', o.minRowsPerLeaf, 'an integer >= 1');
  if (!(o.l2 >= 0)) bad('l2', o.l2, 'a number >= 0');
  if (!(o.minGain >= 0)) bad('minGain', o.minGain, 'a number >= 0');
  if (!(o.minHessianPerLeaf >= 0)) bad('minHessianPerLeaf', o.minHessianPerLeaf, 'a number >= 0');
}

function checkData(data: TrainingSet): { rows: number; featureCount: number } {
  const { rows, featureCount, values, labels } = data;
  if (!Number.isInteger(featureCount) || featureCount < 1) throw new GbdtError(`featureCount ${featureCount}: want an integer >= 1`);
  if (!Number.isInteger(rows) || rows < 2) throw new GbdtError(`${rows} training rows: want at least 2`);
  if (values.length !== rows * featureCount) {
    throw new GbdtError(`values has ${values.length} numbers; ${rows} rows × ${featureCount} features need ${rows * featureCount}`);
  }
  if (labels.length !== rows) throw new GbdtError(`${labels.length} labels for ${rows} rows: give one label per row`);
  for (let r = 0; r < rows; r++) {
    const y = labels[r];
    if (y !== 0 && y !== 1) throw new GbdtError(`label of row ${r} is ${y}: want 0 or 1`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new GbdtError(`row ${Math.floor(i / featureCount)} feature ${i % featureCount} is ${values[i]}: drop or fill rows with missing or infinite features before training`);
    }
  }
  return { rows, featureCount };
}

interface BinnedFeatures {
  readonly rows: number;
  readonly featureCount: number;
  /** Each row's bin per feature, row-major (row r, feature f at r * featureCount + f): one row's bins share a cache line. */
  readonly bins: Uint8Array;
  /** Per feature: ascending float32 upper edges; bin k holds edge[k-1] < x <= edge[k] (the last bin is open). */
  readonly edges: readonly Float64Array[];
}

/** Quantile bins of each feature's float32 values (exported for tests). */
export function binFeatures(data: TrainingSet, maxBins: number): BinnedFeatures {
  const { rows: n, featureCount: F, values } = data;
  const bins = new Uint8Array(n * F);
  const edges: Float64Array[] = [];
  const column = new Float32Array(n);
  for (let f = 0; f < F; f++) {
    for (let r = 0; r < n; r++) column[r] = values[r * F + f] as number;
    const sorted = column.slice().sort();
    const e = quantileEdges(sorted, maxBins);
    for (let r = 0; r < n; r++) bins[r * F + f] = binOf(column[r] as number, e);
    edges.push(e);
  }
  return { rows: n, featureCount: F, bins, edges };
}

/** At most maxBins-1 edges, each a float32 strictly between two neighbouring distinct values. */
function quantileEdges(sorted: Float32Array, maxBins: number): Float64Array {
  const n = sorted.length;
  const out: number[] = [];
  const push = (lo: number, hi: number): void => {
    const edge = roundDownToFloat32((lo + hi) / 2); // lo <= edge < hi, both float32
    if (out.length === 0 || edge > (out[out.length - 1] as number)) out.push(edge);
  };
  let distinct = 1;
  for (let i = 1; i < n && distinct <= maxBins; i++) if ((sorted[i] as number) !== sorted[i - 1]) distinct++;
  if (distinct <= maxBins) {
    for (let i = 1; i < n; i++) if ((sorted[i] as number) !== sorted[i - 1]) push(sorted[i - 1] as number, sorted[i] as number);
    return Float64Array.from(out);
  }
  for (let k = 1; k < maxBins && out.length < maxBins - 1; k++) {
    const v = sorted[Math.min(n - 1, Math.floor((k * n) / maxBins) - 1)] as number;
    const next = upperBound(sorted, v);
    if (next < n) push(v, sorted[next] as number);
  }
  return Float64Array.from(out);
}

/** First index whose value is > v. */
function upperBound(sorted: Float32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First k with x <= edges[k]; edges.length when x is above all of them. */
export function binOf(x: number, edges: ArrayLike<number>): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Gradient, hessian and row count per (feature, bin), interleaved: [(f * 256 + bin) * 3 + 0|1|2]. */
type Histogram = Float64Array;

interface PendingNode {
  readonly index: number; // in the tree's nodes
  readonly start: number; // range in the row order
  readonly end: number;
  readonly depth: number;
  readonly hist: Histogram;
  readonly G: number;
  readonly H: number;
}

interface Split {
  readonly feature: number;
  readonly bin: number;
  readonly gain: number;
}

const BINS = 256;

class TreeGrower {
  private readonly order: Uint32Array;
  private readonly scratch: Uint32Array;

  constructor(
    private readonly data: BinnedFeatures,
    private readonly grad: Float64Array,
    private readonly hess: Float64Array,
    private readonly o: GbdtOptions,
  ) {
    this.order = new Uint32Array(data.rows);
    this.scratch = new Uint32Array(data.rows);
  }

  /** Grows one tree on the current gradients and adds its leaf values to `margin`. */
  grow(margin: Float64Array): Tree {
    const n = this.data.rows;
    for (let i = 0; i < n; i++) this.order[i] = i;
    const nodes: TreeNode[] = [];
    const rootHist = this.histogram(0, n);
    let G = 0;
    let H = 0;
    for (let r = 0; r < n; r++) {
      G += this.grad[r] as number;
      H += this.hess[r] as number;
    }
    nodes.push({ kind: 'leaf', value: 0 });
    let level: PendingNode[] = [{ index: 0, start: 0, end: n, depth: 0, hist: rootHist, G, H }];
    while (level.length > 0) {
      const next: PendingNode[] = [];
      for (const node of level) {
        const split = node.depth < this.o.maxDepth ? this.bestSplit(node) : null;
        if (split === null) {
          this.makeLeaf(nodes, node, margin);
          continue;
        }
        const mid = this.partition(node, split);
        const leftIndex = nodes.length;
        nodes.push({ kind: 'leaf', value: 0 }, { kind: 'leaf', value: 0 });
        nodes[node.index] = {
          kind: 'split', feature: split.feature, threshold: this.data.edges[split.feature]?.[split.bin] as number,
          left: leftIndex, right: leftIndex + 1, missingGoesLeft: false,
        };
        const leftSmaller = mid - node.start <= node.end - mid;
        const small = leftSmaller ? this.histogram(node.start, mid) : this.histogram(mid, node.end);
        const large = subtract(node.hist, small);
        const [lh, rh] = leftSmaller ? [small, large] : [large, small];
        const { gl, hl } = sumsOf(lh, split.feature);
        next.push(
          { index: leftIndex, start: node.start, end: mid, depth: node.depth + 1, hist: lh, G: gl, H: hl },
          { index: leftIndex + 1, start: mid, end: node.end, depth: node.depth + 1, hist: rh, G: node.G - gl, H: node.H - hl },
        );
      }
      level = next;
    }
    return { nodes };
  }

  private makeLeaf(nodes: TreeNode[], node: PendingNode, margin: Float64Array): void {
    const value = (-this.o.learningRate * node.G) / (node.H + this.o.l2);
    nodes[node.index] = { kind: 'leaf', value };
    for (let i = node.start; i < node.end; i++) {
      const r = this.order[i] as number;
      margin[r] = (margin[r] as number) + value;
    }
  }

  /** Rows outer, features inner: each row's bins are read from one place, its gradient once. */
  private histogram(start: number, end: number): Histogram {
    const F = this.data.featureCount;
    const hist = new Float64Array(F * BINS * 3);
    const order = this.order;
    const grad = this.grad;
    const hess = this.hess;
    const bins = this.data.bins;
    for (let i = start; i < end; i++) {
      const r = order[i] as number;
      const g = grad[r] as number;
      const h = hess[r] as number;
      const row = r * F;
      for (let f = 0; f < F; f++) {
        const k = (f * BINS + (bins[row + f] as number)) * 3;
        hist[k] = (hist[k] as number) + g;
        hist[k + 1] = (hist[k + 1] as number) + h;
        hist[k + 2] = (hist[k + 2] as number) + 1;
      }
    }
    return hist;
  }

  private bestSplit(node: PendingNode): Split | null {
    const { minRowsPerLeaf, minHessianPerLeaf, l2, minGain } = this.o;
    const count = node.end - node.start;
    if (count < 2 * minRowsPerLeaf) return null;
    const parentScore = (node.G * node.G) / (node.H + l2);
    let best: Split | null = null;
    for (let f = 0; f < this.data.featureCount; f++) {
      const nb = (this.data.edges[f] as Float64Array).length + 1;
      const base = f * BINS * 3;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += node.hist[base + b * 3] as number;
        hl += node.hist[base + b * 3 + 1] as number;
        cl += node.hist[base + b * 3 + 2] as number;
        if (cl < minRowsPerLeaf || hl < minHessianPerLeaf) continue;
        const cr = count - cl;
        const hr = node.H - hl;
        if (cr < minRowsPerLeaf) break;
        if (hr < minHessianPerLeaf) continue;
        const gr = node.G - gl;
        const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
        if (gain > minGain && (best === null || gain > best.gain)) best = { feature: f, bin: b, gain };
      }
    }
    return best;
  }

  /** Stable partition of the node's rows: bin <= split.bin first. Returns where the right part starts. */
  private partition(node: PendingNode, split: Split): number {
    const bins = this.data.bins;
    const F = this.data.featureCount;
    const feature = split.feature;
    const order = this.order;
    const scratch = this.scratch;
    let l = node.start;
    let rCount = 0;
    for (let i = node.start; i < node.end; i++) {
      const r = order[i] as number;
      if ((bins[r * F + feature] as number) <= split.bin) order[l++] = r;
      else scratch[rCount++] = r;
    }
    order.set(scratch.subarray(0, rCount), l);
    return l;
  }
}

function subtract(parent: Histogram, child: Histogram): Histogram {
  const out = parent.slice();
  for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) - (child[k] as number);
  return out;
}

/** A node's gradient and hessian totals, read off one feature's bins. */
function sumsOf(hist: Histogram, feature: number): { gl: number; hl: number } {
  let gl = 0;
  let hl = 0;
  for (let b = feature * BINS; b < (feature + 1) * BINS; b++) {
    gl += hist[b * 3] as number;
    hl += hist[b * 3 + 1] as number;
  }
  return { gl, hl };
}
