/**
 * Venue eligibility: whether the venue serves the account's jurisdiction (account.jurisdiction),
 * judged by the dated, sourced rules in rules/venue-access.json on the engine's day. Live: a rule
 * that forbids the venue fails the gate (naming the rule and its source), and so does an unset
 * jurisdiction on a venue that has rules at all (it serves some places and not others). Paper only
 * warns: no real money moves, and a paper session on a venue is how one tries it out.
 */
import { PRODUCTS, type Product, type Rule, deciding, productOf, rulesFor, shippedRules, venueHasRules } from '../rules/index.ts';
import { type Gate, type GateContext, fail, pass, warn } from './types.ts';

const SET_IT = 'set account.jurisdiction in parity.config.json to where the account holder lives (an ISO code: "US", "DE", "US-NY")';

function cite(r: Rule): string {
  const s = r.source;
  // The reason lands on the message line (three rows at 80 columns): the rule and its source first.
  return `rule ${r.id}, in force ${r.effectiveTo !== null ? `${r.effectiveFrom} to ${r.effectiveTo}` : `since ${r.effectiveFrom}`} (${s.title}, ${s.url}, checked ${s.checked}${s.secondary === true ? ', secondary source only' : ''})`;
}

/** The gate over a given rule set (tests, other rule files); `eligibilityGate` reads the shipped one. */
export function eligibilityGateFor(rules: () => readonly Rule[]): Gate;
export function eligibilityGateFor(rules: readonly Rule[]): Gate;
export function eligibilityGateFor(rules: readonly Rule[] | (() => readonly Rule[])): Gate {
  const get = typeof rules === 'function' ? rules : () => rules;
  return {
    id: 'eligibility',
    title: 'Venue eligibility',
    check(ctx: GateContext) {
      const all = get();
      const venue = ctx.execution.venue;
      // Engine time, as every gate judges (a replayed session is judged on its own days); before any
      // event a push-fed engine reads 0 (1970), which says nothing about today: the wall clock then.
      const now = ctx.engine.now();
      const ts = Number.isFinite(now) && now > 0 ? now : ctx.wallNow();
      const day = new Date(ts).toISOString().slice(0, 10);
      const live = ctx.mode === 'live';
      const j = ctx.jurisdiction ?? null;
      if (j === null) {
        if (!venueHasRules(venue, ts, all)) return pass(`no venue-access rules for ${venue} (${day})`);
        const d = `${venue} serves some jurisdictions and not others, and account.jurisdiction is not set`;
        return live ? fail(d, SET_IT) : warn(`${d}: a live session would be refused`, SET_IT);
      }
      const traded = [...new Set(ctx.instruments.map((i) => productOf(i.assetClass)))];
      const products: readonly Product[] = traded.length > 0 ? traded : PRODUCTS;
      const applicable = rulesFor(j, venue, ts, all);
      const decided = new Map<Rule, Product[]>();
      for (const p of products) {
        const r = deciding(applicable, p);
        if (r !== null) decided.set(r, [...(decided.get(r) ?? []), p]);
      }
      const said = (v: Rule['verdict']) => [...decided].filter(([r]) => r.verdict === v).map(([r, ps]) => `${r.governs.product !== undefined ? `${ps.join(', ')}: ` : ''}${cite(r)}`);
      const forbidden = said('forbid');
      if (forbidden.length > 0) {
        const d = `${venue} does not serve ${j} (${day}): ${forbidden.join('; ')}`;
        const notes = [...decided.keys()].filter((r) => r.verdict === 'forbid').map((r) => r.note).join(' ');
        const fix = `use a venue that serves ${j}, or correct account.jurisdiction if ${j} is wrong. ${notes}`.trim();
        return live ? fail(d, fix) : warn(`${d}; a live session would be refused`, fix);
      }
      const warned = said('warn');
      if (warned.length > 0) return warn(`${venue} for ${j} (${day}): ${warned.join('; ')}`, 'read the rule\'s note and source before trading live');
      const allowed = said('allow');
      return pass(allowed.length > 0 ? `${venue} serves ${j} (${day}): ${allowed.join('; ')}` : `no rule restricts ${j} on ${venue} (${day})`);
    },
  };
}

export const eligibilityGate: Gate = eligibilityGateFor(shippedRules);
