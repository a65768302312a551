/**
 * A table that fits a width without cutting a number (the 80x24 rule): each column says its
 * priority and how it may shrink; fitColumns (format.ts) decides which columns stay and how wide;
 * numbers are then written in the most precise form that fits (k / M only when they must).
 */
import { type NumberKind, fit, fitColumns, fitNumber, fitText, numberForms } from '../format.ts';

export type Cell = string | { readonly n: number; readonly kind: NumberKind };

export interface TableCol<R> {
  /** Header names, longest first; the first that fits is shown. */
  readonly head: readonly [string, ...string[]];
  /** 0: never dropped; otherwise the highest gives way first. */
  readonly priority: number;
  readonly align?: 'left' | 'right';
  /** Takes what is left (reasons): shown whole when there is room, in full in the row's detail view. */
  readonly flex?: boolean;
  /** Narrowest a text column may be cut to (numbers: their shortest form). */
  readonly min?: number;
  readonly cell: (row: R) => Cell;
}

const len = (c: Cell): number => (typeof c === 'string' ? c.length : numberForms(c.n, c.kind)[0]!.length);
const minLen = (c: Cell): number => (typeof c === 'string' ? c.length : Math.min(...numberForms(c.n, c.kind).map((f) => f.length)));

export interface FittedTable {
  readonly header: string;
  readonly rows: string[];
  /** Which columns are shown (by header name), for tests and the README's give-way order. */
  readonly shown: string[];
}

export function fitTable<R>(cols: readonly TableCol<R>[], rows: readonly R[], width: number): FittedTable {
  const cells = rows.map((r) => cols.map((c) => c.cell(r)));
  // Long header names when every column fits with them; otherwise the short ones, before any column
  // is dropped for the sake of a header.
  const specsWith = (headLen: (c: TableCol<R>) => number) => cols.map((c, i) => {
    const shortHead = Math.min(...c.head.map((h) => h.length));
    const values = cells.map((row) => row[i]!);
    const ideal = Math.max(headLen(c), ...values.map(len));
    const isNumber = values.some((v) => typeof v !== 'string');
    const min = isNumber ? Math.max(shortHead, ...values.map(minLen)) : Math.min(ideal, Math.max(shortHead, c.min ?? ideal));
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
  const out = cells.map((row) => render((i, w) => {
    const c = row[i]!;
    return typeof c === 'string' ? c : fitNumber(c.n, c.kind, w);
  }, (i) => typeof row[i] !== 'string'));
  return { header, rows: out, shown: cols.filter((_, i) => widths[i]! > 0).map((c) => c.head[0]) };
}
