import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ORDER_EVENTS, ORDER_STATES, TRANSITIONS, TERMINAL_STATES, transition, transitionInPlace, type FsmState, type OrderEventKind, describeTable, mermaid } from '../../src/orders/fsm.ts';

const st = (status: FsmState['status'], returnTo: FsmState['returnTo'] = null): FsmState => ({ status, returnTo });

describe('order state machine table', () => {
  it('has one row per (state, event) pair and only known names', () => {
    const keys = TRANSITIONS.map((r) => `${r.from}|${r.on}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of TRANSITIONS) {
      expect(ORDER_STATES).toContain(r.from);
      expect(ORDER_EVENTS).toContain(r.on);
    }
  });

  it('every state is reachable from initialized', () => {
    const seen = new Set<string>(['initialized']);
    let grew = true;
    while (grew) {
      grew = false;
      for (const r of TRANSITIONS) if (seen.has(r.from) && r.to !== 'previous' && !seen.has(r.to)) { seen.add(r.to); grew = true; }
    }
    expect([...seen].sort()).toEqual([...ORDER_STATES].sort());
  });

  it('the ordinary life of an order', () => {
    let s = st('initialized');
    for (const [ev, want] of [['submit', 'submitted'], ['accept', 'accepted'], ['fill_partial', 'partially_filled'], ['fill_complete', 'filled']] as const) {
      const r = transition(s, ev);
      expect(r.ok).toBe(true);
      if (r.ok) s = r.state;
      expect(s.status).toBe(want);
    }
  });

  it('a rejected cancel returns the order to the state it came from', () => {
    const a = transition(st('partially_filled'), 'cancel_request');
    expect(a.ok && a.state).toEqual({ status: 'pending_cancel', returnTo: 'partially_filled' });
    const b = a.ok ? transition(a.state, 'cancel_reject') : a;
    expect(b.ok && b.state.status).toBe('partially_filled');
  });

  it('a fill during a pending replace makes a rejected replace return to partially_filled', () => {
    let r = transition(st('accepted'), 'replace_request');
    r = r.ok ? transition(r.state, 'fill_partial') : r;
    expect(r.ok && r.state).toEqual({ status: 'pending_replace', returnTo: 'partially_filled' });
    r = r.ok ? transition(r.state, 'replace_reject') : r;
    expect(r.ok && r.state.status).toBe('partially_filled');
  });

  it('fill after cancel: a real world possibility', () => {
    const r = transition(st('canceled'), 'fill_complete');
    expect(r.ok && r.state.status).toBe('filled');
  });

  it('impossible moves are errors, never exceptions', () => {
    const r = transition(st('filled'), 'accept');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/filled --accept-->/);
  });

  it('terminal states absorb everything except late fills (property)', () => {
    fc.assert(fc.property(fc.constantFrom(...TERMINAL_STATES), fc.constantFrom(...ORDER_EVENTS), (s, e) => {
      const r = transition(st(s), e as OrderEventKind);
      if (!r.ok) return;
      expect(e === 'fill_partial' || e === 'fill_complete').toBe(true);
      expect(TERMINAL_STATES.has(r.state.status)).toBe(true);
    }));
  });

  it('random event sequences never throw and never leave a terminal state for a live one (property)', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...ORDER_EVENTS), { maxLength: 40 }), (events) => {
      let s = st('initialized');
      let terminal = false;
      for (const e of events) {
        const r = transition(s, e);
        if (!r.ok) continue;
        s = r.state;
        if (terminal) expect(TERMINAL_STATES.has(s.status)).toBe(true);
        terminal ||= TERMINAL_STATES.has(s.status);
      }
    }));
  });

  it('the in-place step (the registry\'s, no object per event) gives what transition() gives, for every (state, returnTo, event)', () => {
    const returns = [null, ...ORDER_STATES];
    for (const status of ORDER_STATES) for (const returnTo of returns) for (const on of ORDER_EVENTS) {
      const pure = transition({ status, returnTo }, on);
      const m = { status, returnTo };
      const row = transitionInPlace(m, on);
      if (pure.ok) {
        expect(row).toBe(pure.row);
        expect(m).toEqual(pure.state);
      } else {
        expect(row).toBeUndefined();
        expect(m).toEqual({ status, returnTo }); // untouched
      }
    }
  });

  it('describes itself for `parity doc orders` and the README', () => {
    expect(describeTable()).toMatch(/^13 states, \d+ transitions/);
    expect(mermaid()).toMatch(/^stateDiagram-v2/);
  });
});

describe('README order diagram', () => {
  it('is exactly the diagram generated from the table', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /```mermaid\n([\s\S]*?)\n```/.exec(readme);
    expect(m?.[1]).toBe(mermaid());
  });
});
