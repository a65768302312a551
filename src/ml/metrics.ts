/**
 * How well probabilities rank and fit 0/1 labels: AUC, log loss and the confusion table at a
 * threshold. Pure functions over aligned arrays; used per fold on the test block (train-pipeline.ts).
 */

/**
 * Area under the ROC curve, from ranks (Mann-Whitney U): the chance that a random positive scores
 * above a random negative, a tie counting one half (tied scores share their average rank).
 * NaN when the labels hold one class only (the AUC is undefined then).
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = checkAligned(labels, scores);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Mean binary cross-entropy. The probability given to the row's true class is clipped below at
 * eps, so a confident miss costs -ln(eps) (about 34.5) whichever class it misses, not Infinity.
 */
export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>, eps = 1e-15): number {
  const n = checkAligned(labels, probs);
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i] as number;
    sum -= Math.log(Math.max(eps, labels[i] === 1 ? p : 1 - p));
  }
  return sum / n;
}

export interface Confusion {
  /** A row is called positive when its probability is above this (strictly). */
  readonly threshold: number;
  /** Called 1, label 1. */
  readonly tp: number;
  /** Called 1, label 0. */
  readonly fp: number;
  /** Called 0, label 0. */
  readonly tn: number;
  /** Called 0, label 1. */
  readonly fn: number;
  /** (tp + tn) / rows; NaN with no rows. */
  readonly accuracy: number;
}

/** The confusion table calling p > threshold a 1 (0.5 by default: p = 0.5 exactly is a 0). */
export function confusion(labels: ArrayLike<number>, probs: ArrayLike<number>, threshold = 0.5): Confusion {
  const n = checkAligned(labels, probs);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < n; i++) {
    const called = (probs[i] as number) > threshold;
    if (labels[i] === 1) { if (called) tp++; else fn++; } else if (called) fp++; else tn++;
  }
  return { threshold, tp, fp, tn, fn, accuracy: n === 0 ? Number.NaN : (tp + tn) / n };
}

function checkAligned(labels: ArrayLike<number>, values: ArrayLike<number>): number {
  if (labels.length !== values.length) throw new RangeError(`${labels.length} labels but ${values.length} predictions: give one per row`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is ${labels[i]}: labels are 0 or 1`);
  }
  return labels.length;
}
