/**
 * A table that fits a width without cutting a number (the 80x24 rule): each column says its
 * priority and how it may shrink; fitColumns (format.ts) decides which columns stay and how wide;
 * numbers are then written in the most precise form that fits (k / M only when they must).
 *
 * Cheap per frame (issue 11): each row's cells and their widths are kept per row object (rows are
 * immutable views: a changed order is a new object) and only a column marked `volatile` (one that
 * reads the context, the clock) is asked again; the layout is judged on every row, but a row's text
 * is written only when asked for (layoutTable's row(i)), so a pane writes just the rows it shows.
 */
import { type NumberKind, fit, fitColumns, fitNumber, fitText, numberForms } from '../format.ts';

export type Cell = string | { readonly n: number; readonly kind: NumberKind };

export interface TableCol<R, C = undefined> {
  /** Header names, longest first; the first that fits is shown. */
  readonly head: readonly [string, ...string[]];
  /** 0: never dropped; otherwise the highest gives way first. */
  readonly priority: number;
  readonly align?: 'left' | 'right';
  /** Takes what is left (reasons): shown whole when there is room, in full in the row's detail view. */
  readonly flex?: boolean;
  /** Narrowest a text column may be cut to (numbers: their shortest form). */
  readonly min?: number;
  readonly cell: (row: R, ctx: C) => Cell;
  /** The cell reads `ctx` (the clock), not only the row: asked every time, never kept. */
  readonly volatile?: boolean;
}

const len = (c: Cell): number => (typeof c === 'string' ? c.length : numberForms(c.n, c.kind)[0]!.length);
const minLen = (c: Cell): number => {
  if (typeof c === 'string') return c.length;
  let m = Infinity;
  for (const f of numberForms(c.n, c.kind)) if (f.length < m) m = f.length;
  return m;
};

export interface FittedTable {
  readonly header: string;
  readonly rows: string[];
}

/** A table's layout for these rows at this width; a row's text is written when asked for. */
export interface TableLayout {
  readonly header: string;
  readonly count: number;
  /** Row i's text (0-based), written on first ask. */
  row(i: number): string;
}

/** One row's cells and their full and shortest widths (the row's own: kept while the row object lives). */
interface Measured {
  readonly cells: Cell[];
  readonly len: number[];
  readonly minLen: number[];
}

/** Per column set, per row object: the cells of the columns that read only the row. */
const kept = new WeakMap<object, WeakMap<object, Measured>>();

function measure<R, C>(cols: readonly TableCol<R, C>[], row: R, ctx: C, store: WeakMap<object, Measured> | null): Measured {
  const key = typeof row === 'object' && row !== null ? (row as object) : null;
  let m = store !== null && key !== null ? store.get(key) : undefined;
  if (m === undefined) {
    const cells: Cell[] = [];
    const lens: number[] = [];
    const mins: number[] = [];
    for (const c of cols) {
      const cell = c.volatile === true ? '' : c.cell(row, ctx);
      cells.push(cell);
      lens.push(len(cell));
      mins.push(minLen(cell));
    }
    m = { cells, len: lens, minLen: mins };
    if (store !== null && key !== null) store.set(key, m);
  }
  if (!cols.some((c) => c.volatile === true)) return m;
  const cells = m.cells.slice();
  const lens = m.len.slice();
  const mins = m.minLen.slice();
  cols.forEach((c, i) => {
    if (c.volatile !== true) return;
    const cell = c.cell(row, ctx);
    cells[i] = cell;
    lens[i] = len(cell);
    mins[i] = minLen(cell);
  });
  return { cells, len: lens, minLen: mins };
}

export function layoutTable<R, C>(cols: readonly TableCol<R, C>[], rows: readonly R[], width: number, ctx: C): TableLayout {
  let store = kept.get(cols);
  if (store === undefined) { store = new WeakMap(); kept.set(cols, store); }
  const measured = rows.map((r) => measure(cols, r, ctx, store));
  // Per column, over every row (not the rows in view: the columns must not change as one scrolls).
  const maxLen = cols.map(() => 0);
  const maxMin = cols.map(() => 0);
  const isNumber = cols.map(() => false);
  for (const m of measured) {
    for (let i = 0; i < cols.length; i++) {
      if (m.len[i]! > maxLen[i]!) maxLen[i] = m.len[i]!;
      if (m.minLen[i]! > maxMin[i]!) maxMin[i] = m.minLen[i]!;
      if (typeof m.cells[i] !== 'string') isNumber[i] = true;
    }
  }
  // Long header names when every column fits with them; otherwise the short ones, before any column
  // is dropped for the sake of a header.
  const specsWith = (headLen: (c: TableCol<R, C>) => number) => cols.map((c, i) => {
    const shortHead = Math.min(...c.head.map((h) => h.length));
    const ideal = Math.max(headLen(c), maxLen[i]!);
    const min = isNumber[i] ? Math.max(shortHead, maxMin[i]!) : Math.min(ideal, Math.max(shortHead, c.min ?? ideal));
    return { ideal, min, priority: c.priority, ...(c.flex === true ? { flex: true } : {}) };
  });
  const long = fitColumns(specsWith((c) => c.head[0].length), width);
  const widths = long.every((x) => x > 0) ? long : fitColumns(specsWith((c) => Math.min(...c.head.map((h) => h.length))), width);
  const render = (get: (i: number, w: number) => string, whole: (i: number) => boolean = () => false): string => {
    const parts: string[] = [];
    cols.forEach((c, i) => {
      const w = widths[i]!;
      if (w <= 0) return;
      const s = get(i, w);
      // A number wider than its column (a terminal too narrow for even its shortest form) is
      // written whole; the row runs long rather than showing a figure that is not the number.
      // The flex column (a reason) is free text: cut at a word, never through a figure ("298656.…").
      parts.push(whole(i) && s.length > w ? s : c.flex === true && c.align !== 'right' ? fitText(s, w) : fit(s, w, c.align ?? 'left'));
    });
    return parts.join(' ');
  };
  const header = render((i, w) => cols[i]!.head.find((h) => h.length <= w) ?? cols[i]!.head[cols[i]!.head.length - 1]!);
  const written = new Map<number, string>();
  return {
    header,
    count: rows.length,
    row(r: number): string {
      let text = written.get(r);
      if (text === undefined) {
        const cells = measured[r]!.cells;
        text = render((i, w) => {
          const c = cells[i]!;
          return typeof c === 'string' ? c : fitNumber(c.n, c.kind, w);
        }, (i) => typeof cells[i] !== 'string');
        written.set(r, text);
      }
      return text;
    },
  };
}

/** Every row written (small tables, tests); a pane that shows a window asks layoutTable for its rows. */
export function fitTable<R, C>(cols: readonly TableCol<R, C>[], rows: readonly R[], width: number, ctx: C): FittedTable {
  const t = layoutTable(cols, rows, width, ctx);
  return { header: t.header, rows: rows.map((_, i) => t.row(i)) };
}
