/**
 * The console's day P&L and the max-daily-loss guard count the same trading day (risk/daily-loss.ts
 * dayKey): for US equities the New York date, so both roll over at New York midnight, not at UTC's.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleModel } from '../../src/console/model.ts';
import { ReplayPlayer } from '../../src/console/replay-source.ts';
import type { EngineObserver } from '../../src/engine/engine.ts';
import { dayKey } from '../../src/risk/daily-loss.ts';
import { openRecording } from '../../src/recording/recording.ts';
import { cleanup, onlySession, paperConfig, recordSession, tempDir } from '../recording/helpers.ts';
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

/**
 * The live console and a replay of its recording show the same day P&L at the same point: the
 * replay used to count UTC days from the equity before midnight, the console counts the daily-loss
 * limit's trading days from the equity after the day's first market event (measured +2,717.90 vs
 * +2,697.66 on the sample). One rule (console/day-pnl.ts) now serves both.
 */
describe('day P&L: live console and replay agree', () => {
  /** Record the sample (three UTC days of BTC-USD) with a live model, noting its day P&L after bars. */
  async function recordWithLive(extra: Record<string, unknown>): Promise<{ dir: string; root: string; live: Map<number, number>; final: number; calendar: 'us_equity' | '24x7' }> {
    const root = tempDir('parity-daypnl-');
    const model = new ConsoleModel({ info: INFO, wallNow: () => 0 });
    const live = new Map<number, number>();
    let n = 0;
    let calendar: 'us_equity' | '24x7' = '24x7';
    // After the model (observers run in order): the model has seen this bar; sample every 97th.
    const probe: EngineObserver = {
      onStart: (e) => { calendar = e.tradingDayCalendar(); },
      onMarket: (ev) => { if (n++ % 97 === 0) { model.tick(); live.set(ev.ts, model.get().dayPnl); } },
    };
    await recordSession(paperConfig(join(root, 'sessions'), extra), [model, probe]);
    model.tick();
    return { dir: onlySession(join(root, 'sessions')), root, live, final: model.get().dayPnl, calendar };
  }

  function replayAt(dir: string): { atEnd: number; atTime: (ts: number) => number } {
    const rec = openRecording(dir);
    const end = new ReplayPlayer(rec, { wallNow: () => 0, start: rec.total - 1 });
    // The live console saw a bar once the fills and orders it caused were handled: in the recording,
    // the last event at the bar's time (one symbol here).
    const atTime = (ts: number): number => new ReplayPlayer(rec, { wallNow: () => 0, start: rec.indexAtTime(ts) }).get().dayPnl;
    return { atEnd: end.get().dayPnl, atTime };
  }

  it('on UTC days (crypto): at the end of the recording and at bars across all three days', async () => {
    const r = await recordWithLive({});
    try {
      expect(r.calendar).toBe('24x7');
      const rp = replayAt(r.dir);
      expect(r.final).not.toBe(0);
      expect(rp.atEnd).toBeCloseTo(r.final, 6);
      const days = new Set<string>();
      for (const [ts, pnl] of r.live) {
        days.add(dayKey(ts, '24x7'));
        expect({ ts: new Date(ts).toISOString(), pnl: rp.atTime(ts) }).toEqual({ ts: new Date(ts).toISOString(), pnl: expect.closeTo(pnl, 6) as number });
      }
      expect(days.size).toBe(3);
    } finally { cleanup(r.root); }
  }, 60_000);

  it('on New York days (an instrument on the US equity calendar): the replay counts the same days', async () => {
    const r = await recordWithLive({ instruments: [{ symbol: 'BTC-USD', assetClass: 'crypto_spot', calendar: 'us_equity' }] });
    try {
      expect(r.calendar).toBe('us_equity');
      const rp = replayAt(r.dir);
      expect(rp.atEnd).toBeCloseTo(r.final, 6);
      // Between UTC and New York midnight (00:00-05:00 UTC) the two calendars disagree: the replay must follow New York.
      let between = 0;
      for (const [ts, pnl] of r.live) {
        if (new Date(ts).getUTCHours() < 5) between++;
        expect({ ts: new Date(ts).toISOString(), pnl: rp.atTime(ts) }).toEqual({ ts: new Date(ts).toISOString(), pnl: expect.closeTo(pnl, 6) as number });
      }
      expect(between).toBeGreaterThan(3);
    } finally { cleanup(r.root); }
  }, 60_000);
});
