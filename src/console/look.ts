/**
 * "Look instead of read": the `/` filter (search.ts) and the chart view (`v`, panes/chart.ts) as
 * one small state beside keys.ts, so the console's hotkey machine stays as it is and this module
 * only says, per key, whether it took it.
 *
 * Two turns per key, because a replay has a text prompt of its own (its `g` jump-to):
 * - 'first', before anything else: an open `/` prompt takes every key (typing "fill" must never
 *   arm flatten);
 * - 'then', after the session's own keys (replay's player) had their turn: `/`, `v`, and esc on
 *   a filtered pane.
 * While a destructive key is armed nothing here takes a key: the next key must abort the arm
 * (the f-f habit: "any other key aborts"), not open a prompt with the arm still live.
 * Neither `/` nor `v` is a case twin of a kill-switch key (p c f X).
 */
import { useCallback, useRef, useState } from 'react';
import type { PaneId } from './keys.ts';
import type { ConsoleSnapshot } from './model.ts';
import { type ChartView, nextChartView } from './panes/chart.ts';
import { INITIAL_SEARCH, type SearchKey, type SearchState, onSearchKey, onSearchPaste } from './search.ts';

export interface LookState {
  readonly search: SearchState;
  readonly chart: ChartView;
}

export const INITIAL_LOOK: LookState = { search: INITIAL_SEARCH, chart: null };

export interface LookContext {
  readonly focus: PaneId;
  readonly help: boolean;
  /** A destructive key is armed (f, X, a, q): its confirm window is open. */
  readonly armed: boolean;
  readonly snap: ConsoleSnapshot;
  /** The symbol of the selected row in the focused pane, if it has one: `v` charts it first. */
  readonly symbol?: string;
}

export interface LookOutcome {
  readonly state: LookState;
  readonly used: boolean;
  readonly notice?: string;
}

export function onLookKey(s: LookState, input: string, key: SearchKey, ctx: LookContext, turn: 'first' | 'then'): LookOutcome {
  if (turn === 'first') {
    // An arm (Ctrl-C's quit confirm, the one key that passes the prompt) gets the next key.
    if (s.search.editing === null || ctx.armed) return { state: s, used: false };
    const r = onSearchKey(s.search, input, key, ctx);
    return { state: r.state === s.search ? s : { ...s, search: r.state }, used: r.used };
  }
  if (ctx.armed) return { state: s, used: false };
  if (input === 'v' && key.ctrl !== true && key.meta !== true) return { state: { ...s, chart: nextChartView(s.chart, ctx.snap, ctx.symbol) }, used: true };
  const r = onSearchKey(s.search, input, key, ctx);
  return { state: r.state === s.search ? s : { ...s, search: r.state }, used: r.used, ...(r.notice !== undefined ? { notice: r.notice } : {}) };
}

/** The component's side: state in a ref (keys in one chunk each see the last one's state), a re-render on change. */
export function useLook(ctx: () => LookContext, say: (text: string) => void): {
  readonly state: LookState;
  readonly key: (input: string, key: SearchKey, turn: 'first' | 'then') => boolean;
  readonly paste: (text: string) => boolean;
} {
  const [state, setState] = useState<LookState>(INITIAL_LOOK);
  const ref = useRef(state);
  const set = (next: LookState) => { if (next !== ref.current) { ref.current = next; setState(next); } };
  const key = (input: string, k: SearchKey, turn: 'first' | 'then'): boolean => {
    const out = onLookKey(ref.current, input, k, ctx(), turn);
    set(out.state);
    if (out.notice !== undefined) say(out.notice);
    return out.used;
  };
  const paste = useCallback((text: string): boolean => {
    if (ref.current.search.editing === null) return false;
    set({ ...ref.current, search: onSearchPaste(ref.current.search, text) });
    return true;
  }, []);
  return { state, key, paste };
}
