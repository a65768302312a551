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
 *   - a final clean start agrees with the venue on positions and cash, and on every order but those
 *     TWS ended unfilled while no console listened (the fake does not answer reqCompletedOrders,
 *     which is how real TWS names them: each such order is checked Cancelled-unfilled in its book).
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

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/parity.js');
const T0 = Date.parse('2026-03-02T14:31:00Z');
const children: ChildProcess[] = [];
let fake: TwsFake | null = null;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await fake?.close();
  fake = null;
});

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
    s.engine.stop();
    await s.done.catch(() => undefined);
    s.execution.disconnect();

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
    // Positions and cash agree. Order differences are allowed of two kinds only, both orders that
    // never traded, and both shortcomings outside the adapter (said in the report of issue 12):
    //  - Cancelled with nothing filled in the fake's book while no console listened: real TWS names
    //    such orders in reqCompletedOrders, which the fake does not answer (error 321), so the
    //    adapter cannot tell "cancelled" from "never heard of" there;
    //  - never at the fake at all: journaled, then a cancel journaled (submitted -> pending_cancel)
    //    while the placeOrder still waited in the SDK's 40-a-second queue when the process died;
    //    recovery flags these instead of taking them as canceled before they reached the venue.
    const byRef = new Map(orders.map((o) => [o.orderRef, o]));
    let unreported = 0;
    let neverArrived = 0;
    for (const d of r.diffs) {
      expect(d.subject, d.message).toBe('order');
      const cid = 'clientOrderId' in d ? d.clientOrderId : '';
      const at = byRef.get(cid);
      const story = allLines.map((ls, i) => ls.filter((x) => x.includes(cid)).map((x) => `life ${i}: ${x.slice(0, 300)}`).join('\n')).join('\n');
      if (at === undefined) {
        expect(d.message, story).toMatch(/which was pending_cancel/);
        neverArrived++;
        continue;
      }
      expect([at.status, at.filled], `${d.message}\n${story}`).toEqual(['Cancelled', 0]);
      unreported++;
    }
    if (process.env.DBG !== undefined) console.log(`lives ${lives}, orders at the fake ${orders.length}, differences ${r.diffs.length} (${unreported} cancelled unseen, ${neverArrived} never arrived)`);
  }, 60_000);
});
