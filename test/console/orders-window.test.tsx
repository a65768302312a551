/**
 * The orders pane writes only the rows it shows (issue 11): the table's layout (which columns, how
 * wide) is judged on every order, each order's cells are kept until the order changes, and only the
 * visible window is formatted. These tests hold what that must not change for the operator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../src/console/app.tsx';
import { groupFigures, money, numberForms } from '../../src/console/format.ts';
import { orderLines, orderTable } from '../../src/console/panes/tables.ts';
import { inkText } from '../../src/console/panes/pane.tsx';
import type { OrderView } from '../../src/orders/order.ts';
import { StaticSource, T, order, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

const keys = { command: async () => ({ ok: true, command: 'pause' as const, message: 'ok', level: 1 as const, incomplete: [] }), quit: () => {} };

function many(n: number, last: Partial<OrderView> = {}): OrderView[] {
  return Array.from({ length: n }, (_, i) => order(`o${String(i).padStart(2, '0')}`, { createdAt: T - 1000 * (i + 1), ...(i === n - 1 ? last : {}) }));
}

function mount(src: StaticSource) {
  const r = render(<App source={src} mode="paper" keys={keys} size={{ columns: 120, rows: 40 }} />);
  return { r, frame: () => r.lastFrame() ?? '', press: async (s: string) => { r.stdin.write(s); await tick(40); } };
}

const rowOf = (frame: string, id: string): string => frame.split('\n').find((l) => l.includes(id)) ?? '';

describe('orders pane: only the visible rows are written', () => {
  it('a row is written as the whole table writes it: widths come from every order, not the window', () => {
    // The last order is far below the window; its wide quantity and price still set the columns.
    const orders = many(40, { request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 123_456_789.5, qty: 98_765.4321 } });
    const snap = snapshot({ orders, openOrders: 40 });
    const all = orderLines(snap, 119);
    const t = orderTable(snap.orders, snap.engineTime ?? 0, 119);
    expect(t.count).toBe(40);
    for (const i of [0, 5, 39]) expect(t.line(i)).toEqual(all[i]);
    const f = mount(new StaticSource(snap)).frame();
    expect(f).not.toContain('o39');
    // The first row on screen is the whole table's first row (its qty column as wide as o39's).
    expect(rowOf(f, 'o00')).toContain(all[0]!.text.trimEnd());
    expect(all[0]!.text).toMatch(/ {8}0\.5 /);
  });

  it('a cached row is written again when its order changes, and its age follows the clock', async () => {
    const o = order('ord1');
    const src = new StaticSource(snapshot({ orders: [o], openOrders: 1 }));
    const m = mount(src);
    await tick();
    expect(rowOf(m.frame(), 'ord1')).toMatch(/accepted\s+1m/);
    // The same order object, later: the age moves (it is the clock's, not the order's).
    src.set(snapshot({ orders: [o], openOrders: 1, engineTime: T + 180_000 }));
    await tick();
    expect(rowOf(m.frame(), 'ord1')).toMatch(/accepted\s+4m/);
    // A new view of the order (a fill): the row shows it.
    src.set(snapshot({ orders: [{ ...o, status: 'partially_filled', filledQty: 0.25, avgFillPrice: 60_010.5 }], openOrders: 1, engineTime: T + 180_000 }));
    await tick();
    const row = rowOf(m.frame(), 'ord1');
    expect(row).toContain('partially_filled');
    expect(row).toMatch(/0\.25\s+60010\.50/);
  });

  it('a table written twice from the same orders gives the same rows (the cache changes nothing)', () => {
    const orders = many(12);
    const snap = snapshot({ orders, openOrders: 12 });
    const first = orderLines(snap, 79).map((l) => l.text);
    const again = orderLines({ ...snap }, 79).map((l) => l.text);
    expect(again).toEqual(first);
    // Narrower: the same rows cut to the new layout, not the old one's cached text.
    const narrow = orderLines(snap, 60).map((l) => l.text);
    for (const l of narrow) expect(l.length).toBeLessThanOrEqual(60);
    expect(narrow[0]).not.toEqual(first[0]);
  });

  it('the visible window follows the selection down and back up', async () => {
    const src = new StaticSource(snapshot({ orders: many(60), openOrders: 60 }));
    const m = mount(src);
    await tick();
    expect(m.frame()).toContain('›o00');
    for (let i = 0; i < 30; i++) await m.press('\x1b[B');
    const f = m.frame();
    expect(f).toContain('›o30');
    expect(f).not.toContain('o00 ');
    expect(f).toMatch(/\d+-31\/60/);
    await m.press('\x1b[5~'); // page up
    await m.press('\x1b[5~');
    await m.press('\x1b[5~');
    await m.press('\x1b[5~');
    await m.press('\x1b[5~');
    expect(m.frame()).toContain('›o00');
  });

  it('numberForms hands out forms that cannot be changed by a caller (they are shared)', () => {
    const a = numberForms(1_234_567.891, 'money');
    expect(a).toEqual(['1,234,567.89', '1,234,567.9', '1,234,568', '1.235M', '1.23M', '1.2M']);
    expect(Object.isFrozen(a)).toBe(true);
    expect(numberForms(1_234_567.891, 'money')).toEqual(a);
    expect(numberForms(1_234_567.891, 'pnl')[0]).toBe('+1,234,567.89');
    expect(numberForms(-0, 'pnl')).toEqual(numberForms(0, 'pnl'));
  });

  it('Ink is handed no trailing padding, except on an inverse row (its bar reaches the edge)', async () => {
    expect(inkText('abc   ')).toBe('abc');
    expect(inkText('      ')).toBe(' ');
    expect(inkText('abc   ', true)).toBe('abc   ');
    // Side by side (positions | P&L) the right pane starts in the same column on every row.
    const m = mount(new StaticSource(snapshot()));
    await tick();
    const lines = m.frame().split('\n');
    const title = lines.findIndex((l) => l.includes('Positions'));
    // The right pane starts at 55% of 120 columns whatever the left pane's rows hold.
    expect(lines[title]!.slice(66)).toMatch(/^ {2}P&L/);
    expect(lines[title + 1]!.slice(66)).toMatch(/^ 101,234\.50/);
    expect(lines[title + 2]!.slice(0, 66)).toMatch(/^ BTC-USD 1\.5/);
  });

  it('money and the grouped forms write what toLocaleString writes (one kept formatter, not one per call)', () => {
    for (const n of [0, 0.005, 1.005, 2.675, 999.995, -1234.5, 1_234_567.891, 98_765_432.1, 1e15 + 0.5, -0.004]) {
      const two = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      expect(money(n)).toBe(`${n < 0 ? '-' : ''}${two}`);
      expect(numberForms(n, 'qty')).toBeDefined();
    }
    expect(numberForms(1_234_567.891, 'money').slice(0, 3)).toEqual([
      (1_234_567.891).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      (1_234_567.891).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
      (1_234_567.891).toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 0 }),
    ]);
    expect(groupFigures('equity 298656.88 below 300000')).toBe('equity 298,656.88 below 300,000');
  });
});
