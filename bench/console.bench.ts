/**
 * The console under load: the real App rendering into a 120x40 virtual terminal (counting the bytes
 * an SSH link would carry) while the engine is fed 5,000 bar events a second for 10 s by a paced
 * push feed; then the time from the `c` key to the last cancel request with 200 open orders.
 * Targets: the engine keeps up (no backlog), at most 20 frames a second, under 50 KB/s, cancel-all
 * under 100 ms.
 */
import { createElement } from 'react';
import { render } from 'ink';
import { App } from '../src/console/app.tsx';
import { ConsoleModel, type SessionInfo } from '../src/console/model.ts';
import { LineDiffStdout } from '../src/console/line-diff-stdout.ts';
import { VirtualStdin, VirtualStdout } from '../src/console/virtual-terminal.ts';
import { InstrumentRegistry } from '../src/domain/instrument-registry.ts';
import { makeInstrument } from '../src/domain/instrument.ts';
import type { MarketEvent } from '../src/domain/market.ts';
import { Engine } from '../src/engine/engine.ts';
import type { ExecutionClient, PushFeed } from '../src/ports/index.ts';
import { SimVenue } from '../src/venues/sim/sim-venue.ts';
import { DEFAULT_ACCOUNT } from '../src/portfolio/portfolio.ts';
import { SessionOps } from '../src/ops/session-ops.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INFO: SessionInfo = { mode: 'paper', venue: 'sim', account: 'bench', strategy: 'bench', session: 'bench', sessionDir: '/tmp', pace: 'live', inProcessVenue: true };
const T0 = Date.UTC(2024, 2, 4);

class PacedFeed implements PushFeed {
  readonly kind = 'push' as const;
  sink: ((e: MarketEvent) => void) | null = null;
  done: (() => void) | null = null;
  start(sink: (e: MarketEvent) => void, done: () => void): void { this.sink = sink; this.done = done; }
  stop(): void { this.done?.(); }
}

interface Rig { engine: Engine; feed: PacedFeed; model: ConsoleModel; ops: SessionOps; done: Promise<void>; out: VirtualStdout; stdin: VirtualStdin; unmount: () => void; cancels: number[] }

async function rig(): Promise<Rig> {
  const inst = makeInstrument('BTC-USD', 'sim');
  const instruments = new InstrumentRegistry([inst]);
  const sim = new SimVenue({ instruments, account: { ...DEFAULT_ACCOUNT, cash: 10_000_000 } });
  const cancels: number[] = [];
  const venue: ExecutionClient = {
    venue: sim.venue, capabilities: sim.capabilities, connect: (s) => sim.connect(s), submit: (c) => sim.submit(c),
    cancel: (id, ts) => { cancels.push(performance.now()); sim.cancel(id, ts); }, replace: (id, ch, ts) => sim.replace(id, ch, ts),
    onMarketData: (e) => sim.onMarketData(e), disconnect: () => sim.disconnect(),
  };
  const model = new ConsoleModel({ info: INFO, maxFps: 10 });
  const ops = new SessionOps({ mode: 'paper', venue: 'sim', account: 'bench', stateRoot: mkdtempSync(join(tmpdir(), 'pbench-')), limits: { maxOrderNotional: 1e12 }, realtime: false, onShutdown: () => {}, onChange: () => model.invalidate() });
  model.setOps(() => ops.view());
  const engine = new Engine({ instruments, execution: venue, account: { ...DEFAULT_ACCOUNT, cash: 10_000_000 }, strategy: { name: 'bench', handlers: {}, params: {} }, observers: [ops, model] });
  const feed = new PacedFeed();
  engine.addFeed(feed);
  const done = engine.run();
  const out = new VirtualStdout(120, 40);
  const stdin = new VirtualStdin();
  const app = render(createElement(App, { source: model, mode: 'paper', keys: { command: (name) => ops.bus.dispatch({ command: name, by: 'console' }), quit: () => {} } }), {
    stdout: new LineDiffStdout(out) as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false, maxFps: 10,
  });
  await new Promise((r) => setTimeout(r, 50));
  await ops.firstGates();
  return { engine, feed, model, ops, done, out, stdin, unmount: () => app.unmount(), cancels };
}

export async function benchConsole(): Promise<Record<string, unknown>> {
  const r = await rig();
  const RATE = 5000;
  const SECONDS = Number(process.env['PARITY_BENCH_CONSOLE_SECONDS'] ?? 10);
  let sent = 0;
  let ts = T0;
  let price = 60000;
  const bytes0 = r.out.bytes;
  const writes0 = r.out.writes;
  const processed0 = r.engine.eventsProcessed();
  let frames = 0;
  const unsub = r.model.subscribe(() => { frames++; });
  const start = performance.now();
  let maxBacklog = 0;
  // Pace 5,000 events a second in 10 ms slices (what a busy websocket delivers).
  await new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      const due = Math.min(Math.floor(elapsed * RATE), RATE * SECONDS);
      while (sent < due) {
        price += ((sent * 7919) % 11) - 5;
        ts += 1000;
        r.feed.sink!({ kind: 'bar', symbol: 'BTC-USD', ts, open: price, high: price + 10, low: price - 10, close: price, volume: 5 });
        sent++;
        if (sent % 500 === 0 && sent < RATE * SECONDS) {
          // Some order flow so the panes change: a far limit order now and then.
          r.engine.context().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 1000, qty: 0.001 });
        }
      }
      maxBacklog = Math.max(maxBacklog, sent - (r.engine.eventsProcessed() - processed0));
      if (sent >= RATE * SECONDS) { clearInterval(iv); resolve(); }
    }, 10);
  });
  const wall = (performance.now() - start) / 1000;
  const endBacklog = sent - (r.engine.eventsProcessed() - processed0);
  await new Promise((res) => setTimeout(res, 200));
  const eventsPerSec = (r.engine.eventsProcessed() - processed0) / wall;
  const framesPerSec = frames / wall;
  const terminalBytesPerSec = (r.out.bytes - bytes0) / wall;
  const writesPerSec = (r.out.writes - writes0) / wall;
  unsub();

  // Cancel-all latency: 200 open orders, `c` on the virtual keyboard, time to the last cancel sent.
  await r.ops.bus.dispatch({ command: 'resume', by: 'bench' });
  await new Promise((res) => setTimeout(res, 20));
  const open0 = [...r.engine.orders.openOrders()].length;
  for (let i = open0; i < 200; i++) r.engine.context().submit({ symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 1000 + (i % 50), qty: 0.001 });
  const ts2 = ts + 1000;
  r.feed.sink!({ kind: 'bar', symbol: 'BTC-USD', ts: ts2, open: price, high: price, low: price, close: price, volume: 5 });
  await new Promise((res) => setTimeout(res, 100));
  const openNow = [...r.engine.orders.openOrders()].length;
  r.cancels.length = 0;
  const t0 = performance.now();
  r.stdin.type('c');
  const limit = Date.now() + 5000;
  while (r.cancels.length < openNow && Date.now() < limit) await new Promise((res) => setImmediate(res));
  const killSwitchCancelMs = r.cancels.length > 0 ? r.cancels[r.cancels.length - 1]! - t0 : null;

  r.unmount();
  await r.ops.close('bench');
  r.engine.stop();
  await r.done;
  return {
    eventsPerSec: Math.round(eventsPerSec),
    framesPerSec: Number(framesPerSec.toFixed(1)),
    terminalBytesPerSec: Math.round(terminalBytesPerSec),
    killSwitchCancelMs: killSwitchCancelMs === null ? null : Number(killSwitchCancelMs.toFixed(2)),
    detail: { fedPerSec: RATE, seconds: Number(wall.toFixed(2)), maxBacklog, endBacklog, terminalWritesPerSec: Math.round(writesPerSec), openOrdersCanceled: r.cancels.length, ordersOpenAtC: openNow },
    targets: { eventsPerSec: '>= 5000 (no backlog growth)', framesPerSec: '<= 20', terminalBytesPerSec: '< 51200', killSwitchCancelMs: '< 100' },
  };
}
