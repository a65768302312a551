/**
 * The hostile review of the console (issue 10, items 4-6 and 10-11): help that scrolls, a help line
 * that keeps `? help` and `q quit`, prompts that fit 80x24 whole, reasons never cut through a
 * figure, a selection that stays on its row, p p judged against what the first p asked for, one
 * gate summary, the strategy name before the session id, a too-small screen, holds named on the
 * status bar and notices that fade.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, type ConsoleKeys, helpLineText, messageExpiry, messageLine } from '../../src/console/app.tsx';
import { fitText } from '../../src/console/format.ts';
import { statusLines } from '../../src/console/panes/status-bar.tsx';
import { orderLines } from '../../src/console/panes/tables.ts';
import type { CommandName, CommandResult } from '../../src/ops/commands.ts';
import type { ConsoleSnapshot } from '../../src/console/model.ts';
import { StaticSource, T, order, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

const SMALL = { columns: 80, rows: 24 };
const WIDE = { columns: 120, rows: 40 };
const LOSS = 'daily loss 298656.88 exceeds the max daily loss 1000 (equity 701343.12, day start 1000000.00 on 2024-03-04)';

function liveKeys(sent: { name: CommandName; args?: readonly string[] }[] = []): ConsoleKeys {
  return {
    command: async (name, args) => { sent.push({ name, ...(args !== undefined ? { args } : {}) }); return { ok: true, command: name, message: `${name} done`, level: 1, incomplete: [] } satisfies CommandResult; },
    quit: () => {},
    reconcile: async () => 'clean',
    rerunGates: async () => {},
  };
}

const replayKeys: ConsoleKeys = {
  input: () => false,
  quit: () => {},
  extra: [
    { key: 'space', label: 'play/pause', run: () => undefined },
    { key: '←/→', label: 'step', run: () => undefined },
    { key: '[/]', label: 'slower/faster', run: () => undefined },
    { key: 'g', label: 'jump to time', run: () => undefined },
    { key: 'n/N', label: 'next/prev of kind', run: () => undefined },
    { key: 'k', label: 'kind', run: () => undefined },
    { key: '0/$', label: 'start/end', run: () => undefined },
  ],
};

function setup(snap: ConsoleSnapshot = snapshot(), size = SMALL, keys: ConsoleKeys = liveKeys(), clock = { now: 1_000_000 }) {
  const src = new StaticSource(snap);
  const r = render(<App source={src} mode="paper" keys={keys} size={size} wallNow={() => clock.now} />);
  return { r, src, clock, press: async (s: string) => { r.stdin.write(s); await tick(50); }, frame: () => r.lastFrame() ?? '' };
}

const flat = (f: string): string => f.split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');

describe('1. ? help scrolls at 80x24', () => {
  it('every entry is reachable with PgDn / down, and the title says which rows show', async () => {
    const t = setup();
    await tick();
    await t.press('?');
    expect(t.frame()).toMatch(/Help {2}1-\d+ of \d+/);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) { for (const l of t.frame().split('\n')) seen.add(l.trim()); await t.press('\x1b[6~'); }
    const all = [...seen].join('\n');
    for (const k of ['enter', 'd d', '/ ', 'v ', '?  / esc', 'q  / Ctrl-C', 'parity ctl', 'SIGHUP']) expect(all, k).toContain(k);
    // Up scrolls back to the top.
    for (let i = 0; i < 30; i++) await t.press('\x1b[A');
    expect(t.frame()).toMatch(/Help {2}1-\d+ of \d+/);
    expect(t.frame()).toContain('L1 pause');
  });
});

describe('2. the help line keeps ? help and q quit', () => {
  for (const columns of [60, 80, 120]) {
    it(`live and replay at ${columns} columns`, () => {
      for (const keys of [liveKeys(), replayKeys]) {
        const s = helpLineText({ width: columns, keys, armed: null, snap: keys.command !== undefined ? snapshot() : snapshot({ replay: { playing: false, speed: '1x', seekKind: 'all', cursor: 0, total: 10, prompt: null, message: null } as never }) });
        expect(s.length, s).toBeLessThanOrEqual(columns);
        expect(s, s).toMatch(/\? help.*q quit\s*$/);
        if (keys.command !== undefined) expect(s).toMatch(/p pause/);
        else expect(s).toMatch(/space/);
        expect(s).not.toContain('…');
      }
    });
  }
  it('on the screen at 120x40 the live line ends with q quit', async () => {
    const t = setup(snapshot(), WIDE);
    await tick();
    expect(t.frame().split('\n').find((l) => l.includes('? help'))).toMatch(/q quit\s*$/);
  });
});

describe('3. arm prompts and halt reasons fit 80x24 whole', () => {
  const lossSnap = () => snapshot({ trading: { status: 'paused', reason: `${LOSS}; kill switch L1 paused (engine paused: ${LOSS})`, since: T } },
    { killLevel: 1, killReason: `engine paused: ${LOSS}`, holds: [{ key: 'engine', status: 'paused', reason: LOSS, since: T }, { key: 'kill', status: 'paused', reason: `kill switch L1 paused (engine paused: ${LOSS})`, since: T }] });
  it('the halt message says the reason once, figures grouped like the panes', async () => {
    const t = setup(lossSnap());
    await tick();
    const f = flat(t.frame());
    expect(f).toContain('298,656.88');
    expect(f.split('daily loss 298,656.88').length - 1).toBe(1);
    expect(f).not.toContain('engine paused: daily loss');
  });
  it('the p prompt from a loss-limit pause is on screen whole at 80 columns', async () => {
    const t = setup(lossSnap());
    await tick();
    await t.press('p');
    const f = flat(t.frame());
    expect(f).toContain('press p again within 3 s');
    expect(f).toContain('298,656.88');
    expect(f).toContain('never resumes by itself');
    expect(f).toMatch(/any other key aborts/i);
    expect(t.frame().split('\n').length).toBeLessThanOrEqual(23);
    for (const l of t.frame().split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  });
});

describe('4. a reason column never cuts through a figure', () => {
  it('fitText backs up to the word before a number', () => {
    expect(fitText('denied daily loss 298656.88 exceeds', 24)).toBe('denied daily loss…'.padEnd(24));
    expect(fitText('abc 1234567', 8)).toBe('abc…'.padEnd(8));
  });
  it('the orders table at 80 columns', () => {
    const snap = snapshot({ orders: [order('sma1', { status: 'denied', reason: 'daily loss 298656.88 exceeds the max daily loss 1000' })] });
    const row = orderLines(snap, 79)[0]!.text;
    expect(row).not.toMatch(/\d…/);
    expect(row).not.toMatch(/298656(?!\.88)/);
  });
});

describe('5. the selection stays on its row', () => {
  it('a new order at the top keeps the selection on the same order id', async () => {
    const t = setup();
    await tick();
    await t.press('\x1b[B'); // sma2
    const more = snapshot({ orders: [order('sma9', {}), ...snapshot().orders] });
    t.src.set({ ...more, seq: 2 });
    await tick(50);
    await t.press('\r');
    expect(t.frame()).toContain('Order sma2 (esc closes)');
  });
  it('when the selected order goes away the nearest row is selected', async () => {
    const t = setup();
    await tick();
    await t.press('\x1b[B');
    await t.press('\x1b[B'); // sma3
    const fewer = snapshot({ orders: snapshot().orders.slice(0, 2) });
    t.src.set({ ...fewer, seq: 2 });
    await tick(50);
    await t.press('\r');
    expect(t.frame()).toContain('Order sma2 (esc closes)');
  });
  it('a scrolled-back events selection stays on the same event as new ones arrive', async () => {
    const t = setup();
    await tick();
    await t.press('\t'); await t.press('\t'); await t.press('\t'); await t.press('\t'); // events
    for (let i = 0; i < 10; i++) await t.press('\x1b[A');
    await t.press('\r');
    const title = /Event #(\d+)/.exec(t.frame())?.[1];
    expect(title).toBeDefined();
    await t.press('\x1b');
    const base = snapshot();
    t.src.set({ ...base, seq: 2, events: [...base.events, ...Array.from({ length: 3 }, (_, i) => ({ seq: 61 + i, ts: T + (60 + i) * 60_000, kind: 'order' as const, text: `late ${i}` }))], eventsTotal: 63 });
    await tick(50);
    await t.press('\r');
    expect(/Event #(\d+)/.exec(t.frame())?.[1]).toBe(title);
  });
});

describe('6. p p: the second p is judged against what the first asked for', () => {
  it('with a source that updates late, p p sends pause then resume', async () => {
    const sent: { name: CommandName }[] = [];
    const t = setup(snapshot(), WIDE, liveKeys(sent));
    await tick();
    t.r.stdin.write('p');
    t.r.stdin.write('p');
    await tick(80);
    expect(sent.map((s) => s.name)).toEqual(['pause', 'resume']);
  });
  it('after f f (flatten asked), p arms a confirmed resume instead of pausing', async () => {
    const sent: { name: CommandName; args?: readonly string[] }[] = [];
    const t = setup(snapshot(), WIDE, liveKeys(sent));
    await tick();
    await t.press('f'); await t.press('f');
    await t.press('p');
    expect(sent.map((s) => s.name)).toEqual(['flatten']);
    expect(flat(t.frame())).toContain('press p again within 3 s');
    await t.press('p');
    expect(sent.map((s) => s.name)).toEqual(['flatten', 'resume']);
  });
  it('once the snapshot shows the pause landed, or after the timeout, the snapshot rules again', async () => {
    const sent: { name: CommandName }[] = [];
    const t = setup(snapshot(), WIDE, liveKeys(sent));
    await tick();
    await t.press('p');
    t.clock.now += 10_000; // the pause never showed up: the snapshot (active) rules
    await t.press('p');
    expect(sent.map((s) => s.name)).toEqual(['pause', 'pause']);
  });
});

describe('8. one gate summary at 80x24', () => {
  it('the strip above Events is not shown while the message line shows the gates', async () => {
    const gates = [{ id: 'a', title: 'Risk limits', status: 'warn' as const, detail: 'none set', fix: 'set them' }, { id: 'b', title: 'Data', status: 'pass' as const, detail: 'ok' }];
    const t = setup(snapshot({}, { gates: gates as never }));
    await tick();
    const hits = t.frame().split('\n').filter((l) => l.includes('1 pass, 1 warn'));
    expect(hits).toHaveLength(1);
  });
});

describe('9. the strategy name wins over the session id', () => {
  it('at 120 columns the id gives way before the strategy name is cut', () => {
    const base = snapshot();
    const snap = { ...base, info: { ...base.info, strategy: 'sma-crossover-btc', id: 'yiilo2' } };
    const line = statusLines(snap, 120, false)[0]!.map((s) => s.text).join('');
    expect(line).toContain('sim:paper sma-crossover-btc ');
    expect(line).not.toContain('id yiilo2');
    const short = { ...base, info: { ...base.info, strategy: 'sma', id: 'yiilo2' } };
    expect(statusLines(short, 120, false)[0]!.map((s) => s.text).join('')).toContain('id yiilo2');
  });
});

describe('10. below 80x24 one honest screen', () => {
  it('says the size needed and the size now, and comes back when resized', async () => {
    const t = setup(snapshot(), { columns: 30, rows: 8 });
    await tick();
    const f = t.frame();
    expect(flat(f)).toContain('terminal too small: 80x24 needed, now 30x8');
    expect(flat(f)).toContain('parity ctl status');
    expect(f).not.toMatch(/\d…/);
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(30);
    t.r.rerender(<App source={t.src} mode="paper" keys={liveKeys()} size={SMALL} wallNow={() => t.clock.now} />);
    await tick();
    expect(t.frame()).toContain('Orders');
  });
});

describe('12a. the status bar names what holds trading', () => {
  it('a loss-limit pause reads HALT loss limit, a strategy error PAUSED strategy error, an operator pause KILL L1', () => {
    const bar = (s: ConsoleSnapshot) => statusLines(s, 120, false).flat().map((x) => x.text).join('');
    const loss = snapshot({ trading: { status: 'paused', reason: LOSS, since: T } }, { killLevel: 1, killReason: `engine paused: ${LOSS}`, holds: [{ key: 'engine', status: 'paused', reason: LOSS, since: T }] });
    expect(bar(loss)).toContain('HALT loss limit');
    expect(bar(loss)).not.toContain('KILL');
    const err = 'strategy threw in onBar (strategies/x.ts:12): boom';
    const thrown = snapshot({ trading: { status: 'paused', reason: err, since: T } }, { killLevel: 1, killReason: `engine paused: ${err}`, holds: [{ key: 'engine', status: 'paused', reason: err, since: T }] });
    expect(bar(thrown)).toContain('PAUSED strategy error');
    const op = snapshot({ trading: { status: 'paused', reason: 'kill switch L1', since: T } }, { killLevel: 1, killReason: 'pause by console', holds: [{ key: 'kill', status: 'paused', reason: 'kill switch L1 paused (pause by console)', since: T }] });
    expect(bar(op)).toContain('KILL L1');
  });
});

describe('12b. a finished kill-switch action fades like a notice', () => {
  it('the done line goes after 15 s, and a re-render is scheduled for it', () => {
    const now = 5_000_000;
    const snap = snapshot({}, { progress: { action: 'resume', by: 'console', state: 'done', detail: 'trading active', startedAt: now - 1000, finishedAt: now, openOrders: 0, positions: [] } as never });
    expect(messageLine(snap, null, null, now + 1000).text).toContain('resume (console) done');
    expect(messageLine(snap, null, null, now + 16_000).text).not.toContain('done');
    expect(messageExpiry(snap, null, null)).toBe(now + 15_000);
  });
});
