/** A titled block of pre-cut lines: the layout decides the size, the pane never wraps or overflows. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { fit } from '../format.ts';
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
  readonly children?: ReactNode;
}

export function Pane({ title, note, width, height, focused, lines, header }: PaneProps) {
  const tone = useTone();
  const body = Math.max(0, height - 1 - (header !== undefined && height > 2 ? 1 : 0));
  const head = `${focused ? '▶ ' : '  '}${title}${note ? `  ${note}` : ''}`;
  const shown = lines.slice(0, body);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold inverse={focused} color={focused ? tone('accent') : undefined} wrap="truncate">{fit(head, width)}</Text>
      {header !== undefined && height > 2 ? <Text color={tone('dim')} wrap="truncate">{fit(` ${header}`, width)}</Text> : null}
      {shown.map((l, i) => (
        <Text key={i} color={tone(l.tone ?? null)} bold={l.bold} inverse={l.inverse} wrap="truncate">{fit(` ${l.text}`, width)}</Text>
      ))}
      {Array.from({ length: body - shown.length }, (_, i) => <Text key={`pad${i}`}>{' '.repeat(Math.max(0, width))}</Text>)}
    </Box>
  );
}

/** A window of `rows` lines starting `offset` rows in (clamped), with a position note. */
export function windowOf<T>(items: readonly T[], rows: number, offset: number): { items: T[]; note: string; offset: number } {
  const max = Math.max(0, items.length - rows);
  const o = Math.min(Math.max(0, offset), max);
  const note = items.length > rows ? `${o + 1}-${Math.min(items.length, o + rows)}/${items.length}` : '';
  return { items: items.slice(o, o + rows), note, offset: o };
}
