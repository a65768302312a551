/**
 * The selected row in full (enter opens it, esc closes): every field of an order or a position and
 * the whole text of a gate, reconciliation or event line, wrapped to the width. A pane at 80x24
 * shows what fits; this view is where nothing is cut. Also says what `d d` would act on.
 */
import { describeOrder } from '../../domain/order.ts';
import { isOpen } from '../../orders/fsm.ts';
import type { OrderView } from '../../orders/order.ts';
import type { PositionView } from '../../portfolio/portfolio.ts';
import { clock, groupFigures, money, price, qty } from '../format.ts';
import type { PaneId, RowAction } from '../keys.ts';
import type { ConsoleSnapshot, EventRow } from '../model.ts';
import type { Line } from './pane.tsx';
import { orderReason } from './tables.ts';

/** Words onto lines of at most `w` characters; a word longer than a line is split, never dropped. */
export function wrapText(text: string, w: number): string[] {
  const width = Math.max(1, w);
  const out: string[] = [];
  let line = '';
  for (const raw of text.split(/\s+/).filter((x) => x !== '')) {
    let word = raw;
    while (word.length > width) {
      if (line !== '') { out.push(line); line = ''; }
      out.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (line !== '' && line.length + 1 + word.length > width) { out.push(line); line = word; } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

/** What the focused pane's selection points at. */
export type Selected =
  | { readonly kind: 'order'; readonly order: OrderView }
  | { readonly kind: 'position'; readonly position: PositionView }
  | { readonly kind: 'event'; readonly event: EventRow }
  | { readonly kind: 'line'; readonly pane: PaneId; readonly text: string }
  | null;

export interface SelectionInput {
  readonly pane: PaneId;
  /** The pane's selection (events: rows back from the newest, the bottom row shown). */
  readonly index: number;
  /** The rows as the pane shows them (after any filter). */
  readonly orders: readonly OrderView[];
  readonly events: readonly EventRow[];
  /** Rows the events pane shows (its bottom row is the selected one). */
  readonly eventRows: number;
  readonly gateLines: readonly Line[];
  readonly reconLines: readonly Line[];
}

const clampIndex = (i: number, n: number): number => Math.min(Math.max(0, i), n - 1);

export function selectedRow(snap: ConsoleSnapshot, s: SelectionInput): Selected {
  switch (s.pane) {
    case 'orders': return s.orders.length === 0 ? null : { kind: 'order', order: s.orders[clampIndex(s.index, s.orders.length)]! };
    case 'positions': return snap.positions.length === 0 ? null : { kind: 'position', position: snap.positions[clampIndex(s.index, snap.positions.length)]! };
    case 'events': {
      const n = s.events.length;
      if (n === 0) return null;
      const back = Math.min(Math.max(0, s.index), Math.max(0, n - s.eventRows));
      return { kind: 'event', event: s.events[n - 1 - back]! };
    }
    case 'gates':
    case 'recon': {
      const lines = s.pane === 'gates' ? s.gateLines : s.reconLines;
      return lines.length === 0 ? null : { kind: 'line', pane: s.pane, text: lines[clampIndex(s.index, lines.length)]!.text };
    }
  }
}

/** What `d` acts on: an open order of ours, a position that is not flat; otherwise why not. */
export function rowAction(sel: Selected): RowAction | string | null {
  if (sel === null) return null;
  if (sel.kind === 'order') {
    const o = sel.order;
    if (!isOpen(o.status)) return `order ${o.clientOrderId} is ${o.status}: nothing to cancel`;
    if (o.external) return `order ${o.clientOrderId} was not placed by parity: decide on it first (parity ctl external ${o.clientOrderId} adopt|cancel|leave)`;
    return { action: 'cancel-order', target: o.clientOrderId, label: `${o.clientOrderId} (${describeOrder(o.request)})` };
  }
  if (sel.kind === 'position') {
    const p = sel.position;
    if (p.qty === 0) return `${p.symbol} is flat: nothing to close`;
    return { action: 'close-position', target: p.symbol, label: `${p.symbol} ${qty(p.qty)}` };
  }
  return null;
}

/** The detail view's title and lines for a selection, wrapped to `w`. */
export function detailView(sel: Selected, w: number): { title: string; lines: Line[] } {
  const field = (name: string, value: string): Line[] => wrapText(value, Math.max(10, w - 16)).map((part, i) => ({ text: `${(i === 0 ? name : '').padEnd(14)} ${part}` }));
  if (sel === null) return { title: 'Detail (esc closes)', lines: [{ text: 'nothing selected: this pane is empty', tone: 'dim' }] };
  switch (sel.kind) {
    case 'order': {
      const o = sel.order;
      const r = o.request;
      const act = rowAction(sel);
      return {
        title: `Order ${o.clientOrderId} (esc closes)`,
        lines: [
          ...field('order', describeOrder(r)),
          ...field('state', `${o.status}${o.external ? ' (external: not placed by this session)' : ''}`),
          ...field('reason', orderReason(o) || '-'),
          ...field('filled', `${qty(o.filledQty)} of ${qty(r.qty)}${o.avgFillPrice > 0 ? ` at ${price(o.avgFillPrice)}` : ''}; fees ${money(o.fees)}`),
          ...field('venue id', o.venueOrderId ?? '-'),
          ...field('created', clock(o.createdAt)),
          ...field('updated', clock(o.updatedAt)),
          ...(r.tag ? field('tag', r.tag) : []),
          ...field('d d', typeof act === 'string' ? act : act === null ? '-' : `cancels this order`),
        ],
      };
    }
    case 'position': {
      const p = sel.position;
      return {
        title: `Position ${p.symbol} (esc closes)`,
        lines: [
          ...field('quantity', qty(p.qty)),
          ...field('average', price(p.avgPrice)),
          ...field('last', price(p.lastPrice)),
          ...field('unrealized', money(p.unrealizedPnl, true)),
          ...field('realized', money(p.realizedPnl, true)),
          ...field('fees', money(p.fees)),
          ...field('d d', p.qty === 0 ? 'flat: nothing to close' : 'closes this position (market, or a marketable limit inside the collar)'),
        ],
      };
    }
    case 'event':
      return { title: `Event #${sel.event.seq} (esc closes)`, lines: [...field('time', clock(sel.event.ts)), ...field('kind', sel.event.kind), ...field('text', sel.event.text)] };
    case 'line':
      return { title: `${sel.pane === 'gates' ? 'Pre-flight gate' : 'Reconciliation'} (esc closes)`, lines: wrapText(sel.text.trim(), Math.max(10, w - 2)).map((text) => ({ text })) };
  }
}

/**
 * The selected order's reason under the list when its column cut it (80x24): up to `rows` wrapped
 * lines; a reason longer than that ends with a pointer to the detail view, which has it all.
 */
export function reasonFooter(o: OrderView, rowText: string, w: number, rows = 2): Line[] {
  const reason = orderReason(o);
  if (reason === '' || rowText.includes(reason) || rows <= 0) return [];
  // Figures grouped as the panes write them (99,626.68): the reason comes from risk raw.
  const lines = wrapText(`↳ ${groupFigures(reason)}`, Math.max(10, w - 1));
  const tone = o.status === 'denied' || o.status === 'rejected' || o.flagged !== null ? 'bad' as const : 'dim' as const;
  if (lines.length <= rows) return lines.map((text) => ({ text, tone }));
  const more = ' … (enter: all)';
  const last = lines[rows - 1]!;
  return [...lines.slice(0, rows - 1), `${last.slice(0, Math.max(0, w - 1 - more.length))}${more}`].map((text) => ({ text, tone }));
}
