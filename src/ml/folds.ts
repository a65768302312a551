/**
 * Purged, embargoed walk-forward folds (after Lopez de Prado, Advances in Financial ML, ch. 7).
 *
 * The rows, in time order (ascending ts; several symbols interleave), are cut into K + 1 blocks of
 * about equal size. Fold k (1..K) tests on block k and trains on rows before it (expanding window);
 * block 0 is only ever trained on, so every fold has a past to learn from. A cut never falls between
 * rows of the same ts, so every training row precedes every test row strictly in time and no row is
 * in two test blocks.
 *
 * Purge: a test block spans [first test ts, last label end of its rows]. A training row whose label
 * window [labelStart, labelEnd] intersects that span is dropped: its label was decided by prices the
 * test rows also see, which would leak the test outcome into training.
 *
 * Embargo: in Lopez de Prado's k-fold, E bars after each test block are dropped from training because
 * features there are serially correlated with the test rows. In an expanding walk-forward no training
 * row comes after its test block, so that rule would drop nothing. Here E is applied on the other
 * side, as a gap: a training row is kept only if its label window ends more than E bars (E * barMs)
 * before the test block starts. E = 0 is the purge alone. Spans are in time (ms), across symbols, so
 * a row of one symbol is purged by a test block of another too (correlated markets leak alike).
 */

/** Folds that cannot be made from these rows; the message says what to change. */
export class FoldError extends Error {
  override readonly name = 'FoldError';
}

export interface FoldRows {
  /** The row's bar time, ascending (equal values allowed: several symbols at one bar). */
  readonly ts: ArrayLike<number>;
  /** The first and last bar time the row's label reads (labels.ts), labelStart > ts. */
  readonly labelStart: ArrayLike<number>;
  readonly labelEnd: ArrayLike<number>;
}

export interface FoldOptions {
  /** Number of folds K >= 1 (K + 1 blocks). */
  readonly folds: number;
  /** The embargo gap before each test block in ms (E bars × the bar length); 0 for none. */
  readonly embargoMs: number;
}

export interface Fold {
  /** 1-based fold number (the block it tests). */
  readonly index: number;
  /** Row indices, ascending. */
  readonly train: Uint32Array;
  readonly test: Uint32Array;
  /** The test block's span: its first row's ts to the last label end of its rows. */
  readonly testStart: number;
  readonly testEnd: number;
  /** Rows before the test block dropped because their label window meets the test span. */
  readonly purged: number;
  /** Rows dropped by the embargo gap (and not already purged). */
  readonly embargoed: number;
}

export function walkForwardFolds(rows: FoldRows, opts: FoldOptions): Fold[] {
  const n = rows.ts.length;
  const K = opts.folds;
  if (!Number.isInteger(K) || K < 1) throw new FoldError(`folds must be a whole number >= 1, got ${K}`);
  if (!(opts.embargoMs >= 0) || !Number.isFinite(opts.embargoMs)) throw new FoldError(`the embargo must be >= 0, got ${opts.embargoMs} ms`);
  if (rows.labelStart.length !== n || rows.labelEnd.length !== n) throw new RangeError('ts, labelStart and labelEnd must have one value per row');
  for (let i = 1; i < n; i++) {
    if (!((rows.ts[i] as number) >= (rows.ts[i - 1] as number))) throw new FoldError(`rows must be in time order: row ${i} is before row ${i - 1}`);
  }
  const cuts = blockCuts(rows.ts, K + 1);
  const folds: Fold[] = [];
  for (let k = 1; k <= K; k++) {
    const from = cuts[k] as number;
    const to = cuts[k + 1] as number;
    if (to <= from || from === 0) {
      throw new FoldError(`${n} rows at ${distinctCount(rows.ts)} distinct times cannot make ${K} walk-forward folds (${K + 1} blocks, each a run of whole bar times): use fewer --folds or more data`);
    }
    const testStart = rows.ts[from] as number;
    let testEnd = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) testEnd = Math.max(testEnd, rows.labelEnd[i] as number, rows.ts[i] as number);
    const train: number[] = [];
    let purged = 0;
    let embargoed = 0;
    for (let i = 0; i < from; i++) {
      const ls = rows.labelStart[i] as number;
      const le = rows.labelEnd[i] as number;
      if (ls <= testEnd && le >= testStart) purged++;
      else if (le >= testStart - opts.embargoMs) embargoed++;
      else train.push(i);
    }
    const test = new Uint32Array(to - from);
    for (let i = from; i < to; i++) test[i - from] = i;
    folds.push({ index: k, train: Uint32Array.from(train), test, testStart, testEnd, purged, embargoed });
  }
  return folds;
}

/** B + 1 cut points 0 = c0 <= c1 <= ... <= cB = n, each moved forward off a run of equal ts. */
function blockCuts(ts: ArrayLike<number>, blocks: number): number[] {
  const n = ts.length;
  const cuts = [0];
  for (let b = 1; b < blocks; b++) {
    let c = Math.max(cuts[b - 1] as number, Math.round((b * n) / blocks));
    while (c > 0 && c < n && ts[c] === ts[c - 1]) c++;
    cuts.push(c);
  }
  cuts.push(n);
  return cuts;
}

function distinctCount(ts: ArrayLike<number>): number {
  let d = ts.length > 0 ? 1 : 0;
  for (let i = 1; i < ts.length; i++) if (ts[i] !== ts[i - 1]) d++;
  return d;
}
