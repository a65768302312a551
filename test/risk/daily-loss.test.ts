import { describe, expect, it } from 'vitest';
import { DailyLossGuard, dayKey } from '../../src/risk/daily-loss.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { ACCOUNT, INSTRUMENTS, Link, T0, bar, start } from '../orders/helpers.ts';

describe('max daily loss', () => {
  it('the guard measures from the day start and rolls at the day boundary', () => {
    const g = new DailyLossGuard(1000);
    expect(g.check(T0, 100_000)).toBeNull();
    expect(g.check(T0 + 1, 99_100)).toBeNull();
    expect(g.check(T0 + 2, 98_900)).toMatch(/daily loss 1100\.00 exceeds the max daily loss 1000/);
    expect(g.check(T0 + 86_400_000, 98_900)).toBeNull(); // a new day starts from its own equity
    expect(dayKey(Date.UTC(2024, 0, 3, 2), 'us_equity')).toBe('2024-01-02'); // 21:00 New York
  });

  it('a breach pauses new signals: the next entry is a denied order with the reason; exits still flow', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const h = await start(new Link(sim), {}, { limits: { maxDailyLoss: 500 } });
    const e = h.engine;
    h.market(bar(0, 100));
    await h.step(() => { e.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 100 }); });
    h.market(bar(1, 100));
    await h.step();
    expect(e.portfolio.qty('AAPL')).toBe(100);
    h.market(bar(2, 94, 95, 93, 94)); // down 6 x 100 = 600
    await h.step();
    let id = '';
    await h.step(() => { id = e.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }); });
    expect(e.orders.get(id)!.status).toBe('denied');
    expect(e.orders.get(id)!.reason).toMatch(/max daily loss 500/);
    expect(e.tradingState().status).toBe('paused');
    let exit = '';
    await h.step(() => { exit = e.submit({ symbol: 'AAPL', side: 'sell', type: 'market', qty: 100 }); });
    expect(e.orders.get(exit)!.status).not.toBe('denied');
    await h.finish();
  });

  it('order rate limit denies past the limit, as an order in the denied state', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const h = await start(new Link(sim), {}, { limits: { maxOrdersPerSecond: 2 } });
    h.market(bar(0, 100));
    const ids: string[] = [];
    await h.step(() => { for (let i = 0; i < 3; i++) ids.push(h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 1 })); });
    expect(ids.map((i) => h.engine.orders.get(i)!.status)).toEqual(['accepted', 'accepted', 'denied']);
    await h.finish();
  });
});
