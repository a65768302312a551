/**
 * What a model's metadata remembers of its training rows: a hash that names them exactly, and per
 * feature the shape of their distribution (quantile edges and the training count in each bin), so
 * a later check can tell live features that drifted away from what the model learned on.
 */
import { createHash } from 'node:crypto';
import { binOf } from './gbdt.ts';

export interface ReferenceBins {
  readonly feature: string;
  /** Ascending interior edges; bin k holds edges[k-1] < x <= edges[k] (first and last are open). */
  readonly edges: readonly number[];
  /** Training rows per bin: edges.length + 1 counts. */
  readonly counts: readonly number[];
}

/**
 * sha256 (hex) of the training rows: shape, the float32 feature bytes (little-endian) and the
 * labels. The same rows in the same order give the same hash on any machine.
 */
export function hashTrainingRows(values: Float32Array, rows: number, featureCount: number, labels: ArrayLike<number>): string {
  const h = createHash('sha256');
  h.update(`parity-training-rows/1 ${rows}x${featureCount}\n`);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  h.update(bytes);
  const y = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) y[i] = labels[i] as number;
  h.update(y);
  return h.digest('hex');
}

/**
 * Quantile bins (deciles by default) of each feature of row-major `values`. Edges are values of
 * the data (duplicates removed, so a feature with few distinct values gets fewer bins).
 */
export function referenceBins(values: Float32Array, rows: number, featureNames: readonly string[], bins = 10): ReferenceBins[] {
  const F = featureNames.length;
  if (values.length !== rows * F) throw new RangeError(`values has ${values.length} numbers; ${rows} rows × ${F} features need ${rows * F}`);
  const column = new Float32Array(rows);
  return featureNames.map((feature, f) => {
    for (let r = 0; r < rows; r++) column[r] = values[r * F + f] as number;
    const sorted = column.slice().sort();
    const edges: number[] = [];
    for (let k = 1; k < bins; k++) {
      const v = sorted[Math.min(rows - 1, Math.max(0, Math.ceil((k * rows) / bins) - 1))];
      if (v !== undefined && Number.isFinite(v) && (edges.length === 0 || v > (edges[edges.length - 1] as number))) edges.push(v);
    }
    return { feature, edges, counts: binCounts(column, edges) };
  });
}

/** How many of `values` fall in each bin of `edges` (the rule of ReferenceBins). */
export function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const lo = binOf(values[i] as number, edges);
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}
