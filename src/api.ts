/**
 * The public strategy API: the only module a strategy file imports (`import { defineStrategy, z } from 'parity'`).
 * Nothing here reaches a venue, a file or a clock.
 */
export { defineStrategy } from './engine/strategy.ts';
export type { StrategyContext, StrategyHandlers, StrategyDefinition } from './engine/strategy.ts';
export { RollingSum } from './engine/indicators.ts';
export type { BarHistory } from './engine/history.ts';
export type { Bar, Quote, Trade, MarketEvent } from './domain/market.ts';
export type { OrderRequest, ReplaceRequest, Side, TimeInForce, OrderType } from './domain/order.ts';
export type { Fill } from './domain/fill.ts';
export type { Instrument } from './domain/instrument.ts';
export { toTicks, toLots, fromSteps } from './domain/instrument.ts';
export type { OrderEvent, OrderView } from './orders/order.ts';
export type { OrderStatus } from './orders/fsm.ts';
export type { PositionView, AccountView } from './portfolio/portfolio.ts';
export { z } from 'zod';
// Features for ML strategies: declared once in the definition, the same code in training, backtest and live.
export { returns, volatility, rsi, zscore, volumeRatio, range, timeOfDay, dayOfWeek, fundingRate, basis } from './features/library.ts';
export type { FeatureSpec, FeatureInput, FeatureState, FeatureEnv, FeatureSource } from './features/types.ts';
