/**
 * The trading state every command passes through (NautilusTrader's idea).
 * - active: everything flows;
 * - paused: no order that opens or adds exposure; exits, stop-losses and cancels still flow;
 * - halted: nothing new at all (cancels still flow): a hard stop such as a loss limit.
 */
export type TradingStatus = 'active' | 'paused' | 'halted';

export interface TradingState {
  readonly status: TradingStatus;
  readonly reason: string;
  /** Engine time of the change. */
  readonly since: number;
}

export const INITIAL_TRADING_STATE: TradingState = { status: 'active', reason: 'start', since: 0 };
