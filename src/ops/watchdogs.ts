/**
 * Watchdogs: while a session runs, pause trading and say why when
 *   - market data is stale (real-time sessions: engine time lags the wall clock),
 *   - the venue's heartbeat is lost (ExecutionClient.connection()),
 *   - the journal cannot be written (the store calls `journalError`; disk full).
 * A tripped watchdog is a sticky 'watchdog:<name>' hold: trading stays paused until the operator
 * resumes, because after a gap the books need a look (reconcile) before new exposure.
 */
import type { EngineControl } from '../engine/engine.ts';
import type { TimerHandle } from '../ports/scheduler.ts';
import type { TradingGuard } from './trading-guard.ts';
import { usEquitySession } from '../domain/market-hours.ts';

function anyMarketOpen(e: EngineControl, wall: number): boolean {
  for (const sym of e.context().symbols) {
    const i = e.instrument(sym);
    if (i === undefined || i.calendar === '24x7' || usEquitySession(wall).open) return true;
  }
  return false;
}

export interface WatchdogOptions {
  readonly engine: EngineControl;
  readonly guard: TradingGuard;
  /** EngineControl time follows the wall clock (live feeds). File replays have no staleness to judge. */
  readonly realtime: boolean;
  readonly staleDataMs?: number;
  readonly heartbeatMs?: number;
  readonly intervalMs?: number;
  readonly wallNow?: () => number;
  /**
   * Wall time the last market event arrived (null: none yet). Staleness is judged on arrival, not
   * on the events' own timestamps, so a venue replaying old data is not "stale" for being old.
   */
  readonly lastDataWall?: () => number | null;
}

export class Watchdogs {
  private timer: TimerHandle | null = null;
  private readonly staleMs: number;
  private readonly hbMs: number;
  private readonly wallNow: () => number;
  /** Before the first event, silence counts from the start. */
  private readonly startedWall: number;
  /** The venue has been connected at least once. */
  private venueUp = false;
  constructor(private readonly o: WatchdogOptions) {
    this.staleMs = o.staleDataMs ?? 120_000;
    this.hbMs = o.heartbeatMs ?? 15_000;
    this.wallNow = o.wallNow ?? Date.now;
    this.startedWall = this.wallNow();
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = this.o.engine.scheduler.every(this.o.intervalMs ?? 1000, () => this.check());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** One round of checks (exported for tests). */
  check(): void {
    const e = this.o.engine;
    if (e.isStopped()) return;
    const wall = this.wallNow();
    // Silence is only stale while some instrument's market is open (equities stop printing at 16:00).
    if (this.o.realtime && anyMarketOpen(e, wall)) {
      const lag = wall - (this.o.lastDataWall?.() ?? this.startedWall);
      if (lag > this.staleMs) this.trip('data', `market data stale: last event ${Math.round(lag / 1000)} s ago`);
    }
    const c = e.execution.connection?.();
    if (c !== undefined) {
      // Until the first connect completes the venue is starting, not lost (a connect that fails
      // fails the start): a plain 'connecting' then is no reason to pause. One that says what is
      // wrong (a stream down, a login refused) is, first connect or not.
      if (c.state === 'connected') this.venueUp = true;
      const starting = !this.venueUp && c.state === 'connecting' && (c.detail === undefined || c.detail === '');
      if (starting) return;
      if (c.state !== 'connected') this.trip('heartbeat', `venue ${c.state}${c.detail ? `: ${c.detail}` : ''}`);
      else if (c.lastHeartbeat !== null && wall - c.lastHeartbeat > this.hbMs) this.trip('heartbeat', `venue heartbeat lost: last ${Math.round((wall - c.lastHeartbeat) / 1000)} s ago`);
    }
  }

  /** The journal store calls this when a write fails (disk full, I/O error). */
  journalError(err: unknown): void {
    this.trip('journal', `journal cannot be written: ${err instanceof Error ? err.message : String(err)}`);
  }

  private trip(name: string, reason: string): void {
    const key = `watchdog:${name}`;
    if (this.o.guard.has(key)) return;
    this.o.guard.hold(key, 'paused', `watchdog: ${reason}`);
    this.o.engine.log('error', 'watchdog', `${reason}: trading paused until you resume (p)`);
  }
}
