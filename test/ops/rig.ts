/** A running engine on the simulated venue with a push feed the test controls, plus SessionOps. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import { makeInstrument } from '../../src/domain/instrument.ts';
import type { Bar, MarketEvent } from '../../src/domain/market.ts';
import { Engine, type EngineObserver } from '../../src/engine/engine.ts';
import type { ExecutionClient, PushFeed } from '../../src/ports/index.ts';
import type { StrategyContext, StrategyHandlers } from '../../src/engine/strategy.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import type { RiskLimits } from '../../src/risk/limits.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { SessionOps, type SessionOpsOptions } from '../../src/ops/session-ops.ts';
import type { Gate } from '../../src/ops/gates/types.ts';

export const BTC = makeInstrument('BTC-USD', 'sim');
export const T0 = Date.UTC(2024, 2, 4, 0, 0);
export const MIN = 60_000;

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

export class ManualFeed implements PushFeed {
  readonly kind = 'push' as const;
  private sink: ((e: MarketEvent) => void) | null = null;
  private done: (() => void) | null = null;
  start(sink: (e: MarketEvent) => void, done: () => void): void { this.sink = sink; this.done = done; }
  stop(): void { this.done?.(); }
  push(e: MarketEvent): void { this.sink?.(e); }
  end(): void { this.done?.(); }
}

export const bar = (k: number, close: number, symbol = 'BTC-USD'): Bar =>
  ({ kind: 'bar', symbol, ts: T0 + k * MIN, open: close, high: close + 5, low: close - 5, close, volume: 1000 });

export interface Rig {
  readonly engine: Engine;
  readonly venue: SimVenue;
  readonly feed: ManualFeed;
  readonly ops: SessionOps;
  readonly stateRoot: string;
  readonly ctx: () => StrategyContext<any>;
  /** Push bars k..k+n-1 and let the loop handle them. */
  bars(from: number, closes: readonly number[]): Promise<void>;
  stop(): Promise<void>;
}

export interface RigOptions {
  readonly handlers?: StrategyHandlers;
  readonly stateRoot?: string;
  readonly limits?: RiskLimits;
  readonly gates?: readonly Gate[];
  readonly mode?: 'paper' | 'live';
  readonly execution?: (venue: SimVenue) => ExecutionClient;
  readonly confirmTimeoutMs?: number;
  readonly observers?: readonly EngineObserver[];
  readonly ops?: Partial<SessionOpsOptions>;
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

export async function makeRig(o: RigOptions = {}): Promise<Rig> {
  const instruments = new InstrumentRegistry([BTC]);
  const venue = new SimVenue({ instruments, account: DEFAULT_ACCOUNT });
  const exec = o.execution ? o.execution(venue) : venue;
  const stateRoot = o.stateRoot ?? tempDir('parity-state-');
  const ops = new SessionOps({
    mode: o.mode ?? 'paper', venue: 'sim', account: 'test', stateRoot, limits: o.limits ?? {}, realtime: false,
    confirmTimeoutMs: o.confirmTimeoutMs ?? 2000, onShutdown: () => {}, ...(o.gates ? { gates: o.gates } : {}), ...o.ops,
  });
  let context: StrategyContext<any> | null = null;
  const handlers: StrategyHandlers = { ...o.handlers, onStart: (ctx) => { context = ctx; o.handlers?.onStart?.(ctx); } };
  const engine = new Engine({
    instruments, execution: exec, account: DEFAULT_ACCOUNT, limits: o.limits ?? {},
    strategy: { name: 'test', handlers, params: {} }, observers: [ops, ...(o.observers ?? [])],
  });
  const feed = new ManualFeed();
  engine.addFeed(feed);
  const done = engine.run();
  await until(() => context !== null, 2000, 'engine start');
  await ops.firstGates();
  return {
    engine, venue, feed, ops, stateRoot,
    ctx: () => context!,
    async bars(from, closes) {
      const before = engine.eventsProcessed();
      closes.forEach((c, i) => feed.push(bar(from + i, c)));
      await until(() => engine.eventsProcessed() >= before + closes.length, 2000, 'bars handled');
      await tick(5);
    },
    async stop() {
      await ops.close('test');
      engine.stop();
      feed.end();
      await done;
    },
  };
}
