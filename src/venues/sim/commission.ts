/**
 * Commission models of the simulated venue. Pure functions of an order's executions so far.
 *
 * Fees are computed in money units (1e-8 of the quote currency, see domain/money.ts), rounded up so
 * they are never understated: first exactly to 1e-8, then to the fee precision of the instrument
 * (the cent for equities and ETFs, 1e-8 for crypto).
 *
 * Minimums and maximums apply per ORDER, not per execution (IBKR's rule: a 300-share order filled in
 * three pieces pays one minimum). So the venue keeps, per order, the running trade value and the
 * running variable fee, asks `orderFee` for the order's total so far, and charges the difference
 * from what it already charged. For the flat models that difference is just this fill's fee.
 */
import type { AssetClass } from '../../domain/instrument.ts';
import type { Liquidity } from '../../domain/fill.ts';
import { type Money, ZERO, fraction, money } from '../../domain/money.ts';

/** Discriminated by `model`, the same shape as the config file's `venue.commission`. */
export type CommissionModel =
  /** Alpaca: commission-free US equities and ETFs (https://alpaca.markets/support/commission-free-trading). */
  | { readonly model: 'zero' }
  /**
   * IBKR Pro Fixed, US stocks (https://www.interactivebrokers.com/en/pricing/commissions-stocks.php):
   * USD 0.005 per share, minimum USD 1.00 per order, maximum 1% of trade value. When the 1% cap is
   * below the minimum the cap is charged (IBKR's example: 1,000 shares at USD 0.25 = USD 2.50).
   */
  | { readonly model: 'ibkr_fixed' }
  /**
   * IBKR Pro Tiered, US stocks (same page): per share by month-to-date volume, minimum USD 0.35 per
   * order, maximum 1% of trade value. Exchange, clearing and regulatory pass-through fees are not
   * modelled (they are a few hundredths of a cent per share).
   */
  | { readonly model: 'ibkr_tiered' }
  /**
   * Crypto venues' maker/taker schedule in basis points of notional, e.g. maker 8, taker 10
   * (check the venue's own fee page for your tier: Binance, Coinbase Advanced, Kraken, OKX, Bybit).
   */
  | { readonly model: 'crypto'; readonly makerBps: number; readonly takerBps: number }
  /** A flat rate in basis points of notional, whatever the liquidity (`--commission-bps`). */
  | { readonly model: 'bps'; readonly bps: number };

export const ZERO_COMMISSION: CommissionModel = { model: 'zero' };

/** IBKR Tiered per-share rates: [upper bound of month-to-date shares, USD per share]. */
export const IBKR_TIERS: readonly (readonly [number, number])[] = [
  [300_000, 0.0035],
  [3_000_000, 0.002],
  [20_000_000, 0.0015],
  [100_000_000, 0.001],
  [Number.POSITIVE_INFINITY, 0.0005],
];

const IBKR_FIXED_PER_SHARE = 0.005;
const IBKR_FIXED_MIN = money(1);
const IBKR_TIERED_MIN = money(0.35);
const IBKR_MAX_RATE = 0.01;

/** Money units per fee step: the cent for equities, 1e-8 (one unit) for crypto. */
export function feeStepUnits(assetClass: AssetClass): number {
  return assetClass === 'equity' || assetClass === 'etf' ? 1_000_000 : 1;
}

/** IBKR Tiered rate for the next shares, given the shares already traded this month. */
export function ibkrTierRate(monthVolumeBefore: number): number {
  for (const [upTo, rate] of IBKR_TIERS) if (monthVolumeBefore < upTo) return rate;
  return IBKR_TIERS[IBKR_TIERS.length - 1]![1];
}

/** One execution as the fee models see it. */
export interface Execution {
  /** Shares / units in this execution. */
  readonly qty: number;
  /** Exact trade value of this execution (qty x price x multiplier) in money units. */
  readonly value: Money;
  readonly liquidity: Liquidity;
  /** Shares this account traded earlier in the calendar month (only ibkr_tiered reads it). */
  readonly monthVolume: number;
}

/**
 * The variable part of the fee of one execution (per share or per notional), exact in money units
 * and rounded up, before the per-order minimum and maximum.
 */
export function variableFee(model: CommissionModel, x: Execution): Money {
  switch (model.model) {
    case 'zero': return ZERO;
    case 'ibkr_fixed': return fraction(money(x.qty), IBKR_FIXED_PER_SHARE);
    case 'ibkr_tiered': return fraction(money(x.qty), ibkrTierRate(x.monthVolume));
    case 'crypto': return fraction(x.value, (x.liquidity === 'maker' ? model.makerBps : model.takerBps) / 10_000);
    case 'bps': return fraction(x.value, model.bps / 10_000);
  }
}

/**
 * The total fee of an order so far: its variable fees summed, then the order's minimum and maximum,
 * then rounded up to the fee step. Monotonic in both inputs, so per-fill differences are never negative.
 */
export function orderFee(model: CommissionModel, variable: Money, orderValue: Money, stepUnits: number): Money {
  let total: number = variable;
  if (model.model === 'ibkr_fixed' || model.model === 'ibkr_tiered') {
    const min = model.model === 'ibkr_fixed' ? IBKR_FIXED_MIN : IBKR_TIERED_MIN;
    // The cap wins over the minimum (IBKR: "1,000 shares at USD 0.25 = USD 2.50").
    total = Math.min(Math.max(total, min), fraction(orderValue, IBKR_MAX_RATE));
  }
  return roundUpTo(total, stepUnits) as Money;
}

/** Round a non-negative amount of money units up to a multiple of `step`. */
export function roundUpTo(units: number, step: number): number {
  if (step <= 1) return units;
  return Math.ceil(units / step) * step;
}

/**
 * Convenience for one order filled in one execution: the fee in currency units.
 * (The venue uses variableFee / orderFee directly to spread minimums over partial fills.)
 */
export function commission(model: CommissionModel, x: Execution & { readonly assetClass: AssetClass }): number {
  const total = orderFee(model, variableFee(model, x), x.value, feeStepUnits(x.assetClass));
  return total / 100_000_000;
}
