/**
 * Caps lock must never escalate an action (issue 10 item 6): with caps lock on, f arrives as F, d as
 * D, x as X. For every key the reducer binds, in every state it can be pressed in, its case twin
 * must do nothing more destructive. The keys are found by probing the reducer, not from a list that
 * could drift from it.
 */
import { describe, expect, it } from 'vitest';
import { type Armed, type ArmedAction, type Effect, INITIAL_UI, type KeyContext, type KeyOutcome, PANES, type UiState, onKey } from '../../src/console/keys.ts';
import type { KillLevel } from '../../src/ops/kill-state.ts';

const COMMAND_RANK: Record<string, number> = {
  status: 0, pause: 1, external: 1, resume: 2, 'cancel-order': 2, 'close-position': 2, 'accept-venue': 3, 'cancel-all': 3, flatten: 4, shutdown: 5,
};
const ARM_RANK: Record<ArmedAction, number> = { quit: 1, resume: 1, 'cancel-order': 1.5, 'close-position': 1.5, accept: 2, flatten: 3, shutdown: 3.5 };

/** How destructive a key's outcome is: 0 does nothing that matters. */
function rank(before: UiState, out: KeyOutcome): number {
  const e: Effect | null = out.effect;
  if (e !== null) {
    if (e.kind === 'command') return COMMAND_RANK[e.command] ?? 9;
    if (e.kind === 'quit') return 4;
    if (e.kind === 'reconcile' || e.kind === 'gates') return 0.5;
    return 0;
  }
  const a = out.state.armed;
  return a !== null && a !== before.armed ? ARM_RANK[a.action] : 0;
}

const twin = (k: string): string => (k === k.toLowerCase() ? k.toUpperCase() : k.toLowerCase());
const LETTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];

function contexts(): { s: UiState; ctx: KeyContext }[] {
  const out: { s: UiState; ctx: KeyContext }[] = [];
  const levels: KillLevel[] = [0, 1, 3, 4];
  const arms: (Armed | null)[] = [null, ...(['flatten', 'shutdown', 'quit', 'accept', 'resume', 'cancel-order', 'close-position'] as const).map((action) => ({ action, until: 10_000, target: 'T1' }))];
  for (const focus of PANES) for (const killLevel of levels) for (const tradingActive of [true, false]) for (const armed of arms) for (const confirm of [false, true]) {
    out.push({
      s: { ...INITIAL_UI, focus, armed },
      ctx: {
        now: 1000, killLevel, tradingActive, page: 5, reconDifference: true,
        can: { command: true, reconcile: true, gates: true, quit: true },
        resumeConfirm: confirm ? { tripped: 'kill switch L3 flattened', means: 'trading again' } : null,
        rowAction: focus === 'orders' ? { action: 'cancel-order', target: 'O1', label: 'O1' } : focus === 'positions' ? { action: 'close-position', target: 'BTC-USD', label: 'BTC-USD 1' } : null,
      },
    });
  }
  return out;
}

describe('caps lock never escalates', () => {
  it('no bound key has a case twin that does something more destructive', () => {
    const bound = new Set<string>();
    const problems: string[] = [];
    for (const { s, ctx } of contexts()) {
      for (const k of LETTERS) {
        const r = rank(s, onKey(s, k, k === k.toUpperCase() && k !== k.toLowerCase() ? { shift: true } : {}, ctx));
        if (r === 0) continue;
        bound.add(k);
        const t = twin(k);
        const rt = rank(s, onKey(s, t, t === t.toUpperCase() ? { shift: true } : {}, ctx));
        if (rt > r) problems.push(`${k} (rank ${r}) vs ${t} (rank ${rt}) focus ${s.focus} level ${ctx.killLevel} armed ${s.armed?.action ?? '-'}`);
      }
    }
    expect(problems).toEqual([]);
    // The probe found the keys the console binds (so the check above is not vacuous).
    for (const k of ['p', 'c', 'f', 'X', 'a', 'r', 'g', 'q', 'd', 'y', 'Y']) expect(bound, `bound: ${[...bound].join('')}`).toContain(k);
  });

  it('the kill keys\' twins are inert: F, x, C, P, D, A do nothing from rest', () => {
    const ctx = contexts().find((c) => c.s.armed === null && c.s.focus === 'orders' && c.ctx.killLevel === 0)!.ctx;
    for (const k of ['F', 'x', 'C', 'P', 'D', 'A', 'R', 'G']) {
      const out = onKey(INITIAL_UI, k, { shift: k === k.toUpperCase() }, ctx);
      expect(out.effect, k).toBeNull();
      expect(out.state.armed, k).toBeNull();
    }
  });
});
