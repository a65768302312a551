/**
 * Pre-flight gates: checks that must pass before the engine places an order. A gate says pass, warn
 * or fail, what it found, and what to do about it. Gates judge ENGINE time (the timestamp of the
 * event in hand), so a file-fed paper session under a replay clock passes the same gates a live one
 * does on wall time.
 */
import type { EngineControl } from '../../engine/engine.ts';
import type { ExecutionClient } from '../../ports/index.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { RiskLimits } from '../../risk/limits.ts';
import type { StateLock } from '../lock.ts';

export type GateStatus = 'pass' | 'warn' | 'fail';

export interface GateResult {
  readonly id: string;
  readonly title: string;
  readonly status: GateStatus;
  readonly detail: string;
  /** What to do about a warning or failure ('' on pass). */
  readonly fix: string;
}

/** The startup reconciliation (issue 3 provides it); null when the venue has none. */
export interface ReconcileSummary {
  readonly clean: boolean;
  /** Wall time it ran. */
  readonly at: number;
  readonly lines: readonly string[];
  /** clean; rechecking (seen, a re-check is due); confirmed (a re-check found it again). Absent: clean or not says it all. */
  readonly status?: 'clean' | 'rechecking' | 'confirmed';
  /** Wall time of the pending re-check. */
  readonly recheckAt?: number | null;
  /** A confirmed difference holds new signals paused until the operator accepts the venue's state. */
  readonly paused?: boolean;
}

export interface GateContext {
  readonly mode: 'paper' | 'live';
  readonly engine: EngineControl;
  readonly execution: ExecutionClient;
  readonly instruments: readonly Instrument[];
  readonly limits: RiskLimits;
  readonly stateDir: string;
  readonly lock: StateLock;
  /** True when engine time follows the wall clock (live feeds); false for file replays. */
  readonly realtime: boolean;
  readonly reconcile: (() => Promise<ReconcileSummary>) | null;
  readonly wallNow: () => number;
  /** Wall time the last market event arrived (null: none yet); freshness is judged on arrival. */
  readonly lastDataWall?: () => number | null;
  /** Latest quote per symbol, when the feed has quotes (spread check). */
  readonly lastQuote?: (symbol: string) => { readonly bid: number; readonly ask: number } | undefined;
  /** Thresholds (ms / bytes / fraction); defaults in each gate. */
  readonly thresholds?: Partial<GateThresholds>;
  /** Where the account holder is (account.jurisdiction: 'US', 'US-NY'); null/absent: not set. */
  readonly jurisdiction?: string | null;
}

export interface GateThresholds {
  readonly clockSkewWarnMs: number;
  readonly clockSkewFailMs: number;
  readonly diskWarnBytes: number;
  readonly diskFailBytes: number;
  readonly staleDataMs: number;
  readonly maxSpread: number;
}

export const DEFAULT_THRESHOLDS: GateThresholds = {
  clockSkewWarnMs: 500,
  clockSkewFailMs: 2000,
  diskWarnBytes: 1024 ** 3,
  diskFailBytes: 100 * 1024 ** 2,
  staleDataMs: 120_000,
  maxSpread: 0.01,
};

export interface Gate {
  readonly id: string;
  readonly title: string;
  check(ctx: GateContext): Promise<Omit<GateResult, 'id' | 'title'>> | Omit<GateResult, 'id' | 'title'>;
}

export const pass = (detail: string) => ({ status: 'pass' as const, detail, fix: '' });
export const warn = (detail: string, fix: string) => ({ status: 'warn' as const, detail, fix });
export const fail = (detail: string, fix: string) => ({ status: 'fail' as const, detail, fix });

export const th = (ctx: GateContext): GateThresholds => ({ ...DEFAULT_THRESHOLDS, ...ctx.thresholds });
