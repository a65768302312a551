/**
 * A list of features computed together: the model's input columns, in declared order.
 *
 * There is one computation: `incremental(env).update(input)` per bar. `matrix` (the training /
 * batch path) runs exactly that over an array of inputs, so a batch row and the live value at the
 * same bar come from the same floating-point operations, not from a second, vectorised definition
 * that could drift from the first.
 */
import { FeatureError } from './errors.ts';
import { FEATURE_PATTERNS } from './library.ts';
import type { FeatureEnv, FeatureInput, FeatureSource, FeatureSpec, FeatureState } from './types.ts';

/** Feature values, row-major: `values[row * cols + col]` is feature `names[col]` at input `row`. */
export interface FeatureMatrix {
  readonly names: readonly string[];
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
}

/** The running features of one symbol: one `update` per bar, in time order. */
export interface IncrementalFeatures {
  readonly names: readonly string[];
  /**
   * Feed the next bar; returns one value per feature in declared order. The SAME buffer is returned
   * (and overwritten) on every call: copy what you keep past the next update.
   * Throws a FeatureError when the bar is not after the previous one or is of another symbol.
   */
  update(x: FeatureInput): Float64Array;
}

const NAME = /^[a-z][a-z0-9_]*$/;

export class FeatureSet {
  readonly specs: readonly FeatureSpec[];
  readonly names: readonly string[];
  /** The longest lookback: bars until every feature can be warm. */
  readonly lookback: number;
  /** Every side input any feature reads ('bar' always included). */
  readonly sources: ReadonlySet<FeatureSource>;

  constructor(specs: readonly FeatureSpec[]) {
    if (specs.length === 0) throw new FeatureError('a feature set needs at least one feature');
    const seen = new Set<string>();
    const sources = new Set<FeatureSource>(['bar']);
    let lookback = 1;
    for (const s of specs) {
      if (!NAME.test(s.name)) throw new FeatureError(`feature name "${s.name}" must be lower case letters, digits and _ (it names a model input column)`);
      if (seen.has(s.name)) throw new FeatureError(`feature "${s.name}" is declared twice: names are model columns and must be unique`);
      if (!Number.isInteger(s.lookback) || s.lookback < 1) throw new FeatureError(`feature "${s.name}" has lookback ${s.lookback}: it must be a whole number of bars >= 1 (1 = the bar alone)`);
      seen.add(s.name);
      for (const src of s.inputs) sources.add(src);
      lookback = Math.max(lookback, s.lookback);
    }
    this.specs = specs;
    this.names = specs.map((s) => s.name);
    this.lookback = lookback;
    this.sources = sources;
  }

  /** Fresh state for one symbol. */
  incremental(env: FeatureEnv): IncrementalFeatures {
    const states: FeatureState[] = this.specs.map((s) => s.create(env));
    const out = new Float64Array(states.length);
    let lastTs = Number.NEGATIVE_INFINITY;
    let symbol: string | undefined;
    return {
      names: this.names,
      update(x: FeatureInput): Float64Array {
        if (symbol !== undefined && x.bar.symbol !== symbol) {
          throw new FeatureError(`features are per symbol: got a ${x.bar.symbol} bar in the state of ${symbol} (make one incremental() per symbol)`);
        }
        if (!(x.bar.ts > lastTs)) {
          throw new FeatureError(`${x.bar.symbol} bar at ${new Date(x.bar.ts).toISOString()} is not after the previous one (${new Date(lastTs).toISOString()}): feed bars in time order, once each`);
        }
        symbol = x.bar.symbol;
        lastTs = x.bar.ts;
        for (let i = 0; i < states.length; i++) out[i] = states[i]!.update(x);
        return out;
      },
    };
  }

  /** The batch path: the incremental state run over `inputs` (one symbol, in time order). */
  matrix(inputs: readonly FeatureInput[], env: FeatureEnv): FeatureMatrix {
    const cols = this.specs.length;
    const values = new Float64Array(inputs.length * cols);
    const run = this.incremental(env);
    for (let r = 0; r < inputs.length; r++) values.set(run.update(inputs[r]!), r * cols);
    return { names: this.names, rows: inputs.length, cols, values };
  }
}

/** The list `parseFeatureList` understands, for help and error texts. */
export function knownFeatures(): string {
  return FEATURE_PATTERNS.map((p) => p.pattern).join(', ');
}

/**
 * Parse a comma-separated feature list (the CLI's `--features ret_5,vol_30,rsi_14,range,funding`)
 * into specs, in the given order. N is a whole number of bars.
 */
export function parseFeatureList(text: string): FeatureSpec[] {
  const items = text.split(',').map((t) => t.trim());
  if (items.length === 0 || items.every((t) => t === '')) throw new FeatureError(`the feature list is empty: give names such as ret_5,vol_30,rsi_14 (known: ${knownFeatures()})`);
  const specs: FeatureSpec[] = [];
  for (const item of items) {
    if (item === '') throw new FeatureError(`the feature list "${text}" has an empty item: separate names by single commas`);
    specs.push(parseOne(item));
  }
  new FeatureSet(specs); // duplicate names fail here, with the set's message
  return specs;
}

function parseOne(item: string): FeatureSpec {
  for (const p of FEATURE_PATTERNS) {
    if (!p.windowed) {
      if (item === p.pattern) return p.make(0);
      continue;
    }
    const prefix = p.pattern.slice(0, -1); // 'ret_N' -> 'ret_'
    if (!item.startsWith(prefix)) continue;
    const digits = item.slice(prefix.length);
    if (!/^[1-9]\d*$/.test(digits)) {
      throw new FeatureError(`feature "${item}": ${p.pattern} needs N as a whole number of bars (e.g. ${prefix}14)`);
    }
    return p.make(Number(digits));
  }
  throw new FeatureError(`unknown feature "${item}": known features are ${knownFeatures()} (N a whole number of bars, e.g. ret_5,vol_30,rsi_14,range,funding)`);
}
