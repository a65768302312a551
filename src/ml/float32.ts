/**
 * float32 helpers. The tree runtimes we target (onnxruntime's TreeEnsembleClassifier on float
 * inputs) compare float32 inputs with float32 thresholds, so a threshold chosen on doubles must be
 * turned into the float32 that routes every float32 input the same way.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 just below `x` (x a float32, not NaN). */
export function nextDownFloat32(x: number): number {
  if (x === -Infinity) return x;
  if (x === 0) return -1.401298464324817e-45; // the smallest subnormal, negated (both zeros)
  f32[0] = x;
  if (x > 0) u32[0] = (u32[0] ?? 0) - 1;
  else u32[0] = (u32[0] ?? 0) + 1;
  return f32[0] ?? NaN;
}

/**
 * The largest float32 <= t. For every float32 x: `x <= t` (in doubles) exactly when
 * `x <= roundDownToFloat32(t)`, which rounding to nearest does not give: a t just under a float32
 * value would round up to it and send that value left where the double rule sends it right.
 */
export function roundDownToFloat32(t: number): number {
  if (Number.isNaN(t)) return t;
  const r = Math.fround(t);
  return r > t ? nextDownFloat32(r) : r;
}

export function isFloat32(x: number): boolean {
  return Object.is(Math.fround(x), x) || Number.isNaN(x);
}

/** onnxruntime's ComputeLogistic (ml_common.h), step by step in float32. */
export function logisticFloat32(v: number): number {
  const a = Math.fround(Math.abs(v));
  const e = Math.fround(Math.exp(-a));
  const s = Math.fround(1 / Math.fround(1 + e));
  return v < 0 ? Math.fround(1 - s) : s;
}
