/**
 * The sweep's text report: the ranked table (or one row per walk-forward window) and the lines
 * around it. Columns are as wide as their widest cell, so no figure is ever cut.
 */
import { formatMoney, formatPercent } from '../backtest/index.ts';
import type { BacktestJson } from '../backtest/index.ts';
import { showGiven } from './grid.ts';
import { rankLabel, metricOf } from './rank.ts';
import type { SweepReport } from './sweep.ts';

function table(head: readonly string[], rows: readonly (readonly string[])[], leftCols = 0): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const num = (x: number | null, digits = 2): string => (x === null ? '-' : x.toFixed(digits));

function metricCells(s: BacktestJson): string[] {
  return [
    formatPercent(s.totalReturn, true), num(s.sharpe), num(s.sortino), formatPercent(s.maxDrawdown), String(s.trades),
    s.winRate === null ? '-' : formatPercent(s.winRate), formatMoney(s.finalEquity), s.completed ? '' : 'stopped by a strategy error',
  ];
}
const METRIC_HEAD = ['return', 'sharpe', 'sortino', 'max dd', 'trades', 'win', 'final equity', ''];

export interface TableOptions {
  /** Rows shown of a ranked grid (all of them in --json). */
  readonly top: number;
}

export function renderSweep(r: SweepReport, opts: TableOptions): string {
  const out: string[] = [];
  const names = r.grid.map((g) => g.name);
  const combos = r.grid.reduce((n, g) => n * g.values.length, 1) - r.skipped.length;
  out.push(`sweep ${r.strategy.name}: ${combos} combination${combos === 1 ? '' : 's'} on ${r.workers} worker${r.workers === 1 ? '' : 's'}, ${r.runsExecuted} runs in ${(r.elapsedMs / 1000).toFixed(1)} s, ranked by ${rankLabel(r.rank)}`);
  out.push(`data ${r.data.first ?? '-'} .. ${r.data.last ?? '-'} (${r.data.bars} bars)`);
  if (r.skipped.length > 0) {
    out.push(`skipped ${r.skipped.length} combination${r.skipped.length === 1 ? '' : 's'} the strategy refuses: ${r.skipped.slice(0, 3).map((s) => `${showGiven(s.given)} (${s.reason})`).join(', ')}${r.skipped.length > 3 ? ', ...' : ''}`);
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  out.push('');
  if (r.walkForward === null) {
    const shown = r.runs.slice(0, opts.top);
    const rows = shown.map((run, i) => [String(i + 1), ...names.map((n) => String(run.params[n])), ...metricCells(run.summary)]);
    out.push(...table(['#', ...names, ...METRIC_HEAD], rows));
    if (r.runs.length > shown.length) out.push(`(${r.runs.length - shown.length} more: --top ${r.runs.length} shows all, --json gives every run)`);
    const broken = r.runs.filter((x) => x.strategyError !== null);
    if (broken.length > 0) {
      out.push('');
      out.push(`${broken.length} run${broken.length === 1 ? '' : 's'} hit a strategy exception${broken.length > 3 ? ' (the first 3)' : ''}:`);
      for (const b of broken.slice(0, 3)) out.push(`  ${showGiven(b.params) || '(defaults)'}: ${b.strategyError!}`);
    }
  } else {
    const wf = r.walkForward;
    // Narrow enough for 80 columns: each row is its test span (the train span is the spec's, just before it); --json has both.
    const rows = wf.windows.map((w) => [
      String(w.index + 1), w.test.from.slice(0, 16).replace('T', ' '), showGiven(w.best) || '(defaults)', num(metricOf(r.rank, w.inSample)),
      formatPercent(w.outOfSample.totalReturn, true), num(w.outOfSample.sharpe), formatPercent(w.outOfSample.maxDrawdown), String(w.outOfSample.trades),
      w.outOfSample.completed ? '' : 'stopped by a strategy error',
    ]);
    out.push(`walk-forward ${wf.spec}${wf.anchored ? ' (anchored)' : ''}: the best in-sample params of each window, then their result out of sample`);
    out.push(...table(['#', 'test from (UTC)', 'best in sample', `is ${r.rank}`, 'return', 'sharpe', 'max dd', 'trades', ''], rows, 3));
    out.push('');
    out.push(`out of sample over ${wf.windows.length} window${wf.windows.length === 1 ? '' : 's'}: return ${formatPercent(wf.outOfSampleReturn, true)} (compounded; each test span starts flat with the starting cash), mean Sharpe ${wf.meanOutOfSampleSharpe === null ? 'n/a' : wf.meanOutOfSampleSharpe.toFixed(2)}, ${wf.outOfSampleTrades} round trips`);
    if (wf.unusedMs > 0) out.push(`the last ${(wf.unusedMs / 86_400_000).toFixed(2)} days after the final whole test span were not used`);
  }
  return out.join('\n');
}
