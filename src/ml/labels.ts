/**
 * Training labels: what the model is asked to predict at a bar.
 *
 * `fwd-return:H:THRESH`: the label at row t of a symbol is 1 when close[t+H] / close[t] - 1 > THRESH
 * (in doubles, strictly greater), else 0. Bars are counted as the rows the file has for the symbol,
 * not as clock time: a gap in the data makes H rows span more than H bar intervals, which is how the
 * features count bars too (a lookback of N is N rows). The last H rows of each symbol have no label
 * and are not training rows.
 *
 * The label window is kept out of the features by construction: the features at row t read bars up
 * to t (and side inputs stamped before its close), the label reads rows t+1..t+H. Each labelled row
 * carries that window as times, [ts[t+1], ts[t+H]], so the folds can purge training rows whose label
 * overlaps a test block (folds.ts).
 */

/** A label text that cannot be read; the message shows the accepted form. */
export class LabelError extends Error {
  override readonly name = 'LabelError';
}

export interface ForwardReturnLabel {
  readonly kind: 'fwd-return';
  /** Bars ahead (rows of the symbol), a whole number >= 1. */
  readonly horizon: number;
  /** The forward return the close must exceed for a 1 (0.001 = 0.1%). */
  readonly threshold: number;
}

export type LabelSpec = ForwardReturnLabel;

const FORM = 'fwd-return:H:THRESH (H a whole number of bars >= 1, THRESH a return such as 0 or 0.001; e.g. fwd-return:10:0)';

export function parseLabel(text: string): LabelSpec {
  const parts = text.trim().split(':');
  if (parts.length !== 3 || parts[0] !== 'fwd-return') {
    throw new LabelError(`label "${text}" is not of the form ${FORM}`);
  }
  const [, h = '', t = ''] = parts;
  if (!/^[1-9]\d*$/.test(h.trim())) throw new LabelError(`label "${text}": the horizon H must be a whole number of bars >= 1, got "${h}" (form ${FORM})`);
  const threshold = t.trim() === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(threshold)) throw new LabelError(`label "${text}": the threshold must be a number (a return, 0.001 = 0.1%), got "${t}" (form ${FORM})`);
  const horizon = Number(h);
  if (!Number.isSafeInteger(horizon)) throw new LabelError(`label "${text}": horizon ${h} is too large`);
  return { kind: 'fwd-return', horizon, threshold };
}

/** The text `parseLabel` reads back to the same spec. */
export function formatLabel(spec: LabelSpec): string {
  return `${spec.kind}:${spec.horizon}:${spec.threshold}`;
}

/** The labels of one symbol's rows 0..rows-1 (rows = bars - H, never negative). */
export interface SymbolLabels {
  readonly rows: number;
  /** 0 or 1 per labelled row. */
  readonly label: Uint8Array;
  /** ts of the first bar the label reads (row t+1). */
  readonly windowStart: Float64Array;
  /** ts of the last bar the label reads (row t+H). */
  readonly windowEnd: Float64Array;
}

/** Labels of one symbol's bars, `ts` ascending and `close` aligned with it. */
export function forwardReturnLabels(ts: ArrayLike<number>, close: ArrayLike<number>, spec: ForwardReturnLabel): SymbolLabels {
  if (ts.length !== close.length) throw new RangeError(`ts has ${ts.length} values and close ${close.length}: give one close per bar`);
  const H = spec.horizon;
  const rows = Math.max(0, ts.length - H);
  const label = new Uint8Array(rows);
  const windowStart = new Float64Array(rows);
  const windowEnd = new Float64Array(rows);
  for (let t = 0; t < rows; t++) {
    const ret = (close[t + H] as number) / (close[t] as number) - 1;
    label[t] = ret > spec.threshold ? 1 : 0;
    windowStart[t] = ts[t + 1] as number;
    windowEnd[t] = ts[t + H] as number;
  }
  return { rows, label, windowStart, windowEnd };
}

/** The label as model metadata records it (model-files.ts `label`). */
export function labelMetadata(spec: LabelSpec): { kind: string; horizon: number; threshold: number; text: string } {
  return { kind: spec.kind, horizon: spec.horizon, threshold: spec.threshold, text: formatLabel(spec) };
}
