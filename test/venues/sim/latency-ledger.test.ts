import { describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../../src/ports/index.ts';
import { mulberry32 } from '../../../src/util/random.ts';
import { CASH, harness, lmt, MARGIN, MIN, mkt, stl, stp, T0 } from './helpers.ts';

describe('latency', () => {
  it('an order is not matched before it is active; reports carry the delays', () => {
    const h = harness({ latency: { submitMs: 100, ackMs: 50 } });
    const id = h.submit(mkt('buy', 10), T0);
    expect(h.last()).toEqual({ kind: 'accepted', clientOrderId: id, venueOrderId: 'S1', ts: T0 + 150 });
    h.trade(T0 + 60, 100); // still on its way to the venue
    expect(h.fills(id)).toEqual([]);
    h.trade(T0 + 100, 101); // arrives exactly now
    expect(h.fills(id)).toEqual([
      { kind: 'fill', clientOrderId: id, execId: 'S1-1', qty: 10, price: 101, fee: 0, liquidity: 'taker', ts: T0 + 150 },
    ]);
  });

  it('a bar that began before the order arrived is not used (its open is in the past)', () => {
    const h = harness({ latency: { submitMs: 100, ackMs: 0 } });
    const id = h.submit(mkt('buy', 10), T0);
    h.bar(T0, 90, 90, 90, 90);
    h.bar(T0 + MIN, 100, 100, 100, 100);
    expect(h.fills(id)).toMatchObject([{ price: 100, ts: T0 + MIN }]);
  });

  it('rejections carry the delays too', () => {
    const h = harness({ latency: { submitMs: 100, ackMs: 50 } });
    h.submit(lmt('buy', 1, 100, {}, 'NOPE'), T0);
    expect(h.last()).toMatchObject({ kind: 'rejected', ts: T0 + 150 });
  });

  it('a cancel takes effect on arrival: a fill before it wins, and the cancel is refused', () => {
    const h = harness({ latency: { submitMs: 100, ackMs: 50 } });
    const id = h.submit(lmt('buy', 10, 100), T0);
    h.venue.cancel(id, T0 + 1000);
    expect(h.kinds(id)).toEqual(['accepted']); // nothing yet: the cancel is travelling
    h.trade(T0 + 1050, 99.9); // before the cancel lands: fills (the first print it sees: taker)
    h.trade(T0 + 1100, 99.8); // the cancel lands now
    expect(h.of(id).slice(1)).toEqual([
      { kind: 'fill', clientOrderId: id, execId: 'S1-1', qty: 10, price: 99.9, fee: 0, liquidity: 'taker', ts: T0 + 1100 },
      { kind: 'cancel_rejected', clientOrderId: id, reason: 'order already filled', ts: T0 + 1150 },
    ]);
  });

  it('a cancel that lands first: canceled at arrival + ack, before the event that would have filled it', () => {
    const h = harness({ latency: { submitMs: 100, ackMs: 50 } });
    const id = h.submit(lmt('buy', 10, 100), T0);
    h.venue.cancel(id, T0 + 1000);
    h.trade(T0 + 5000, 99);
    expect(h.of(id).slice(1)).toEqual([{ kind: 'canceled', clientOrderId: id, ts: T0 + 1150 }]);
  });

  it('a replace takes effect on arrival: until then the old terms apply', () => {
    const h = harness({ latency: { submitMs: 100, ackMs: 0 } });
    const id = h.submit(lmt('buy', 10, 99), T0);
    h.venue.replace(id, { limitPrice: 100 }, T0 + 1000);
    h.trade(T0 + 1050, 99.5); // old limit 99: no fill
    expect(h.fills(id)).toEqual([]);
    h.trade(T0 + 1100, 99.5); // new limit 100 in force first, then the print reaches it
    expect(h.of(id).slice(1)).toEqual([
      { kind: 'replaced', clientOrderId: id, qty: 10, limitPrice: 100, ts: T0 + 1100 },
      { kind: 'fill', clientOrderId: id, execId: 'S1-1', qty: 10, price: 99.5, fee: 0, liquidity: 'taker', ts: T0 + 1100 },
    ]);
  });
});

describe('the venue ledger', () => {
  it('long round trip in a cash account: cash and P&L exact to the cent', () => {
    const h = harness({ account: CASH, commission: { model: 'ibkr_fixed' } });
    h.submit(mkt('buy', 100), T0);
    h.bar(T0 + MIN, 50, 51, 49.5, 50.8);
    let snap = h.venue.snapshot();
    expect(snap.positions).toMatchObject([{ symbol: 'AAPL', qty: 100, avgPrice: 50, lastPrice: 50.8, realizedPnl: 0, fees: 1 }]);
    expect(snap.positions[0]!.unrealizedPnl).toBeCloseTo(80, 9); // marked at the last close
    expect(snap.cash).toEqual({ USD: 94_999 }); // 100,000 - 5,000 - 1.00
    h.submit(mkt('sell', 100), T0 + MIN);
    h.bar(T0 + 2 * MIN, 52.35, 52.5, 52, 52.1);
    snap = h.venue.snapshot();
    expect(snap.cash).toEqual({ USD: 100_233 }); // 94,999 + 5,235 - 1.00
    expect(snap.account.realizedPnl).toBe(235);
    expect(snap.account.fees).toBe(2);
    expect(snap.positions).toMatchObject([{ symbol: 'AAPL', qty: 0, realizedPnl: 235, fees: 2 }]);
    expect(snap.orders).toEqual([]);
  });

  it('short round trip in a margin account', () => {
    // sell 100 at 50.00 (fee 10bp = 5.00), buy back at 48.20 (fee 4.82): realized 180.00,
    // cash 100,000 + 5,000 - 5.00 - 4,820 - 4.82 = 100,170.18
    const h = harness({ account: MARGIN, commission: { model: 'bps', bps: 10 } });
    h.submit(mkt('sell', 100), T0);
    h.bar(T0 + MIN, 50, 50.5, 49, 49.5);
    expect(h.venue.snapshot().positions).toMatchObject([{ qty: -100, avgPrice: 50 }]);
    expect(h.venue.snapshot().cash).toEqual({ USD: 104_995 });
    h.submit(mkt('buy', 100), T0 + MIN);
    h.bar(T0 + 2 * MIN, 48.2, 48.5, 48, 48.3);
    const snap = h.venue.snapshot();
    expect(snap.cash).toEqual({ USD: 100_170.18 });
    expect(snap.account.realizedPnl).toBe(180);
    expect(snap.account.fees).toBe(9.82);
  });

  it('the snapshot lists working orders with their fill progress', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(lmt('buy', 150, 100, { tag: 'entry' }), T0);
    h.bar(T0 + MIN, 99, 99, 99, 99, 1000);
    expect(h.venue.snapshot().orders).toEqual([
      { clientOrderId: id, venueOrderId: 'S1', request: lmt('buy', 150, 100, { tag: 'entry' }), filledQty: 100, status: 'partially_filled' },
    ]);
  });
});

describe('determinism', () => {
  /** A random but seeded session: bars, quotes, trades, every order type and tif, cancels, replaces. */
  function session(seed: number): ExecutionReport[] {
    const rand = mulberry32(seed);
    const h = harness({ account: MARGIN, commission: { model: 'ibkr_tiered' }, volumeShare: 0.2, slippage: { kind: 'bps', bps: 2 }, latency: { submitMs: 30, ackMs: 20 } });
    let px = 100;
    const ids: string[] = [];
    for (let i = 1; i <= 400; i++) {
      const ts = T0 + i * 1000;
      const r = rand();
      const lim = Math.round((px + (rand() - 0.5) * 2) * 100) / 100;
      const side = rand() < 0.5 ? 'buy' : 'sell';
      const tif = (['gtc', 'day', 'ioc', 'fok'] as const)[Math.floor(rand() * 4)]!;
      if (r < 0.15) ids.push(h.submit(mkt(side, 1 + Math.floor(rand() * 50), { tif }), ts));
      else if (r < 0.3) ids.push(h.submit(lmt(side, 1 + Math.floor(rand() * 50), lim, { tif }), ts));
      else if (r < 0.4) ids.push(h.submit(stp(side, 1 + Math.floor(rand() * 50), lim, { tif }), ts));
      else if (r < 0.45) ids.push(h.submit(stl(side, 1 + Math.floor(rand() * 50), lim, lim, { tif }), ts));
      else if (r < 0.5 && ids.length > 0) h.venue.cancel(ids[Math.floor(rand() * ids.length)]!, ts);
      else if (r < 0.55 && ids.length > 0) h.venue.replace(ids[Math.floor(rand() * ids.length)]!, { qty: 1 + Math.floor(rand() * 60) }, ts);
      px = Math.max(1, Math.round((px + (rand() - 0.5)) * 100) / 100);
      const k = rand();
      if (k < 0.4) {
        const hi = Math.round((px + rand()) * 100) / 100;
        const lo = Math.round((px - rand()) * 100) / 100;
        h.bar(ts + 500, px, hi, lo, Math.round((lo + (hi - lo) * rand()) * 100) / 100, Math.floor(rand() * 300));
      } else if (k < 0.8) {
        h.quote(ts + 500, px, Math.round((px + 0.01 + rand() * 0.05) * 100) / 100, Math.floor(rand() * 100), Math.floor(rand() * 100));
      } else {
        h.trade(ts + 500, px, Math.floor(rand() * 100));
      }
    }
    return h.reports;
  }

  it('same inputs, byte-identical report sequence', () => {
    const a = session(42);
    const b = session(42);
    expect(a.length).toBeGreaterThan(300);
    expect(a.filter((r) => r.kind === 'fill').length).toBeGreaterThan(50);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(session(43))).not.toBe(JSON.stringify(a));
  });
});
