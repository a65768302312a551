import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, type ConsoleKeys } from '../../src/console/app.tsx';
import type { CommandName, CommandResult } from '../../src/ops/commands.ts';
import { INITIAL_UI, onKey } from '../../src/console/keys.ts';
import { StaticSource, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

function setup(over: Partial<ConsoleKeys> = {}, snapOps = {}) {
  const sent: CommandName[] = [];
  let quits = 0;
  let now = 1_000_000;
  const keys: ConsoleKeys = {
    command: async (name) => { sent.push(name); return { ok: true, command: name, message: `${name} done`, level: 1, incomplete: [] } satisfies CommandResult; },
    quit: () => { quits++; },
    quitWarning: () => 'sim venue ends: 1 order(s), BTC-USD 1.5',
    rerunGates: async () => {},
    ...over,
  };
  const src = new StaticSource(snapshot({}, snapOps));
  const r = render(<App source={src} mode="paper" keys={keys} size={{ columns: 120, rows: 40 }} wallNow={() => now} />);
  const press = async (s: string) => { r.stdin.write(s); await tick(50); };
  return { r, src, sent, quits: () => quits, press, advance: (ms: number) => { now += ms; }, frame: () => r.lastFrame() ?? '' };
}

describe('hotkeys', () => {
  it('p pauses; from L1 one p resumes', async () => {
    const t = setup();
    await tick();
    await t.press('p');
    expect(t.sent).toEqual(['pause']);
    t.src.set(snapshot({}, { killLevel: 1, killReason: 'paused by console' }));
    await tick();
    expect(t.frame()).toContain('p RESUME');
    await t.press('p');
    expect(t.sent).toEqual(['pause', 'resume']);
    expect(t.frame()).toContain('resume: resume done');
  });

  it('from L3 or a halt p arms, says what tripped, and only the second p resumes (confirmed)', async () => {
    const args: (readonly string[] | undefined)[] = [];
    const t = setup({ command: async (name, a) => { args.push(a); return { ok: true, command: name, message: `${name} done`, level: 0, incomplete: [] }; } });
    t.src.set(snapshot({}, { killLevel: 3, killReason: 'flatten by console' }));
    await tick();
    await t.press('p');
    expect(args).toEqual([]);
    expect(t.frame()).toContain('press p again within 3 s to RESUME, any other key aborts. Stopped by kill switch L3');
    await t.press('P'); // caps lock: the twin aborts, never confirms
    expect(args).toEqual([]);
    expect(t.frame()).toContain('resume aborted');
    await t.press('pp');
    expect(args).toEqual([['--confirm']]);

    const reason = 'daily loss 1200.00 exceeds the max daily loss 1000 (equity 98800.00, day start 100000.00 on 2024-03-04)';
    t.src.set(snapshot({ trading: { status: 'paused', reason, since: 0 } }, { killLevel: 1, killReason: `engine paused: ${reason}`, holds: [{ key: 'engine', status: 'paused', reason, since: 0 }] }));
    await tick();
    await t.press('p');
    const flat = t.frame().split('\n').map((l) => l.trim()).join(' ');
    expect(flat).toContain('Stopped by the loss limit');
    expect(flat).toMatch(/next order that adds exposure pauses it again/);
    t.advance(3500);
    await t.press('p'); // the window closed: this only arms again
    expect(args).toHaveLength(1);
  });

  it('c cancels all at once', async () => {
    const t = setup();
    await tick();
    await t.press('c');
    expect(t.sent).toEqual(['cancel-all']);
  });

  it('f arms ("press f again"), the second f within 3 s flattens', async () => {
    const t = setup();
    await tick();
    await t.press('f');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('press f again within 3 s to FLATTEN');
    t.advance(2000);
    await t.press('f');
    expect(t.sent).toEqual(['flatten']);
  });

  it('a second f after the window only arms again; another key aborts', async () => {
    const t = setup();
    await tick();
    await t.press('f');
    t.advance(3500);
    await t.press('f');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('press f again');
    await t.press('x');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('flatten aborted');
  });

  it('X X flattens, saves and exits', async () => {
    const t = setup();
    await tick();
    await t.press('X');
    expect(t.frame()).toContain('press X again within 3 s to FLATTEN, SAVE STATE AND EXIT');
    await t.press('X');
    expect(t.sent).toEqual(['shutdown']);
  });

  it('q asks first and says what stays open; q again quits', async () => {
    const t = setup();
    await tick();
    await t.press('q');
    expect(t.quits()).toBe(0);
    expect(t.frame()).toContain('QUIT? q/y yes');
    expect(t.frame()).toContain('sim venue ends: 1 order(s), BTC-USD 1.5');
    await t.press('q');
    expect(t.quits()).toBe(1);
  });

  it('Ctrl-C goes through the same confirm; any other key stays', async () => {
    const t = setup();
    await tick();
    await t.press('\x03');
    expect(t.quits()).toBe(0);
    expect(t.frame()).toContain('QUIT? q/y');
    await t.press('n');
    expect(t.quits()).toBe(0);
    await t.press('\x03');
    await t.press('\x03');
    expect(t.quits()).toBe(1);
    expect(t.sent).toEqual([]); // Ctrl-C is never the c of cancel-all
  });

  it('r without a reconcile hook says so honestly; with one it shows the result', async () => {
    const t = setup();
    await tick();
    await t.press('r');
    expect(t.frame()).toContain('reconciliation not available for this venue');
    const u = setup({ reconcile: async () => 'reconciliation clean: books agree with the venue' });
    await tick();
    await u.press('r');
    expect(u.frame()).toContain('reconciliation clean');
  });

  it('tab / shift-tab move focus, arrows scroll the events pane, ? shows full help', async () => {
    const t = setup();
    await tick();
    expect(t.frame()).toContain('▶ Orders');
    await t.press('\t');
    expect(t.frame()).toContain('▶ Positions');
    await t.press('\x1b[Z');
    expect(t.frame()).toContain('▶ Orders');
    for (let i = 0; i < 4; i++) await t.press('\t');
    expect(t.frame()).toContain('▶ Events');
    await t.press('\x1b[A');
    await t.press('\x1b[A');
    expect(t.frame()).toContain('scrolled back 2');
    expect(t.frame()).toContain('event number 58');
    expect(t.frame()).not.toContain('event number 60');
    await t.press('?');
    expect(t.frame()).toMatch(/Help .*esc closes/);
    expect(t.frame()).toContain('L3 flatten');
    expect(t.frame()).toContain('parity ctl pause|resume|cancel-all|flatten|shutdown|status');
    await t.press('\x1b');
    await tick(80);
    expect(t.frame()).not.toMatch(/Help .*esc closes/);
  });

  it('a replay (no command handler) has inert kill keys and none in the help line', async () => {
    const sent: string[] = [];
    const src = new StaticSource(snapshot({ info: { ...snapshot().info, mode: 'replay' } }));
    const r = render(<App source={src} mode="replay" keys={{ quit: () => {}, extra: [{ key: ' ', label: 'space play/pause', run: () => sent.push('space') }] }} size={{ columns: 120, rows: 40 }} />);
    await tick();
    r.stdin.write('c');
    r.stdin.write(' ');
    await tick();
    expect(sent).toEqual(['space']);
    expect(r.lastFrame()).toContain('REPLAY');
    expect(r.lastFrame()).not.toContain('c cancel-all');
  });
});

describe('key reducer', () => {
  const ctx = { now: 0, killLevel: 0 as const, tradingActive: true, can: { command: true, reconcile: true, gates: true, quit: true }, page: 10 };
  it('X then f aborts the shutdown instead of flattening', () => {
    const a = onKey(INITIAL_UI, 'X', {}, ctx);
    const b = onKey(a.state, 'f', {}, { ...ctx, now: 100 });
    expect(b.effect).toMatchObject({ kind: 'notice' });
    expect(b.state.armed).toBeNull();
  });
  it('p resumes when trading is paused by something other than the kill switch', () => {
    expect(onKey(INITIAL_UI, 'p', {}, { ...ctx, tradingActive: false }).effect).toEqual({ kind: 'command', command: 'resume' });
  });
});
