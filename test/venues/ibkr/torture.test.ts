// Budget: 25 s for this file on the 2-core CI machine (18 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * Crash torture on the TWS fake, shortened (issue 12, item 8): `parity run --venue ibkr --headless`
 * trading test/fixtures/churn.ts (market and limit orders, modifies and cancels of resting orders)
 * is killed with SIGKILL at seeded random moments, during start-up (recovery) and while trading,
 * and restarted on the same state folder while the market moves on (bars pushed while it is down,
 * so resting orders fill unseen). The venue (in this process) outlives every life. Judged from the
 * venue's own book and the last life's own words:
 *
 *   - no orderRef (client order id) was ever placed twice at TWS: restarts never duplicate an order,
 *     a modify never became a second order, reconciliation never synthesized one;
 *   - IB order ids were never reused: every life's ids are above every earlier life's;
 *   - the journal all the lives left, against the fake's own books, with the Alpaca torture's judge
 *     (test/recovery/torture-check.ts): each journaled intent reached TWS exactly once (none if the
 *     store ended it lost) and nothing reached TWS unjournaled; every execution at TWS is booked
 *     exactly once; every journaled order is found at TWS by orderRef with the same filled
 *     quantity, open or ended alike; TWS's positions equal the sum of its executions and the
 *     journal's equal TWS's; the journal's cash equals TWS's net of commissions, and no execution is
 *     covered only by a synthetic fill (whose commission would be lost);
 *   - a final clean start's reconciliation agrees with TWS (but for orders that never reached it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startTwsFake, type TwsFake } from '../../../src/venue-server/tws/index.ts';
import { mulberry32 } from '../../../src/util/random.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { startIbkr } from '../../../src/modes/ibkr.ts';
import { bookings, checkFillsBooked, checkSubmissions, intentsOf, readJournal, stateOf, type VenueFill } from '../../recovery/torture-check.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/parity.js');
// The market's minutes start now, on this machine's clock, as a real TWS dates executions on the
// clock its reqCurrentTime answers (the fake's default): executions dated in another year would be
// older than any order recovery asks about.
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const children: ChildProcess[] = [];
let fake: TwsFake | null = null;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await fake?.close();
  fake = null;
});

/** Every execution the fake made, as the Alpaca torture's judge reads a venue fill (root = orderRef: a modify keeps its id). */
function venueFills(f: TwsFake): VenueFill[] {
  return f.book.execs.map((e) => ({ executionId: e.execId, root: e.orderRef, symbol: e.contract.paritySymbol, side: e.side === 'BOT' ? 'buy' : 'sell', qty: e.shares, ts: e.ts }));
}
const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;
const nonZero = (m: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(m).filter(([, q]) => Math.abs(q) > 1e-9).map(([k, q]) => [k, round9(q)]));
const OPEN_AT_TWS = new Set(['Submitted', 'PreSubmitted', 'PendingSubmit', 'PendingCancel', 'ApiPending']);
const FINAL_IN_STORE = new Set(['filled', 'canceled', 'rejected', 'expired', 'denied', 'lost']);

interface Life { readonly child: ChildProcess; readonly lines: string[]; readonly connected: Promise<void>; readonly exited: Promise<void> }

function life(dir: string, port: number): Life {
  const child = spawn(process.execPath, [
    BIN, 'run', '--venue', 'ibkr', '--ib-port', String(port), '--ib-client-id', '4', '--headless', '--symbol', 'AAPL',
    '-s', join(ROOT, 'test/fixtures/churn.ts'), '-p', 'qty=1', '--no-typecheck',
    '--sessions-dir', join(dir, 'sessions'), '--state-dir', join(dir, 'state'),
  ], { cwd: ROOT });
  children.push(child);
  const lines: string[] = [];
  let onConnected: () => void = () => {};
  const connected = new Promise<void>((r) => { onConnected = r; });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    if (/"source":"ibkr","message":"connected: /.test(l)) onConnected();
  });
  child.stderr!.on('data', (d: Buffer) => { lines.push(`stderr: ${d.toString()}`); });
  const exited = new Promise<void>((r) => child.once('exit', () => { onConnected(); r(); }));
  return { child, lines, connected, exited };
}

describe('crash torture on the TWS fake', () => {
  it('SIGKILL at random moments: no order twice, no id reused, positions and cash agree at the end', async () => {
    const rnd = mulberry32(Number(process.env.PARITY_TORTURE_SEED ?? 12));
    const dir = mkdtempSync(join(tmpdir(), 'parity-ibkr-torture-'));
    fake = await startTwsFake({ port: 0, symbols: ['AAPL'], startTime: T0 - 60_000, cash: 10_000_000 });
    const f = fake;
    let minute = 0;
    const push = (): void => {
      const c = 100 + 3 * Math.sin(minute / 3);
      f.admin.pushBar({ symbol: 'AAPL', ts: T0 + minute * 60_000, open: c, high: c + 0.6, low: c - 0.6, close: c + 0.1, volume: 10_000 });
      minute++;
    };
    const idsByLife: number[][] = [];
    const allLines: string[][] = [];
    const seenIds = new Set<number>();
    const lives = Number(process.env.PARITY_TORTURE_CYCLES ?? 6);
    for (let n = 0; n < lives; n++) {
      const l = life(dir, f.port);
      allLines.push(l.lines);
      await l.connected;
      // Half the lives die during start-up (recovery, gates), half while trading.
      const during = rnd() < 0.5 ? 'startup' : 'trading';
      const killAt = Date.now() + (during === 'startup' ? 20 + rnd() * 400 : 600 + rnd() * 2000);
      while (Date.now() < killAt && l.child.exitCode === null) {
        if (during === 'trading') push();
        await new Promise((r) => setTimeout(r, 50));
      }
      l.child.kill('SIGKILL');
      await l.exited;
      const ids = f.book.allOrders().map((o) => o.orderId).filter((id) => !seenIds.has(id));
      for (const id of ids) seenIds.add(id);
      idsByLife.push(ids);
      // The market moves on while nobody watches: resting orders fill unseen.
      for (let i = 0; i < 3; i++) push();
    }
    // A final clean start, in this process (so the reconciliation's differences can be read).
    const config = ConfigSchema.parse({
      strategy: { file: join(ROOT, 'test/fixtures/churn.ts'), params: { qty: 1 }, typecheck: false }, data: { files: [] },
      run: { sessionsDir: join(dir, 'sessions') }, ibkr: { port: f.port, clientId: 4 },
    });
    const s = await startIbkr(config, [], { live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, heartbeatMs: 0 });
    const report = await s.recovered;
    const r = await s.reconciler.reconcileNow('on-demand');
    await s.execution.idle();
    s.engine.stop();
    await s.done.catch(() => undefined);
    s.execution.disconnect();

    // ----- the journal every life left, against the venue's own books (the Alpaca torture's judge) -----
    const records = readJournal(s.storeDir);
    const st = stateOf(records);
    const intents = intentsOf(records);
    const finalStatus = Object.fromEntries(Object.values(st.orders).map((o) => [o.clientOrderId, o.status]));
    const submissions: Record<string, number> = {};
    for (const o of f.book.allOrders()) submissions[o.orderRef] = (submissions[o.orderRef] ?? 0) + 1;
    const fills = venueFills(f);
    const booking = bookings(records, fills);
    const snap = f.book.core.snapshot();
    const venuePos = nonZero(Object.fromEntries(snap.positions.map((p) => [p.symbol, p.qty])));
    const execSum: Record<string, number> = {};
    for (const x of fills) execSum[x.symbol] = (execSum[x.symbol] ?? 0) + (x.side === 'buy' ? x.qty : -x.qty);
    const storePos = nonZero(Object.fromEntries(Object.values(st.positions).map((p) => [p.symbol, p.qty])));
    const judge = {
      // Each journaled intent reached TWS exactly once (none if the store ended it lost); nothing reached TWS unjournaled; one id per decision.
      submissions: checkSubmissions(intents, { submissions, duplicates: {} }, finalStatus),
      // Every execution at TWS booked exactly once; nothing booked that TWS did not execute.
      fills: [...checkFillsBooked(fills, booking.count), ...booking.excess],
      // Every journaled order found at TWS by orderRef, with its filled quantity and open / ended alike.
      orders: Object.values(st.orders).flatMap((o) => {
        const at = f.book.allOrders().find((x) => x.orderRef === o.clientOrderId);
        if (o.status === 'lost' || o.status === 'denied') return at === undefined ? [] : [`${o.clientOrderId} is ${o.status} in the store but TWS has it (${at.status})`];
        if (at === undefined) return [`${o.clientOrderId} (${o.status}) is not at TWS`];
        const out: string[] = [];
        if (Math.abs(o.filledQty - at.filled) > 1e-9) out.push(`${o.clientOrderId}: filled ${o.filledQty} in the store, ${at.filled} at TWS`);
        if (FINAL_IN_STORE.has(o.status) === OPEN_AT_TWS.has(at.status)) out.push(`${o.clientOrderId}: ${o.status} in the store, ${at.status} at TWS`);
        return out;
      }),
    };
    if (process.env.DBG !== undefined) {
      console.log(JSON.stringify(judge, null, 1));
      const fees = records.filter((x) => x.kind === 'fill').map((x) => x.data as { execId: string; fee?: number });
      console.log(`journal fills ${fees.length}, with fee 0: ${fees.filter((x) => !x.fee).map((x) => x.execId).join(' ')}; fee records ${records.filter((x) => x.kind === 'fee').length}; kinds ${[...new Set(records.map((x) => x.kind))].join(',')}`);
    }
    expect(judge.submissions).toEqual([]);
    expect(judge.fills).toEqual([]);
    expect(judge.orders).toEqual([]);
    // Positions: TWS's equal the sum of its executions, and the journal's equal TWS's.
    expect(venuePos).toEqual(nonZero(execSum));
    expect(storePos).toEqual(venuePos);
    // Cash: the journal's equals TWS's, net of the commissions (TotalCashValue: the core's cash less
    // the fees TWS charged). An execution the journal covers only with a synthetic fill (`sync-...`:
    // recovery booked what the order's status said was filled, not the execution) would carry no
    // fee: none may be left (recovery once asked for executions only since "now", because TWS's
    // open orders carry no creation time, and lost every commission of a fill made while down).
    expect(f.book.commissions()).toBeGreaterThan(0);
    const synthetic = new Set([...booking.count.keys()].filter((id) => !booking.byId.has(id)));
    const feesLost = round9(f.book.execs.filter((e) => synthetic.has(e.execId)).reduce((a, e) => a + e.commissionReport.commission, 0));
    if (process.env.DBG !== undefined) console.log(`commissions ${f.book.commissions()}, lost with synthetic fills ${feesLost} (${synthetic.size} executions)`);
    expect(feesLost).toBe(0);
    expect(st.cash?.USD ?? NaN).toBeCloseTo((snap.cash.USD ?? NaN) - f.book.commissions(), 6);

    const orders = f.book.allOrders();
    expect(orders.length).toBeGreaterThan(5);
    const refs = orders.map((o) => o.orderRef);
    expect(new Set(refs).size).toBe(refs.length);
    expect(report.adopted).toEqual([]);
    // Ids rise from life to life: none reused after a restart.
    for (let i = 1; i < idsByLife.length; i++) {
      const before = idsByLife.slice(0, i).flat();
      if (before.length === 0) continue;
      for (const id of idsByLife[i]!) expect(id).toBeGreaterThan(Math.max(...before));
    }
    // The final reconciliation agrees with TWS. One kind of order difference is allowed, an order
    // that never traded and never reached TWS: journaled, then a cancel journaled (submitted ->
    // pending_cancel) while the placeOrder still waited in the link's 40-a-second queue when the
    // process died; recovery flags it instead of taking it as canceled before it reached the venue.
    // (An order TWS cancelled while no console listened is found by reqCompletedOrders, which the
    // fake answers now: no longer a difference, and judge.orders above holds it to TWS's status.)
    const byRef = new Map(orders.map((o) => [o.orderRef, o]));
    let neverArrived = 0;
    for (const d of r.diffs) {
      expect(d.subject, d.message).toBe('order');
      const cid = 'clientOrderId' in d ? d.clientOrderId : '';
      const at = byRef.get(cid);
      const story = allLines.map((ls, i) => ls.filter((x) => x.includes(cid)).map((x) => `life ${i}: ${x.slice(0, 300)}`).join('\n')).join('\n');
      expect(at, `${d.message}: TWS has the order (${at?.status}, filled ${at?.filled})\n${story}`).toBeUndefined();
      expect(d.message, story).toMatch(/which was pending_cancel/);
      neverArrived++;
    }
    if (process.env.DBG !== undefined) console.log(`lives ${lives}, orders at the fake ${orders.length}, differences ${r.diffs.length} (${neverArrived} never arrived)`);
  }, 60_000);
});
