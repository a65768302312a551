/**
 * What the ops layer shows of itself: the kill switch, the gates, reconciliation and the holds, as
 * one value a console (live or replay) pulls when it builds a snapshot. It lives with ops, not with
 * the console, so ops never imports the console.
 */
import type { KillLevel } from './kill-state.ts';
import type { ActionProgress } from './kill-switch.ts';
import type { GateResult, ReconcileSummary } from './gates/types.ts';
import type { Hold } from './trading-guard.ts';

/** What the ops layer contributes to a snapshot (pulled when one is built). */
export interface OpsView {
  readonly killLevel: KillLevel;
  readonly killReason: string;
  readonly progress: ActionProgress | null;
  readonly gates: readonly GateResult[];
  readonly gatesRunning: boolean;
  readonly reconciliation: ReconcileSummary | null;
  /** null = available; otherwise why not ("reconciliation not available for this venue"). */
  readonly reconcileUnavailable: string | null;
  readonly holds: readonly Hold[];
}

export const EMPTY_OPS: OpsView = {
  killLevel: 0, killReason: '', progress: null, gates: [], gatesRunning: false,
  reconciliation: null, reconcileUnavailable: 'reconciliation not available for this venue', holds: [],
};
