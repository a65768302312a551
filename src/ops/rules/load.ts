/**
 * Rules files: read, validated rule by rule, refused with the file, the rule and the field named.
 * The shipped venue-access rules (rules/venue-access.json) are imported as JSON, so they travel with
 * the code wherever it is bundled, and validated on first use: the eligibility gate runs at every
 * session start, and a bad shipped rule fails that gate with the message instead of crashing start-up.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import shipped from '../../../rules/venue-access.json' with { type: 'json' };
import { Rule, RulesFile } from './schema.ts';

export class RulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulesError';
  }
}

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

/** Validate a rules file's content; `source` names it in errors. Every bad rule is listed, not only the first. */
export function parseRules(data: unknown, source: string): Rule[] {
  const file = RulesFile.safeParse(data);
  if (!file.success) throw new RulesError(`${source}: not a rules file (${issues(file.error)}): expected {"rules": [...]}`);
  const out: Rule[] = [];
  const bad: string[] = [];
  const seen = new Set<string>();
  file.data.rules.forEach((raw, i) => {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null;
    const name = id !== null ? `rule "${id}" (#${i + 1})` : `rule #${i + 1}`;
    const r = Rule.safeParse(raw);
    if (!r.success) { bad.push(`${name}: ${issues(r.error)}`); return; }
    if (seen.has(r.data.id)) { bad.push(`${name}: duplicate id (ids name rules in refusals: each must be unique)`); return; }
    seen.add(r.data.id);
    out.push(r.data);
  });
  if (bad.length > 0) throw new RulesError(`${source}: ${bad.length} bad rule${bad.length > 1 ? 's' : ''}:\n  ${bad.join('\n  ')}`);
  return out;
}

export function loadRulesFile(path: string): Rule[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RulesError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseRules(data, path);
}

let cached: Rule[] | null = null;

/** The venue-access rules shipped in the repository, validated once. */
export function shippedRules(): Rule[] {
  cached ??= parseRules(shipped, 'rules/venue-access.json');
  return cached;
}
