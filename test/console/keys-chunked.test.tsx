/**
 * Item 4 of issue 10: keys that arrive in one chunk (a paste, SSH or mosh batching) are each handled,
 * in order; a bracketed paste is never a key. At the app level: ink-testing-library writes the chunk
 * to stdin as one piece, exactly as a terminal delivers it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, type ConsoleKeys } from '../../src/console/app.tsx';
import { KeyReader } from '../../src/console/key-input.ts';
import type { CommandName, CommandResult } from '../../src/ops/commands.ts';
import { StaticSource, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

function setup(over: Partial<ConsoleKeys> = {}) {
  const sent: CommandName[] = [];
  let quits = 0;
  const keys: ConsoleKeys = {
    command: async (name) => { sent.push(name); return { ok: true, command: name, message: `${name} done`, level: 1, incomplete: [] } satisfies CommandResult; },
    quit: () => { quits++; },
    rerunGates: async () => {},
    ...over,
  };
  const src = new StaticSource(snapshot());
  const r = render(<App source={src} mode="paper" keys={keys} size={{ columns: 120, rows: 40 }} />);
  const write = async (s: string) => { r.stdin.write(s); await tick(50); };
  return { r, sent, quits: () => quits, write, frame: () => r.lastFrame() ?? '' };
}

describe('keys in one chunk', () => {
  it('"ff" in one chunk flattens', async () => {
    const t = setup();
    await tick();
    await t.write('ff');
    expect(t.sent).toEqual(['flatten']);
  });

  it('"XX" shuts down, "qq" quits, tab tab moves two panes', async () => {
    const t = setup();
    await tick();
    await t.write('XX');
    expect(t.sent).toEqual(['shutdown']);
    await t.write('\t\t');
    expect(t.frame()).toContain('▶ Pre-flight gates');
    await t.write('qq');
    expect(t.quits()).toBe(1);
  });

  it('escape sequences mixed into a chunk are keys of their own, in order', async () => {
    const t = setup();
    await tick();
    // tab, shift-tab, tab: positions; then f, up-arrow (aborts), f: armed again, nothing sent.
    await t.write('\t\x1b[Z\t');
    expect(t.frame()).toContain('▶ Positions');
    await t.write('f\x1b[Af');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('press f again');
    await t.write('f');
    expect(t.sent).toEqual(['flatten']);
  });

  it('a bracketed paste of "ff" or "X X" does nothing but say so', async () => {
    const t = setup();
    await tick();
    await t.write('\x1b[200~ff\x1b[201~');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('paste ignored');
    await t.write('\x1b[200~X X\x1b[201~');
    expect(t.sent).toEqual([]);
    expect(t.frame()).not.toContain('press X again');
  });

  it('a paste split across chunks stays a paste; keys after it work', async () => {
    const t = setup();
    await tick();
    await t.write('\x1b[200~f');
    await t.write('f q');
    await t.write('q\x1b[201~');
    expect(t.sent).toEqual([]);
    expect(t.quits()).toBe(0);
    await t.write('ff');
    expect(t.sent).toEqual(['flatten']);
  });
});

describe('a paste into a text prompt', () => {
  it("replay's jump prompt takes pasted text as typed text (control characters left out)", async () => {
    const got: string[] = [];
    const base = snapshot();
    const replay = { cursor: 0, total: 10, playing: false, speed: '1x', seekKind: 'fill', prompt: '', message: null, clean: true, warnings: 0 };
    const src = new StaticSource({ ...base, info: { ...base.info, mode: 'replay' }, replay });
    const r = render(<App source={src} mode="replay" keys={{ quit: () => {}, input: (input) => { got.push(input); return true; } }} size={{ columns: 120, rows: 40 }} />);
    await tick();
    r.stdin.write('\x1b[200~14:30\n\x1b[201~');
    await tick(50);
    expect(got).toEqual(['14:30']);
  });
});

describe('KeyReader', () => {
  const inputs = (chunks: string[]) => {
    const r = new KeyReader();
    return chunks.flatMap((c) => r.push(c)).map((i) => (i.kind === 'paste' ? `paste:${i.text}` : i.key.input || Object.keys(i.key).filter((k) => k !== 'input').join('+')));
  };
  it('splits text, sequences, ctrl keys and pastes in order', () => {
    expect(inputs(['ab\x1b[Bc\r\x03'])).toEqual(['a', 'b', 'downArrow', 'c', 'return', 'c']);
    expect(inputs(['\x1b[Z', '\x1b[5~', '\x1b[1;2A'])).toEqual(['tab+shift', 'pageUp', 'shift+upArrow']);
    expect(inputs(['x\x1b[200~he', 'llo\x1b[201~y'])).toEqual(['x', 'paste:hello', 'y']);
    expect(inputs(['\x1bf'])).toEqual(['escape', 'f']);
    expect(inputs(['\x1b[<0;3;4M', 'z'])).toEqual(['z']);
  });
});
