import { describe, expect, it } from 'vitest';
import { money } from '../../../src/domain/money.ts';
import { type CommissionModel, commission, ibkrTierRate } from '../../../src/venues/sim/commission.ts';
import { CASH, harness, lmt, MARGIN, MIN, mkt, T0 } from './helpers.ts';

/** One order filled at once: the fee in currency units. */
const fee = (model: CommissionModel, qty: number, price: number, opts: { liquidity?: 'maker' | 'taker'; monthVolume?: number; crypto?: boolean } = {}): number =>
  commission(model, {
    qty, value: money(qty * price), liquidity: opts.liquidity ?? 'taker', monthVolume: opts.monthVolume ?? 0,
    assetClass: opts.crypto === true ? 'crypto_spot' : 'equity',
  });

describe('commission models (hand-computed)', () => {
  it('zero (Alpaca)', () => {
    expect(fee({ model: 'zero' }, 1000, 25)).toBe(0);
  });

  it('ibkr_fixed: 0.005/share, min 1.00, max 1% of trade value (the cap wins over the minimum)', () => {
    const m: CommissionModel = { model: 'ibkr_fixed' };
    expect(fee(m, 100, 25)).toBe(1); // 0.50 -> minimum 1.00 (IBKR's own example)
    expect(fee(m, 1000, 25)).toBe(5); // 1000 x 0.005 (IBKR's own example)
    expect(fee(m, 1000, 0.25)).toBe(2.5); // 5.00 capped at 1% of 250 (IBKR's own example)
    expect(fee(m, 100, 0.5)).toBe(0.5); // 0.50 -> min 1.00 -> capped at 1% of 50 = 0.50
    expect(fee(m, 333, 10)).toBe(1.67); // 1.665 rounded UP to the cent
  });

  it('ibkr_tiered: rate by month-to-date volume, min 0.35, max 1%', () => {
    const m: CommissionModel = { model: 'ibkr_tiered' };
    expect(fee(m, 1000, 50)).toBe(3.5);
    expect(fee(m, 10, 50)).toBe(0.35); // 0.035 -> minimum
    expect(fee(m, 100, 0.2)).toBe(0.2); // 0.35 -> min 0.35 -> cap 1% of 20 = 0.20
    expect(fee(m, 1000, 50, { monthVolume: 299_999 })).toBe(3.5);
    expect(fee(m, 1000, 50, { monthVolume: 300_000 })).toBe(2);
    expect(fee(m, 1000, 50, { monthVolume: 3_000_000 })).toBe(1.5);
    expect(fee(m, 1000, 50, { monthVolume: 20_000_000 })).toBe(1);
    expect(fee(m, 1000, 50, { monthVolume: 100_000_000 })).toBe(0.5);
    expect([0, 300_000, 3_000_000, 20_000_000, 100_000_000].map(ibkrTierRate)).toEqual([0.0035, 0.002, 0.0015, 0.001, 0.0005]);
  });

  it('crypto maker/taker bps, rounded up to 1e-8', () => {
    const m: CommissionModel = { model: 'crypto', makerBps: 8, takerBps: 10 };
    expect(fee(m, 0.5, 43_210.12, { crypto: true })).toBe(21.60506); // 21605.06 x 10bp
    expect(fee(m, 0.5, 43_210.12, { crypto: true, liquidity: 'maker' })).toBe(17.284048); // x 8bp
    // 0.12345 x 43210.17 = 5334.2954865 -> x 10bp = 5.3342954865 -> up to 1e-8
    expect(fee(m, 0.12345, 43_210.17, { crypto: true })).toBe(5.33429549);
  });

  it('bps: a flat rate of notional, rounded up to the cent on equities', () => {
    expect(fee({ model: 'bps', bps: 3 }, 10, 123.456)).toBe(0.38); // 1234.56 x 3bp = 0.370368 -> 0.38
    expect(fee({ model: 'bps', bps: 0 }, 10, 123.456)).toBe(0);
  });
});

describe('commissions at the venue', () => {
  it('the IBKR minimum is charged once per order across partial fills', () => {
    // 300 shares at 10.00 in three fills of 100 (volume cap): variable 0.50 per fill.
    // Order totals: max(0.50, 1.00) = 1.00, then 1.00, then 1.50 -> fees 1.00, 0.00, 0.50.
    const h = harness({ commission: { model: 'ibkr_fixed' }, volumeShare: 0.1 });
    const id = h.submit(mkt('buy', 300), T0);
    for (let i = 1; i <= 3; i++) h.bar(T0 + i * MIN, 10, 10, 10, 10, 1000);
    expect(h.fills(id).map((f) => [f.qty, f.fee])).toEqual([[100, 1], [100, 0], [100, 0.5]]);
  });

  it('crypto fees follow the liquidity of each fill', () => {
    const h = harness({ commission: { model: 'crypto', makerBps: 8, takerBps: 10 } });
    const taker = h.submit(mkt('buy', 0.5, {}, 'BTC-USD'), T0);
    const maker = h.submit(lmt('buy', 0.5, 43_000, {}, 'BTC-USD'), T0);
    h.bar(T0 + MIN, 43_210.12, 43_300, 42_900, 43_100, 100, 'BTC-USD');
    expect(h.fills(taker)).toMatchObject([{ price: 43_210.12, fee: 21.60506, liquidity: 'taker' }]);
    expect(h.fills(maker)).toMatchObject([{ price: 43_000, fee: 17.2, liquidity: 'maker' }]); // 21500 x 8bp
  });

  it('ibkr_tiered: the venue tracks month-to-date shares and resets them each month', () => {
    const h = harness({ commission: { model: 'ibkr_tiered' }, account: { ...CASH, cash: 1_000_000 } });
    const jan = Date.UTC(2024, 0, 10, 15, 0);
    const big = h.submit(mkt('buy', 300_000, { tif: 'gtc' }), jan);
    h.bar(jan + MIN, 1, 1, 1, 1);
    expect(h.fills(big)).toMatchObject([{ fee: 1050 }]); // 300,000 x 0.0035 (cap 3000)
    const next = h.submit(mkt('buy', 1000, { tif: 'gtc' }), jan + MIN);
    h.bar(jan + 2 * MIN, 1, 1, 1, 1);
    expect(h.fills(next)).toMatchObject([{ fee: 2 }]); // second tier: 1000 x 0.002
    const feb = Date.UTC(2024, 1, 1, 15, 0);
    const later = h.submit(mkt('buy', 1000, { tif: 'gtc' }), feb);
    h.bar(feb + MIN, 1, 1, 1, 1);
    expect(h.fills(later)).toMatchObject([{ fee: 3.5 }]); // new month: back to 0.0035
  });

  it('fees reach the venue ledger', () => {
    const h = harness({ commission: { model: 'bps', bps: 10 }, account: MARGIN });
    h.submit(mkt('buy', 10), T0);
    h.bar(T0 + MIN, 100, 100, 100, 100);
    expect(h.venue.snapshot().account.fees).toBe(1);
    expect(h.venue.snapshot().cash['USD']).toBe(100_000 - 1000 - 1);
  });
});
