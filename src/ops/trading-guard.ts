/**
 * One owner for the engine's trading state while a session runs. Several things may want trading
 * stopped at once (the operator's kill switch, a failing pre-flight gate, a watchdog, the engine
 * itself after a strategy error or a loss-limit halt); each one is a named "hold". The engine's state
 * is the most severe hold (halted > paused > active), so lifting one reason never silently lifts
 * another: resuming the kill switch while a gate still fails leaves trading halted, and says why.
 *
 * A change the engine makes by itself (strategy error, loss limit) becomes the 'engine' hold and is
 * reported through `onExternal`, so the kill switch can latch and persist it: only the operator's
 * explicit resume lifts it (a kill switch that trips and lets the strategy carry on is the classic
 * failure).
 */
import type { Engine, EngineObserver } from '../engine/engine.ts';
import type { TradingState } from '../risk/trading-state.ts';

export type HoldStatus = 'paused' | 'halted';

export interface Hold {
  /** 'kill', 'gates', 'engine', 'watchdog:<name>'. */
  readonly key: string;
  readonly status: HoldStatus;
  readonly reason: string;
  /** Wall time (epoch ms) the hold was set. */
  readonly since: number;
}

export class TradingGuard implements EngineObserver {
  private readonly holds = new Map<string, Hold>();
  private engine: Engine | null = null;
  private applying = false;
  /** Called when the engine changed its own state (strategy error, loss-limit halt). */
  onExternal: ((state: TradingState) => void) | null = null;

  constructor(private readonly wallNow: () => number = Date.now) {}

  /** Engine hook: runs before the strategy's onStart, so no order leaves before the holds apply. */
  onStart(engine: Engine): void {
    this.attach(engine);
  }

  attach(engine: Engine): void {
    if (this.engine === engine) return;
    this.engine = engine;
    this.apply('start');
  }

  hold(key: string, status: HoldStatus, reason: string): void {
    const prev = this.holds.get(key);
    if (prev !== undefined && prev.status === status && prev.reason === reason) return;
    this.holds.set(key, { key, status, reason, since: prev?.since ?? this.wallNow() });
    this.apply(reason);
  }

  /** Lift holds whose key matches; returns the keys lifted. */
  release(match: (key: string) => boolean, why: string): string[] {
    const lifted: string[] = [];
    for (const k of [...this.holds.keys()]) if (match(k)) { this.holds.delete(k); lifted.push(k); }
    if (lifted.length > 0) this.apply(why);
    return lifted;
  }

  has(key: string): boolean {
    return this.holds.has(key);
  }

  list(): Hold[] {
    return [...this.holds.values()];
  }

  /** The state the holds call for: the most severe one, with the reasons behind it. */
  desired(): { status: TradingState['status']; reason: string } {
    const all = [...this.holds.values()];
    if (all.length === 0) return { status: 'active', reason: '' };
    const halted = all.filter((h) => h.status === 'halted');
    const top = halted.length > 0 ? halted : all;
    const reason = top.map((h) => h.reason).join('; ');
    return { status: halted.length > 0 ? 'halted' : 'paused', reason };
  }

  onTradingState(state: TradingState): void {
    if (this.applying) return;
    if (state.status === 'active') {
      // Someone else resumed while we hold: our holds win (say so in the log).
      if (this.holds.size > 0) this.apply('holds still in force');
      return;
    }
    this.holds.set('engine', { key: 'engine', status: state.status, reason: state.reason, since: this.wallNow() });
    this.onExternal?.(state);
    this.apply(state.reason);
  }

  private apply(why: string): void {
    const e = this.engine;
    if (e === null) return;
    const d = this.desired();
    const reason = d.status === 'active' ? (why === '' ? 'resumed' : why) : d.reason;
    const cur = e.tradingState();
    if (cur.status === d.status && (d.status === 'active' || cur.reason === reason)) return;
    this.applying = true;
    try {
      e.setTradingState(d.status, reason);
    } finally {
      this.applying = false;
    }
  }
}
