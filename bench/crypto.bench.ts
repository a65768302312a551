/**
 * Crypto perpetuals (issues 13, 14): the ccxt adapter (src/venues/ccxt) through the real ccxt 4.5
 * against each venue's fake (`parity venue --protocol okx|binance|bybit|deribit --port 0`, its clock
 * at real time; each pushed bar moves it a minute on) in a CHILD process, so the fake's CPU does not
 * sit in the event loop being measured; and a perpetual backtest with funding beside the spot one.
 * The top-level order figures are OKX's (the targets are judged on them); `venues` has each venue's,
 * built as sessions build them (venues/ccxt/client.ts: Deribit's orders over its order websocket).
 *
 *   ackMs    submit -> `accepted`: CcxtExecution.submit (the adapter's order window, ccxt's
 *            createOrder: signing, the venue's order call, the answer parsed) to the adapter's
 *            `accepted` report. Market orders of the BTC perpetual (OKX 1 contract, the others
 *            0.01 BTC), buy and sell alternating, each submitted once the previous one has filled
 *            and both ccxt's throttle (exchange.rateLimit) and the venue's own order limit
 *            (profile orderRate: Bybit 10/s, Deribit 5/s) have room again: faster, the figure is a queue's.
 *   fillMs   submit -> `fill`: the same order, after its ack a one-minute bar is POSTed to the fake's
 *            admin (/admin/bars, a kept-alive HTTP connection: what moves its market; the sim fills a
 *            market order on the next bar), then the fake's push on the private `orders` channel,
 *            ccxt's watchOrders / the adapter's parse, to its `fill` report. So it is ack + one admin
 *            round trip + the websocket push; nothing is subtracted.
 *            Measured twice: with ccxt's throttle on (enableRateLimit, as sessions create the exchange:
 *            src/venues/ccxt/config.ts) and off (`noThrottle`), the round trip itself.
 *   cpuUsPerOrder   this process's CPU (user + system) per order of the loop: the figure to trust on
 *            a loaded machine (wall-clock percentiles there include other processes' time slices).
 *   perp     sma-cross on 1,000,000 generated one-minute bars through the full engine, once on the
 *            spot instrument BTC/USDT and once on the USDT perpetual BTC/USDT:USDT with funding on
 *            (the PerpSpec constant: 0.0001 every 8 h, about 2,083 funding times over the run, booked
 *            whenever a position is open) and liquidation checks; bars/s of each (median of three
 *            after a warm-up run, in process CPU time as well as wall), and perp / spot.
 *
 * Targets (issue 13): p99 submit -> ack and submit -> fill under 10 ms on localhost; the perpetual
 * backtest at least 90% of the spot one's bars/s (funding costs no more than 10%).
 * PARITY_BENCH_QUICK=1 runs 60 orders and 200,000 bars instead of 300 and 1,000,000.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { ConfigSchema } from '../src/config/schema.ts';
import { synthBars, type BarSeries } from '../src/data/index.ts';
import { backtestParts } from '../src/modes/backtest.ts';
import { buildInstruments } from '../src/modes/instruments.ts';
import type { ExecutionReport } from '../src/ports/index.ts';
import { loadStrategy, parseParams } from '../src/strategy/loader.ts';
import { OKX_PROFILE, resolveCcxtSettings, type CcxtProfile } from '../src/venues/ccxt/index.ts';
import { openCcxtClient } from '../src/venues/ccxt/client.ts';
import { BINANCE_PROFILE } from '../src/venues/ccxt/profile-binance.ts';
import { BYBIT_PROFILE } from '../src/venues/ccxt/profile-bybit.ts';
import { DERIBIT_PROFILE } from '../src/venues/ccxt/profile-deribit.ts';
import { atLeast, below } from './targets.ts';

const ROOT = resolve(import.meta.dirname, '..');
const QUICK = process.env.PARITY_BENCH_QUICK === '1';
const ORDERS = QUICK ? 60 : 300;
const WARM = 20;
const BARS = QUICK ? 200_000 : 1_000_000;
const SYMBOL = 'BTC/USDT:USDT';

/** One venue as the bench drives it: its fake's protocol, the session's profile and symbol, the fake's instrument id and keys. */
interface BenchVenue {
  readonly protocol: string;
  readonly profile: CcxtProfile;
  readonly symbol: string;
  readonly instId: string;
  readonly qty: number;
  env(port: number): Record<string, string>;
}

const BENCH_VENUES: readonly BenchVenue[] = [
  {
    protocol: 'okx', profile: OKX_PROFILE, symbol: SYMBOL, instId: 'BTC-USDT-SWAP', qty: 1,
    env: (port) => ({ OKX_API_KEY: 'parity-okx-key', OKX_SECRET: 'parity-okx-secret', OKX_PASSPHRASE: 'Parity-Pass1', OKX_BASE_URL: `http://127.0.0.1:${port}`, OKX_WS_URL: `ws://127.0.0.1:${port}/ws/v5` }),
  },
  {
    protocol: 'binance', profile: BINANCE_PROFILE, symbol: SYMBOL, instId: 'BTCUSDT', qty: 0.01,
    env: (port) => ({ BINANCE_API_KEY: 'parity-binance-key', BINANCE_SECRET: 'parity-binance-secret', BINANCE_BASE_URL: `http://127.0.0.1:${port}`, BINANCE_WS_URL: `ws://127.0.0.1:${port}` }),
  },
  {
    protocol: 'bybit', profile: BYBIT_PROFILE, symbol: SYMBOL, instId: 'linear:BTCUSDT', qty: 0.01,
    env: (port) => ({ BYBIT_API_KEY: 'parity-bybit-key', BYBIT_SECRET: 'parity-bybit-secret', BYBIT_BASE_URL: `http://127.0.0.1:${port}`, BYBIT_WS_URL: `ws://127.0.0.1:${port}` }),
  },
  {
    protocol: 'deribit', profile: DERIBIT_PROFILE, symbol: 'BTC/USDC:USDC', instId: 'BTC_USDC-PERPETUAL', qty: 0.01,
    env: (port) => ({ DERIBIT_API_KEY: 'parity-deribit-key', DERIBIT_SECRET: 'parity-deribit-secret', DERIBIT_BASE_URL: `http://127.0.0.1:${port}`, DERIBIT_WS_URL: `ws://127.0.0.1:${port}/ws/api/v2` }),
  },
];

interface Venue { readonly child: ChildProcess; readonly port: number }

function startVenue(b: BenchVenue): Promise<Venue> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', b.protocol, '--port', '0', '--speed', '1', '--account-cash', '10000000', '--quiet'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...b.env(0) },
  });
  return new Promise((res, rej) => {
    child.once('exit', (code) => rej(new Error(`parity venue --protocol ${b.protocol} exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(l);
      if (m !== null) res({ child, port: Number(m[1]) });
    });
  });
}

/** The fake's market time, on across both loops (its bars must move forward). */
let barTs = Date.now();

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

const pct = (xs: readonly number[], p: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function roundTrips(b: BenchVenue, v: Venue, throttle: boolean): Promise<{ ack: number[]; fill: number[]; cpuUsPerOrder: number; spacingMs: number }> {
  const settings = resolveCcxtSettings(b.profile, b.env(v.port), { live: false });
  // Built as a session builds it (order, ledger and any venue connection; no dead-man switch).
  const client = await openCcxtClient(b.profile, settings, {
    symbols: [b.symbol], terms: () => ({ leverage: 3, marginMode: 'cross' }), deadMan: { enabled: false, timeoutSec: 60 },
    enableRateLimit: throttle, say: () => undefined, tuning: { heartbeatMs: 0, billsPollMs: 3_600_000 },
  });
  const ex = client.ex;
  const exec = client.execution;
  let waiting: { cid: string; kind: ExecutionReport['kind']; resolve: () => void } | null = null;
  await exec.connect((r) => {
    if (waiting !== null && r.clientOrderId === waiting.cid && r.kind === waiting.kind) { const w = waiting; waiting = null; w.resolve(); }
  });
  const heard = (cid: string, kind: ExecutionReport['kind']): Promise<void> => new Promise((resolve) => { waiting = { cid, kind, resolve }; });
  const bar = () => ({ instId: b.instId, ts: (barTs += 60_000), open: 50_000, high: 50_010, low: 49_990, close: 50_000, volume: 10 });
  await post(v.port, '/admin/bars', { bars: [bar()] });
  // The private socket subscribes as connect returns; a moment for its login and subscription.
  await sleep(300);
  // Room in ccxt's throttle (when on) and in the venue's own order limit, which the adapter keeps either way.
  const venuePace = b.profile.orderRate.windowMs / b.profile.orderRate.orders;
  const spacingMs = Number(process.env.PARITY_BENCH_SPACING_MS ?? 0) || Math.ceil(Math.max(throttle ? Number(ex.rateLimit ?? 0) : 0, venuePace, 1)) + 5;
  const ack: number[] = [];
  const fill: number[] = [];
  let cpu = 0;
  let lastSubmit = -Infinity;
  try {
    for (let i = 0; i < WARM + ORDERS; i++) {
      const cid = `bench${throttle ? 't' : 'n'}${i}x${process.pid}`;
      const gap = lastSubmit + spacingMs - performance.now();
      if (gap > 0) await sleep(gap);
      const c0 = process.cpuUsage();
      const acked = heard(cid, 'accepted');
      const t0 = performance.now();
      lastSubmit = t0;
      exec.submit({ clientOrderId: cid, request: { symbol: b.symbol, side: i % 2 === 0 ? 'buy' : 'sell', qty: b.qty, type: 'market' }, ts: Date.now() });
      await acked;
      const t1 = performance.now();
      const filled = heard(cid, 'fill');
      // The fill is timed when the adapter reports it, not when the admin's HTTP answer comes back.
      const posted = post(v.port, '/admin/bars', { bars: [bar()] });
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
    await exec.disconnect();
  }
  return { ack, fill, cpuUsPerOrder: cpu / ORDERS, spacingMs };
}

interface Rate { readonly wall: number; readonly cpu: number; readonly fundingPayments: number; readonly trades: number }

/**
 * bars/s of sma-cross over the series on the spot and the perpetual symbol, wall and CPU: one
 * warm-up run of each, then three rounds alternating the two (neither gets a warmer JIT or a
 * cleaner heap than the other), the median of each.
 */
async function backtestRates(series: BarSeries, symbols: readonly [string, string]): Promise<[Rate, Rate]> {
  const config = ConfigSchema.parse({});
  const strategy = await loadStrategy('strategies/sma-cross.ts');
  const params = parseParams(strategy.definition, {});
  const setups = symbols.map((symbol) => {
    const s: BarSeries = { ...series, symbol };
    const instruments = buildInstruments([symbol], [], 'sim');
    return () => backtestParts(config, { strategy, params, series: [s], instruments, warnings: [] });
  });
  const last = setups.map((run) => run());
  const wall: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < 2; k++) {
      gc?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      last[k] = setups[k]!();
      wall[k]!.push(BARS / ((performance.now() - t0) / 1000));
      const c = process.cpuUsage(c0);
      cpu[k]!.push(BARS / ((c.user + c.system) / 1e6));
    }
  }
  const rate = (k: number): Rate => ({ wall: median(wall[k]!), cpu: median(cpu[k]!), fundingPayments: last[k]!.summary.perp?.fundingPayments ?? 0, trades: last[k]!.summary.trades });
  return [rate(0), rate(1)];
}

const figures = (r: Awaited<ReturnType<typeof roundTrips>>) => ({
  ackMs: { p50: r2(pct(r.ack, 50)), p99: r2(pct(r.ack, 99)), max: r2(pct(r.ack, 100)) },
  fillMs: { p50: r2(pct(r.fill, 50)), p99: r2(pct(r.fill, 99)), max: r2(pct(r.fill, 100)) },
  cpuUsPerOrder: Math.round(r.cpuUsPerOrder),
  spacingMs: r.spacingMs,
});

export async function benchCrypto(): Promise<Record<string, unknown>> {
  const each: Record<string, { throttle: Awaited<ReturnType<typeof roundTrips>>; raw: Awaited<ReturnType<typeof roundTrips>> }> = {};
  for (const b of BENCH_VENUES) {
    const v = await startVenue(b);
    try {
      each[b.protocol] = { throttle: await roundTrips(b, v, true), raw: await roundTrips(b, v, false) };
    } finally {
      v.child.kill('SIGTERM');
    }
  }
  const rt = each['okx']!.throttle;
  const raw = each['okx']!.raw;
  const series = synthBars({ bars: BARS, seed: 11, symbol: 'BTC/USDT' });
  const [spot, perp] = await backtestRates(series, ['BTC/USDT', SYMBOL]);
  const ratio = Math.round((perp.cpu / spot.cpu) * 1000) / 1000;
  return {
    orders: ORDERS,
    spacingMs: rt.spacingMs,
    ackMs: { p50: r2(pct(rt.ack, 50)), p99: r2(pct(rt.ack, 99)), max: r2(pct(rt.ack, 100)) },
    fillMs: { p50: r2(pct(rt.fill, 50)), p99: r2(pct(rt.fill, 99)), max: r2(pct(rt.fill, 100)) },
    cpuUsPerOrder: Math.round(rt.cpuUsPerOrder),
    // The same loop with ccxt's own throttle off (enableRateLimit: false; sessions run it on).
    noThrottle: {
      ackMs: { p50: r2(pct(raw.ack, 50)), p99: r2(pct(raw.ack, 99)), max: r2(pct(raw.ack, 100)) },
      fillMs: { p50: r2(pct(raw.fill, 50)), p99: r2(pct(raw.fill, 99)), max: r2(pct(raw.fill, 100)) },
      cpuUsPerOrder: Math.round(raw.cpuUsPerOrder),
    },
    // Every venue's round trip through its own fake (throttle on, as sessions run; and off).
    venues: Object.fromEntries(Object.entries(each).map(([k, r]) => [k, { ...figures(r.throttle), noThrottle: figures(r.raw) }])),
    perp: {
      bars: BARS,
      spotBarsPerSec: Math.round(spot.wall), perpBarsPerSec: Math.round(perp.wall),
      spotBarsPerCpuSec: Math.round(spot.cpu), perpBarsPerCpuSec: Math.round(perp.cpu),
      perpOverSpotCpu: ratio, perpOverSpotWall: Math.round((perp.wall / spot.wall) * 1000) / 1000,
      perpFundingPayments: perp.fundingPayments, trades: { spot: spot.trades, perp: perp.trades },
    },
    targets: {
      ackP99Ms: below(r2(pct(rt.ack, 99)), 10, ' ms'),
      fillP99Ms: below(r2(pct(rt.fill, 99)), 10, ' ms'),
      perpOverSpot: atLeast(ratio, 0.9),
    },
  };
}
