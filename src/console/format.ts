/** Pure formatting for the panes: fixed-width cells, money, quantities, ages, times. */

export function fit(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  if (s.length > w) return w === 1 ? '…' : `${s.slice(0, w - 1)}…`;
  return align === 'left' ? s.padEnd(w) : s.padStart(w);
}

/**
 * `fit` for free text (event lines, notes): a line too long is cut at the last space that leaves
 * most of it, so a figure is never cut in half ("@ 60391.1…"); the whole line is in the detail view.
 */
export function fitText(s: string, w: number): string {
  if (s.length <= w || w <= 1) return fit(s, w);
  const space = s.lastIndexOf(' ', w - 1);
  // The word the cut would split: a figure is never cut, however much of the line that costs.
  const end = s.indexOf(' ', space + 1);
  const word = s.slice(space + 1, end < 0 ? s.length : end);
  if (/\d/.test(word)) return space > 0 ? `${s.slice(0, space).trimEnd()}…`.padEnd(w) : '…'.padEnd(w);
  return space >= Math.floor(w * 0.6) ? `${s.slice(0, space)}…`.padEnd(w) : fit(s, w);
}

/**
 * Figures in free text (a risk reason, a halt message) grouped as the panes write them: 298656.88
 * becomes 298,656.88. Only numbers of five or more digits, or four with decimals; dates, times,
 * ids and plain four-digit numbers (years, 1000) are left as they are.
 */
export function groupFigures(text: string): string {
  return text.replace(/(?<![\w.,:/-])(\d{4,})(\.\d+)?(?![\w:/-]|[.,]\d)/g, (m, int: string, dec: string | undefined) =>
    dec === undefined && int.length === 4 ? m : `${GROUPED[0]!.format(Number(int))}${dec ?? ''}`);
}

/**
 * en-US grouping with 0, 1 and 2 decimals. `n.toLocaleString(locale, options)` builds a new
 * Intl.NumberFormat on every call (about a millisecond here); one kept formatter writes the same text.
 */
const GROUPED = [0, 1, 2].map((d) => new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: true }));

export function money(n: number, signed = false): string {
  if (!Number.isFinite(n)) return '-';
  // Every frame writes the same equity and P&L again: kept, bounded.
  const cache = signed ? MONEY_SIGNED : MONEY;
  let out = cache.get(n);
  if (out === undefined) {
    const s = GROUPED[2]!.format(Math.abs(n));
    const sign = n < 0 ? '-' : signed && n > 0 ? '+' : '';
    out = `${sign}${s}`;
    if (cache.size >= 10_000) cache.clear();
    cache.set(n, out);
  }
  return out;
}

const MONEY = new Map<number, string>();
const MONEY_SIGNED = new Map<number, string>();

export function qty(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return Number(n.toPrecision(12)).toString();
}

export function price(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n === 0) return '-';
  return Number(n.toPrecision(12)).toFixed(Math.abs(n) >= 1000 ? 2 : Math.abs(n) >= 1 ? 2 : 6);
}

export function age(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}`;
  return `${Math.floor(h / 24)}d`;
}

/** 2024-03-04 12:34:56Z */
export function clock(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '----------  --:--:--';
  return new Date(ts).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function hms(ts: number): string {
  if (!Number.isFinite(ts)) return '--:--:--';
  return new Date(ts).toISOString().slice(11, 19);
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A block-character chart of the last values, `height` rows of `width` columns (top row first). */
export function sparkRows(values: readonly number[], width: number, height: number): string[] {
  if (width <= 0 || height <= 0) return [];
  const src = bucket(values, width);
  if (src.length === 0) return Array.from({ length: height }, () => ''.padEnd(width));
  let lo = Math.min(...src);
  let hi = Math.max(...src);
  if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
  const levels = height * 8;
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    let line = '';
    const base = (height - 1 - r) * 8;
    for (const v of src) {
      const lvl = Math.max(1, Math.round(((v - lo) / (hi - lo)) * (levels - 1)) + 1);
      const fill = Math.min(8, Math.max(0, lvl - base));
      line += fill === 0 ? ' ' : BLOCKS[fill - 1];
    }
    rows.push(line.padEnd(width));
  }
  return rows;
}

/** At most `n` points: the last values, averaged into buckets when there are more. */
function bucket(values: readonly number[], n: number): number[] {
  if (values.length <= n) return values.slice();
  const out: number[] = [];
  const size = values.length / n;
  for (let i = 0; i < n; i++) {
    const a = Math.floor(i * size);
    const b = Math.max(a + 1, Math.floor((i + 1) * size));
    let s = 0;
    for (let j = a; j < b; j++) s += values[j]!;
    out.push(s / (b - a));
  }
  return out;
}

// ---------- fitting numbers and columns into a width (the 80x24 rule: never cut a number) ----------

export type NumberKind = 'money' | 'pnl' | 'qty' | 'price';

const UNITS: readonly (readonly [number, string])[] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];

/**
 * Every way to write `n`, most precise first: the full figure, then fewer decimals, then k / M / B
 * with at least two significant digits (so a shortened figure is off by at most 5%). A pane shows
 * the first form that fits its column; a cut figure ("+744." for +744.12) is never one of them.
 */
export function numberForms(n: number, kind: NumberKind): readonly string[] {
  // Pure in (n, kind) and not free (grouping): every frame asks again for the same figures, so
  // the forms are kept (frozen: callers share them). Bounded: a full cache starts over.
  const key = `${kind}${n}`;
  const hit = FORMS.get(key);
  if (hit !== undefined) return hit;
  const forms = Object.freeze(writeForms(n, kind));
  if (FORMS.size >= FORMS_MAX) FORMS.clear();
  FORMS.set(key, forms);
  return forms;
}

const FORMS = new Map<string, readonly string[]>();
const FORMS_MAX = 20_000;

function writeForms(n: number, kind: NumberKind): string[] {
  if (!Number.isFinite(n)) return ['-'];
  const signed = kind === 'pnl';
  const full = kind === 'money' || kind === 'pnl' ? money(n, signed) : kind === 'qty' ? qty(n) : price(n);
  if (full === '-') return [full];
  const sign = n < 0 ? '-' : signed && n > 0 ? '+' : '';
  const a = Math.abs(n);
  const forms = [full];
  const add = (s: string) => { if (!forms.includes(s)) forms.push(s); };
  const grouped = (v: number, d: 0 | 1) => GROUPED[d]!.format(v);
  // Fewer decimals, at least two significant digits (0.004 stays 0.00, never "0").
  for (const d of [1, 0] as const) if (Math.round(a * 10 ** d) >= 10) add(`${sign}${grouped(a, d)}`);
  for (const [size, unit] of UNITS) {
    if (a < size) continue;
    const m = a / size;
    for (const d of [3, 2, 1, 0]) if (m >= 10 || d >= 1) add(`${sign}${m.toFixed(d)}${unit}`);
    break;
  }
  return forms;
}

/** The most precise form of `n` that fits `w` columns; when none does, the shortest (wider than asked, never cut). */
export function fitNumber(n: number, kind: NumberKind, w: number): string {
  const forms = numberForms(n, kind);
  return forms.find((f) => f.length <= w) ?? forms.reduce((a, b) => (b.length < a.length ? b : a));
}

export interface ColumnFit {
  /** Width wanted (the longest full value or header). */
  readonly ideal: number;
  /** Width below which the column is dropped rather than cut (a number's shortest form). */
  readonly min: number;
  /** 0: never dropped; otherwise the highest number gives way first. */
  readonly priority: number;
  /** Takes what is left over (a reason, a message), and goes when less than `min` is left. */
  readonly flex?: boolean;
}

/**
 * Widths for columns in `width` (0 = dropped), one space between columns. The order things give
 * way: first whole columns, lowest priority first (the flex column among them by its priority);
 * only when the never-dropped columns alone do not fit are they narrowed toward their minimum
 * (numbers then take their k / M forms). The flex column gets whatever is left.
 */
export function fitColumns(cols: readonly ColumnFit[], width: number, gap = 1): number[] {
  const w = cols.map((c) => (c.flex ? c.min : c.ideal));
  const total = () => {
    const on = w.filter((x) => x > 0);
    return on.reduce((a, b) => a + b, 0) + Math.max(0, on.length - 1) * gap;
  };
  while (total() > width) {
    let drop = -1;
    cols.forEach((c, i) => { if (w[i]! > 0 && c.priority > 0 && (drop < 0 || c.priority >= cols[drop]!.priority)) drop = i; });
    if (drop >= 0) { w[drop] = 0; continue; }
    // Only essentials left: narrow the one furthest above its minimum.
    let shrink = -1;
    cols.forEach((c, i) => { if (w[i]! > c.min && (shrink < 0 || w[i]! - c.min > w[shrink]! - cols[shrink]!.min)) shrink = i; });
    if (shrink < 0) break;
    w[shrink] = w[shrink]! - 1;
  }
  const flex = cols.findIndex((c, i) => c.flex === true && w[i]! > 0);
  if (flex >= 0) w[flex] = Math.min(Math.max(cols[flex]!.ideal, cols[flex]!.min), w[flex]! + width - total());
  return w;
}
