/** Seeded synthetic classification rows with learnable structure, and AUC, for the ml tests. */
import { gaussian, mulberry32 } from '../../src/util/random.ts';

export interface Rows {
  readonly values: Float32Array;
  readonly rows: number;
  readonly featureCount: number;
  readonly labels: Uint8Array;
}

/**
 * y = 1 when a noisy score of an interaction, a step and a linear term is positive. Feature 4 is
 * rounded to 0.25 (few distinct values), the others are continuous; the rest is noise.
 */
export function syntheticRows(rows: number, featureCount = 6, seed = 11): Rows {
  const rand = mulberry32(seed);
  const values = new Float32Array(rows * featureCount);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = (f: number): number => values[r * featureCount + f] as number;
    for (let f = 0; f < featureCount; f++) {
      const v = f === 4 ? Math.round(gaussian(rand) * 4) / 4 : gaussian(rand) * (f + 1);
      values[r * featureCount + f] = v;
    }
    const score = 1.2 * x(0) - 0.8 * x(1) * Math.sign(x(2)) + (x(3) > 2 ? 1.5 : -0.5) + 0.7 * x(4) + gaussian(rand);
    labels[r] = score > 0.3 ? 1 : 0;
  }
  return { values, rows, featureCount, labels };
}

export function rowOf(data: { values: Float32Array; featureCount: number }, r: number): Float32Array {
  return data.values.subarray(r * data.featureCount, (r + 1) * data.featureCount);
}

/** Area under the ROC curve (ties count half), by ranks. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k] as number] === 1) { rankSumPos += rank; pos++; }
    i = j + 1;
  }
  const neg = scores.length - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}
