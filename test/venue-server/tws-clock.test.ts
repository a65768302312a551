/**
 * The TWS fake's clock is the venue's, not this machine's: reqCurrentTime and the handshake's time
 * string answer the replay's data time (before the replay runs: just before its first bar, or the
 * configured startTime), the same clock the executions are stamped with. So a session whose gates
 * and market hours follow reqCurrentTime sees the data's hour, whatever hour the test runs at.
 * (Opt-in, `clock: 'venue'`: by default the fake answers this machine's clock, which the session's
 * clock-skew gate compares with; see the option.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventName, type Order } from '@stoqey/ib';
import { usEquitySession } from '../../src/domain/market-hours.ts';
import { MIN, order, rig, sleep, stk, type Rig } from './tws-helpers.ts';
import { world, type World } from '../venues/ibkr/helpers.ts';

let r: Rig | null = null;
let w: World | null = null;
afterEach(async () => {
  if (r !== null) {
    for (const c of r.clients) expect(c.layoutErrors()).toEqual([]);
    await r.close();
    r = null;
  }
  if (w !== null) { await w.close(); w = null; }
});

// 2026-03-03 15:00 New York (EST, before the switch on March 8) = 20:00 UTC: the market is open.
const NY_1500 = Date.parse('2026-03-03T20:00:00Z');
// 03:00 New York the next night: closed.
const NY_0300 = Date.parse('2026-03-04T08:00:00Z');
const b = (symbol: string, ts: number, close: number) => ({ symbol, ts, open: close, high: close + 1, low: close - 1, close, volume: 100 });

async function currentTime(c: { ib: { reqCurrentTime(): void }; once<A extends unknown[]>(e: EventName): Promise<A> }): Promise<number> {
  const t = c.once<[number]>(EventName.currentTime);
  c.ib.reqCurrentTime();
  return (await t)[0];
}

describe('TWS fake: the venue clock (real @stoqey/ib SDK)', () => {
  it('before the replay runs: reqCurrentTime and the handshake say just before the first bar', async () => {
    r = await rig({ bars: [b('AAPL', NY_1500, 100), b('AAPL', NY_1500 + MIN, 101)], startTime: undefined, clock: 'venue' });
    const c = r.client();
    const server = c.once<[number, string]>(EventName.server);
    await c.connect(1);
    const [, connTime] = await server;
    const sec = await currentTime(c);
    expect(sec).toBe(Math.floor((NY_1500 - 1) / 1000));
    expect(connTime).toBe('20260303 19:59:59 UTC');
    expect(usEquitySession(sec * 1000).open).toBe(true);
  });

  it('by default (clock: machine) reqCurrentTime is this machine\'s clock, whatever the data says', async () => {
    r = await rig({ bars: [b('AAPL', NY_1500, 100)], startTime: undefined });
    const c = await r.client().connect(1);
    const sec = await currentTime(c);
    expect(Math.abs(sec * 1000 - Date.now())).toBeLessThan(5_000);
  });

  it('a configured startTime, no data: reqCurrentTime is that time', async () => {
    r = await rig({ startTime: NY_0300, clock: 'venue' });
    const c = await r.client().connect(1);
    expect(await currentTime(c)).toBe(NY_0300 / 1000);
  });

  it('while the replay runs: reqCurrentTime follows the data time, and executions carry the same clock', async () => {
    // 60 bars a second: two minutes of data take two seconds of wall time.
    const bars = Array.from({ length: 120 }, (_, i) => b('AAPL', NY_1500 + i * MIN, 100 + (i % 3)));
    r = await rig({ bars, speed: 3600, startTime: undefined, clock: 'venue' });
    const c = await r.client().connect(1);
    r.fake.admin.startReplay();
    await sleep(300);
    const sec = await currentTime(c);
    const venue = r.fake.admin.stats().venueTime;
    expect(sec * 1000).toBeGreaterThan(NY_1500 + 5 * MIN);
    expect(sec * 1000).toBeLessThanOrEqual(venue + 2000 * 3600);
    expect(Math.abs(sec * 1000 - Date.now())).toBeGreaterThan(60 * MIN); // not this machine's clock (the data is in March 2026 afternoon)
    const id = c.nextValidId!;
    c.ib.placeOrder(id, stk('AAPL'), order({ action: 'BUY' as Order['action'], orderType: 'MKT' as Order['orderType'], totalQuantity: 1 }));
    const [, , exec] = await c.once<[number, unknown, { time: string }]>(EventName.execDetails);
    const after = await currentTime(c);
    const m = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2}) UTC$/.exec(exec.time)!;
    const execMs = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    expect(execMs).toBeGreaterThanOrEqual(sec * 1000);
    expect(execMs).toBeLessThanOrEqual(after * 1000 + 1000);
  });

  it('the adapter started against data at 15:00 New York sees the market open, whatever the wall clock says', async () => {
    w = await world({ bars: [b('AAPL', NY_1500, 100)], startTime: undefined, clock: 'venue' });
    const s = await w.side();
    const t = s.exec.venueNow();
    expect(Math.abs(t - NY_1500)).toBeLessThan(5_000);
    expect(usEquitySession(t).open).toBe(true);
    await s.close();
  });

  it('the adapter against a fake started at 03:00 New York sees the market closed', async () => {
    w = await world({ startTime: NY_0300, clock: 'venue' });
    const s = await w.side();
    const t = s.exec.venueNow();
    expect(Math.abs(t - NY_0300)).toBeLessThan(5_000);
    expect(usEquitySession(t).open).toBe(false);
  });
});
