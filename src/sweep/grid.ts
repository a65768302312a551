/**
 * The parameter grid of `parity sweep`: `--param` specs parsed into axes, their cartesian product,
 * and every combination checked against the strategy's zod schema before anything runs.
 *
 * Spec syntax (one `--param` per parameter):
 *   fast=10            one value
 *   slow=20,30,50      a list (numbers, true/false, or words)
 *   fast=5..20:5       a range, both ends included when the step lands on them: 5,10,15,20
 *   fast=5..8          step 1
 *   fast=2,5..20:5     lists and ranges mix
 * A value a parameter's own schema refuses (fast=-5 for a positive int) is an error naming it; a
 * combination refused only by a rule across parameters (sma-cross's fast < slow) is skipped and
 * listed, since a grid over two axes almost always crosses such a line somewhere.
 */
import type { StrategyDefinition } from '../engine/strategy.ts';

export class SweepSpecError extends Error {
  constructor(message: string) {
    super(message);
    // Named like a user error so the CLI prints the message and exits 2 (cli/errors.ts).
    this.name = 'UsageError';
  }
}

export type ParamValue = number | boolean | string;

export interface Axis {
  readonly name: string;
  readonly values: readonly ParamValue[];
}

/** One point of the grid: the values as given, and as the schema parsed them (defaults filled in). */
export interface Combination {
  /** The grid's values only, in axis order: what the table shows and `--param` would take. */
  readonly given: Readonly<Record<string, ParamValue>>;
  /** Everything the strategy receives, as `parity backtest --param ...` would parse it. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface SkippedCombination {
  readonly given: Readonly<Record<string, ParamValue>>;
  readonly reason: string;
}

/** More runs than this is almost certainly a typo in a step (0.0001 where 1 was meant). */
export const MAX_COMBINATIONS = 100_000;

const NUMBER = String.raw`-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const RANGE = new RegExp(`^(${NUMBER})\\.\\.(${NUMBER})(?::(${NUMBER}))?$`);

/** The same reading of a word as `parity backtest --param` (strategy/loader.ts coerce). */
export function coerceValue(v: string): ParamValue {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

function decimals(text: string): number {
  const m = /\.(\d+)/.exec(text.replace(/[eE].*$/, ''));
  return m === null ? 0 : m[1]!.length;
}

/** lo..hi:step, both ends included when the step lands on them; values rounded to the inputs' decimals (no 0.30000000000000004). */
export function expandRange(spec: string, flag: string): number[] {
  const m = RANGE.exec(spec);
  if (m === null) throw new SweepSpecError(`--param ${flag}: cannot read "${spec}" as a range: write lo..hi or lo..hi:step, e.g. 5..20:5`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (!(step > 0)) throw new SweepSpecError(`--param ${flag}: the step of ${spec} must be positive, got ${m[3]}`);
  if (lo > hi) throw new SweepSpecError(`--param ${flag}: ${spec} runs backwards: write the smaller end first (${m[2]}..${m[1]}${m[3] === undefined ? '' : `:${m[3]}`})`);
  const count = Math.floor((hi - lo) / step + 1e-9) + 1;
  if (count > MAX_COMBINATIONS) throw new SweepSpecError(`--param ${flag}: ${spec} has ${count} values (more than ${MAX_COMBINATIONS}): is the step right?`);
  const dec = Math.max(decimals(m[1]!), decimals(m[3] ?? '1'));
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((lo + i * step).toFixed(dec)));
  return out;
}

/** One `--param name=spec` flag as an axis. */
export function parseAxis(flag: string): Axis {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new SweepSpecError(`--param takes name=values (fast=5..20:5, slow=20,30,50 or qty=1), got "${flag}"`);
  const name = flag.slice(0, eq).trim();
  const spec = flag.slice(eq + 1).trim();
  if (spec === '') throw new SweepSpecError(`--param ${name}: no values after "=" (write ${name}=5, ${name}=5,10 or ${name}=5..20:5)`);
  const values: ParamValue[] = [];
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p === '') throw new SweepSpecError(`--param ${name}: an empty item in "${spec}" (two commas, or one at an end)`);
    if (p.includes('..')) values.push(...expandRange(p, name));
    else values.push(coerceValue(p));
  }
  const seen = new Set<string>();
  for (const v of values) {
    const k = JSON.stringify(v);
    if (seen.has(k)) throw new SweepSpecError(`--param ${name}: the value ${k} is listed twice in "${spec}"`);
    seen.add(k);
  }
  return { name, values };
}

/** All `--param` flags; a parameter named twice is an error (one flag holds all its values). */
export function parseAxes(flags: readonly string[]): Axis[] {
  const axes = flags.map(parseAxis);
  const names = new Set<string>();
  for (const a of axes) {
    if (names.has(a.name)) throw new SweepSpecError(`--param ${a.name} is given twice: put all its values in one flag (${a.name}=5,10 or ${a.name}=5..20:5)`);
    names.add(a.name);
  }
  return axes;
}

/** The cartesian product, the last axis varying fastest (the order the table ties break in). */
export function product(axes: readonly Axis[]): Record<string, ParamValue>[] {
  let total = 1;
  for (const a of axes) total *= a.values.length;
  if (total > MAX_COMBINATIONS) {
    throw new SweepSpecError(`the grid has ${total} combinations (${axes.map((a) => `${a.name}: ${a.values.length}`).join(' x ')}), more than ${MAX_COMBINATIONS}: use fewer values or coarser steps`);
  }
  let out: Record<string, ParamValue>[] = [{}];
  for (const a of axes) {
    const next: Record<string, ParamValue>[] = [];
    for (const partial of out) for (const v of a.values) next.push({ ...partial, [a.name]: v });
    out = next;
  }
  return out;
}

function shapeKeys(def: StrategyDefinition): string[] {
  return Object.keys((def.params as unknown as { shape?: Record<string, unknown> }).shape ?? {});
}

function showGiven(g: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(g).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

export interface CheckedGrid {
  readonly combinations: Combination[];
  readonly skipped: SkippedCombination[];
}

/**
 * Every combination through the strategy's schema, on top of `base` (the config file's params).
 * Throws for a name the strategy does not have and for a value a parameter's own rule refuses;
 * skips combinations only a cross-parameter rule refuses; throws when none is left.
 */
export function checkGrid(def: StrategyDefinition, axes: readonly Axis[], base: Readonly<Record<string, unknown>> = {}): CheckedGrid {
  const known = shapeKeys(def);
  for (const a of axes) {
    if (!known.includes(a.name)) {
      throw new SweepSpecError(`strategy ${def.name} has no parameter "${a.name}"; it takes: ${known.join(', ') || '(none)'}`);
    }
  }
  const combinations: Combination[] = [];
  const skipped: SkippedCombination[] = [];
  for (const given of product(axes)) {
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base)) input[k] = typeof v === 'string' ? coerceValue(v) : v;
    Object.assign(input, given);
    const r = def.params.safeParse(input);
    if (r.success) {
      combinations.push({ given, params: r.data as Record<string, unknown> });
      continue;
    }
    const field = r.error.issues.find((i) => i.path.length > 0);
    if (field !== undefined) {
      const name = String(field.path[0]);
      const where = name in given ? `--param ${name}=${String(given[name])}` : `the config's ${name}`;
      throw new SweepSpecError(`strategy ${def.name} refuses ${where}: ${field.path.join('.')}: ${field.message} (fix the value or range, then run again)`);
    }
    skipped.push({ given, reason: r.error.issues.map((i) => i.message).join('; ') });
  }
  if (combinations.length === 0) {
    const first = skipped[0];
    throw new SweepSpecError(`strategy ${def.name} refuses every combination of the grid${first === undefined ? '' : ` (e.g. ${showGiven(first.given)}: ${first.reason})`}`);
  }
  return { combinations, skipped };
}

export { showGiven };
