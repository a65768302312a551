/**
 * Column storage that doubles when it runs out (the order and execution archives keep numbers in
 * typed arrays, which the garbage collector never scans).
 */

/** `a` when it holds `need` slots, else a copy at least twice as long. */
export function grownF64(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** The same for byte columns (codes, flags). */
export function grownU8(a: Uint8Array<ArrayBuffer>, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
