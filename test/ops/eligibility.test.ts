/**
 * Venue eligibility as data (rules/venue-access.json): a live session the rules forbid for the
 * account's jurisdiction is refused by the eligibility gate, naming the rule and its source; an
 * unset jurisdiction on a venue with rules fails live and warns in paper; rules outside their dates
 * do not count; a malformed rules file fails with the bad rule named.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionClient } from '../../src/ports/index.ts';
import type { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { DEFAULT_GATES } from '../../src/ops/gates/index.ts';
import { eligibilityGate, eligibilityGateFor } from '../../src/ops/gates/eligibility.ts';
import { RulesError, loadRulesFile, parseRules, shippedRules } from '../../src/ops/rules/index.ts';
import { rulesFor } from '../../src/ops/rules/evaluate.ts';
import { type Rig, makeRig, tempDir } from './rig.ts';

const rigs: Rig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

/**
 * The simulator under another venue's name: the gate reads only `execution.venue`, and the
 * simulator is the one venue that runs without a network. Every other member is the simulator's own.
 */
const named = (venue: string) => (sim: SimVenue): ExecutionClient => new Proxy(sim, {
  get(target, key, receiver) {
    if (key === 'venue') return venue;
    const v = Reflect.get(target, key, receiver) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  },
});

/** Before any bar the engine has no time of its own: the gate reads the (session's) wall clock. */
const TODAY = Date.UTC(2026, 11, 1, 12);

async function session(venue: string, mode: 'paper' | 'live', jurisdiction?: string) {
  const r = await makeRig({ mode, execution: named(venue), gates: [eligibilityGate], ops: { wallNow: () => TODAY, ...(jurisdiction !== undefined ? { jurisdiction } : {}) } });
  rigs.push(r);
  const [g] = await r.ops.firstGates();
  return { r, g: g! };
}

describe('eligibility gate', () => {
  it('refuses a US live session on okx, naming the rule and its source, and holds trading', async () => {
    const { r, g } = await session('okx', 'live', 'US');
    expect(g.id).toBe('eligibility');
    expect(g.status).toBe('fail');
    expect(g.detail).toContain('us-okx-global');
    expect(g.detail).toMatch(/https:\/\/www\.okx\.com\//);
    expect(g.detail).toMatch(/US/);
    expect(r.engine.tradingState().status).toBe('halted');
    expect(r.engine.tradingState().reason).toMatch(/Venue eligibility failed/);
  });

  it('passes a DE live session on okx', async () => {
    const { r, g } = await session('okx', 'live', 'DE');
    expect(g.status).toBe('pass');
    expect(g.detail).toMatch(/DE/);
    expect(r.engine.tradingState().status).toBe('active');
  });

  it('refuses each US-excluded venue live (binance, bybit, deribit) and passes alpaca and ibkr', async () => {
    const at = TODAY;
    for (const v of ['binance', 'bybit', 'deribit']) {
      const rs = rulesFor('US', v, at);
      expect(rs.map((x) => x.verdict), v).toContain('forbid');
      expect(rs.every((x) => x.source.url.startsWith('https://')), v).toBe(true);
    }
    for (const v of ['alpaca', 'ibkr', 'sim']) expect(rulesFor('US', v, at), v).toEqual([]);
  });

  it('a forbidden venue in a paper session only warns (no real money)', async () => {
    const { r, g } = await session('okx', 'paper', 'US');
    expect(g.status).toBe('warn');
    expect(g.detail).toContain('us-okx-global');
    expect(r.engine.tradingState().status).toBe('active');
  });

  it('fails live when account.jurisdiction is unset for a venue with rules, warns in paper', async () => {
    const live = await session('okx', 'live');
    expect(live.g.status).toBe('fail');
    expect(live.g.fix).toMatch(/set account\.jurisdiction/);
    const paper = await session('okx', 'paper');
    expect(paper.g.status).toBe('warn');
    expect(paper.g.fix).toMatch(/set account\.jurisdiction/);
  });

  it('passes the simulator with no jurisdiction (no rules govern it), and is one of the default gates', async () => {
    const { g } = await session('sim', 'live');
    expect(g.status).toBe('pass');
    expect(DEFAULT_GATES.map((x) => x.id)).toContain('eligibility');
  });
});

const rule = (over: Record<string, unknown> = {}) => ({
  id: 'us-x', jurisdiction: 'US', governs: { kind: 'venue_access', venue: 'okx' }, verdict: 'forbid',
  effectiveFrom: '2025-01-01', effectiveTo: '2025-12-31',
  source: { title: 'OKX Terms of Service', url: 'https://www.okx.com/help/terms-of-service', checked: '2026-11-23' }, note: '', ...over,
});

describe('rulesFor', () => {
  const rules = parseRules({ rules: [rule(), rule({ id: 'us-later', effectiveFrom: '2027-01-01', effectiveTo: null })] }, 'test');

  it('counts a rule only inside its effective dates (both ends inclusive, UTC days)', () => {
    expect(rulesFor('US', 'okx', Date.UTC(2024, 11, 31, 23, 59), rules)).toEqual([]);
    expect(rulesFor('US', 'okx', Date.UTC(2025, 0, 1), rules).map((r) => r.id)).toEqual(['us-x']);
    expect(rulesFor('US', 'okx', Date.UTC(2025, 11, 31, 23, 59), rules).map((r) => r.id)).toEqual(['us-x']);
    expect(rulesFor('US', 'okx', Date.UTC(2026, 5, 1), rules)).toEqual([]); // between the two
    expect(rulesFor('US', 'okx', Date.UTC(2027, 0, 1), rules).map((r) => r.id)).toEqual(['us-later']);
  });

  it('a rule of a country covers its subdivisions (US covers US-NY), not other countries or venues', () => {
    const at = Date.UTC(2025, 5, 1);
    expect(rulesFor('US-NY', 'okx', at, rules).map((r) => r.id)).toEqual(['us-x']);
    expect(rulesFor('DE', 'okx', at, rules)).toEqual([]);
    expect(rulesFor('US', 'bybit', at, rules)).toEqual([]);
  });

  it('a gate ignores a forbid that has lapsed: the session passes', async () => {
    const lapsed = parseRules({ rules: [rule({ effectiveTo: '2020-01-01', effectiveFrom: '2019-01-01' })] }, 'test');
    const r = await makeRig({ mode: 'live', execution: named('okx'), gates: [eligibilityGateFor(lapsed)], ops: { jurisdiction: 'US', wallNow: () => TODAY } });
    rigs.push(r);
    const [g] = await r.ops.firstGates();
    expect(g!.status).toBe('pass');
  });
});

describe('rules files', () => {
  const write = (data: unknown): string => {
    const p = join(tempDir('parity-rules-'), 'venue-access.json');
    writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
    return p;
  };

  it('the shipped file loads, every rule sourced and checked', () => {
    const rs = shippedRules();
    expect(rs.length).toBeGreaterThanOrEqual(4);
    for (const r of rs) expect(r.source.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('a malformed rule is refused with the file, the rule id and the field', () => {
    const p = write({ rules: [rule({ id: 'fine' }), rule({ id: 'us-bad', source: { title: 'x', url: 'not a url', checked: '2026-11-23' } })] });
    expect(() => loadRulesFile(p)).toThrow(RulesError);
    expect(() => loadRulesFile(p)).toThrow(/venue-access\.json: 1 bad rule:\n {2}rule "us-bad" \(#2\): source\.url: must be an http\(s\) URL/);
  });

  it('names bad dates, unknown venues and jurisdictions, duplicate ids and bad JSON', () => {
    expect(() => loadRulesFile(write({ rules: [rule({ effectiveFrom: '2025-13-01' })] }))).toThrow(/rule "us-x" \(#1\).*effectiveFrom/);
    expect(() => loadRulesFile(write({ rules: [rule({ effectiveTo: '2024-01-01' })] }))).toThrow(/rule "us-x".*effectiveTo 2024-01-01 is before effectiveFrom 2025-01-01/);
    expect(() => loadRulesFile(write({ rules: [rule({ governs: { kind: 'venue_access', venue: 'kraken' } })] }))).toThrow(/rule "us-x".*governs\.venue/);
    expect(() => loadRulesFile(write({ rules: [rule({ jurisdiction: 'XX' })] }))).toThrow(/rule "us-x".*jurisdiction.*XX/);
    expect(() => loadRulesFile(write({ rules: [rule(), rule()] }))).toThrow(/rule "us-x" \(#2\).*duplicate id/);
    expect(() => loadRulesFile(write({ rules: [{ verdict: 'forbid' }] }))).toThrow(/rule #1: id: /);
    expect(() => loadRulesFile(write('{"rules": ['))).toThrow(/venue-access\.json is not valid JSON/);
    expect(() => loadRulesFile(write({ rule: [] }))).toThrow(/venue-access\.json: not a rules file .*expected \{"rules": \[\.\.\.\]\}/);
  });
});
