/**
 * Fills made while the console was down, dated EARLIER than the restart, are recovered as the
 * executions TWS reports (their exec ids, their commissions), not as synthetic fills.
 *
 * TWS's openOrder / completed orders carry no creation time. The adapter once dated them "now",
 * and recovery asks for executions since the oldest open order's venue createdAt (less 1 s), so
 * every execution made between the crash and the restart was filtered out; recovery then booked
 * the order's filled quantity as a synthetic fill (`sync-...`) without its commission, and the
 * journal's cash drifted from TWS's by every lost fee. The crash torture cannot see this: its
 * market runs ahead of the wall clock, so none of its executions is ever "before now". Here the
 * bars are dated minutes before the wall clock, and the fake answers reqCurrentTime with this
 * machine's clock (its default), as a real TWS does.
 *
 * Two in-process `startIbkr` sessions on one state folder (the real adapter, the real SDK, the TWS
 * fake over a socket): the first places a resting limit buy (test/fixtures/churn.ts, step 1) and is
 * stopped; the order fills at TWS while nothing listens; the second's recovery must book it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTwsFake, type TwsFake } from '../../../src/venue-server/tws/index.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { startIbkr, type IbkrSession } from '../../../src/modes/ibkr.ts';
import { readJournal, stateOf } from '../../recovery/torture-check.ts';
import { until } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const MIN = 60_000;

let fake: TwsFake | null = null;
const sessions: IbkrSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await stop(s);
  await fake?.close();
  fake = null;
});

async function stop(s: IbkrSession): Promise<void> {
  try { s.execution.disconnect(); } catch { /* closed */ }
  s.engine.stop();
  await s.done.catch(() => undefined);
}

describe('IBKR recovery of executions made while the console was down', () => {
  it('books the execution TWS reports (exec id, commission), not a synthetic fill, when it predates the restart', async () => {
    // A churn step-1 minute (limit buy a little under the close) 5 to 11 minutes before the wall clock.
    const now = Date.now();
    let a = Math.floor((now - 5 * MIN) / MIN) * MIN;
    while (Math.round(a / MIN) % 6 !== 1) a -= MIN;
    const fakeLog: string[] = [];
    fake = await startTwsFake({ port: 0, symbols: ['AAPL'], startTime: a - MIN, cash: 1_000_000, log: (l) => fakeLog.push(l) });
    const f = fake;
    const dir = mkdtempSync(join(tmpdir(), 'parity-ibkr-recovery-execs-'));
    const config = ConfigSchema.parse({
      strategy: { file: join(ROOT, 'test/fixtures/churn.ts'), params: { qty: 1 }, typecheck: false }, data: { files: [] },
      run: { sessionsDir: join(dir, 'sessions') }, ibkr: { port: f.port, clientId: 5 },
    });
    const start = async (): Promise<IbkrSession> => {
      const s = await startIbkr(config, [], { live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, heartbeatMs: 0, commissionWaitMs: 500 });
      sessions.push(s);
      await s.recovered;
      return s;
    };

    // ----- first life: the limit buy rests at TWS -----
    const first = await start();
    // Bars pushed before the session subscribes would reach no one.
    await until(() => fakeLog.some((l) => /real-time bars .* for AAPL/.test(l)), 'the session subscribed to AAPL bars');
    f.admin.pushBar({ symbol: 'AAPL', ts: a, open: 100, high: 100.5, low: 99.8, close: 100, volume: 10_000 });
    await until(() => f.book.working().length === 1, 'the limit buy working at TWS', 5000).catch((e: unknown) => { throw new Error(`${String(e)}; fake: ${fakeLog.join(' | ')}`); });
    const ref = f.book.allOrders()[0]!.orderRef;
    await first.execution.idle();
    await stop(first);
    sessions.splice(sessions.indexOf(first), 1);
    await until(() => f.admin.stats().connections.length === 0, 'the first session gone');

    // ----- while nobody listens: it fills, minutes before the wall clock -----
    f.admin.pushBar({ symbol: 'AAPL', ts: a + MIN, open: 99.5, high: 99.7, low: 99, close: 99.2, volume: 10_000 });
    expect(f.book.execs).toHaveLength(1);
    const x = f.book.execs[0]!;
    expect(x.orderRef).toBe(ref);
    expect(x.ts).toBeLessThan(Date.now() - 3 * MIN);
    expect(x.commissionReport.commission).toBeGreaterThan(0);

    // ----- restart: recovery books TWS's execution, with its commission -----
    const second = await start();
    await second.execution.idle();
    const report = await second.recovered;
    // The premise: the restarted session's clock (TWS's reqCurrentTime, this machine's) is past the execution.
    expect(second.execution.venueNow()).toBeGreaterThan(x.ts + 3 * MIN);
    expect(report.settled).toContain(ref);
    await stop(second);
    sessions.splice(sessions.indexOf(second), 1);

    const records = readJournal(second.storeDir);
    const fills = records.filter((r) => r.kind === 'fill').map((r) => r.data as { clientOrderId: string; execId: string; qty: number; fee?: number });
    expect(fills.map((y) => ({ cid: y.clientOrderId, execId: y.execId, qty: y.qty }))).toEqual([{ cid: ref, execId: x.execId, qty: 1 }]);
    expect(fills.some((y) => y.execId.startsWith('sync-'))).toBe(false);
    const st = stateOf(records);
    expect(st.orders[ref]?.status).toBe('filled');
    expect(st.positions['AAPL']?.qty).toBe(1);
    // The fee was booked: the journal's cash is TWS's, net of the commission.
    const venueCash = f.book.core.snapshot().cash.USD ?? NaN;
    expect(f.book.commissions()).toBe(x.commissionReport.commission);
    expect(st.cash?.USD ?? NaN).toBeCloseTo(venueCash - f.book.commissions(), 6);
  }, 20_000);
});
