/**
 * Money in the ledger: integers of 1e-8 of a currency unit ("money units").
 *
 * Why 1e-8: it holds every crypto quote precision in use and every equity fee rate ($0.0035/share)
 * exactly, and 2^53 money units is still 90 million currency units, far above a solo trader's
 * account. Anything past that is refused loudly (`assertSafe`) instead of silently losing cents.
 * Floats appear only at the edges: a fill's notional is computed once, rounded once, and from then
 * on the ledger only adds integers.
 */
export type Money = number & { readonly __money: unique symbol };

export const MONEY_SCALE = 100_000_000;
const SCALE_BIG = 100_000_000n;

export class LedgerOverflowError extends Error {
  constructor(what: string, value: number) {
    super(`${what} (${value}) is too large for the exact ledger (limit about 90 million per currency)`);
    this.name = 'LedgerOverflowError';
  }
}

function assertSafe(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new LedgerOverflowError(what, value);
}

export const ZERO = 0 as Money;

/** Currency amount (a decimal number like 123.45) to money units, rounded to the nearest unit. */
export function money(amount: number): Money {
  const m = Math.round(amount * MONEY_SCALE);
  assertSafe(m, 'amount');
  return m as Money;
}

export const toNumber = (m: Money): number => m / MONEY_SCALE;

export function add(a: Money, b: Money): Money {
  const r = a + b;
  assertSafe(r, 'sum');
  return r as Money;
}

export const sub = (a: Money, b: Money): Money => add(a, -b as Money);
export const neg = (a: Money): Money => -a as Money;

/**
 * The exact value of `steps` price ticks times `lots` quantity lots, in money units, rounded half away
 * from zero once. `unitValue` is tickSize * lotSize * multiplier as a decimal string-safe number.
 */
export function notional(priceTicks: number, qtyLots: number, tickSize: number, lotSize: number, multiplier: number): Money {
  const unit = unitOf(tickSize, lotSize, multiplier);
  // Fast path: one tick x one lot is a whole number of money units, and the product stays exact.
  if (unit.perStep !== 0) {
    const out = priceTicks * qtyLots * unit.perStep;
    if (Number.isSafeInteger(out)) return out as Money;
  }
  // Exact: express tick*lot*multiplier as an integer over a power of ten, then do one BigInt division.
  const { num, den } = unit;
  const raw = BigInt(priceTicks) * BigInt(qtyLots) * num * SCALE_BIG;
  const r = divRound(raw, den);
  const out = Number(r);
  assertSafe(out, 'notional');
  return out as Money;
}

interface Unit { readonly num: bigint; readonly den: bigint; /** money units per tick x lot when whole, else 0 */ readonly perStep: number }
const unitCache = new Map<string, Unit>();

/** tick x lot x multiplier as an exact fraction, cached per instrument grid (fills are hot in busy backtests). */
let lastTick = Number.NaN;
let lastLot = Number.NaN;
let lastMult = Number.NaN;
let lastUnit: Unit | null = null;

function unitOf(tickSize: number, lotSize: number, multiplier: number): Unit {
  if (tickSize === lastTick && lotSize === lastLot && multiplier === lastMult && lastUnit !== null) return lastUnit;
  lastUnit = unitFor(tickSize, lotSize, multiplier);
  lastTick = tickSize;
  lastLot = lotSize;
  lastMult = multiplier;
  return lastUnit;
}

function unitFor(tickSize: number, lotSize: number, multiplier: number): Unit {
  const key = `${tickSize}|${lotSize}|${multiplier}`;
  let u = unitCache.get(key);
  if (u === undefined) {
    const [num, den] = rational(tickSize * lotSize * multiplier);
    const scaled = num * SCALE_BIG;
    const perStep = scaled % den === 0n && scaled / den <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(scaled / den) : 0;
    u = { num, den, perStep };
    unitCache.set(key, u);
  }
  return u;
}

/** a * b / c rounded half away from zero, exactly (in doubles when that is exact, else BigInt), for pro-rata cost basis. */
export function mulDiv(a: number, b: number, c: number): number {
  if (c === 0) throw new Error('mulDiv by zero');
  // Fast path (most calls: a share of a reserve or of a cost): the product and every step below
  // stay exact in doubles, and the result is the BigInt one. No BigInt allocated.
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b) && Number.isSafeInteger(c)) {
    const p = a * b;
    if (Math.abs(p) <= SMALL && Math.abs(c) <= SMALL) return divRoundSmall(c < 0 ? -p : p, Math.abs(c));
  }
  return Number(divRound(BigInt(a) * BigInt(b), BigInt(c)));
}

/**
 * 2^52: below it the product is exact, and so is Math.trunc(n / d): for the rounded quotient to
 * reach the next integer, 1/d would have to be under half an ulp of it, i.e. n >= 2^53.
 */
const SMALL = 2 ** 52;

/** divRound for integers |n|, d <= 2^52, d > 0, in doubles. */
function divRoundSmall(n: number, d: number): number {
  let q = Math.trunc(n / d);
  const r = n - q * d; // exact: |q * d| <= |n|
  if (r !== 0 && Math.abs(r) * 2 >= d) q = n < 0 ? q - 1 : q + 1;
  return q === 0 ? 0 : q; // never -0 (the BigInt path gives +0)
}

function divRound(n: bigint, d: bigint): bigint {
  if (d < 0n) { n = -n; d = -d; }
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** A decimal number as num/den with den a power of ten (0.00001 -> [1n, 100000n]). */
function rational(x: number): [bigint, bigint] {
  let s = x.toPrecision(15);
  if (s.includes('e')) s = x.toFixed(20);
  s = s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  const [int, frac = ''] = s.split('.');
  return [BigInt(int! + frac), 10n ** BigInt(frac.length)];
}

/** A fee or a rate applied to a money amount: round up, so fees are never understated. */
export function fraction(m: Money, rate: number): Money {
  const [num, den] = rational(Math.abs(rate));
  const raw = BigInt(Math.abs(m)) * num;
  const q = (raw + den - 1n) / den;
  const out = Number(q) * Math.sign(m) * Math.sign(rate);
  return (out === 0 ? 0 : out) as Money;
}

export function format(m: Money, decimals = 2): string {
  return toNumber(m).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
