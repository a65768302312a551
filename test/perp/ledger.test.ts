/**
 * Perpetual ledger math, against hand-computed numbers: funding (longs pay when the rate is
 * positive), liquidation price estimates for isolated and cross margin, margin used per the
 * instrument's own leverage and mode, and venue entries booked on the ledger.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { DEFAULT_PERP, fundingAmount, fundingBoundaryAfter, liquidationPrice } from '../../src/domain/perp.ts';
import { DEFAULT_ACCOUNT, Portfolio } from '../../src/portfolio/portfolio.ts';
import type { AccountEntry } from '../../src/ports/index.ts';

const USDT = { ...DEFAULT_ACCOUNT, currency: 'USDT', cash: 10_000, type: 'margin' as const, fxRates: { USDT: 1 } };
const iso = makeInstrument('BTC/USDT:USDT', 'sim', { perp: { leverage: 10, marginMode: 'isolated' } });
const cross = makeInstrument('BTC/USDT:USDT', 'sim', { perp: { leverage: 10 } });

describe('perp spec defaults', () => {
  it('a perpetual gets the default terms; spot gets none; bad terms are refused by name', () => {
    const p = makeInstrument('BTC/USDT:USDT', 'sim');
    expect(p.assetClass).toBe('crypto_perp');
    expect(p.perp).toEqual({ leverage: 3, marginMode: 'cross', maintenanceMarginRate: 0.005, fundingIntervalMs: 28_800_000, fundingRate: 0.0001, liquidationFeeRate: 0.0005 });
    expect(makeInstrument('BTC-USD', 'sim').perp).toBeUndefined();
    expect(iso.perp!.maintenanceMarginRate).toBe(DEFAULT_PERP.maintenanceMarginRate);
    expect(() => makeInstrument('X-PERP', 'sim', { perp: { leverage: 0.5 } })).toThrow(/perp\.leverage/);
    expect(() => makeInstrument('X-PERP', 'sim', { perp: { leverage: 250 } })).toThrow(/maintenanceMarginRate must be below/);
    expect(() => makeInstrument('BTC-USD', 'sim', { perp: { leverage: 2 } })).toThrow(/only crypto_perp/);
  });
});

describe('funding math', () => {
  it('long pays and short receives when the rate is positive: -qty x mult x mark x rate', () => {
    expect(fundingAmount(2, 0.01, 60_000, 0.0001)).toBeCloseTo(-0.12, 12); // 2 contracts of 0.01 BTC
    expect(fundingAmount(-2, 0.01, 60_000, 0.0001)).toBeCloseTo(0.12, 12);
    expect(fundingAmount(2, 0.01, 60_000, -0.0002)).toBeCloseTo(0.24, 12);
  });
  it('boundaries are multiples of the interval from the epoch, strictly after the time given', () => {
    const H8 = 8 * 3_600_000;
    expect(fundingBoundaryAfter(0, H8)).toBe(H8);
    expect(fundingBoundaryAfter(H8 - 1, H8)).toBe(H8);
    expect(fundingBoundaryAfter(H8, H8)).toBe(2 * H8);
  });
});

describe('liquidation price (hand-computed)', () => {
  it('isolated long 1 BTC at 60,000, 10x, mmr 0.5%: 60,000 x 0.9 / 0.995', () => {
    const p = new Portfolio(USDT);
    p.applyFill(iso, 'buy', 1, 60_000, 0);
    expect(p.position(iso.symbol).liquidationPrice).toBeCloseTo(54_271.356783919598, 6);
    expect(liquidationPrice(1, 60_000, 6_000, 0.005)).toBeCloseTo(54_271.356783919598, 6);
  });
  it('isolated short 1 BTC at 60,000, 10x: 60,000 x 1.1 / 1.005', () => {
    const p = new Portfolio(USDT);
    p.applyFill(iso, 'sell', 1, 60_000, 0);
    expect(p.position(iso.symbol).liquidationPrice).toBeCloseTo(65_671.641791044776, 6);
  });
  it('cross long 1 BTC at 60,000 on 10,000 USDT: (60,000 - 10,000) / 0.995; a short: (60,000 + 10,000) / 1.005', () => {
    const p = new Portfolio(USDT);
    p.applyFill(cross, 'buy', 1, 60_000, 0);
    p.mark(cross.symbol, 59_000); // the mark does not move the estimate: the position's own P&L is out of the collateral
    expect(p.position(cross.symbol).liquidationPrice).toBeCloseTo(50_251.256281407035, 6);
    const s = new Portfolio(USDT);
    s.applyFill(cross, 'sell', 1, 60_000, 0);
    expect(s.position(cross.symbol).liquidationPrice).toBeCloseTo(69_651.741293532338, 6);
  });
  it('a long backed by more than its notional cannot be liquidated: null', () => {
    const p = new Portfolio({ ...USDT, cash: 100_000 });
    p.applyFill(cross, 'buy', 1, 60_000, 0);
    expect(p.position(cross.symbol).liquidationPrice).toBeNull();
  });
  it('the position view carries mark, leverage and mode; spot has nulls', () => {
    const p = new Portfolio(USDT);
    p.applyFill(iso, 'buy', 1, 60_000, 0);
    p.mark(iso.symbol, 61_000);
    const v = p.position(iso.symbol);
    expect(v).toMatchObject({ markPrice: 61_000, leverage: 10, marginMode: 'isolated', funding: 0 });
    const spot = makeInstrument('BTC-USD', 'sim');
    p.applyFill(spot, 'buy', 0.01, 60_000, 0);
    expect(p.position('BTC-USD')).toMatchObject({ leverage: null, marginMode: null, liquidationPrice: null });
  });
});

describe('margin used per the instrument', () => {
  it('notional / the instrument leverage (not the account perpLeverage)', () => {
    const p = new Portfolio({ ...USDT, perpLeverage: 3 });
    p.applyFill(cross, 'buy', 1, 60_000, 0);
    expect(p.marginUsed()).toBeCloseTo(6_000, 9);
    expect(p.recomputeMarginUsed()).toBeCloseTo(6_000, 9);
  });
  it('isolated margin is the entry margin; cross is margin at the mark', () => {
    const p = new Portfolio(USDT);
    p.applyFill(iso, 'buy', 1, 60_000, 0);
    p.mark(iso.symbol, 50_000);
    expect(p.marginUsed()).toBeCloseTo(6_000, 9);
    const c = new Portfolio(USDT);
    c.applyFill(cross, 'buy', 1, 60_000, 0);
    c.mark(cross.symbol, 50_000);
    expect(c.marginUsed()).toBeCloseTo(5_000, 9);
  });
});

describe('account entries on the ledger', () => {
  const funding = (amount: number, id = 'f1'): AccountEntry => ({ entryId: id, kind: 'funding', symbol: cross.symbol, currency: 'USDT', amount, rate: 0.0001, markPrice: 60_000, ts: 1 });
  it('funding moves cash and the funding totals, not realized P&L or fees', () => {
    const p = new Portfolio(USDT);
    p.applyFill(cross, 'buy', 1, 60_000, 0);
    p.applyEntry(funding(-6), cross);
    p.applyEntry(funding(1.5, 'f2'), cross);
    expect(p.cashIn('USDT')).toBeCloseTo(9_995.5, 9);
    expect(p.position(cross.symbol).funding).toBeCloseTo(-4.5, 9);
    expect(p.account()).toMatchObject({ funding: -4.5, realizedPnl: 0, fees: 0, liquidations: 0 });
    expect(p.equity()).toBe(p.recomputeEquity());
  });
  it('a liquidation closes the position at its price like a fill, the penalty is a fee, and it is counted', () => {
    const p = new Portfolio(USDT);
    p.applyFill(cross, 'buy', 1, 60_000, 0);
    p.applyEntry({ entryId: 'l1', kind: 'liquidation', symbol: cross.symbol, currency: 'USDT', amount: -25, trade: { qty: -1, price: 50_000 }, ts: 2 }, cross);
    expect(p.qty(cross.symbol)).toBe(0);
    expect(p.cashIn('USDT')).toBeCloseTo(10_000 - 10_000 - 25, 9);
    expect(p.account()).toMatchObject({ realizedPnl: -10_000, fees: 25, liquidations: 1 });
    expect(p.position(cross.symbol).fees).toBe(25);
  });
  it('an account-wide rebate moves cash only', () => {
    const p = new Portfolio(USDT);
    p.applyEntry({ entryId: 'r', kind: 'fee_rebate', symbol: null, currency: 'USDT', amount: 3, ts: 3 }, undefined);
    expect(p.cashIn('USDT')).toBe(10_003);
    expect(p.account().fees).toBe(-3);
  });
});
