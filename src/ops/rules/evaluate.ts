/**
 * Which rules apply, as pure functions of the rules, the jurisdiction, the venue and a time. A rule
 * counts on the UTC days from effectiveFrom to effectiveTo, both included.
 */
import type { AssetClass } from '../../domain/instrument.ts';
import { covers, depth } from './jurisdiction.ts';
import { type Product, type Rule, type Verdict } from './schema.ts';
import { shippedRules } from './load.ts';

const day = (ts: number): string => new Date(ts).toISOString().slice(0, 10);

export const inForce = (r: Rule, ts: number): boolean => {
  const d = day(ts);
  return r.effectiveFrom <= d && (r.effectiveTo === null || d <= r.effectiveTo);
};

/** The venue-access rules in force at `ts` for an account in `jurisdiction` on `venue` (every product). */
export function rulesFor(jurisdiction: string, venue: string, ts: number, rules: readonly Rule[] = shippedRules()): Rule[] {
  return rules.filter((r) => r.governs.kind === 'venue_access' && r.governs.venue === venue && covers(r.jurisdiction, jurisdiction) && inForce(r, ts));
}

/** Any venue-access rule in force at `ts` for `venue`, whatever the jurisdiction: the venue is one that asks where you are. */
export const venueHasRules = (venue: string, ts: number, rules: readonly Rule[] = shippedRules()): boolean =>
  rules.some((r) => r.governs.kind === 'venue_access' && r.governs.venue === venue && inForce(r, ts));

const SEVERITY: Record<Verdict, number> = { allow: 0, warn: 1, forbid: 2 };

/**
 * The rule that decides for one product: the most specific applicable rule (a subdivision's over its
 * country's, a product's over the whole venue's); among equally specific ones the strictest. So
 * 'US forbid' with 'US-NY allow' allows New York only, and two conflicting sources refuse.
 */
export function deciding(rules: readonly Rule[], product: Product): Rule | null {
  let best: Rule | null = null;
  const rank = (r: Rule) => [depth(r.jurisdiction), r.governs.product !== undefined ? 1 : 0, SEVERITY[r.verdict]] as const;
  for (const r of rules) {
    if (r.governs.product !== undefined && r.governs.product !== product) continue;
    if (best === null) { best = r; continue; }
    const a = rank(r);
    const b = rank(best);
    if (a[0] > b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] > b[2])))) best = r;
  }
  return best;
}

/** The product an instrument is, for venue-access rules. */
export function productOf(assetClass: AssetClass): Product {
  return assetClass === 'crypto_perp' ? 'perp' : assetClass === 'crypto_spot' ? 'spot' : 'equity';
}
