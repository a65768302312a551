/**
 * The console's "accept venue state": `a` arms while the reconciliation pane shows a difference, a
 * second `a` within 3 s sends accept-venue on the command bus (once); after the window it arms again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, type ConsoleKeys } from '../../src/console/app.tsx';
import type { CommandName, CommandResult } from '../../src/ops/commands.ts';
import type { ReconcileSummary } from '../../src/ops/gates/types.ts';
import { INITIAL_UI, onKey } from '../../src/console/keys.ts';
import { StaticSource, snapshot, tick } from './fixtures.ts';

afterEach(() => cleanup());

const DIFF: ReconcileSummary = {
  clean: false, at: Date.now() - 3_000, lines: ['the venue holds 5 MSFT; parity holds none', 'cash USD: 100000.00 here, 99750.00 at the venue (tolerance 10.00)'],
  status: 'confirmed', recheckAt: null, paused: true,
};

function setup(reconciliation: ReconcileSummary | null) {
  const sent: CommandName[] = [];
  let now = 1_000_000;
  const keys: ConsoleKeys = {
    command: async (name) => { sent.push(name); return { ok: true, command: name, message: `${name} done`, level: 0, incomplete: [] } satisfies CommandResult; },
    reconcile: async () => 'reconciled',
    quit: () => {},
  };
  const src = new StaticSource(snapshot({}, { reconcileUnavailable: null, reconciliation }));
  const r = render(<App source={src} mode="paper" keys={keys} size={{ columns: 120, rows: 40 }} wallNow={() => now} />);
  const press = async (s: string) => { r.stdin.write(s); await tick(50); };
  return { r, sent, press, advance: (ms: number) => { now += ms; }, frame: () => r.lastFrame() ?? '' };
}

describe('a a: accept the venue state', () => {
  it('arms with a message while a difference is shown; the second a within 3 s sends accept-venue once', async () => {
    const t = setup(DIFF);
    await tick();
    await t.press('a');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain("press a again within 3 s to ACCEPT THE VENUE'S STATE");
    t.advance(2_000);
    await t.press('a');
    expect(t.sent).toEqual(['accept-venue']);
    await t.press('a'); // a third press only arms again
    expect(t.sent).toEqual(['accept-venue']);
  });

  it('a second a after the window re-arms instead of accepting', async () => {
    const t = setup(DIFF);
    await tick();
    await t.press('a');
    t.advance(3_500);
    await t.press('a');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('press a again within 3 s');
    t.advance(1_000);
    await t.press('a');
    expect(t.sent).toEqual(['accept-venue']);
  });

  it('with no difference shown, a does nothing but say so', async () => {
    const t = setup({ clean: true, at: Date.now(), lines: [] });
    await tick();
    await t.press('a');
    await t.press('a');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('nothing to accept');
  });

  it('r stays reconcile now', async () => {
    const t = setup(DIFF);
    await tick();
    await t.press('r');
    expect(t.sent).toEqual([]);
    expect(t.frame()).toContain('reconciled');
  });

  it('the pane names the difference and the remedy; the help line offers a a', async () => {
    const t = setup(DIFF);
    await tick();
    const f = t.frame();
    expect(f).toContain('the venue holds 5 MSFT; parity holds none');
    expect(f).toMatch(/confirmed/);
    expect(f).toMatch(/a a accept venue/);
    await t.press('?');
    expect(t.frame()).toMatch(/accept the venue's state/);
    expect(t.frame()).toContain('accept-venue');
  });

  it('reducer: a arms only with a difference, acts inside the window', () => {
    const ctx = { now: 0, killLevel: 0 as const, tradingActive: false, can: { command: true, reconcile: true, gates: true, quit: true }, page: 10, reconDifference: true };
    const a = onKey(INITIAL_UI, 'a', {}, ctx);
    expect(a.effect).toBeNull();
    expect(a.state.armed).toMatchObject({ action: 'accept' });
    expect(onKey(a.state, 'a', {}, { ...ctx, now: 2_999 }).effect).toEqual({ kind: 'command', command: 'accept-venue' });
    const late = onKey(a.state, 'a', {}, { ...ctx, now: 3_001 });
    expect(late.effect).toBeNull();
    expect(late.state.armed).toMatchObject({ action: 'accept', until: 6_001 });
    expect(onKey(a.state, 'x', {}, { ...ctx, now: 100 }).effect).toMatchObject({ kind: 'notice' });
    expect(onKey(INITIAL_UI, 'a', {}, { ...ctx, reconDifference: false }).effect).toMatchObject({ kind: 'notice', text: expect.stringMatching(/nothing to accept/) });
  });
});
