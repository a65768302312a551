/**
 * The trading state has one owner: the engine keeps a TradingHolds, and every reason to stop
 * trading is a named hold in it. The state every command is judged by is the most severe hold
 * (halted > paused > active), so lifting one reason never silently lifts another: resuming the kill
 * switch while a gate still fails leaves trading halted, and says why.
 *
 * TRIGGERS below is the one table of who sets which hold, what still flows under it and what lifts
 * it; `parity doc trading` prints it and the README carries it (a test keeps them equal).
 */
import type { TradingStatus } from './trading-state.ts';

export type HoldStatus = Exclude<TradingStatus, 'active'>;

export interface Hold {
  /** 'kill', 'gates', 'engine', 'reconcile', 'external', 'watchdog:<name>' (TRIGGERS lists who sets each). */
  readonly key: string;
  readonly status: HoldStatus;
  readonly reason: string;
  /** When the hold was set (engine time, or wall time before the first event). */
  readonly since: number;
}

export interface Trigger {
  readonly trigger: string;
  readonly hold: string;
  readonly sets: HoldStatus;
  readonly flows: string;
  readonly lifts: string;
}

const EXITS = 'exits, stops and cancels; the operator\'s flatten';
const CANCELS = 'cancels, the operator\'s flatten (reducing orders only)';

export const TRIGGERS: readonly Trigger[] = [
  { trigger: 'operator L1 pause (p, ctl pause)', hold: 'kill', sets: 'paused', flows: EXITS, lifts: 'operator resume' },
  { trigger: 'operator L2 cancel-all (c, ctl cancel-all)', hold: 'kill', sets: 'paused', flows: EXITS, lifts: 'operator resume' },
  { trigger: 'operator L3 flatten (f, ctl flatten)', hold: 'kill', sets: 'paused', flows: EXITS, lifts: 'operator resume, confirmed (p p, ctl resume --confirm)' },
  { trigger: 'operator L4 shutdown (X, ctl shutdown)', hold: 'kill', sets: 'paused', flows: EXITS, lifts: 'operator resume after the restart, confirmed (p p, ctl resume --confirm)' },
  { trigger: 'daily loss limit breached', hold: 'engine', sets: 'paused', flows: EXITS, lifts: 'operator resume, confirmed (p p, ctl resume --confirm); a new trading day allows it, never performs it' },
  { trigger: 'strategy threw in a callback (paper/live: the reason names the callback and file:line; a backtest stops or skips instead, --on-error)', hold: 'engine', sets: 'paused', flows: EXITS, lifts: 'operator resume, confirmed (p p, ctl resume --confirm)' },
  { trigger: 'an intent the journal cannot record (never sent)', hold: 'engine', sets: 'halted', flows: CANCELS, lifts: 'operator resume, confirmed (with a writable journal)' },
  { trigger: 'pre-flight gate fails (or still running)', hold: 'gates', sets: 'halted', flows: CANCELS, lifts: 'the gates passing on a re-run (g)' },
  { trigger: 'reconciliation difference confirmed by the re-check', hold: 'reconcile', sets: 'paused', flows: EXITS, lifts: 'the difference clearing, or accept venue state (a a, ctl accept-venue)' },
  { trigger: 'an order with our client-id prefix the journal does not know', hold: 'external', sets: 'halted', flows: CANCELS, lifts: 'a decision on every such order (adopt, cancel or leave)' },
  { trigger: 'watchdog: stale data, lost heartbeat, a store write that failed', hold: 'watchdog:<name>', sets: 'paused', flows: EXITS, lifts: 'operator resume' },
  { trigger: 'terminal hangup (SIGHUP, --on-hangup pause)', hold: 'kill', sets: 'paused', flows: EXITS, lifts: 'operator resume' },
];

/** TRIGGERS as a Markdown table (`parity doc trading`, the README). */
export function triggersTable(): string {
  const rows = TRIGGERS.map((t) => `| ${t.trigger} | \`${t.hold}\` | ${t.sets} | ${t.flows} | ${t.lifts} |`);
  return ['| trigger | hold | sets | what still flows | what lifts it |', '|---|---|---|---|---|', ...rows].join('\n');
}

export class TradingHolds {
  private readonly holds = new Map<string, Hold>();

  /** Set or change a hold; returns whether anything changed. */
  hold(key: string, status: HoldStatus, reason: string, since: number): boolean {
    const prev = this.holds.get(key);
    if (prev !== undefined && prev.status === status && prev.reason === reason) return false;
    this.holds.set(key, { key, status, reason, since: prev?.since ?? since });
    return true;
  }

  /** Lift the holds whose key matches; returns the keys lifted. */
  release(match: (key: string) => boolean): string[] {
    const lifted: string[] = [];
    for (const k of [...this.holds.keys()]) if (match(k)) { this.holds.delete(k); lifted.push(k); }
    return lifted;
  }

  has(key: string): boolean {
    return this.holds.has(key);
  }

  get(key: string): Hold | undefined {
    return this.holds.get(key);
  }

  list(): Hold[] {
    return [...this.holds.values()];
  }

  /** The state the holds call for: the most severe one, with the reasons behind it. */
  desired(): { readonly status: TradingStatus; readonly reason: string } {
    const all = [...this.holds.values()];
    if (all.length === 0) return { status: 'active', reason: '' };
    const halted = all.filter((h) => h.status === 'halted');
    const top = halted.length > 0 ? halted : all;
    return { status: halted.length > 0 ? 'halted' : 'paused', reason: top.map((h) => h.reason).join('; ') };
  }
}
