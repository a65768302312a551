/**
 * The chart view (`v`): the focused symbol's last bars with our fills marked, or the session's
 * equity with a y axis and dates. Pure functions of a snapshot, like tables.ts, so a test reads the
 * lines without rendering. At 80x24 the chart takes the rows of the orders pane and the events
 * band (they give way while it is shown; `v` cycles on and back to them).
 */
import { renderEquityChart } from '../../backtest/report.ts';
import { drawPriceChart } from '../../util/text-chart.ts';
import { sparkRows } from '../format.ts';
import type { ConsoleSnapshot } from '../model.ts';
import type { Selected } from './detail.ts';
import type { Line } from './pane.tsx';
import type { Tone } from '../theme.tsx';

export type ChartView = { readonly kind: 'price'; readonly symbol: string } | { readonly kind: 'equity' } | null;

/** Symbols with bars: those with an open position first (the one the trader is watching), then by name. */
export function chartSymbols(snap: ConsoleSnapshot): string[] {
  const have = Object.keys(snap.chart?.bars ?? {});
  const held = snap.positions.filter((p) => p.qty !== 0 && have.includes(p.symbol)).map((p) => p.symbol);
  return [...held, ...have.filter((s) => !held.includes(s)).sort()];
}

/** The symbol a selected row is about (an order's, a position's); none for events and lines. */
export function selectedSymbol(sel: Selected): string | undefined {
  return sel?.kind === 'order' ? sel.order.request.symbol : sel?.kind === 'position' ? sel.position.symbol : undefined;
}

/**
 * `v`: each symbol's price chart, then equity, then back to the panes (null). `focused` is the
 * symbol of the row selected in the focused pane (an order, a position): its chart comes first.
 */
export function nextChartView(v: ChartView, snap: ConsoleSnapshot, focused?: string): ChartView {
  const all = chartSymbols(snap);
  const syms = focused !== undefined && all.includes(focused) ? [focused, ...all.filter((s) => s !== focused)] : all;
  if (v === null) return syms.length > 0 ? { kind: 'price', symbol: syms[0]! } : { kind: 'equity' };
  if (v.kind === 'equity') return null;
  const i = syms.indexOf(v.symbol);
  return i >= 0 && i + 1 < syms.length ? { kind: 'price', symbol: syms[i + 1]! } : { kind: 'equity' };
}

export interface ChartPaneContent {
  readonly title: string;
  readonly note: string;
  /** height - 1 lines (the pane's title row is the other). */
  readonly lines: readonly Line[];
}

/** `width` and `height` are the pane's; lines are at most width - 1 (the pane indents one). */
export function chartPane(snap: ConsoleSnapshot, view: Exclude<ChartView, null>, width: number, height: number): ChartPaneContent {
  const w = Math.max(1, width - 1);
  const rows = Math.max(1, height - 1);
  const pad = (ls: Line[]): Line[] => [...ls.slice(0, rows), ...Array.from({ length: Math.max(0, rows - ls.length) }, () => ({ text: '' }))];
  if (view.kind === 'price') {
    const bars = snap.chart?.bars[view.symbol] ?? [];
    const fills = (snap.chart?.fills ?? []).filter((f) => f.symbol === view.symbol);
    const d = drawPriceChart(bars, fills, w, rows);
    const count = d.barsShown < bars.length ? `last ${d.barsShown} of ${bars.length} bars` : `${bars.length} bars`;
    const note = `${count}${d.fillsShown > 0 ? `, ${d.fillsShown} fill${d.fillsShown === 1 ? '' : 's'}` : ''} · ▲ buy ▼ sell · █ up ░ down · v next`;
    return { title: `Price ${view.symbol}`, note, lines: pad(d.lines.map((text) => ({ text }))) };
  }
  const eq = snap.equitySeries;
  const note = 'v back to the panes';
  if (eq.length < 2) return { title: 'Equity', note, lines: pad([{ text: 'equity: waiting for data', tone: 'dim' }]) };
  const tone: Tone = eq[eq.length - 1]! >= eq[0]! ? 'good' : 'bad';
  const times = snap.equityTimes !== undefined && snap.equityTimes.length === eq.length ? snap.equityTimes : null;
  if (rows < 4) return { title: 'Equity', note, lines: pad(sparkRows(eq, w, rows).map((text) => ({ text, tone }))) };
  const ts = times ?? eq.map((_, i) => i);
  const chart = renderEquityChart(ts, eq, eq.length, { width: w, columns: w, height: rows - 2 }).split('\n');
  // Without sample times (a replay's view) the date line would read 1970: say what the axis is instead.
  if (times === null) chart[chart.length - 1] = `${' '.repeat(Math.max(0, chart[0]!.indexOf('┤') + 1))}oldest sample → newest (no times in this view)`.slice(0, w);
  return { title: `Equity (${eq.length} samples)`, note, lines: pad(chart.map((text, i) => ({ text, tone: i < chart.length - 1 ? tone : 'dim' }))) };
}
