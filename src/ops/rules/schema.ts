/**
 * The rule schema: one dated, sourced statement about what a jurisdiction allows. A rule says where
 * it applies (jurisdiction), what it governs (a discriminated union on `kind`: venue access here;
 * the operational-readiness rules add their own kinds), its verdict, the days it is in force and
 * where it comes from. Rules change: every one carries its dates and its source, so a rule that
 * lapsed stops counting by itself and an operator can check the source named in a refusal.
 */
import { z } from 'zod';
import { Jurisdiction } from './jurisdiction.ts';

/** Venues parity names (ExecutionClient.venue). */
export const VENUES = ['okx', 'binance', 'bybit', 'deribit', 'alpaca', 'ibkr', 'sim'] as const;
export type VenueName = (typeof VENUES)[number];

/** What a session trades on a venue, from its instruments' asset classes (see productOf). */
export const PRODUCTS = ['spot', 'perp', 'equity'] as const;
export type Product = (typeof PRODUCTS)[number];

/** A calendar day, UTC: 'YYYY-MM-DD' that is a real date. */
const Day = z.iso.date({ error: (iss) => `must be a date YYYY-MM-DD, got ${JSON.stringify(iss.input)}` });

const VenueAccess = z.strictObject({
  kind: z.literal('venue_access'),
  venue: z.enum(VENUES),
  /** Absent: every product on the venue. */
  product: z.enum(PRODUCTS).optional(),
});

export const Governs = z.discriminatedUnion('kind', [VenueAccess]);

export const Rule = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  jurisdiction: Jurisdiction,
  governs: Governs,
  /** forbid: refused live; warn: shown, not refused; allow: checked and permitted (a subdivision's exception). */
  verdict: z.enum(['forbid', 'allow', 'warn']),
  /** First day in force (UTC). */
  effectiveFrom: Day,
  /** Last day in force, inclusive (UTC); null: in force until a later rule says otherwise. */
  effectiveTo: Day.nullable(),
  source: z.strictObject({
    title: z.string().min(1),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** The day someone last read the source and found the rule there. */
    checked: Day,
    /** Seen only in secondary sources (news, law-firm notes): re-check against the primary. */
    secondary: z.boolean().optional(),
  }),
  note: z.string(),
}).superRefine((r, ctx) => {
  if (r.effectiveTo !== null && r.effectiveTo < r.effectiveFrom) {
    ctx.addIssue({ code: 'custom', path: ['effectiveTo'], message: `effectiveTo ${r.effectiveTo} is before effectiveFrom ${r.effectiveFrom}` });
  }
});

export type Rule = z.output<typeof Rule>;
export type Verdict = Rule['verdict'];

/** A rules file: the rules, and free text saying where they came from. */
export const RulesFile = z.strictObject({
  about: z.string().optional(),
  rules: z.array(z.unknown()),
});
