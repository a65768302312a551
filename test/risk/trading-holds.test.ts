import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRIGGERS, TradingHolds, triggersTable } from '../../src/risk/trading-holds.ts';

describe('trading holds', () => {
  it('the most severe hold wins, and lifting one never lifts another', () => {
    const h = new TradingHolds();
    expect(h.desired().status).toBe('active');
    h.hold('kill', 'paused', 'L1 by test', 0);
    h.hold('gates', 'halted', 'clock skew', 0);
    expect(h.desired()).toEqual({ status: 'halted', reason: 'clock skew' });
    h.release((k) => k === 'kill');
    expect(h.desired().status).toBe('halted');
    h.release((k) => k === 'gates');
    expect(h.desired().status).toBe('active');
  });

  it('the README carries the triggers table exactly as the code has it', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const m = /<!-- trading-holds -->\n([\s\S]*?)\n<!-- \/trading-holds -->/.exec(readme);
    expect(m?.[1]).toBe(triggersTable());
    expect(TRIGGERS.length).toBeGreaterThan(8);
  });
});
