/**
 * Interactive Brokers on localhost (issue 12): the adapter (src/venues/ibkr), the real @stoqey/ib SDK
 * and the TWS fake (`parity venue --protocol tws --port 0 --admin-port 0`) in a CHILD process, so
 * the fake's CPU does not sit in the event loop being measured (in one process every message the
 * fake writes and parses would queue ahead of the adapter's own).
 *
 *   ackMs    submit -> `accepted` (placeOrder out, openOrder / orderStatus Submitted back, parsed,
 *            turned into the engine's report), market orders of 1 share, buy and sell alternating,
 *            one every 30 ms: TWS takes 50 messages a second and the link paces at 40 (4 in any
 *            100 ms), so a faster loop measures the pacer's queue, not the round trip
 *   fillMs   submit -> `fill`: after the ack a one-minute bar is sent to the fake's admin port
 *            (POST /bars, a kept-alive HTTP connection: what moves its market), then execDetails,
 *            orderStatus Filled, commissionReport; the fill is reported once its commission is
 *            heard. So it is ack + one admin round trip + the fill's messages.
 *   reconnectMs   a full session (`startIbkr`: store, engine, reconciler), its socket cut by the
 *            fake's `drop` fault; from the SDK's `connected` (the socket back) to the adapter
 *            trading again: executions and open orders requested and applied, the clock synced,
 *            the reconciliation run (onResynced), orders allowed out.
 *   cpuUsPerOrder   this process's CPU (user + system) per order of the round-trip loop.
 *
 * Targets (issue 12): p99 submit -> ack and submit -> fill under 5 ms, reconnect under 2 s.
 * PARITY_BENCH_QUICK=1 runs 100 orders and 3 drops instead of 400 and 8; PARITY_BENCH_PROF_VENUE=DIR
 * profiles the fake (node --cpu-prof into DIR); `node --cpu-prof` on the bench profiles the adapter's side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { EventName } from '@stoqey/ib';
import { ConfigSchema } from '../src/config/schema.ts';
import { InstrumentRegistry } from '../src/domain/instrument-registry.ts';
import { makeInstrument } from '../src/domain/instrument.ts';
import { startIbkr } from '../src/modes/ibkr.ts';
import type { ExecutionReport } from '../src/ports/index.ts';
import { MemoryFileSystem } from '../src/util/memory-file-system.ts';
import { IbkrExecution, IbkrLink, OrderIdAllocator } from '../src/venues/ibkr/index.ts';
import { below } from './targets.ts';

const ROOT = resolve(import.meta.dirname, '..');
const QUICK = process.env.PARITY_BENCH_QUICK === '1';
const ORDERS = QUICK ? 100 : 400;
const DROPS = QUICK ? 3 : 8;
const WARM = 30;
/** One order every 30 ms: under TWS's 40 messages a second (the link's pacer: 4 in any 100 ms). */
const SPACING_MS = 30;

interface Venue { readonly child: ChildProcess; readonly port: number; readonly admin: number }

function startVenue(): Promise<Venue> {
  // PARITY_BENCH_PROF_VENUE=DIR writes the fake's CPU profile there (node --cpu-prof).
  const prof = process.env.PARITY_BENCH_PROF_VENUE;
  const child = spawn(process.execPath, [...(prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'tws', '--port', '0', '--admin-port', '0', '--account-cash', '10000000', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    let port: number | null = null;
    child.once('exit', (code) => rej(new Error(`parity venue --protocol tws exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^(listening|admin) 127\.0\.0\.1:(\d+)$/.exec(l);
      if (m === null) return;
      if (m[1] === 'listening') port = Number(m[2]);
      else if (port !== null) res({ child, port, admin: Number(m[2]) });
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(port: number, path: string, body: unknown): Promise<void> {
  const data = JSON.stringify(body);
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (r) => {
      r.resume();
      r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(`POST ${path}: ${r.statusCode}`))));
    });
    req.setNoDelay(true);
    req.on('error', rej);
    req.end(data);
  });
}

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r2 = (x: number): number => Math.round(x * 100) / 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function roundTrips(v: Venue): Promise<{ ack: number[]; fill: number[]; cpuUsPerOrder: number }> {
  const link = new IbkrLink({ host: '127.0.0.1', port: v.port, clientId: 8, heartbeatMs: 0, connectTimeoutMs: 5000, requestTimeoutMs: 5000 });
  await link.open();
  const exec = new IbkrExecution({
    link, ids: new OrderIdAllocator({ fs: new MemoryFileSystem(), dir: '/state/ibkr-bench' }), account: link.managedAccounts[0]!, live: false,
    instruments: new InstrumentRegistry([makeInstrument('AAPL', 'ibkr', { assetClass: 'equity' })]),
  });
  let waiting: { cid: string; kind: ExecutionReport['kind']; resolve: () => void } | null = null;
  await exec.connect((r) => {
    if (waiting !== null && r.clientOrderId === waiting.cid && r.kind === waiting.kind) { const w = waiting; waiting = null; w.resolve(); }
  });
  const heard = (cid: string, kind: ExecutionReport['kind']): Promise<void> => new Promise((resolve) => { waiting = { cid, kind, resolve }; });
  let ts = Date.now();
  await post(v.admin, '/bars', { bars: [{ symbol: 'AAPL', ts, open: 100, high: 100.5, low: 99.5, close: 100, volume: 10_000 }] }); // AAPL is known from here
  const ack: number[] = [];
  const fill: number[] = [];
  let cpu = 0;
  let lastSubmit = -Infinity;
  try {
    for (let i = 0; i < WARM + ORDERS; i++) {
      const cid = `bench-${i}`;
      // Under the pace TWS allows (the link sends at most 4 messages in any 100 ms, as the SDK's own
      // pacer does): faster, an order waits its turn in the pacer and the figure is the pace, not latency.
      const gap = lastSubmit + SPACING_MS - performance.now();
      if (gap > 0) await sleep(gap);
      const c0 = process.cpuUsage();
      const acked = heard(cid, 'accepted');
      const t0 = performance.now();
      lastSubmit = t0;
      exec.submit({ clientOrderId: cid, request: { symbol: 'AAPL', side: i % 2 === 0 ? 'buy' : 'sell', qty: 1, type: 'market' }, ts: Date.now() });
      await acked;
      const t1 = performance.now();
      const filled = heard(cid, 'fill');
      ts += 60_000;
      // The fill is timed when it is reported, not when the admin's HTTP answer comes back.
      const posted = post(v.admin, '/bars', { bars: [{ symbol: 'AAPL', ts, open: 100, high: 100.5, low: 99.5, close: 100, volume: 10_000 }] });
      await filled;
      const t2 = performance.now();
      await posted;
      const c = process.cpuUsage(c0);
      if (i < WARM) continue;
      ack.push(t1 - t0);
      fill.push(t2 - t0);
      cpu += c.user + c.system;
    }
  } finally {
    exec.disconnect();
  }
  return { ack, fill, cpuUsPerOrder: cpu / ORDERS };
}

async function reconnects(v: Venue): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-bench-ibkr-'));
  const config = ConfigSchema.parse({
    strategy: { file: join(ROOT, 'strategies/sma-cross.ts'), params: {}, typecheck: false }, data: { files: [] },
    run: { sessionsDir: join(dir, 'sessions') }, ibkr: { port: v.port, clientId: 9 },
  });
  const s = await startIbkr(config, [], {
    live: false, symbols: ['AAPL'], stateDir: join(dir, 'state'), reconcilePeriodMs: 0, heartbeatMs: 0, reconnectInitialMs: 20, reconnectMaxMs: 40, random: () => 0.5,
  });
  const out: number[] = [];
  try {
    await s.recovered;
    await s.execution.idle();
    for (let i = 0; i < DROPS; i++) {
      let back: number | null = null;
      const onConnected = (): void => { back ??= performance.now(); };
      s.link.api.on(EventName.connected, onConnected);
      const restored = new Promise<void>((r) => { s.link.on({ restored: () => r() }); });
      await post(v.admin, '/faults', { drop: { clientId: 9 } });
      await restored;
      while (s.execution.connection().state !== 'connected') await new Promise((r) => setImmediate(r));
      const done = performance.now();
      s.link.api.off(EventName.connected, onConnected);
      if (back === null) throw new Error('reconnected without a connected event');
      out.push(done - back);
      await sleep(100);
    }
  } finally {
    s.engine.stop();
    await s.done.catch(() => undefined);
    s.execution.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export async function benchIbkr(): Promise<Record<string, unknown>> {
  const v = await startVenue();
  try {
    const rt = await roundTrips(v);
    const rc = await reconnects(v);
    const ackP99 = r2(pct(rt.ack, 99));
    const fillP99 = r2(pct(rt.fill, 99));
    const reconnectMax = r2(Math.max(...rc));
    return {
      orders: ORDERS,
      ackMs: { p50: r2(pct(rt.ack, 50)), p99: ackP99, max: r2(Math.max(...rt.ack)) },
      fillMs: { p50: r2(pct(rt.fill, 50)), p99: fillP99, max: r2(Math.max(...rt.fill)) },
      cpuUsPerOrder: Math.round(rt.cpuUsPerOrder),
      drops: DROPS,
      reconnectMs: { p50: r2(pct(rc, 50)), max: reconnectMax },
      targets: {
        ackP99Ms: below(ackP99, 5, ' ms'),
        fillP99Ms: below(fillP99, 5, ' ms'),
        reconnectMaxMs: below(reconnectMax, 2000, ' ms'),
      },
    };
  } finally {
    agent.destroy();
    v.child.kill('SIGTERM');
  }
}
