/**
 * Test parts for order handling: a venue whose reports the test scripts (every messy ordering can be
 * produced on purpose), a link that drops traffic between the engine and the real simulated venue
 * (disconnects), and an engine runner that keeps the loop alive for asynchronous venue answers.
 */
import { makeInstrument } from '../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import type { Bar, MarketEvent } from '../../src/domain/market.ts';
import type { ReplaceRequest } from '../../src/domain/order.ts';
import { Engine, type EngineObserver, type EngineOptions, type LogEntry } from '../../src/engine/engine.ts';
import type {
  ConnectionStatus, ExecutionClient, ExecutionReport, PushFeed, ReportSink, SubmitCommand, VenueCapabilities, VenueExecution, VenueOrderState, VenueQueries,
} from '../../src/ports/index.ts';
import type { StrategyHandlers } from '../../src/engine/strategy.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import { SIM_CAPABILITIES_BASE, SimVenue } from '../../src/venues/sim/sim-venue.ts';

export const AAPL = makeInstrument('AAPL', 'sim');
export const INSTRUMENTS = new InstrumentRegistry([AAPL]);
export const T0 = Date.UTC(2024, 0, 2, 15, 0);
export const MIN = 60_000;
export const ACCOUNT = { ...DEFAULT_ACCOUNT, cash: 100_000 };

export const bar = (k: number, open: number, high = open + 1, low = open - 1, close = open): Bar =>
  ({ kind: 'bar', symbol: 'AAPL', ts: T0 + k * MIN, open, high, low, close, volume: 1_000_000 });

/** A venue the test drives report by report. Its queries answer from `orders` / `execs`. */
export class ScriptVenue implements ExecutionClient {
  readonly venue = 'script';
  readonly capabilities: VenueCapabilities = { ...SIM_CAPABILITIES_BASE, shorting: true, simulated: false };
  sink: ReportSink | null = null;
  readonly sent: SubmitCommand[] = [];
  readonly cancels: string[] = [];
  readonly replaces: { id: string; changes: ReplaceRequest }[] = [];
  readonly orders = new Map<string, VenueOrderState>();
  readonly execs: VenueExecution[] = [];
  cash: Record<string, number> = { USD: 100_000 };
  positions: { symbol: string; qty: number; avgPrice: number }[] = [];
  /** Record the order as received at the venue (false = it never arrives). */
  receive = true;
  queryCount = 0;
  connect(sink: ReportSink): void { this.sink = sink; }
  disconnect(): void { this.sink = null; }
  submit(cmd: SubmitCommand): void {
    this.sent.push(cmd);
    if (this.receive) this.orders.set(cmd.clientOrderId, { clientOrderId: cmd.clientOrderId, venueOrderId: `V${this.sent.length}`, request: cmd.request, status: 'accepted', filledQty: 0, avgFillPrice: 0, createdAt: cmd.ts, updatedAt: cmd.ts });
  }
  cancel(id: string): void { this.cancels.push(id); }
  replace(id: string, changes: ReplaceRequest): void { this.replaces.push({ id, changes }); }
  emit(rep: ExecutionReport): void { this.sink?.(rep); }
  connection(): ConnectionStatus { return { state: this.sink === null ? 'disconnected' : 'connected', lastHeartbeat: null }; }
  readonly queries: VenueQueries = {
    order: async (id) => { this.queryCount++; return this.orders.get(id) ?? null; },
    openOrders: async () => [...this.orders.values()].filter((o) => o.status === 'accepted' || o.status === 'partially_filled'),
    positions: async () => this.positions,
    account: async () => ({ accountId: 'script', currency: 'USD', cash: this.cash, equity: this.cash.USD ?? 0, status: 'active', live: false }),
    executionsSince: async (ts) => this.execs.filter((e) => e.ts >= ts),
    time: async () => T0,
  };
}

/** Between the engine and a real SimVenue: `up = false` drops reports (and, optionally, commands). */
export class Link implements ExecutionClient {
  up = true;
  dropCommands = false;
  private sink: ReportSink | null = null;
  readonly dropped: ExecutionReport[] = [];
  constructor(readonly inner: SimVenue) {}
  get venue(): string { return this.inner.venue; }
  get capabilities(): VenueCapabilities { return this.inner.capabilities; }
  get queries(): VenueQueries { return this.inner.queries; }
  connect(sink: ReportSink): void {
    this.sink = sink;
    this.inner.connect((r) => { if (this.up) this.sink?.(r); else this.dropped.push(r); });
  }
  disconnect(): void { this.sink = null; }
  submit(cmd: SubmitCommand): void { if (this.up || !this.dropCommands) this.inner.submit(cmd); }
  cancel(id: string, ts: number): void { if (this.up || !this.dropCommands) this.inner.cancel(id, ts); }
  replace(id: string, ch: ReplaceRequest, ts: number): void { if (this.up || !this.dropCommands) this.inner.replace(id, ch, ts); }
  onMarketData(ev: MarketEvent): void { this.inner.onMarketData(ev); }
  connection(): ConnectionStatus { return { state: this.up ? 'connected' : 'disconnected', lastHeartbeat: null }; }
}

export interface Harness {
  readonly engine: Engine;
  readonly logs: LogEntry[];
  /** Push a market event into the loop. */
  market(ev: MarketEvent): void;
  /** Run `fn` inside the loop and wait until it and everything it queued ran. */
  step(fn?: () => void): Promise<void>;
  /** Wait (real time) for asynchronous venue answers to come back and be applied. */
  settle(ms?: number): Promise<void>;
  finish(): Promise<void>;
}

/** Start an engine on a push feed that stays open until finish(): the real-time loop, simulated clock. */
export async function start(execution: ExecutionClient, handlers: StrategyHandlers = {}, extra: Partial<EngineOptions> = {}): Promise<Harness> {
  const logs: LogEntry[] = [];
  const logObs: EngineObserver = { onLog: (e) => { logs.push(e); } };
  let sink: ((ev: MarketEvent) => void) | null = null;
  let done: (() => void) | null = null;
  const feed: PushFeed = { kind: 'push', start: (s, d) => { sink = s; done = d; }, stop: () => undefined };
  const engine = new Engine({
    instruments: INSTRUMENTS, execution, account: ACCOUNT, strategy: { name: 'test', handlers, params: {} },
    ...extra, observers: [logObs, ...(extra.observers ?? [])],
  });
  engine.addFeed(feed);
  const running = engine.run();
  // The feed starts once the venue is connected and the start-up ran (a real socket takes a few
  // round trips): wait for it, rather than one event-loop turn, or market() finds no sink under load.
  let failed: unknown = null;
  running.catch((err: unknown) => { failed = err; });
  for (let i = 0; sink === null && failed === null && i < 20_000; i++) await tick();
  if (failed !== null) throw failed;
  await tick();
  return {
    engine, logs,
    market: (ev) => sink!(ev),
    step: async (fn) => {
      await new Promise<void>((res) => engine.schedule(Math.max(engine.now(), T0), () => { fn?.(); res(); }));
      await tick();
      await tick();
    },
    settle: async (ms = 30) => { await new Promise((r) => setTimeout(r, ms)); },
    finish: async () => { done?.(); engine.stop(); await running; },
  };
}

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export const warnings = (logs: readonly LogEntry[]): LogEntry[] => logs.filter((l) => l.level === 'warn' || l.level === 'error');
