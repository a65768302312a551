/**
 * Exact decimal arithmetic for per-fill statistics (round trips, notional): numbers become BigInt
 * multiples of 10^-SCALE once, sums and products are exact, and the result turns back into the
 * nearest double of its exact decimal value (so 0.1 + 0.2 reports as 0.3). Cheap enough per fill;
 * never used per bar.
 */
export const SCALE = 12;
const TEN = 10n;
export const ONE = TEN ** BigInt(SCALE);

/**
 * A finite number as an integer count of 10^-SCALE. The number is read at 15 significant digits,
 * the precision a double always round-trips, so float noise like 0.30000000000000004 becomes 0.3.
 */
const FAST_SCALE = 1e6;
const FAST_TO_FIXED = TEN ** BigInt(SCALE - 6);

export function toFixedBig(x: number): bigint {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  if (x === 0) return 0n;
  // Fast path (prices and quantities on a grid of at most 6 decimals): no string round trip.
  const r = Math.round(x * FAST_SCALE);
  if (Number.isSafeInteger(r) && r / FAST_SCALE === x) return BigInt(r) * FAST_TO_FIXED;
  const s = x.toPrecision(15);
  const [mant = '0', expPart] = s.split('e');
  const exp = expPart === undefined ? 0 : Number(expPart);
  const neg = mant.startsWith('-');
  const [int = '0', frac = ''] = (neg ? mant.slice(1) : mant).split('.');
  const digits = BigInt(int + frac);
  const shift = exp - frac.length + SCALE;
  const v = shift >= 0 ? digits * TEN ** BigInt(shift) : divRound(digits, TEN ** BigInt(-shift));
  return neg ? -v : v;
}

/** n / d rounded half away from zero. */
export function divRound(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new Error('division by zero');
  if (d < 0n) { n = -n; d = -d; }
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d && r !== 0n) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** An integer count of 10^-(SCALE * places) back to the nearest double of its exact decimal value. */
export function fromFixedBig(v: bigint, places = 1): number {
  const digits = SCALE * places;
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(digits + 1, '0');
  const int = s.slice(0, s.length - digits);
  const frac = s.slice(s.length - digits).replace(/0+$/, '');
  const n = Number(frac === '' ? int : `${int}.${frac}`);
  return neg ? -n : n;
}
