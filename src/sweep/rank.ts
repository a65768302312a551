/**
 * Ranking sweep results by one metric of the backtest summary. Higher is better except for the
 * drawdown; a run a strategy error stopped, or a metric that is not there (CAGR on a short span),
 * ranks after every run that has one. Ties keep the grid's order, so a ranking is reproducible.
 */
import type { BacktestJson } from '../backtest/report.ts';
import { SweepSpecError } from './grid.ts';

export const RANK_KEYS = ['sharpe', 'sortino', 'return', 'cagr', 'drawdown', 'winrate', 'equity', 'trades'] as const;
export type RankKey = (typeof RANK_KEYS)[number];

const FIELD: Readonly<Record<RankKey, { readonly get: (s: BacktestJson) => number | null; readonly higher: boolean; readonly label: string }>> = {
  sharpe: { get: (s) => s.sharpe, higher: true, label: 'Sharpe' },
  sortino: { get: (s) => s.sortino, higher: true, label: 'Sortino' },
  return: { get: (s) => s.totalReturn, higher: true, label: 'total return' },
  cagr: { get: (s) => s.cagr, higher: true, label: 'CAGR' },
  drawdown: { get: (s) => s.maxDrawdown, higher: false, label: 'max drawdown (smaller first)' },
  winrate: { get: (s) => s.winRate, higher: true, label: 'win rate' },
  equity: { get: (s) => s.finalEquity, higher: true, label: 'final equity' },
  trades: { get: (s) => s.trades, higher: true, label: 'round trips' },
};

export function parseRankKey(value: string): RankKey {
  if (!(RANK_KEYS as readonly string[]).includes(value)) {
    throw new SweepSpecError(`--rank takes one of ${RANK_KEYS.join(', ')}, got "${value}"`);
  }
  return value as RankKey;
}

export function rankLabel(key: RankKey): string {
  return FIELD[key].label;
}

/** The metric's value, or null when the run cannot be ranked on it. */
export function metricOf(key: RankKey, s: BacktestJson): number | null {
  if (!s.completed) return null;
  const v = FIELD[key].get(s);
  return v === null || !Number.isFinite(v) ? null : v;
}

/** Indices of `summaries`, best first (a stable sort: ties keep their order). */
export function rankOrder(key: RankKey, summaries: readonly BacktestJson[]): number[] {
  const higher = FIELD[key].higher;
  const idx = summaries.map((_, i) => i);
  const vals = summaries.map((s) => metricOf(key, s));
  return idx.sort((a, b) => {
    const va = vals[a]!;
    const vb = vals[b]!;
    if (va === null || vb === null) return va === null ? (vb === null ? a - b : 1) : -1;
    if (va !== vb) return higher ? vb - va : va - vb;
    return a - b;
  });
}
