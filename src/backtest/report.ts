/**
 * How a backtest result looks in the terminal and in `--json`. Formatting is done by hand (no
 * toLocaleString) so output never depends on the machine's locale or ICU data: identical runs
 * print identical bytes.
 */
import asciichart from 'asciichart';
import { Chalk } from 'chalk';
import type { BarSeries } from '../data/series.ts';
import type { Fill } from '../domain/fill.ts';
import { type OhlcBar, priceChart } from '../util/text-chart.ts';
import { MIN_CAGR_DAYS, fillList, meaningfulCagr, type BacktestSummary, type FillSource } from './metrics.ts';
import { displayPath, paramsText, spanText, specSourceText, type RunDescription } from './run-info.ts';

/** What the run was and what went wrong in it, beside the figures (the CLI fills it in). */
export interface RunReport {
  readonly description?: RunDescription;
  /** Strategy exceptions, orders the venue rejected, orders pre-trade risk denied. */
  readonly counts?: { readonly errors: number; readonly rejections: number; readonly denials: number };
  /** False when a strategy error stopped the run before the data ended. */
  readonly completed?: boolean;
}

/** "3.0 d" / "45 d": a span short enough to matter gets its decimal. */
const days = (d: number): string => (d < 10 ? `${d.toFixed(1)} d` : `${Math.round(d)} d`);

// ---------- number formatting ----------

/** 1234567.891 -> "1,234,567.89". */
export function formatMoney(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const fixed = Math.abs(x).toFixed(decimals);
  const [int = '0', frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = frac === undefined ? grouped : `${grouped}.${frac}`;
  // No "-0.00": a value that rounds to zero prints unsigned.
  return x < 0 && Number(fixed) !== 0 ? `-${body}` : body;
}

/** 0.12345 -> "12.35%"; `signed` adds "+" to positive values. */
export function formatPercent(x: number, signed = false): string {
  const v = x * 100;
  // The CAGR of a short, lucky run can be astronomical: keep it readable and narrow.
  const fixed = Math.abs(v) >= 1e6 ? Math.abs(v).toExponential(2) : Math.abs(v).toFixed(2);
  if (Number(fixed) === 0) return '0.00%';
  return `${v < 0 ? '-' : signed ? '+' : ''}${fixed}%`;
}

function formatRatio(x: number): string {
  const fixed = Math.abs(x).toFixed(2);
  return x < 0 && Number(fixed) !== 0 ? `-${fixed}` : fixed;
}

/** An ISO time shown as a date when it is midnight UTC (daily bars), else date and minute. */
function shortTime(isoTime: string | null): string {
  if (isoTime === null) return '-';
  return isoTime.endsWith('T00:00:00.000Z') ? isoTime.slice(0, 10) : `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)}`;
}

// ---------- summary block ----------

/** The summary is read in an 80-column terminal over SSH: no line is wider. */
export const SUMMARY_WIDTH = 80;

const groupInt = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const isoMs = (t: string | null): number | null => (t === null ? null : Date.parse(t));

/**
 * Whether Sharpe and Sortino mean anything for this run. metrics.ts reports 0 where the ratio is
 * undefined; a 0.00 there reads as a measured figure, so the report says n/a (null in JSON):
 * - fewer than 2 bars: no spread of returns at all;
 * - a flat equity curve (no drawdown and no return): a zero standard deviation, 0 / 0;
 * - Sortino with no drawdown: no downside return, the ratio has no denominator.
 */
export function computableRatios(s: Pick<BacktestSummary, 'bars' | 'maxDrawdown' | 'totalReturn'>): { sharpe: boolean; sortino: boolean; why: string } {
  if (s.bars < 2) return { sharpe: false, sortino: false, why: `${s.bars} bar${s.bars === 1 ? '' : 's'}` };
  const noDown = s.maxDrawdown === 0;
  const flat = noDown && s.totalReturn === 0;
  return { sharpe: !flat, sortino: !noDown, why: flat ? 'flat equity' : 'no losing bar' };
}

/** Split on double spaces (the summary's field separator), then on spaces, to lines of at most `width`. */
function wrapWords(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const out: string[] = [];
  let line = '';
  const put = (piece: string, sep: string): void => {
    if (line === '') line = piece;
    else if (line.length + sep.length + piece.length <= width) line += sep + piece;
    else { out.push(line); line = piece; }
  };
  for (const field of text.split('  ')) {
    if (field.length <= width) { put(field, '  '); continue; }
    field.split(' ').forEach((w, i) => put(w, i === 0 ? '  ' : ' '));
  }
  if (line !== '') out.push(line);
  return out;
}

export interface RenderOptions {
  /** ANSI colors; the caller passes false for NO_COLOR, --no-color or a non-TTY stream. */
  readonly color?: boolean;
  readonly run?: RunReport;
}

type Tone = 'plain' | 'good' | 'bad';
interface Cell { readonly label: string; readonly value: string; readonly tone: Tone }

const toneOf = (x: number): Tone => (x > 0 ? 'good' : x < 0 ? 'bad' : 'plain');

/** A compact, aligned block: two header lines, then label/value pairs in two columns. */
export function renderSummary(s: BacktestSummary, opts: RenderOptions = {}): string {
  const c = new Chalk({ level: opts.color === true ? 1 : 0 });
  const paint = (text: string, tone: Tone): string => (tone === 'good' ? c.green(text) : tone === 'bad' ? c.red(text) : text);

  const run = opts.run ?? {};
  const d = run.description;
  const header: Cell[] = [];
  if (d !== undefined) {
    header.push({ label: 'Strategy', value: `${d.strategy.name}  ${displayPath(d.strategy.file)}  ${paramsText(d.strategy.params)}`, tone: 'plain' });
    for (const i of d.instruments) {
      // The spec without the guess (specSourceText appends it): the guess is its own warning line below.
      header.push({ label: 'Symbol', value: `${i.symbol}  ${i.assetClass}  spec: ${specSourceText({ ...i, symbolFrom: 'data' })}`, tone: 'plain' });
      if (i.symbolFrom === 'file name') header.push({ label: '', value: 'WARNING: symbol guessed from the file name', tone: 'bad' });
    }
    header.push({ label: 'Data', value: spanText(d.data), tone: 'plain' });
  } else {
    // No description (a library caller): the run's own span stands in for the data's.
    header.push({ label: 'Data', value: spanText({ first: isoMs(s.from), last: isoMs(s.to), bars: s.bars }), tone: 'plain' });
  }
  if (run.completed === false) {
    // Where it stopped, against the whole data: the figures below cover only this much.
    const of = d !== undefined ? ` of ${groupInt(d.data.bars)}` : '';
    const at = s.to === null ? 'before the first bar' : `at ${s.to.slice(0, 16).replace('T', ' ')} UTC`;
    header.push({ label: 'Stopped', value: `by a strategy error ${at} (${groupInt(s.bars)}${of} bars): the figures cover the run up to it`, tone: 'bad' });
  }
  // Annualized figures on a short span: the span beside them; CAGR left out below the minimum.
  const short = s.spanDays < MIN_CAGR_DAYS;
  const cagr = meaningfulCagr(s);
  const beside = short && s.bars > 0 ? ` (${days(s.spanDays)})` : '';
  const ratios = computableRatios(s);
  const ratioText = (x: number, ok: boolean): string => (ok ? `${formatRatio(x)}${beside}` : `n/a (${ratios.why})`);
  header.push({ label: 'Equity', value: `${formatMoney(s.startEquity)} -> ${formatMoney(s.finalEquity)}`, tone: 'plain' });
  const left: Cell[] = [
    { label: 'Return', value: formatPercent(s.totalReturn, true), tone: toneOf(s.totalReturn) },
    { label: 'Sharpe', value: ratioText(s.sharpe, ratios.sharpe), tone: 'plain' },
    { label: 'Max drawdown', value: formatPercent(s.maxDrawdown), tone: s.maxDrawdown > 0 ? 'bad' : 'plain' },
    { label: 'Trades', value: String(s.trades), tone: 'plain' },
    { label: 'Fills', value: String(s.fills), tone: 'plain' },
    { label: 'Turnover', value: `${formatRatio(s.turnover)}x`, tone: 'plain' },
  ];
  const right: Cell[] = [
    cagr === null
      ? { label: 'CAGR', value: `n/a (span ${days(s.spanDays)} < ${MIN_CAGR_DAYS} d)`, tone: 'plain' }
      : { label: 'CAGR', value: formatPercent(cagr, true), tone: toneOf(cagr) },
    { label: 'Sortino', value: ratioText(s.sortino, ratios.sortino), tone: 'plain' },
    { label: 'Exposure', value: formatPercent(s.exposure), tone: 'plain' },
    { label: 'Win rate', value: s.trades > 0 ? formatPercent(s.winRate) : 'n/a (no trades)', tone: 'plain' },
    { label: 'Fees', value: formatMoney(s.fees), tone: 'plain' },
  ];

  // Perpetuals: funding and liquidations, only when the run had perpetuals (a spot summary is unchanged).
  const perp = s.perp;
  if (perp !== undefined) {
    left.push({ label: 'Funding', value: `${formatMoney(perp.funding)} (${perp.fundingPayments} payment${perp.fundingPayments === 1 ? '' : 's'})`, tone: toneOf(perp.funding) });
    right.push({
      label: 'Liquidations', value: perp.liquidations === 0 ? '0' : `${perp.liquidations} (fees ${formatMoney(perp.liquidationFees)})`,
      tone: perp.liquidations > 0 ? 'bad' : 'plain',
    });
  }

  // Problems show only when there were some: a clean run's summary stays as it was.
  const problems: Cell[] = [];
  const k = run.counts;
  if (k !== undefined) {
    if (k.errors > 0) problems.push({ label: 'Errors', value: `${k.errors} (strategy exceptions)`, tone: 'bad' });
    if (k.rejections > 0) problems.push({ label: 'Rejections', value: `${k.rejections} (orders the venue rejected)`, tone: 'bad' });
    if (k.denials > 0) problems.push({ label: 'Denials', value: `${k.denials} (orders pre-trade risk refused)`, tone: 'bad' });
  }

  const lw = Math.max(...[...header, ...left, ...problems].map((x) => x.label.length));
  const lv = Math.max(...left.map((x) => x.value.length));
  const rw = Math.max(...right.map((x) => x.label.length));
  const rv = Math.max(...right.map((x) => x.value.length));

  const lines: string[] = [];
  // A long header value (a path, many params) wraps under itself: every line fits SUMMARY_WIDTH.
  for (const h of header) {
    wrapWords(h.value, SUMMARY_WIDTH - lw - 2).forEach((part, i) => {
      lines.push(`${i === 0 ? c.dim(h.label.padEnd(lw)) : ' '.repeat(lw)}  ${paint(part, h.tone)}`.trimEnd());
    });
  }
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i];
    const r = right[i];
    let line = l === undefined ? ' '.repeat(lw + 2 + lv) : `${c.dim(l.label.padEnd(lw))}  ${`${' '.repeat(lv - l.value.length)}${paint(l.value, l.tone)}`}`;
    if (r !== undefined) line += `    ${c.dim(r.label.padEnd(rw))}  ${`${' '.repeat(rv - r.value.length)}${paint(r.value, r.tone)}`}`;
    lines.push(line.trimEnd());
  }
  for (const p of problems) lines.push(`${c.dim(p.label.padEnd(lw))}  ${paint(p.value, p.tone)}`);
  return lines.join('\n');
}

// ---------- JSON ----------

/** 10 significant digits: enough for any report, short of the float noise that differs by platform. */
const round10 = (x: number): number => {
  if (!Number.isFinite(x)) return 0;
  const r = Number(x.toPrecision(10));
  return r === 0 ? 0 : r; // no -0 in JSON
};

export interface SummaryJson {
  readonly trades: number;
  readonly fills: number;
  readonly fees: number;
  readonly startEquity: number;
  readonly finalEquity: number;
  readonly totalReturn: number;
  readonly maxDrawdown: number;
  /** 0 when it cannot be computed (the sweep ranks on numbers); `backtestJson` says null instead. */
  readonly sharpe: number;
  readonly sortino: number;
  /** null when the span is shorter than MIN_CAGR_DAYS (metrics.ts). */
  readonly cagr: number | null;
  readonly winRate: number;
  readonly turnover: number;
  readonly exposure: number;
  readonly bars: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly spanDays: number;
  readonly errors: number;
  readonly rejections: number;
  readonly denials: number;
  /** False when a strategy error stopped the run before the data ended. */
  readonly completed: boolean;
  /** Perpetual runs only: funding (signed, and the number of payments) and liquidations (count, their fees; those are in `fees` too). */
  readonly funding?: number;
  readonly fundingPayments?: number;
  readonly liquidations?: number;
  readonly liquidationFees?: number;
  readonly strategy?: { readonly name: string; readonly file: string; readonly params: Readonly<Record<string, unknown>> };
  readonly instruments?: readonly { readonly symbol: string; readonly assetClass: string; readonly specSource: string; readonly symbolFrom: string; readonly tickSize: number; readonly lotSize: number }[];
  readonly warnings?: readonly string[];
}

/** The object `--json` prints: fixed key order, rounded numbers, so identical runs give identical bytes. */
export function summaryJson(s: BacktestSummary, run: RunReport = {}): SummaryJson {
  const d = run.description;
  const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const cagr = meaningfulCagr(s);
  return {
    trades: s.trades,
    fills: s.fills,
    fees: round10(s.fees),
    startEquity: round10(s.startEquity),
    finalEquity: round10(s.finalEquity),
    totalReturn: round10(s.totalReturn),
    maxDrawdown: round10(s.maxDrawdown),
    sharpe: round10(s.sharpe),
    sortino: round10(s.sortino),
    cagr: cagr === null ? null : round10(cagr),
    winRate: round10(s.winRate),
    turnover: round10(s.turnover),
    exposure: round10(s.exposure),
    bars: s.bars,
    from: s.from,
    to: s.to,
    spanDays: round10(s.spanDays),
    errors: run.counts?.errors ?? 0,
    rejections: run.counts?.rejections ?? 0,
    denials: run.counts?.denials ?? 0,
    completed: run.completed ?? true,
    ...(s.perp === undefined ? {} : {
      funding: round10(s.perp.funding), fundingPayments: s.perp.fundingPayments,
      liquidations: s.perp.liquidations, liquidationFees: round10(s.perp.liquidationFees),
    }),
    ...(d === undefined ? {} : {
      strategy: { name: d.strategy.name, file: d.strategy.file, params: d.strategy.params },
      instruments: d.instruments.map((i) => ({ symbol: i.symbol, assetClass: i.assetClass, specSource: i.specSource, symbolFrom: i.symbolFrom, tickSize: i.tickSize, lotSize: i.lotSize })),
      warnings: d.warnings,
    }),
  };
}

/** What `parity backtest --json` prints: the summary, with a figure that cannot be computed as null. */
export type BacktestJson = Omit<SummaryJson, 'sharpe' | 'sortino' | 'winRate'> & {
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** null with no round trip: 0 / 0. */
  readonly winRate: number | null;
};

export function backtestJson(s: BacktestSummary, run: RunReport = {}): BacktestJson {
  const j = summaryJson(s, run);
  const ok = computableRatios(s);
  return { ...j, sharpe: ok.sharpe ? j.sharpe : null, sortino: ok.sortino ? j.sortino : null, winRate: s.trades > 0 ? j.winRate : null };
}

// ---------- equity chart ----------

export interface Downsampled {
  /** Indices into the original series, increasing. */
  readonly index: number[];
  readonly values: number[];
}

/**
 * At most `width` points of a long series, min/max-preserving: the first and last points are
 * always kept, and the interior is cut into equal buckets, each giving its lowest and highest
 * point in time order. So the global minimum and maximum (the drawdown a reader looks for)
 * always survive, which last-of-bucket sampling does not guarantee.
 */
export function downsampleMinMax(values: ArrayLike<number>, length: number, width: number): Downsampled {
  const n = Math.min(length, values.length);
  const w = Math.max(4, Math.floor(width));
  const index: number[] = [];
  if (n <= w) {
    for (let i = 0; i < n; i++) index.push(i);
  } else {
    const interior = n - 2;
    const buckets = Math.floor((w - 2) / 2);
    index.push(0);
    for (let k = 0; k < buckets; k++) {
      const lo = 1 + Math.floor((k * interior) / buckets);
      const hi = 1 + Math.floor(((k + 1) * interior) / buckets);
      let iMin = lo;
      let iMax = lo;
      for (let i = lo + 1; i < hi; i++) {
        if (values[i]! < values[iMin]!) iMin = i;
        if (values[i]! > values[iMax]!) iMax = i;
      }
      if (iMin === iMax) index.push(iMin);
      else index.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
    }
    index.push(n - 1);
  }
  return { index, values: index.map((i) => values[i]!) };
}

export interface ChartOptions {
  /** Most points plotted (one column each); default 72. */
  readonly width?: number;
  /** Rows of the plot area; default 12. */
  readonly height?: number;
  /** No line wider than this, y-axis labels included (default 80: an 80-column terminal never wraps it). */
  readonly columns?: number;
  readonly color?: boolean;
}

/** The equity curve as an ASCII line chart, with a line under it naming the first and last dates. */
export function renderEquityChart(ts: ArrayLike<number>, equity: ArrayLike<number>, length: number, opts: ChartOptions = {}): string {
  const height = Math.max(1, Math.floor(opts.height ?? 12));
  const n = Math.min(length, ts.length, equity.length);
  if (n === 0) return '(no equity samples)';
  // The labels' width comes from the whole curve's range (min/max survive downsampling), so the
  // points that fit beside them are known before downsampling.
  let gLo = equity[0]!;
  let gHi = equity[0]!;
  for (let i = 1; i < n; i++) { const v = equity[i]!; if (v < gLo) gLo = v; if (v > gHi) gHi = v; }
  const columns = Math.max(20, Math.floor(opts.columns ?? 80));
  const width = Math.min(opts.width ?? 72, columns - Math.max(formatMoney(gLo).length, formatMoney(gHi).length) - 2);
  const d = downsampleMinMax(equity, n, width);
  // asciichart needs two points to draw a segment: a single sample is drawn flat.
  const series = d.values.length === 1 ? [d.values[0]!, d.values[0]!] : d.values;
  let lo = series[0]!;
  let hi = series[0]!;
  for (const v of series) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const labelWidth = Math.max(formatMoney(lo).length, formatMoney(hi).length);
  const up = series[series.length - 1]! >= series[0]!;
  const plot = asciichart.plot(series, {
    height,
    format: (x: number) => formatMoney(x).padStart(labelWidth),
    ...(opts.color === true ? { colors: [up ? asciichart.green : asciichart.red] } : {}),
  });
  const rows = plot.split('\n').map((r) => r.trimEnd());

  // The axis sits at column labelWidth + 1 and point k at column labelWidth + 1 + k.
  // Both ends in one format: a date alone only when both are midnight (daily bars).
  const daily = ts[0]! % 86_400_000 === 0 && ts[n - 1]! % 86_400_000 === 0;
  const when = (t: number) => (daily ? shortTime(new Date(t).toISOString()) : new Date(t).toISOString().slice(0, 16).replace('T', ' '));
  const first = when(ts[0]!);
  const last = when(ts[n - 1]!);
  const axis = labelWidth + 1;
  const lastCol = axis + series.length - 1;
  const pad = Math.max(2, lastCol + 1 - axis - first.length - last.length);
  rows.push(`${' '.repeat(axis)}${first}${' '.repeat(pad)}${last}`.slice(0, columns));
  return rows.join('\n');
}

// ---------- price chart ----------

export interface PriceChartRenderOptions {
  /** No line wider than this (default 80). */
  readonly columns?: number;
  /** Lines under the title: the plot and its time axis (default 12). */
  readonly height?: number;
  /** Symbols charted at most (default 4), in the order of the series. */
  readonly maxSymbols?: number;
}

/**
 * Bars into at most `n` buckets (first open, highest high, lowest low, last close), read straight
 * from the columns: a million-bar run never becomes a million bar objects for a chart.
 */
function bucketSeries(s: BarSeries, n: number): OhlcBar[] {
  const out: OhlcBar[] = [];
  const k = Math.min(n, s.length);
  for (let j = 0; j < k; j++) {
    const a = Math.floor((j * s.length) / k);
    const b = Math.max(a + 1, Math.floor(((j + 1) * s.length) / k));
    let high = -Infinity;
    let low = Infinity;
    for (let i = a; i < b; i++) { if (s.high[i]! > high) high = s.high[i]!; if (s.low[i]! < low) low = s.low[i]!; }
    out.push({ ts: s.ts[a]!, open: s.open[a]!, high, low, close: s.close[b - 1]! });
  }
  return out;
}

/** Each symbol's bars over the whole run with our fills marked (▲ buy, ▼ sell), under a title naming it. */
export function renderPriceChart(series: readonly BarSeries[], fills: readonly Fill[] | FillSource, opts: PriceChartRenderOptions = {}): string {
  const all = fillList(fills);
  const columns = Math.max(20, Math.floor(opts.columns ?? 80));
  const height = Math.max(3, Math.floor(opts.height ?? 12));
  const out: string[] = [];
  for (const s of series.slice(0, opts.maxSymbols ?? 4)) {
    if (s.length === 0) continue;
    const mine = all.filter((f) => f.symbol === s.symbol);
    // Eight buckets a column, so the chart's own merge into columns stays even in time.
    const bars = bucketSeries(s, columns * 8);
    // A streamed run's series comes thinned (data/stream.ts ThinSeries): the title counts the bars it stands for.
    const count = (s as { readonly barCount?: number }).barCount ?? s.length;
    const title = `Price ${s.symbol}  ${count} bars${mine.length > 0 ? `, ${mine.length} fill${mine.length === 1 ? '' : 's'}` : ''}  (▲ buy ▼ sell, █ up ░ down)`;
    const plot = priceChart(bars, mine, columns, height, { fit: true, endTs: s.ts[s.length - 1]! });
    out.push([title.slice(0, columns), ...plot].join('\n'));
  }
  return out.join('\n\n');
}
