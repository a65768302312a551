/**
 * Item 6 of issue 10 at the app level: at 80x24 no figure is cut, the realized column stays, a long
 * halt reason is not cut mid-word, and any row opens to its full text (enter; esc closes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, type ConsoleKeys } from '../../src/console/app.tsx';
import { numberForms } from '../../src/console/format.ts';
import type { CommandName, CommandResult } from '../../src/ops/commands.ts';
import { StaticSource, order, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

const SMALL = { columns: 80, rows: 24 };
const LONG_REASON = 'insufficient buying power: the order needs 61,234.00 USD and the account has 1,000.00 USD free after open orders';

function big() {
  return snapshot({
    positions: [
      { symbol: 'BTC-USD', qty: 1.5, avgPrice: 60000, lastPrice: 61000, unrealizedPnl: 744.12, realizedPnl: -1_234_567.89, fees: 1, funding: 0, markPrice: 0, liquidationPrice: null, leverage: null, marginMode: null },
      { symbol: 'ETH-USD', qty: -12.25, avgPrice: 3012.5, lastPrice: 2999.75, unrealizedPnl: 156.19, realizedPnl: 98_765.43, fees: 1, funding: 0, markPrice: 0, liquidationPrice: null, leverage: null, marginMode: null },
    ],
    orders: [order('sma1', {}), order('sma3', { status: 'rejected', reason: LONG_REASON })],
    openOrders: 1,
  });
}

function setup(snap = big(), over: Partial<ConsoleKeys> = {}) {
  const sent: { name: CommandName; args: readonly string[] | undefined }[] = [];
  const keys: ConsoleKeys = {
    command: async (name, args) => { sent.push({ name, args }); return { ok: true, command: name, message: `${name} done`, level: 0, incomplete: [] } satisfies CommandResult; },
    quit: () => {},
    ...over,
  };
  const src = new StaticSource(snap);
  const r = render(<App source={src} mode="paper" keys={keys} size={SMALL} />);
  return { r, src, sent, press: async (s: string) => { r.stdin.write(s); await tick(50); }, frame: () => r.lastFrame() ?? '' };
}

/** The figure whole: the full form, or a k/M form of it, bounded by spaces, never a cut prefix. */
function shows(frame: string, n: number, kind: 'pnl' | 'qty' | 'price'): boolean {
  return numberForms(n, kind).some((f) => new RegExp(`(^|\\s)${f.replace(/[.+$]/g, '\\$&')}(\\s|$)`, 'm').test(frame));
}

describe('80x24 never cuts money or reasons', () => {
  it('every position figure appears whole, realized included', async () => {
    const t = setup();
    await tick();
    const f = t.frame();
    expect(f).toMatch(/realized|real|rpnl/);
    for (const p of big().positions) {
      expect(shows(f, p.unrealizedPnl, 'pnl'), `unrealized ${p.unrealizedPnl} in\n${f}`).toBe(true);
      expect(shows(f, p.realizedPnl, 'pnl'), `realized ${p.realizedPnl} in\n${f}`).toBe(true);
      expect(shows(f, p.qty, 'qty'), `qty ${p.qty}`).toBe(true);
    }
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('a long halt reason wraps onto more message rows instead of being cut mid-word', async () => {
    const reason = 'daily loss 1,234.56 exceeds the max daily loss 1000 (equity 98,765.44, day start 100,000.00 on 2024-03-04)';
    const t = setup(snapshot({ trading: { status: 'halted', reason, since: 0 } }));
    await tick();
    const flat = t.frame().split('\n').map((l) => l.trim()).join(' ');
    expect(flat).toContain('on 2024-03-04)');
    expect(flat).toContain('day start 100,000.00');
    expect(t.frame().split('\n').length).toBeLessThanOrEqual(23);
  });

  it('arrows select an order, enter opens its full reason, esc closes', async () => {
    const t = setup();
    await tick();
    await t.press('\x1b[B'); // down: the second order
    await t.press('\r');
    const flat = t.frame().split('\n').map((l) => l.trim()).join(' ');
    expect(flat).toContain('sma3');
    expect(flat).toContain('after open orders');
    expect(t.frame()).toContain('Order sma3 (esc closes)');
    await t.press('\x1b');
    await tick(80);
    expect(t.frame()).not.toContain('Order sma3 (esc closes)');
  });
});

describe('the selected order\'s reason', () => {
  it('shows whole under the orders list when its column cut it', async () => {
    const t = setup(snapshot({ orders: [order('sma3', { status: 'rejected', reason: 'insufficient buying power for 2.5 BTC-USD at 61,000.00' }), order('sma1', {})], openOrders: 1 }));
    await tick();
    expect(t.frame()).toContain('↳ insufficient buying power for 2.5 BTC-USD at 61,000.00');
    await t.press('\x1b[B'); // sma1 has no reason: no footer
    expect(t.frame()).not.toContain('↳');
  });
});

describe('d d on the selected row', () => {
  it('cancels the selected open order (second d within 3 s); a closed one says why not', async () => {
    const t = setup();
    await tick();
    await t.press('d');
    expect(t.frame()).toContain('press d again within 3 s to CANCEL order sma1');
    await t.press('d');
    expect(t.sent).toEqual([{ name: 'cancel-order', args: ['sma1'] }]);
    await t.press('\x1b[B');
    await t.press('d');
    expect(t.frame()).toMatch(/sma3 is rejected/);
    expect(t.sent).toHaveLength(1);
  });

  it('closes the selected position from the positions pane; D does nothing', async () => {
    const t = setup();
    await tick();
    await t.press('\t\x1b[B');
    await t.press('D');
    expect(t.frame()).not.toContain('press d again');
    await t.press('dd');
    expect(t.sent).toEqual([{ name: 'close-position', args: ['ETH-USD'] }]);
  });
});

describe('80x24 status bar and P&L line', () => {
  it('keeps LIVE, the kill level, the trading state and whole figures when squeezed', async () => {
    const snap = snapshot({
      info: { ...snapshot().info, mode: 'live', venue: 'alpaca', account: 'live-account-with-a-long-name' },
      connection: { state: 'connected', heartbeatAgeMs: 4000, detail: '' },
      droppedMarketEvents: 12_345, equity: 12_345_678.9, dayPnl: -1_234_567.89,
      trading: { status: 'halted', reason: 'x', since: 0 },
      equitySeries: [12_000_000, 13_580_246.8, 12_345_678.9],
    }, { killLevel: 3, killReason: 'flatten by console' });
    const src = new StaticSource(snap);
    const r = render(<App source={src} mode="live" keys={{ quit: () => {} }} size={SMALL} colors={false} />);
    await tick();
    const f = r.lastFrame() ?? '';
    const top = f.split('\n').slice(0, 2).join('\n');
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(top).toContain('LIVE');
    expect(top).toContain('KILL L3');
    expect(top).toContain('HALTED');
    expect(shows(top, 12_345_678.9, 'pnl') || numberForms(12_345_678.9, 'money').some((x) => top.includes(`eq ${x} `) || top.includes(`eq ${x}│`))).toBe(true);
    expect(numberForms(-1_234_567.89, 'pnl').some((x) => top.includes(`day ${x} `))).toBe(true);
    // The P&L pane's first line: equity and change whole (lo / hi gave way), never a cut figure.
    expect(f).not.toMatch(/\d…/);
  });
});
