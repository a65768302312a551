import { describe, expect, it } from 'vitest';
import { backtestParts } from '../../src/modes/backtest.ts';
import { barsFromCloses, config, partsFor } from './helpers.ts';

// fast=2, slow=3. By hand:
//   t:     0   1   2   3     4    5     6     7      8      9      10
//   close 10  10  10   9     8    9    11    12     11      9       8
//   SMA2   -  10  10  9.5   8.5  8.5   10   11.5   11.5    10     8.5
//   SMA3   -   -  10  9.67   9   8.67  9.33 10.67  11.33  10.67   9.33
// t=3: fast crosses below (flat: nothing). t=6: fast crosses above -> buy, filled at t=7's open (11).
// t=9: fast crosses below -> sell, filled at t=10's open (9). One round trip, P&L -2 per unit.
const CLOSES = [10, 10, 10, 9, 8, 9, 11, 12, 11, 9, 8];

describe('sma-cross on a hand-built series', () => {
  it('trades exactly the known crosses, filled at the next open', async () => {
    const parts = await partsFor('strategies/sma-cross.ts', { fast: 2, slow: 3, qty: 1 }, barsFromCloses('AAPL', CLOSES));
    const r = backtestParts(config(), parts);
    const fills = r.collector.fills();
    expect(fills.map((f) => [f.side, f.qty, f.price, new Date(f.ts).toISOString()])).toEqual([
      ['buy', 1, 11, '2024-01-01T00:07:00.000Z'],
      ['sell', 1, 9, '2024-01-01T00:10:00.000Z'],
    ]);
    expect(r.summary.trades).toBe(1);
    expect(r.summary.finalEquity).toBe(100_000 - 2);
  });

  it('the first possible signal is at bar index `slow`', async () => {
    // A cross that would happen at t=2 (if averages were taken early) must not trade.
    const parts = await partsFor('strategies/sma-cross.ts', { fast: 2, slow: 3, qty: 1 }, barsFromCloses('AAPL', [10, 9, 12, 12, 12]));
    const r = backtestParts(config(), parts);
    expect(r.collector.fills()).toEqual([]);
  });

  it('sizes to 95% of equity in whole lots when qty is absent', async () => {
    const parts = await partsFor('strategies/sma-cross.ts', { fast: 2, slow: 3 }, barsFromCloses('AAPL', CLOSES));
    const r = backtestParts(config({ account: { cash: 1000 } }), parts);
    // Signal at t=6 with close 11 and equity 1000: floor(950 / 11) = 86 shares, filled at 11.
    expect(r.collector.fills()[0]).toMatchObject({ side: 'buy', qty: 86, price: 11 });
  });

  it('compares the averages exactly on integer ticks (no float tie-breaking)', async () => {
    // t=4: SMA2 = (0.3 + 0.1) / 2 and SMA3 = (0.2 + 0.3 + 0.1) / 3 are both exactly 0.2, but in
    // floats SMA2 > SMA3 (0.2 vs 0.19999999999999998). t=3 is below, so a float compare would buy.
    const closes = [0.5, 0.9, 0.2, 0.3, 0.1, 0.1];
    expect((0.3 + 0.1) / 2 > (0.2 + 0.3 + 0.1) / 3).toBe(true); // the float trap is real
    const parts = await partsFor('strategies/sma-cross.ts', { fast: 2, slow: 3, qty: 1 }, barsFromCloses('AAPL', closes));
    const r = backtestParts(config(), parts);
    expect(r.collector.fills()).toEqual([]);
  });

  it('refuses fast >= slow with a clear message', async () => {
    await expect(partsFor('strategies/sma-cross.ts', { fast: 30, slow: 10 }, barsFromCloses('AAPL', CLOSES))).rejects.toThrow(/fast must be smaller than slow/);
  });
});
