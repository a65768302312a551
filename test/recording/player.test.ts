import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/console/app.tsx';
import type { ConsoleSnapshot } from '../../src/console/model.ts';
import { num } from '../../src/recording/recorder.ts';
import { openRecording } from '../../src/recording/recording.ts';
import { ReplayPlayer, parseJump } from '../../src/console/replay-source.ts';

const SAMPLE = join('sessions', readdirSync('sessions').find((n) => n.startsWith('sample-'))!);
const rec = openRecording(SAMPLE);
const FIXED_WALL = () => Date.UTC(2030, 0, 1);

/** A snapshot without the fields that count frames or read the wall clock. */
const comparable = (s: ConsoleSnapshot) => JSON.stringify({ ...s, seq: 0, wallTime: 0 });

describe('replay player', () => {
  it('the same cursor gives the same snapshot whichever way it was reached', () => {
    const a = new ReplayPlayer(rec, { wallNow: FIXED_WALL });
    const firstFill = rec.findNext(-1, 'fill')!;
    const target = firstFill + 5;
    for (let i = 0; i < target + 40; i++) a.handleKey('', { rightArrow: true });
    for (let i = 0; i < 40; i++) a.handleKey('', { leftArrow: true });
    expect(a.cursor).toBe(target);
    const b = new ReplayPlayer(rec, { wallNow: FIXED_WALL });
    b.seek(target);
    expect(comparable(a.get())).toBe(comparable(b.get()));
    const c = new ReplayPlayer(rec, { wallNow: FIXED_WALL, start: rec.total - 1 });
    c.seek(target);
    expect(comparable(c.get())).toBe(comparable(b.get()));
  });

  it('n / N jump between events of the chosen kind; k changes the kind', () => {
    const p = new ReplayPlayer(rec, { wallNow: FIXED_WALL });
    expect(p.seekKind).toBe('fill');
    p.handleKey('n', {});
    expect(rec.kindOf(p.cursor)).toBe('fill');
    const f1 = p.cursor;
    p.handleKey('n', {});
    expect(p.cursor).toBe(rec.findNext(f1, 'fill'));
    p.handleKey('N', {});
    expect(p.cursor).toBe(f1);
    p.handleKey('k', {}); // rejection
    expect(p.seekKind).toBe('rejection');
    // The shipped sample is a clean session: no order was denied or rejected, so n stays put and
    // says so instead of jumping somewhere else.
    expect(rec.findNext(0, 'rejection')).toBeNull();
    p.seek(5);
    p.handleKey('n', {});
    expect(p.cursor).toBe(5);
    expect(p.get().replay?.message).toMatch(/no later rejection/);
  });

  it('g opens a prompt that jumps to a time or an event number', () => {
    const p = new ReplayPlayer(rec, { wallNow: FIXED_WALL });
    p.handleKey('g', {});
    for (const ch of '#100') p.handleKey(ch, {});
    expect(p.get().replay?.prompt).toBe('#100');
    p.handleKey('', { return: true });
    expect(p.cursor).toBe(99);
    expect(p.get().replay?.prompt).toBeNull();
    const t = rec.timeOf(2000);
    p.handleKey('g', {});
    for (const ch of new Date(t).toISOString()) p.handleKey(ch, {});
    p.handleKey('', { return: true });
    expect(rec.timeOf(p.cursor)).toBe(t);
    expect(parseJump('+1h', rec, 0)).toBe(rec.indexAtTime(rec.timeOf(0) + 3_600_000));
    expect(typeof parseJump('tomorrow-ish', rec, 0)).toBe('string');
  });

  it('plays in data time at the chosen pace and stops at the end', () => {
    let wall = 0;
    const p = new ReplayPlayer(rec, { wallNow: () => wall });
    p.handleKey(']', {}); // 1800x
    expect(p.get().replay?.speed).toBe('1800x');
    p.play();
    wall += 1000; // one wall second = 30 data minutes = 30 one-minute bars
    p.tick();
    p.pause();
    expect(rec.timeOf(p.cursor) - rec.timeOf(0)).toBe(30 * 60_000);
    p.seek(rec.total - 3);
    p.play();
    wall += 10_000_000;
    p.tick();
    expect(p.cursor).toBe(rec.total - 1);
    expect(p.playing).toBe(false);
    p.dispose();
  });

  it('cannot place an order: the snapshot has no venue and the console gets no command handler', () => {
    const p = new ReplayPlayer(rec, { wallNow: FIXED_WALL });
    expect(p.get().info.mode).toBe('replay');
    expect(p.get().connection.detail).toMatch(/no venue/);
  });
});

describe('replay in the console (ink)', () => {
  const size = { columns: 140, rows: 40 };
  const mount = (p: ReplayPlayer) => render(createElement(App, {
    source: p, mode: 'replay', colors: false, size, wallNow: FIXED_WALL,
    keys: { input: (i, k) => p.handleKey(i, k), quit: () => undefined },
  }));
  const settle = () => new Promise((r) => setTimeout(r, 30));

  it('shows REPLAY and the cursor, and the same screen for the same cursor reached forward or backward', async () => {
    const a = new ReplayPlayer(rec, { wallNow: FIXED_WALL });
    const ui = mount(a);
    await settle();
    expect(ui.lastFrame()).toContain('REPLAY');
    expect(ui.lastFrame()).toContain(`event 1/${rec.total}`);
    const target = rec.findNext(-1, 'fill')! + 2;
    for (let i = 0; i < target + 25; i++) { ui.stdin.write('\u001B[C'); }
    await settle();
    for (let i = 0; i < 25; i++) { ui.stdin.write('\u001B[D'); }
    await settle();
    expect(a.cursor).toBe(target);
    const backward = ui.lastFrame();
    ui.unmount();

    const b = new ReplayPlayer(rec, { wallNow: FIXED_WALL, start: target });
    const ui2 = mount(b);
    await settle();
    expect(ui2.lastFrame()).toBe(backward);
    expect(backward).toContain(`event ${target + 1}/${rec.total}`);
    expect(backward).toContain('BTC-USD');
    ui2.unmount();
  });
});

describe('market numbers as text', () => {
  it('parse back to the same double', () => {
    for (const x of [60035.11, 12.63208, 0.00001, 1e-9, 60000, 0.1 + 0.2, 123456789.5, 1.5e300, -3.25, 59999.99, 0.3]) {
      expect(Number(num(x))).toBe(x);
      expect(JSON.parse(num(x))).toBe(x);
    }
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!hasTmux)('replay in a real terminal (tmux)', () => {
  it('steps forward and back to the same screen, and quits', async () => {
    const name = `parity-replay-${process.pid}`;
    // A tmux server of our own: the operator's sessions are never touched.
    const tmux = (...a: string[]) => spawnSync('tmux', ['-L', `parity-player-${process.pid}`, ...a], { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-p', '-t', name).stdout;
    /** Poll the screen until it passes `ok` (no fixed sleeps: a loaded machine only makes it slower). */
    const until = async (what: string, ok: (s: string) => boolean, ms = 15_000): Promise<string> => {
      const end = Date.now() + ms;
      let s = screen();
      while (!ok(s)) {
        if (Date.now() > end) throw new Error(`the screen never showed ${what}:\n${s}`);
        await new Promise((r) => setTimeout(r, 50));
        s = screen();
      }
      return s;
    };
    tmux('new-session', '-d', '-s', name, '-x', '140', '-y', '40', `cd ${process.cwd()} && NO_COLOR=1 node bin/parity.js replay ${SAMPLE} --at '#200'; echo EXITED; sleep 30`);
    try {
      const at200 = await until('event 200', (s) => s.includes(`event 200/${rec.total}`) && s.includes('▶ #200'));
      for (let i = 0; i < 5; i++) tmux('send-keys', '-t', name, 'Right');
      await until('event 205', (s) => s.includes(`event 205/${rec.total}`));
      for (let i = 0; i < 5; i++) tmux('send-keys', '-t', name, 'Left');
      // Back at event 200: the very same screen as before the steps.
      const back = await until('event 200 again', (s) => s.includes(`event 200/${rec.total}`));
      expect(back).toBe(at200);
      tmux('send-keys', '-t', name, 'q');
      await until('the quit confirm', (s) => /q or y quits/.test(s));
      tmux('send-keys', '-t', name, 'q');
      await until('the exit', (s) => s.includes('EXITED'));
    } finally {
      tmux('kill-server');
    }
  }, 40_000);
});
