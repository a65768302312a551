/**
 * Jurisdictions: ISO 3166-1 alpha-2 country codes ('US', 'DE'), optionally with an ISO 3166-2
 * subdivision ('US-NY'). One list here, read by the config (account.jurisdiction) and by the rules
 * files, so a code the rules can never match is refused where it is typed, not silently unmatched.
 * Kept as data rather than read from Intl: ICU also knows retired and reserved codes ('UK', 'SU',
 * 'EU') that no rule is written against.
 */
import { z } from 'zod';

/** The 249 officially assigned ISO 3166-1 alpha-2 codes. */
const COUNTRIES = new Set(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`.trim().split(/\s+/));

/** Codes people type that are not the country's ISO code. */
const INSTEAD: Readonly<Record<string, string>> = {
  UK: 'GB (the United Kingdom\'s ISO code)', EL: 'GR (Greece\'s ISO code)',
  EU: 'the member state\'s own code (a rule for the EU is written per country)', EEA: 'the country\'s own code',
};

/** Why `code` is not a jurisdiction (null: it is one). `code` is already upper case. */
export function jurisdictionProblem(code: string): string | null {
  const m = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/.exec(code);
  const country = m?.[1];
  if (country !== undefined && COUNTRIES.has(country)) return null;
  const hint = INSTEAD[country ?? code];
  return `${JSON.stringify(code)} is not a country: use an ISO 3166 code such as "US", "DE" or "US-NY"${hint !== undefined ? `; use ${hint}` : ''}`;
}

/** A jurisdiction as typed: trimmed, upper-cased, checked against the list. */
export const Jurisdiction = z.string().transform((s, ctx) => {
  const code = s.trim().toUpperCase();
  const why = jurisdictionProblem(code);
  if (why !== null) { ctx.addIssue({ code: 'custom', message: why, input: s }); return z.NEVER; }
  return code;
});

/** A rule written for `rule` ('US') applies to an account in `account` ('US' or 'US-NY'). */
export function covers(rule: string, account: string): boolean {
  return account === rule || account.startsWith(`${rule}-`);
}

/** How specific a jurisdiction is: a subdivision's rule wins over its country's. */
export const depth = (j: string): number => (j.includes('-') ? 2 : 1);
