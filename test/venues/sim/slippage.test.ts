import { describe, expect, it } from 'vitest';
import { fillPrice } from '../../../src/venues/sim/fill-model.ts';
import { harness, lmt, MARGIN, MIN, mkt, T0 } from './helpers.ts';

const t1 = T0 + MIN;

describe('slippage and price rounding', () => {
  it('bps slippage moves taker fills against the trader, then rounds onto the tick grid against them', () => {
    // 123.45 * (1 + 1bp) = 123.462345 -> buy rounds UP to 123.47
    // 123.45 * (1 - 1bp) = 123.437655 -> sell rounds DOWN to 123.43
    const h = harness({ account: MARGIN, slippage: { kind: 'bps', bps: 1 } });
    const b = h.submit(mkt('buy', 1), T0);
    const s = h.submit(mkt('sell', 1), T0);
    h.bar(t1, 123.45, 124, 123, 123.5);
    expect(h.fills(b)).toMatchObject([{ price: 123.47 }]);
    expect(h.fills(s)).toMatchObject([{ price: 123.43 }]);
  });

  it('a limit order never fills worse than its limit, even after slippage', () => {
    const h = harness({ fills: { slippage: { kind: 'bps', bps: 1 } } });
    const id = h.submit(lmt('buy', 1, 123.46), T0);
    h.bar(t1, 123.45, 124, 123, 123.5); // gap through: 123.45 slips to 123.47, capped at 123.46
    expect(h.fills(id)).toMatchObject([{ price: 123.46, liquidity: 'taker' }]);
  });

  it('maker fills do not slip', () => {
    const h = harness({ slippage: { kind: 'bps', bps: 50 } });
    const id = h.submit(lmt('buy', 1, 100), T0);
    h.bar(t1, 101, 101.5, 99.5, 100.5);
    expect(h.fills(id)).toMatchObject([{ price: 100, liquidity: 'maker' }]);
  });

  it('an off-grid market price is rounded against the trader even with no slippage', () => {
    const h = harness({ account: MARGIN });
    const b = h.submit(mkt('buy', 1), T0);
    const s = h.submit(mkt('sell', 1), T0);
    h.bar(t1, 100.005, 100.5, 99.5, 100);
    expect(h.fills(b)).toMatchObject([{ price: 100.01 }]);
    expect(h.fills(s)).toMatchObject([{ price: 100 }]);
  });

  it('spread slippage: a share of the quoted spread, rounded against the trader', () => {
    // bid 100.00 ask 100.05, share 0.5: buy 100.05 + 0.025 = 100.075 -> 100.08; sell 100.00 - 0.025 = 99.975 -> 99.97
    const h = harness({ account: MARGIN, slippage: { kind: 'spread', share: 0.5 } });
    const b = h.submit(mkt('buy', 1), T0);
    const s = h.submit(mkt('sell', 1), T0);
    h.quote(T0 + 1, 100, 100.05);
    expect(h.fills(b)).toMatchObject([{ price: 100.08 }]);
    expect(h.fills(s)).toMatchObject([{ price: 99.97 }]);
  });

  it('spread slippage does nothing on bars (no spread known)', () => {
    const h = harness({ slippage: { kind: 'spread', share: 0.5 } });
    const b = h.submit(mkt('buy', 1), T0);
    h.bar(t1, 100, 101, 99, 100);
    expect(h.fills(b)).toMatchObject([{ price: 100 }]);
  });

  it('fillPrice is pure and exact on coarse grids', () => {
    expect(fillPrice(43_210.04, 'buy', 0.1, { kind: 'bps', bps: 2 }, 0, true, Number.NaN)).toBe(43_218.7); // 43218.682 -> up
    expect(fillPrice(43_210.04, 'sell', 0.1, { kind: 'bps', bps: 2 }, 0, true, Number.NaN)).toBe(43_201.3); // 43201.398 -> down
    expect(fillPrice(100, 'sell', 0.01, { kind: 'bps', bps: 20_000 }, 0, true, Number.NaN)).toBe(0.01); // never below one tick
  });
});
