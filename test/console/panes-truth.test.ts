/**
 * Panes tell the truth (issue 10), as pure functions of a snapshot: the session id on the status bar
 * gives way first at narrow widths; event times carry the date once the events span days; replay's
 * gates pane never says that g runs gates.
 */
import { describe, expect, it } from 'vitest';
import { statusLines } from '../../src/console/panes/status-bar.tsx';
import { eventLines, gateLines } from '../../src/console/panes/tables.ts';
import type { ConsoleSnapshot } from '../../src/console/model.ts';
import { T, snapshot } from './fixtures.ts';

const text = (lines: ReturnType<typeof statusLines>): string[] => lines.map((l) => l.map((s) => s.text).join(''));
const withId = (over: Partial<ConsoleSnapshot> = {}): ConsoleSnapshot => { const s = snapshot(over); return { ...s, info: { ...s.info, id: 'k3f9x2' } }; };

describe('the session id on the status bar', () => {
  it('shows at 120 and 80 columns, each line exactly as wide as the terminal', () => {
    for (const [w, compact] of [[120, false], [80, true]] as const) {
      const lines = text(statusLines(withId(), w, compact));
      expect(lines.join('\n')).toContain('id k3f9x2');
      for (const l of lines) expect(l.length).toBe(w);
    }
  });

  it('gives way first: where it does not fit, the other fields stay as they were without it', () => {
    const narrow = 60;
    const without = text(statusLines(snapshot(), narrow, true));
    const withIt = text(statusLines(withId(), narrow, true));
    expect(withIt.join('\n')).not.toContain('id k3f9x2');
    expect(withIt).toEqual(without);
    // The venue / strategy text is whole beside it: the strategy name wins over the id.
    const who = text(statusLines(withId(), 120, false))[0]!.split(' id k3f9x2')[0]!.replace(' PAPER ', '');
    expect(who).toBe('sim:paper sma-cross');
  });
});

describe('event times', () => {
  it('are times of day while every event is on one day, and carry the date once they span days', () => {
    const oneDay = eventLines(snapshot(), 5, 0).lines.map((l) => l.text);
    expect(oneDay[0]).toMatch(/^\d\d:\d\d:\d\d /);
    const DAY = 86_400_000;
    const span = snapshot({ engineTime: T + DAY, events: [{ seq: 1, ts: T, kind: 'order', text: 'day one' }, { seq: 2, ts: T + DAY, kind: 'fill', text: 'day two' }] });
    const dated = eventLines(span, 5, 0).lines.map((l) => l.text);
    expect(dated).toEqual([expect.stringMatching(/^03-04 12:00:00 order +day one/), expect.stringMatching(/^03-05 12:00:00 fill +day two/)]);
    // The engine clock on the next day dates the rows too (a row alone at 00:01 says nothing of its day).
    const clock = snapshot({ engineTime: T + DAY, events: [{ seq: 1, ts: T, kind: 'order', text: 'yesterday' }] });
    expect(eventLines(clock, 5, 0).lines[0]!.text).toMatch(/^03-04 12:00:00/);
    // A note from before the engine started (time 0) neither dates the column nor breaks its alignment.
    const note = snapshot({ events: [{ seq: 1, ts: 0, kind: 'warn', text: 'before start' }, { seq: 2, ts: T, kind: 'order', text: 'x' }] });
    expect(eventLines(note, 5, 0).lines.map((l) => l.text.slice(0, 8))).toEqual(['00:00:00', '12:00:00']);
  });
});

describe("replay's gates pane", () => {
  it('never says g runs gates (g jumps in replay)', () => {
    const replay = snapshot({ replay: { cursor: 0, total: 10, playing: false, speed: '300x', seekKind: 'fill', prompt: null, message: null, clean: true, warnings: 0 } });
    expect(gateLines(replay, 80).map((l) => l.text)).toEqual(['no gate results recorded up to this event']);
    expect(gateLines(snapshot(), 80).map((l) => l.text)).toEqual(['no gates run (g runs them)']);
  });
});
