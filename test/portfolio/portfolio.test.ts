import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { Portfolio, DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';

const AAPL = makeInstrument('AAPL', 'sim');
const BTC = makeInstrument('BTC-USD', 'sim');
const PERP = makeInstrument('BTC-USDT-PERP', 'sim');

describe('Portfolio ledger (hand-computed)', () => {
  it('long round trip on an equity: cash, realized P&L and fees to the cent', () => {
    const p = new Portfolio({ ...DEFAULT_ACCOUNT, cash: 10_000 });
    p.applyFill(AAPL, 'buy', 10, 100.01, 1);
    expect(p.cashIn('USD')).toBe(10_000 - 1000.1 - 1);
    expect(p.position('AAPL').avgPrice).toBeCloseTo(100.01, 10);
    p.mark('AAPL', 101);
    expect(p.position('AAPL').unrealizedPnl).toBeCloseTo(9.9, 10);
    expect(p.equity()).toBeCloseTo(10_000 - 1000.1 - 1 + 1010, 10);
    const e = p.applyFill(AAPL, 'sell', 10, 102.5, 1);
    expect(e.realized).toBe(24.9);
    expect(e.positionQty).toBe(0);
    expect(p.cashIn('USD')).toBe(10_000 - 1000.1 - 1 + 1025 - 1);
    expect(p.account().realizedPnl).toBe(24.9);
    expect(p.account().fees).toBe(2);
  });

  it('short round trip: proceeds in cash, profit when bought back lower', () => {
    const p = new Portfolio({ ...DEFAULT_ACCOUNT, type: 'margin', leverage: 2, cash: 10_000 });
    p.applyFill(AAPL, 'sell', 5, 200, 0);
    expect(p.qty('AAPL')).toBe(-5);
    expect(p.cashIn('USD')).toBe(11_000);
    p.mark('AAPL', 190);
    expect(p.equity()).toBe(11_000 - 950);
    const e = p.applyFill(AAPL, 'buy', 5, 190, 0);
    expect(e.realized).toBe(50);
    expect(p.cashIn('USD')).toBe(10_050);
  });

  it('partial closes split cost basis pro rata, and a flip opens the rest at the fill price', () => {
    const p = new Portfolio({ ...DEFAULT_ACCOUNT, type: 'margin', cash: 10_000 });
    p.applyFill(AAPL, 'buy', 3, 10, 0);
    p.applyFill(AAPL, 'buy', 3, 11, 0); // avg 10.5, cost 63
    expect(p.applyFill(AAPL, 'sell', 2, 12, 0).realized).toBe(3); // 24 - 21
    const flip = p.applyFill(AAPL, 'sell', 6, 12, 0); // closes 4 (realized 48 - 42 = 6), opens -2
    expect(flip.realized).toBe(6);
    expect(flip.positionQty).toBe(-2);
    expect(p.position('AAPL').avgPrice).toBe(12);
  });

  it('crypto fractional quantities stay exact (no 0.1 + 0.2 drift)', () => {
    const p = new Portfolio({ ...DEFAULT_ACCOUNT, cash: 100_000 });
    for (let i = 0; i < 1000; i++) p.applyFill(BTC, 'buy', 0.00001, 60_000.01, 0);
    expect(p.qty('BTC-USD')).toBe(0.01);
    expect(p.cashIn('USD')).toBe(100_000 - 600.0001);
    p.applyFill(BTC, 'sell', 0.01, 60_000.01, 0);
    expect(p.qty('BTC-USD')).toBe(0);
    expect(p.cashIn('USD')).toBe(100_000);
  });

  it('perpetuals settle P&L only; equity = cash + unrealized', () => {
    const p = new Portfolio({ ...DEFAULT_ACCOUNT, cash: 1000, fxRates: { USDT: 1 } });
    p.applyFill(PERP, 'buy', 0.1, 50_000, 0.5);
    expect(p.cashIn('USDT')).toBe(-0.5);
    p.mark('BTC-USDT-PERP', 51_000);
    expect(p.equity()).toBeCloseTo(1000 - 0.5 + 100, 8);
    expect(p.marginUsed()).toBeCloseTo(5100 / 3, 8);
    const e = p.applyFill(PERP, 'sell', 0.1, 51_000, 0.5);
    expect(e.realized).toBe(100);
    expect(p.cashIn('USDT')).toBe(99);
  });

  it('refuses an unknown currency for equity instead of guessing a rate', () => {
    const eur = makeInstrument('SAP', 'sim', { quoteCurrency: 'EUR' });
    const p = new Portfolio({ ...DEFAULT_ACCOUNT, cash: 1000 });
    p.applyFill(eur, 'buy', 1, 100, 0);
    expect(() => p.equity()).toThrow(/no FX rate from EUR/);
  });
});
