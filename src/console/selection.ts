/**
 * A selection that stays on its row. The key reducer moves an index; rows arrive and go (a new
 * order lands at the top, an event at the bottom), so an index alone slides onto another row and
 * `enter` / `d d` would act on it. The console stores the selected row's key (order id, position
 * symbol, event seq) and derives the index from it on each render; when that row is gone, the row
 * nearest its last place is selected. Events scrolled to the newest (back 0) keep following.
 */
import type { PaneId } from './keys.ts';

export interface SelectionRows {
  readonly orders: readonly { readonly clientOrderId: string }[];
  readonly positions: readonly { readonly symbol: string }[];
  /** The events the pane shows, oldest first. */
  readonly events: readonly { readonly seq: number }[];
  /** Rows the events pane shows (its bottom row is the selected one). */
  readonly eventRows: number;
}

export type SelectionKeys = Partial<Record<PaneId, string>>;

const clamp = (i: number, n: number): number => Math.min(Math.max(0, i), Math.max(0, n - 1));

/** The key of the row `index` points at in `pane`; undefined when the pane has none to keep. */
export function keyAt(pane: PaneId, index: number, rows: SelectionRows): string | undefined {
  switch (pane) {
    case 'orders': return rows.orders.length === 0 ? undefined : rows.orders[clamp(index, rows.orders.length)]!.clientOrderId;
    case 'positions': return rows.positions.length === 0 ? undefined : rows.positions[clamp(index, rows.positions.length)]!.symbol;
    case 'events': {
      // Following the newest is a choice of its own: new events keep it at the bottom.
      const n = rows.events.length;
      const back = Math.min(Math.max(0, index), Math.max(0, n - rows.eventRows));
      return back === 0 || n === 0 ? undefined : String(rows.events[n - 1 - back]!.seq);
    }
    default: return undefined;
  }
}

/** Where the stored key's row is now (an index as the reducer counts it); the stored index when it is gone. */
export function indexOf(pane: PaneId, key: string | undefined, stored: number, rows: SelectionRows): number {
  if (key === undefined) return stored;
  switch (pane) {
    case 'orders': { const i = rows.orders.findIndex((o) => o.clientOrderId === key); return i >= 0 ? i : clamp(stored, rows.orders.length); }
    case 'positions': { const i = rows.positions.findIndex((p) => p.symbol === key); return i >= 0 ? i : clamp(stored, rows.positions.length); }
    case 'events': {
      const n = rows.events.length;
      const i = rows.events.findIndex((e) => String(e.seq) === key);
      return i >= 0 ? n - 1 - i : Math.min(stored, Math.max(0, n - rows.eventRows));
    }
    default: return stored;
  }
}

/** Every pane's index with the stored keys applied. */
export function resolveScroll(scroll: Readonly<Record<PaneId, number>>, keys: SelectionKeys, rows: SelectionRows): Record<PaneId, number> {
  const out = { ...scroll };
  for (const pane of ['orders', 'positions', 'events'] as const) out[pane] = indexOf(pane, keys[pane], scroll[pane], rows);
  return out;
}
