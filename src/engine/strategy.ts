/**
 * The strategy API: everything a strategy may touch. It sees no venue, no file, no wall clock and no
 * global randomness: time and chance come from the context, so every mode feeds it the same inputs.
 */
import type { z } from 'zod';
import type { Instrument } from '../domain/instrument.ts';
import type { Bar, Quote, Trade } from '../domain/market.ts';
import type { OrderRequest, ReplaceRequest } from '../domain/order.ts';
import type { Fill } from '../domain/fill.ts';
import type { OrderEvent, OrderView } from '../orders/order.ts';
import type { AccountView, PositionView } from '../portfolio/portfolio.ts';
import type { BarHistory } from './history.ts';
import type { TradingState } from '../risk/trading-state.ts';
import type { FeatureSpec } from '../features/types.ts';

export interface StrategyContext<P = Record<string, unknown>> {
  readonly params: Readonly<P>;
  /** Symbols this run feeds. */
  readonly symbols: readonly string[];
  /** Engine time: the timestamp of the event being handled (epoch ms, UTC). */
  now(): number;
  /** Place an order; returns its client order id. The outcome arrives in onOrderEvent / onFill. */
  submit(req: OrderRequest): string;
  cancel(clientOrderId: string): void;
  replace(clientOrderId: string, changes: ReplaceRequest): void;
  position(symbol: string): PositionView;
  account(): AccountView;
  /** The newest `n` bars of `symbol` (index 0 = the bar being handled); never the future. */
  history(symbol: string, n: number): BarHistory;
  instrument(symbol: string): Instrument;
  openOrders(symbol?: string): OrderView[];
  tradingState(): TradingState;
  log(message: string, fields?: Record<string, unknown>): void;
  /** Seeded random numbers in [0, 1): the same seed gives the same run. */
  random(): number;
  /**
   * The declared features' values at the bar being handled, by name (NaN while a lookback fills).
   * Empty when the strategy declares no features.
   */
  features(symbol: string): Readonly<Record<string, number>>;
  /**
   * The model's probability of the positive class for the bar being handled, from that bar's
   * features (NaN while a feature is NaN, or with no model). The same value in every mode.
   */
  prediction(symbol: string): number;
  /** Record the strategy's signal for `symbol` at this bar (a stage `verify` compares). */
  signal(symbol: string, value: number): void;
  /** Record the sizing decision: the position `symbol` should hold after this bar (a stage too). */
  target(symbol: string, qty: number): void;
}

export interface StrategyHandlers<P = Record<string, unknown>> {
  onStart?(ctx: StrategyContext<P>): void;
  onBar?(bar: Bar, ctx: StrategyContext<P>): void;
  onQuote?(quote: Quote, ctx: StrategyContext<P>): void;
  onTrade?(trade: Trade, ctx: StrategyContext<P>): void;
  onOrderEvent?(event: OrderEvent, ctx: StrategyContext<P>): void;
  onFill?(fill: Fill, ctx: StrategyContext<P>): void;
  onStop?(ctx: StrategyContext<P>): void;
}

export interface StrategyDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly description?: string;
  /** Parameters with their types and defaults; `--param k=v` is checked against this schema. */
  readonly params: S;
  /** Bars of history to keep per symbol (default 500). */
  readonly lookback?: (params: z.output<S>) => number;
  /**
   * Features computed for every bar of every symbol, incrementally, before onBar runs (the same
   * definitions build a training matrix: `parity train --strategy FILE`). Order is the model's input order.
   */
  readonly features?: readonly FeatureSpec[];
  /**
   * The model, as `models/NAME` (a folder holding model.onnx and metadata.json, relative to the
   * strategy file's project). Its metadata must list the declared features' names in this order.
   */
  readonly model?: string;
  /** Fresh state for one run: called once per run, so two runs never share state. */
  create(params: z.output<S>): StrategyHandlers<z.output<S>>;
}

/** Identity function that gives strategy files their types. */
export function defineStrategy<S extends z.ZodObject>(def: StrategyDefinition<S>): StrategyDefinition<S> {
  return def;
}
