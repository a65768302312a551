/**
 * The model stage of the engine: for every bar, the declared features (incrementally, from market
 * data only) and the model's prediction from them, ready before the strategy's onBar for that bar.
 *
 * Two ways a prediction gets there, with the same value:
 * - a backtest, a re-run and a warm-up know their bars before the event pass, so the predictions of
 *   all of them come from batched model runs first (`precompute`): exact, because features read
 *   market data only, never what the strategy did;
 * - paper and live do not: the engine awaits the model at one step, after the bar arrives and
 *   before it is dispatched (`prepare`), so onBar for bar t always sees the prediction of bar t.
 * In both the engine computes the features incrementally too (the strategy reads them, the
 * recording keeps them). Where a batch row exists it must equal the incremental row exactly; a
 * difference is a defect in parity and stops the run rather than trade on it.
 */
import type { Bar } from '../domain/market.ts';
import type { FeatureEnv, FeatureInput } from '../features/types.ts';
import type { Predictor } from '../ports/predictor.ts';

/** The features of a strategy, as the engine needs them (src/features/feature-set.ts FeatureSet). */
export interface FeatureComputer {
  readonly names: readonly string[];
  incremental(env: FeatureEnv): { update(x: FeatureInput): Float64Array };
}

/** Where a bar's side inputs (funding rate, index price) come from, per symbol, in time order. */
export interface FeatureInputs {
  at(bar: Bar): FeatureInput;
  /**
   * Live sources only: resolves once the side inputs of `bar` are in (an index bar, a funding
   * poll), so the value read is the one a file of the same session would hold. Awaited in `prepare`.
   */
  ready?(bar: Bar): Promise<void>;
}

/** Precomputed predictions of one symbol, in bar order (ts ascending). */
export interface SymbolPredictions {
  readonly ts: Float64Array;
  /** Row-major, `ts.length` rows of the feature count. */
  readonly features: Float64Array;
  readonly prediction: Float32Array;
}

export type PredictionTable = ReadonlyMap<string, SymbolPredictions>;

export interface ModelStageOptions {
  readonly features: FeatureComputer;
  /** Side inputs for each symbol (a new one per symbol: cursors move forward only). */
  readonly inputsFor: (symbol: string) => FeatureInputs;
  readonly envOf: (symbol: string) => FeatureEnv;
  /** Absent: features only, the prediction is NaN. */
  readonly predictor?: Predictor;
  /** Predictions computed before the run (backtest, re-run): read instead of awaiting the model. */
  readonly precomputed?: PredictionTable;
}

/** A stage of a decision, in pipeline order: data → features and prediction → signal → target → orders. */
export type StageRecord =
  | { readonly kind: 'model'; readonly ts: number; readonly symbol: string; readonly values: Float64Array; readonly prediction: number; readonly funding: number; readonly index: number }
  | { readonly kind: 'signal'; readonly ts: number; readonly symbol: string; readonly value: number }
  | { readonly kind: 'target'; readonly ts: number; readonly symbol: string; readonly qty: number };

/** One bar's values as the strategy and the recording see them. */
export interface BarStage {
  readonly symbol: string;
  readonly ts: number;
  readonly values: Float64Array;
  readonly prediction: number;
  /** The side inputs the features read at this bar (NaN where none): data, recorded with the features. */
  readonly funding: number;
  readonly index: number;
}

/** A defect: the batch and incremental paths disagree, or a prediction went missing. */
export class ModelStageError extends Error {
  override readonly name = 'ModelStageError';
}

interface SymbolState {
  readonly inc: { update(x: FeatureInput): Float64Array };
  readonly inputs: FeatureInputs;
  current: BarStage | null;
  /** A bar whose features and prediction `prepare` made, waiting for the engine to dispatch it. */
  prepared: { readonly bar: Bar; readonly stage: BarStage } | null;
  table: SymbolPredictions | null;
  cursor: number;
}

export class ModelStage {
  readonly names: readonly string[];
  private readonly opts: ModelStageOptions;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly tables: Map<string, SymbolPredictions>;

  constructor(opts: ModelStageOptions) {
    this.opts = opts;
    this.names = opts.features.names;
    this.tables = new Map(opts.precomputed ?? []);
  }

  get hasModel(): boolean {
    return this.opts.predictor !== undefined;
  }

  /**
   * True when this bar must be awaited before dispatch: its prediction (a model, no precomputed
   * row), or its side inputs (a live source that fetches them, with or without a model).
   */
  needsAwait(bar: Bar): boolean {
    const s = this.stateOf(bar.symbol);
    if (this.opts.predictor === undefined && s.inputs.ready === undefined) return false;
    if (s.prepared?.bar === bar) return false;
    return this.rowOf(s, bar) < 0;
  }

  /** Paper and live: features of `bar` now, the model awaited; `onBar` then hands the result back. */
  async prepare(bar: Bar): Promise<void> {
    const s = this.stateOf(bar.symbol);
    await s.inputs.ready?.(bar);
    const x = s.inputs.at(bar);
    const values = s.inc.update(x).slice(); // the state may reuse its buffer
    const prediction = await this.predictOne(values);
    s.prepared = { bar, stage: { symbol: bar.symbol, ts: bar.ts, values, prediction, funding: x.funding, index: x.index } };
  }

  /**
   * Bars known in advance (a warm-up's, a backtest's): batched model runs, one per symbol, on
   * features computed by a fresh pass of the same definitions. Merged into the precomputed table.
   */
  async precompute(bars: readonly Bar[]): Promise<void> {
    const table = await precomputePredictions(this.opts, bars);
    for (const [sym, t] of table) {
      // The batch pass starts from fresh feature state, as the engine's own pass does: only the
      // first bars a symbol ever sees can be precomputed, once.
      if (this.tables.has(sym) || this.symbols.has(sym)) throw new ModelStageError(`${sym}: predictions can be precomputed once, before the symbol's first bar`);
      this.tables.set(sym, t);
    }
  }

  /** The engine, just before onBar: this bar's features and prediction become the current ones. */
  onBar(bar: Bar): BarStage {
    const s = this.stateOf(bar.symbol);
    const p = s.prepared;
    if (p !== null && p.bar === bar) {
      s.prepared = null;
      s.current = p.stage;
      return p.stage;
    }
    if (p !== null) throw new ModelStageError(`${bar.symbol}: the bar prepared at ${iso(p.bar.ts)} was not the next one dispatched (${iso(bar.ts)})`);
    const x = s.inputs.at(bar);
    const values = s.inc.update(x).slice(); // the state may reuse its buffer
    let prediction = Number.NaN;
    const row = this.rowOf(s, bar);
    if (row >= 0) {
      const t = s.table!;
      const k = values.length;
      for (let j = 0; j < k; j++) {
        const a = values[j]!;
        const b = t.features[row * k + j]!;
        if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) {
          throw new ModelStageError(`${bar.symbol} ${iso(bar.ts)}: feature ${this.names[j]} is ${a} on the event stream but ${b} in the batch pass; the two paths must agree (a defect in parity: please report it with the data file)`);
        }
      }
      prediction = t.prediction[row]!;
      s.cursor = row + 1;
    } else if (this.opts.predictor !== undefined && !allNaNFree(values)) {
      prediction = Number.NaN; // a feature still warming up: no prediction yet, in every mode
    } else if (this.opts.predictor !== undefined) {
      throw new ModelStageError(`${bar.symbol} ${iso(bar.ts)}: no prediction was prepared for this bar (the engine must await the model before dispatching it)`);
    }
    const stage: BarStage = { symbol: bar.symbol, ts: bar.ts, values, prediction, funding: x.funding, index: x.index };
    s.current = stage;
    return stage;
  }

  current(symbol: string): BarStage | null {
    return this.symbols.get(symbol)?.current ?? null;
  }

  private stateOf(symbol: string): SymbolState {
    let s = this.symbols.get(symbol);
    if (s === undefined) {
      s = {
        inc: this.opts.features.incremental(this.opts.envOf(symbol)),
        inputs: this.opts.inputsFor(symbol),
        current: null, prepared: null, table: null, cursor: 0,
      };
      this.symbols.set(symbol, s);
    }
    if (s.table === null) s.table = this.tables.get(symbol) ?? null;
    return s;
  }

  /** The precomputed row of `bar`, or -1. Bars arrive in time order, so the cursor only moves forward. */
  private rowOf(s: SymbolState, bar: Bar): number {
    const t = s.table;
    if (t === null) return -1;
    let i = s.cursor;
    while (i < t.ts.length && t.ts[i]! < bar.ts) i++;
    s.cursor = i;
    return i < t.ts.length && t.ts[i] === bar.ts ? i : -1;
  }

  private async predictOne(values: Float64Array): Promise<number> {
    const p = this.opts.predictor;
    if (p === undefined || !allNaNFree(values)) return Number.NaN;
    const out = await p.predict(Float32Array.from(values), 1);
    return out[0]!;
  }
}

function allNaNFree(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) return false;
  return true;
}

/**
 * The batch path: per symbol, a fresh incremental pass of the definitions over the bars in order
 * (so a batch row is the incremental row by construction of the definitions, and the engine's own
 * pass is compared against it), then one model run over every complete row.
 */
export async function precomputePredictions(opts: Pick<ModelStageOptions, 'features' | 'inputsFor' | 'envOf' | 'predictor'>, bars: readonly Bar[]): Promise<Map<string, SymbolPredictions>> {
  const bySymbol = new Map<string, Bar[]>();
  for (const b of bars) {
    let list = bySymbol.get(b.symbol);
    if (list === undefined) bySymbol.set(b.symbol, (list = []));
    list.push(b);
  }
  const k = opts.features.names.length;
  const out = new Map<string, SymbolPredictions>();
  for (const [sym, list] of bySymbol) {
    const inc = opts.features.incremental(opts.envOf(sym));
    const inputs = opts.inputsFor(sym);
    const n = list.length;
    const ts = new Float64Array(n);
    const features = new Float64Array(n * k);
    const complete: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = list[i]!;
      if (i > 0 && b.ts <= ts[i - 1]!) throw new ModelStageError(`${sym}: bars out of order at ${iso(b.ts)} (the batch pass needs them ascending)`);
      ts[i] = b.ts;
      const row = inc.update(inputs.at(b));
      features.set(row, i * k);
      if (allNaNFree(row)) complete.push(i);
    }
    const prediction = new Float32Array(n).fill(Number.NaN);
    const p = opts.predictor;
    if (p !== undefined && complete.length > 0) {
      const x = new Float32Array(complete.length * k);
      for (let r = 0; r < complete.length; r++) x.set(features.subarray(complete[r]! * k, complete[r]! * k + k), r * k);
      const probs = await p.predict(x, complete.length);
      for (let r = 0; r < complete.length; r++) prediction[complete[r]!] = probs[r]!;
    }
    out.set(sym, { ts, features, prediction });
  }
  return out;
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}
