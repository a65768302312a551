/**
 * `/` filters the orders and events panes (lazygit / k9s): the prompt on the message line filters
 * live, enter keeps the filter (named in the pane title), esc clears it. Case-insensitive
 * substring over the row's full text, not the cut cell text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, type ConsoleKeys } from '../../src/console/app.tsx';
import type { CommandName, CommandResult } from '../../src/ops/commands.ts';
import { INITIAL_SEARCH, eventSearchText, matches, onSearchKey, onSearchPaste, orderSearchText, searchTarget, visibleEvents, visibleOrders } from '../../src/console/search.ts';
import { StaticSource, T, order, snapshot, tick } from './fixtures.ts';
import { INITIAL_LOOK, onLookKey } from '../../src/console/look.ts';

afterEach(() => cleanup());

describe('look keys (pure)', () => {
  const ctx = { focus: 'events' as const, help: false, armed: false, snap: snapshot() };
  it('v and / are no case twins: V does nothing; while an arm is open nothing here takes a key', () => {
    expect(onLookKey(INITIAL_LOOK, 'V', {}, ctx, 'then').used).toBe(false);
    expect(onLookKey(INITIAL_LOOK, 'v', {}, ctx, 'then').state.chart).toEqual({ kind: 'equity' });
    expect(onLookKey(INITIAL_LOOK, '/', {}, { ...ctx, armed: true }, 'then').used).toBe(false);
    expect(onLookKey(INITIAL_LOOK, 'v', {}, { ...ctx, armed: true }, 'then').used).toBe(false);
    // Ctrl-C passes the open prompt to arm quit; the next key is the arm's (q quits), not the prompt's.
    const open = onLookKey(INITIAL_LOOK, '/', {}, ctx, 'then').state;
    expect(onLookKey(open, 'c', { ctrl: true }, ctx, 'first').used).toBe(false);
    expect(onLookKey(open, 'q', {}, { ...ctx, armed: true }, 'first').used).toBe(false);
    expect(onLookKey(open, 'q', {}, ctx, 'first').used).toBe(true);
  });
});

describe('search state (pure)', () => {
  it('matches case-insensitively on substrings; an empty query matches everything', () => {
    expect(matches('SELL 0.5 BTC-USD @ 61000', 'btc')).toBe(true);
    expect(matches('SELL 0.5 BTC-USD @ 61000', 'Sell 0.5')).toBe(true);
    expect(matches('SELL 0.5 BTC-USD @ 61000', 'eth')).toBe(false);
    expect(matches('anything', '')).toBe(true);
  });

  it('/ opens the prompt on the focused orders or events pane, nowhere else', () => {
    expect(searchTarget('orders')).toBe('orders');
    expect(searchTarget('events')).toBe('events');
    expect(searchTarget('positions')).toBeNull();
    const opened = onSearchKey(INITIAL_SEARCH, '/', {}, { focus: 'events', help: false });
    expect(opened.used).toBe(true);
    expect(opened.state.editing).toBe('events');
    const refused = onSearchKey(INITIAL_SEARCH, '/', {}, { focus: 'positions', help: false });
    expect(refused.used).toBe(true);
    expect(refused.state.editing).toBeNull();
    expect(refused.notice).toMatch(/tab to the orders or events pane/);
  });

  it('typing filters live (kill-switch letters are text in the prompt); backspace edits; enter keeps; esc clears', () => {
    const ctx = { focus: 'events' as const, help: false };
    let s = onSearchKey(INITIAL_SEARCH, '/', {}, ctx).state;
    for (const ch of ['f', 'i', 'X', 'l', 'p', 'c']) {
      const r = onSearchKey(s, ch, {}, ctx);
      expect(r.used).toBe(true); // never reaches the kill switch
      s = r.state;
    }
    expect(s.query.events).toBe('fiXlpc');
    s = onSearchKey(s, '', { backspace: true }, ctx).state;
    s = onSearchKey(s, '', { delete: true }, ctx).state;
    s = onSearchKey(s, '', { backspace: true }, ctx).state;
    s = onSearchKey(s, '', { backspace: true }, ctx).state;
    s = onSearchKey(s, 'l', {}, ctx).state;
    expect(s.query.events).toBe('fil');
    s = onSearchKey(s, '', { return: true }, ctx).state;
    expect(s.editing).toBeNull();
    expect(s.query.events).toBe('fil');
    // With the prompt closed, keys are the console's again.
    expect(onSearchKey(s, 'f', {}, ctx).used).toBe(false);
    // esc on the filtered pane clears it; esc elsewhere is not ours.
    expect(onSearchKey(s, '', { escape: true }, { focus: 'orders', help: false }).used).toBe(false);
    const cleared = onSearchKey(s, '', { escape: true }, ctx);
    expect(cleared.used).toBe(true);
    expect(cleared.state.query.events).toBe('');
    // esc inside the prompt clears too.
    let t = onSearchKey(INITIAL_SEARCH, '/', {}, ctx).state;
    t = onSearchKey(t, 'x', {}, ctx).state;
    t = onSearchKey(t, '', { escape: true }, ctx).state;
    expect(t).toEqual({ ...INITIAL_SEARCH });
  });

  it('Ctrl-C and arrows pass through while typing; a paste is text; esc with help open is the help\'s', () => {
    const ctx = { focus: 'orders' as const, help: false };
    const s = onSearchKey(INITIAL_SEARCH, '/', {}, ctx).state;
    expect(onSearchKey(s, 'c', { ctrl: true }, ctx).used).toBe(false);
    expect(onSearchKey(s, '', { upArrow: true }, ctx).used).toBe(false);
    expect(onSearchPaste(s, 'rej\nected').query.orders).toBe('rejected');
    expect(onSearchPaste(INITIAL_SEARCH, 'ff').query.orders).toBe(''); // no prompt: a paste is nothing
    const kept = { ...INITIAL_SEARCH, query: { orders: 'x', events: '' } };
    expect(onSearchKey(kept, '', { escape: true }, { focus: 'orders', help: true }).used).toBe(false);
  });

  it('filters over the full row text, not the cut cells', () => {
    const long = order('sma9', { status: 'rejected', reason: 'insufficient buying power for this very long order reason text' });
    expect(orderSearchText(long)).toContain('very long order reason');
    expect(orderSearchText(long)).toContain('sma9');
    const snap = snapshot({ orders: [order('a1'), long] });
    expect(visibleOrders(snap, 'LONG ORDER').map((o) => o.clientOrderId)).toEqual(['sma9']);
    expect(eventSearchText({ seq: 1, ts: T, kind: 'fill', text: 'BUY 1 BTC-USD @ 60000' })).toMatch(/12:00:00 fill BUY 1 BTC-USD/);
    expect(visibleEvents(snap, 'number 1').map((e) => e.seq)).toEqual([1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(visibleEvents(snap, 'FILL').length).toBe(9);
  });
});

function setup(size = { columns: 80, rows: 24 }) {
  const sent: CommandName[] = [];
  const keys: ConsoleKeys = {
    command: async (name) => { sent.push(name); return { ok: true, command: name, message: `${name} done`, level: 1, incomplete: [] } satisfies CommandResult; },
    quit: () => {},
    reconcile: async () => 'clean',
    rerunGates: async () => {},
  };
  const src = new StaticSource(snapshot());
  const r = render(<App source={src} mode="paper" keys={keys} size={size} wallNow={() => 1_000_000} />);
  const press = async (s: string) => { r.stdin.write(s); await tick(50); };
  return { r, sent, press, frame: () => r.lastFrame() ?? '' };
}

describe('/ in the console', () => {
  it('filters the events pane live, keeps it on enter (title says so), esc clears; no kill-switch key fires while typing', async () => {
    const t = setup();
    await tick();
    await t.press('\t'); await t.press('\t'); await t.press('\t'); await t.press('\t'); // orders → … → events
    expect(t.frame()).toContain('▶ Events');
    await t.press('/');
    expect(t.frame()).toMatch(/filter events: █/);
    for (const ch of 'number 4') await t.press(ch);
    let f = t.frame();
    expect(f).toMatch(/filter events: number 4█/);
    expect(f).toContain('event number 4');
    expect(f).toContain('event number 45');
    expect(f).not.toContain('event number 60');
    expect(f).toMatch(/Events {2}\/number 4\/ 11 of 60/);
    await t.press('\r');
    f = t.frame();
    expect(f).not.toContain('filter events:');
    expect(f).toMatch(/Events {2}\/number 4\/ 11 of 60/);
    await t.press('\x1b');
    await tick(50);
    f = t.frame();
    expect(f).not.toContain('/number 4/');
    expect(f).toContain('event number 60');
    // Typing the kill-switch keys into the prompt sends nothing.
    await t.press('/');
    for (const ch of 'pcfXX') await t.press(ch);
    expect(t.sent).toEqual([]);
    for (const line of t.frame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('filters the orders pane by reason text the narrow pane cuts', async () => {
    const t = setup();
    await tick();
    await t.press('/');
    for (const ch of 'BUYING') await t.press(ch);
    await t.press('\r');
    const f = t.frame();
    expect(f).toMatch(/Orders {2}\/BUYING\/ 1 of 3/);
    expect(f).toContain('sma3');
    expect(f).not.toContain('sma1 ');
    expect(f).not.toContain('sma2');
  });

  it('the help line names / and v and never loses ? help or q quit (80, 120 and 140 columns)', async () => {
    for (const columns of [80, 120, 140]) {
      const t = setup({ columns, rows: columns === 80 ? 24 : 40 });
      await tick();
      const help = t.frame().split('\n').filter((l) => l.includes('? help'));
      expect(help).toHaveLength(1);
      expect(help[0]).toMatch(/\/ find.*v chart.*\? help.*q quit/);
      if (columns === 140) expect(help[0]).toContain('tab pane');
      cleanup();
    }
  });

  it('/ on a pane it cannot filter says where it works', async () => {
    const t = setup();
    await tick();
    await t.press('\t'); // positions
    await t.press('/');
    expect(t.frame()).toContain('tab to the orders or events pane');
  });

  it('v charts the symbol of the selected row first, and fits 80x24 whole', async () => {
    const bars = (base: number) => Array.from({ length: 40 }, (_, i) => ({ ts: T + i * 60_000, open: base + i, high: base + i + 2, low: base + i - 1, close: base + i + 1 }));
    const pos = snapshot().positions[0]!;
    const keys: ConsoleKeys = { quit: () => {} };
    const src = new StaticSource(snapshot({
      positions: [pos, { ...pos, symbol: 'ETH-USD', qty: 2, avgPrice: 3000, lastPrice: 3040 }],
      chart: { bars: { 'BTC-USD': bars(60_000), 'ETH-USD': bars(3000) }, fills: [{ symbol: 'ETH-USD', ts: T + 10 * 60_000, side: 'buy', price: 3011 }] },
    }));
    const r = render(<App source={src} mode="paper" keys={keys} size={{ columns: 80, rows: 24 }} wallNow={() => 1_000_000} />);
    const press = async (s: string) => { r.stdin.write(s); await tick(50); };
    await tick();
    await press('\t'); // positions
    await press('\x1b[B'); // select ETH-USD
    await press('v');
    const f = r.lastFrame() ?? '';
    expect(f).toMatch(/Price ETH-USD {2}40 bars, 1 fill/);
    expect(f).toContain('▲');
    expect(f).toContain('Positions');
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    await press('v');
    expect(r.lastFrame()).toMatch(/Price BTC-USD/);
  });
});
