/**
 * The operations layer's handle on the engine's holds. The engine owns the trading state (one
 * TradingHolds, risk/trading-holds.ts); this guard only lets operations code set and lift named holds
 * before the engine has started (the persisted kill latch, "gates running" are in force before the
 * strategy's first callback) and tells the kill switch when the engine stopped trading by itself
 * (strategy error, loss limit), so it can latch: only the operator's explicit resume lifts that
 * (a kill switch that trips and lets the strategy carry on is the classic failure).
 */
import type { EngineControl, EngineObserver } from '../engine/engine.ts';
import { type Hold, type HoldStatus, TradingHolds } from '../risk/trading-holds.ts';
import type { TradingState } from '../risk/trading-state.ts';

export type { Hold, HoldStatus } from '../risk/trading-holds.ts';

export class TradingGuard implements EngineObserver {
  /** Holds set before the engine exists; handed over on attach. */
  private readonly early = new TradingHolds();
  private engine: EngineControl | null = null;
  private engineHold: string | null = null;
  /** Called when the engine changed its own state (strategy error, loss-limit halt). */
  onExternal: ((state: TradingState) => void) | null = null;

  constructor(private readonly wallNow: () => number = Date.now) {}

  /** EngineControl hook: runs before the strategy's onStart, so no order leaves before the holds apply. */
  onStart(engine: EngineControl): void {
    this.attach(engine);
  }

  attach(engine: EngineControl): void {
    if (this.engine === engine) return;
    this.engine = engine;
    for (const h of this.early.list()) engine.hold(h.key, h.status, h.reason);
    this.early.release(() => true);
  }

  hold(key: string, status: HoldStatus, reason: string): void {
    if (this.engine === null) this.early.hold(key, status, reason, this.wallNow());
    else this.engine.hold(key, status, reason);
  }

  /** Lift holds whose key matches; returns the keys lifted. */
  release(match: (key: string) => boolean, why: string): string[] {
    return this.engine === null ? this.early.release(match) : this.engine.release(match, why);
  }

  has(key: string): boolean {
    return this.list().some((h) => h.key === key);
  }

  list(): Hold[] {
    return this.engine === null ? this.early.list() : [...this.engine.tradingHolds()];
  }

  onTradingState(state: TradingState): void {
    const h = this.engine?.tradingHolds().find((x) => x.key === 'engine');
    const sig = h === undefined ? null : `${h.status}:${h.reason}`;
    if (sig !== null && sig !== this.engineHold) this.onExternal?.(state);
    this.engineHold = sig;
  }
}
