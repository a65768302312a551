/**
 * `parity venue` keeps positions in the portfolio's exact integer lots: every position_qty on the
 * trade_updates stream is the decimal sum of the fills (no rounded float running total), and a
 * round trip of many small fills ends at exactly 0 with nothing in the positions list.
 */
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.ts';
import { VenueCore, type CoreEvent } from '../../src/venue-server/core.ts';
import { freshState } from '../../src/venue-server/state.ts';

const T0 = Date.UTC(2024, 0, 2, 15, 0);

/** A core on its own clock; `fill` sends a market order and plays the bar it fills on. */
function rig(cash: number) {
  let now = T0;
  const events: CoreEvent[] = [];
  const core = new VenueCore({
    state: freshState('acct', cash, 'USD', T0), accountType: 'cash', now: () => now, log: () => {},
    emit: (ev) => { events.push(ev); },
  });
  let n = 0;
  const fill = (symbol: string, side: 'buy' | 'sell', qty: number, price: number): CoreEvent => {
    const r = core.submit({ symbol, qty, side, type: 'market', time_in_force: 'gtc', client_order_id: `c${++n}` });
    if (!r.ok) throw new Error(`order ${n} refused: ${r.message}`);
    now += 1000;
    const bar: Bar = { kind: 'bar', symbol: symbol.replace('/', '-'), ts: now, open: price, high: price, low: price, close: price, volume: 1e12 };
    core.onBar(bar);
    const ev = events.at(-1)!;
    expect(ev.event).toBe('fill');
    return ev;
  };
  return { core, fill };
}

/** Lots of 0.00001 (the crypto default grid), as integers: the test's own exact running total. */
const LOT = 100_000;
const toQty = (lots: number): number => Number((lots / LOT).toFixed(5));

/** Deterministic pseudo-random lots (mulberry32). */
function lotsSequence(seed: number, n: number, min: number, max: number): number[] {
  let a = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out.push(min + (((t ^ (t >>> 14)) >>> 0) % (max - min + 1)));
  }
  return out;
}

describe('parity venue positions are exact', () => {
  it('1,000 buys and 1,000 sells of small BTC quantities: position_qty is the exact sum at every fill, then 0 and no position', () => {
    const { core, fill } = rig(1_000_000);
    // 0.01 BTC, plus 0.1 / 0.2 / 0.3-style quantities of it (0.001, 0.002, 0.003 ...) and odd lots.
    const buys = lotsSequence(7, 1000, 1, 3000).map((l, i) => (i % 3 === 0 ? 1000 : i % 3 === 1 ? 100 * (1 + (i % 3)) : l));
    const sells = [...buys].reverse();
    let lots = 0;
    for (const b of buys) {
      lots += b;
      expect(fill('BTC/USD', 'buy', toQty(b), 100).positionQty).toBe(toQty(lots));
    }
    for (const s of sells) {
      lots -= s;
      expect(fill('BTC/USD', 'sell', toQty(s), 100).positionQty).toBe(toQty(lots));
    }
    expect(lots).toBe(0);
    expect(core.snapshot().positions.filter((p) => p.qty !== 0)).toEqual([]);
    expect(core.stateData().positions).toEqual([]);
  });

  it('large fractional positions (DOGE, tens of millions of units) stay exact too', () => {
    // Above ~9 million units a running float total rounded to 1e-9 cannot hold 5 decimals any more.
    const { core, fill } = rig(50_000_000);
    const buys = lotsSequence(11, 1000, 10_000 * LOT, 20_000 * LOT);
    let lots = 0;
    const wrong: string[] = [];
    for (const b of buys) {
      lots += b;
      const q = fill('DOGE/USD', 'buy', toQty(b), 0.1).positionQty;
      if (q !== toQty(lots)) wrong.push(`after buying to ${toQty(lots)}: position_qty ${q}`);
    }
    for (const s of [...buys].reverse()) {
      lots -= s;
      const q = fill('DOGE/USD', 'sell', toQty(s), 0.1).positionQty;
      if (q !== toQty(lots)) wrong.push(`after selling to ${toQty(lots)}: position_qty ${q}`);
    }
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(core.snapshot().positions.filter((p) => p.qty !== 0)).toEqual([]);
  });
});
