/**
 * `/` filters the orders and events panes (the lazygit / k9s habit), as a pure state machine kept
 * apart from keys.ts: (search state, key) -> (search state, used?). The console offers it every
 * key before its own hotkeys, so while the prompt is open every printable key is text (typing
 * "fill" never arms flatten) and only Ctrl-C and the arrows go on to the console.
 *
 * The match is a case-insensitive substring over a row's full text (every field, the whole
 * reason), not over the cells an 80-column pane shows, so a reason the pane cuts still matches.
 * Panes that show a filtered list and any action on a selected row must use the same
 * visibleOrders / visibleEvents lists, so a row number means the same row to both.
 */
import { describeOrder } from '../domain/order.ts';
import type { OrderView } from '../orders/order.ts';
import { hms } from './format.ts';
import type { PaneId } from './keys.ts';
import type { ConsoleSnapshot, EventRow } from './model.ts';

export type SearchPane = 'orders' | 'events';

export interface SearchState {
  /** The pane the open prompt filters; null when no prompt is open. */
  readonly editing: SearchPane | null;
  /** Each pane's filter ('' = none). Kept when the prompt closes with enter. */
  readonly query: Readonly<Record<SearchPane, string>>;
}

export const INITIAL_SEARCH: SearchState = { editing: null, query: { orders: '', events: '' } };

export interface SearchKey {
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly escape?: boolean;
  readonly return?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly tab?: boolean;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
}

export interface SearchContext {
  readonly focus: PaneId;
  /** The help screen is open: esc is its key. */
  readonly help: boolean;
}

export interface SearchOutcome {
  readonly state: SearchState;
  /** True: the key was the search's; the console's hotkeys must not see it. */
  readonly used: boolean;
  readonly notice?: string;
}

/** The pane `/` filters when `focus` has the focus, or null (positions, gates, recon). */
export function searchTarget(focus: PaneId): SearchPane | null {
  return focus === 'orders' || focus === 'events' ? focus : null;
}

export function matches(text: string, query: string): boolean {
  return query === '' || text.toLowerCase().includes(query.toLowerCase());
}

/** Printable characters only: control bytes and newlines from a paste never reach the query. */
const printable = (s: string): string => s.replace(/[\u0000-\u001F\u007F]/g, '');

const withQuery = (s: SearchState, pane: SearchPane, q: string): SearchState => ({ ...s, query: { ...s.query, [pane]: q } });

export function onSearchKey(s: SearchState, input: string, key: SearchKey, ctx: SearchContext): SearchOutcome {
  const pane = s.editing;
  if (pane !== null) {
    if (key.return === true) return { state: { ...s, editing: null }, used: true };
    if (key.escape === true) return { state: withQuery({ ...s, editing: null }, pane, ''), used: true };
    if (key.backspace === true || key.delete === true) return { state: withQuery(s, pane, s.query[pane].slice(0, -1)), used: true };
    // Ctrl-C still reaches the quit confirm; Ctrl-U clears the line (the readline habit).
    if (key.ctrl === true) return input === 'u' ? { state: withQuery(s, pane, ''), used: true } : { state: s, used: false };
    // Tab keeps the filter and moves on; arrows scroll the filtered pane with the prompt open.
    if (key.tab === true) return { state: { ...s, editing: null }, used: false };
    if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return { state: s, used: false };
    if (key.meta === true) return { state: s, used: true };
    return { state: withQuery(s, pane, s.query[pane] + printable(input)), used: true };
  }
  if (input === '/' && key.ctrl !== true && key.meta !== true) {
    const target = searchTarget(ctx.focus);
    if (target === null) return { state: s, used: true, notice: '/ filters a list: tab to the orders or events pane first' };
    return { state: { ...s, editing: target }, used: true };
  }
  if (key.escape === true && !ctx.help) {
    const target = searchTarget(ctx.focus);
    if (target !== null && s.query[target] !== '') return { state: withQuery(s, target, ''), used: true };
  }
  return { state: s, used: false };
}

/** A bracketed paste while the prompt is open is text for it (newlines dropped); otherwise nothing. */
export function onSearchPaste(s: SearchState, text: string): SearchState {
  return s.editing === null ? s : withQuery(s, s.editing, s.query[s.editing] + printable(text));
}

/** Everything an order row could show, uncut. */
export function orderSearchText(o: OrderView): string {
  const r = o.request;
  return [o.clientOrderId, o.venueOrderId ?? '', describeOrder(r), r.symbol, r.side, r.type, String(r.qty), `filled ${o.filledQty}`,
    o.avgFillPrice > 0 ? `@ ${o.avgFillPrice}` : '', o.status, o.external ? 'external' : '', o.flagged ?? '', o.reason ?? '', r.tag ?? ''].join(' ');
}

export function eventSearchText(e: EventRow): string {
  return `${hms(e.ts)} ${e.kind} ${e.text}`;
}

export function visibleOrders(snap: ConsoleSnapshot, query: string): readonly OrderView[] {
  return query === '' ? snap.orders : snap.orders.filter((o) => matches(orderSearchText(o), query));
}

export function visibleEvents(snap: ConsoleSnapshot, query: string): readonly EventRow[] {
  return query === '' ? snap.events : snap.events.filter((e) => matches(eventSearchText(e), query));
}

/** The pane-title note of an active filter: `/fill/ 9 of 60`. */
export function filterNote(query: string, shown: number, total: number): string {
  return query === '' ? '' : `/${query}/ ${shown} of ${total}`;
}

/** The message line while the prompt is open. */
export function promptText(s: SearchState): string | null {
  return s.editing === null ? null : `/ filter ${s.editing}: ${s.query[s.editing]}█  (enter keeps · esc clears · ctrl-u empties)`;
}
