/**
 * The feature API: a feature is written once and computed the same way in training (a batch matrix
 * from a bar file), in a backtest and live (incrementally, bar by bar on the event stream).
 *
 * A feature reads market data only: the bar, and for perpetuals the funding rate and the index price
 * in force at the bar. It never sees a position, an order or the P&L, so a model's inputs cannot depend
 * on what the strategy did, and predictions can be computed before the event pass of a backtest.
 */
import type { Bar } from '../domain/market.ts';
import type { Instrument } from '../domain/instrument.ts';

/** What a feature may read at one bar: nothing of the future, nothing of the account. */
export interface FeatureInput {
  readonly bar: Bar;
  /**
   * The funding rate per interval in force at the bar's close: the last row stamped strictly before
   * ts + barMs (src/features/inputs.ts says why); NaN before the first row or with no funding source.
   */
  readonly funding: number;
  /** The index (spot reference) price at the bar's close, read like `funding`; NaN when none. */
  readonly index: number;
}

/** The side inputs a feature declares it needs besides the bar (checked before a run starts). */
export type FeatureSource = 'bar' | 'funding' | 'index';

/** What a feature's state is told once, at creation: the instrument's calendar and the bar length. */
export interface FeatureEnv {
  readonly calendar: Instrument['calendar'];
  /** The bar interval in ms (60_000 for minute bars). */
  readonly barMs: number;
}

/** The incremental state of one feature for one symbol: one `update` per bar, in time order. */
export interface FeatureState {
  /** The feature's value at this bar (NaN while the lookback is not yet filled). */
  update(x: FeatureInput): number;
}

export interface FeatureSpec {
  /** Unique within a set, stable: it names the model's input column (e.g. `ret_5`, `vol_30`). */
  readonly name: string;
  readonly inputs: readonly FeatureSource[];
  /** Bars of history the value at a bar depends on, that bar included (1 = the bar alone). */
  readonly lookback: number;
  create(env: FeatureEnv): FeatureState;
}
