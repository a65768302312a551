/**
 * The console's day P&L and the max-daily-loss guard count the same trading day (risk/daily-loss.ts
 * dayKey): for US equities the New York date, so both roll over at New York midnight, not at UTC's.
 */
import { describe, expect, it } from 'vitest';
import { ConsoleModel } from '../../src/console/model.ts';
import type { Bar } from '../../src/domain/market.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { ACCOUNT, INSTRUMENTS, Link, start, tick } from '../orders/helpers.ts';

const INFO = { mode: 'paper', venue: 'sim', account: 'paper', strategy: 't', session: 's', sessionDir: '/tmp/s', pace: 'max', inProcessVenue: true } as const;

const bar = (ts: number, price: number): Bar => ({ kind: 'bar', symbol: 'AAPL', ts, open: price, high: price, low: price, close: price, volume: 1_000_000 });

describe('console day P&L', () => {
  it('rolls over at the same instant as the daily-loss guard (New York midnight for equities)', async () => {
    const model = new ConsoleModel({ info: INFO, wallNow: () => 0 });
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const h = await start(new Link(sim), {}, { limits: { maxDailyLoss: 50_000 }, observers: [model] });
    const e = h.engine;
    /** After a bar: make the guard look at the day (an exposure-increasing order it must check), then compare. */
    const at = async (ts: number, price: number): Promise<{ key: string; guardPnl: number; consolePnl: number }> => {
      h.market(bar(ts, price));
      let seen: [number, number | undefined] = [0, 0];
      await new Promise<void>((done) => e.schedule(ts + 1, () => {
        seen = [e.now(), e.last('AAPL')];
        e.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 1, qty: 1, tif: 'gtc' });
        done();
      }));
      await tick();
      expect(seen).toEqual([ts + 1, price]); // the guard looked right after the bar
      model.tick();
      const day = e.dailyLossState()!;
      return { key: day.key, guardPnl: e.portfolio.equity() - day.startEquity, consolePnl: model.get().dayPnl };
    };

    // Tuesday 2024-01-02, 10:00 EST: buy 100 at 100.
    h.market(bar(Date.UTC(2024, 0, 2, 15, 0), 100));
    await h.step(() => { e.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 100 }); });
    expect(await at(Date.UTC(2024, 0, 2, 15, 1), 100)).toEqual({ key: '2024-01-02', guardPnl: 0, consolePnl: 0 });
    expect(e.portfolio.qty('AAPL')).toBe(100);

    // 19:30 EST = 00:30 UTC on the 3rd: still the 2nd in New York, for both.
    const evening = await at(Date.UTC(2024, 0, 3, 0, 30), 95);
    expect(evening.key).toBe('2024-01-02');
    expect(evening.guardPnl).toBe(-500);
    expect(evening.consolePnl).toBe(evening.guardPnl);

    // 23:59 EST: still the 2nd.
    const late = await at(Date.UTC(2024, 0, 3, 4, 59), 94);
    expect(late).toEqual({ key: '2024-01-02', guardPnl: -600, consolePnl: -600 });

    // 00:00 EST on the 3rd: both start the new day from this equity.
    const midnight = await at(Date.UTC(2024, 0, 3, 5, 0), 93);
    expect(midnight).toEqual({ key: '2024-01-03', guardPnl: 0, consolePnl: 0 });
    const morning = await at(Date.UTC(2024, 0, 3, 14, 30), 95);
    expect(morning).toEqual({ key: '2024-01-03', guardPnl: 200, consolePnl: 200 });
    await h.finish();
  });
});
