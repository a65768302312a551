/** A titled block of pre-cut lines: the layout decides the size, the pane never wraps or overflows. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { fit, fitText } from '../format.ts';
import { type Tone, useTone } from '../theme.tsx';

export interface Line {
  readonly text: string;
  readonly tone?: Tone | null;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

export interface PaneProps {
  readonly title: string;
  /** Shown right of the title (counts, scroll position). */
  readonly note?: string;
  readonly width: number;
  /** Total rows including the title row. */
  readonly height: number;
  readonly focused: boolean;
  readonly lines: readonly Line[];
  /** A fixed column header under the title (not scrolled). */
  readonly header?: string;
  /** Index into `lines` of the selected row (drawn inverse; enter opens it, d acts on it). */
  readonly selected?: number;
  readonly children?: ReactNode;
}

/**
 * A line as Ink is given it: trailing blanks left off unless the row is drawn inverse (its bar must
 * reach the edge). They show nothing (the row is erased before it is written), and Ink turns every
 * character it is handed into an object each frame: a 120x40 screen of padding was half its work.
 */
export function inkText(s: string, inverse = false): string {
  if (inverse) return s;
  const t = s.trimEnd();
  return t === '' ? ' ' : t;
}

export function Pane({ title, note, width, height, focused, lines, header, selected }: PaneProps) {
  const tone = useTone();
  const body = Math.max(0, height - 1 - (header !== undefined && height > 2 ? 1 : 0));
  const head = `${focused ? '▶ ' : '  '}${title}${note ? `  ${note}` : ''}`;
  const shown = lines.slice(0, body);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse={focused} color={focused ? tone('accent') : undefined} wrap="truncate">{inkText(fit(head, width), focused)}</Text>
      {header !== undefined && height > 2 ? <Text color={tone('dim')} wrap="truncate">{inkText(fit(` ${header}`, width))}</Text> : null}
      {shown.map((l, i) => {
        const inverse = l.inverse === true || i === selected;
        return <Text key={i} color={tone(l.tone ?? null)} bold={l.bold} inverse={inverse} wrap="truncate">{inkText(fitText(`${i === selected ? '›' : ' '}${l.text}`, width), inverse)}</Text>;
      })}
      {Array.from({ length: body - shown.length }, (_, i) => <Text key={`pad${i}`}> </Text>)}
    </Box>
  );
}

/**
 * A window of `rows` lines that keeps the selected row (`sel`, clamped) in view: the window moves
 * only when the selection passes its edge (lazygit's list). `selected` is the row's index in the window.
 */
export function windowOf<T>(items: readonly T[], rows: number, sel: number): { items: T[]; note: string; offset: number; selected: number } {
  const w = windowAt(items.length, rows, sel);
  return { items: items.slice(w.offset, w.end), note: w.note, offset: w.offset, selected: w.selected };
}

/** windowOf by count alone: rows offset..end-1 of `count` are in view (a pane then writes only those). */
export function windowAt(count: number, rows: number, sel: number): { offset: number; end: number; note: string; selected: number } {
  const max = Math.max(0, count - rows);
  const s = Math.min(Math.max(0, sel), Math.max(0, count - 1));
  const o = Math.min(Math.max(0, s - rows + 1), max);
  const note = count > rows ? `${o + 1}-${Math.min(count, o + rows)}/${count}` : '';
  return { offset: o, end: Math.min(count, o + Math.max(0, rows)), note, selected: s - o };
}
