/**
 * Funding rates for perpetuals from a CSV beside the bars (config `data.funding`): a header naming
 * `ts`, `symbol` and `rate` (any order and case; `timestamp` and `funding_rate` also accepted),
 * then one row per funding instant. `ts` is ISO-8601 with a zone (or `Z`) or epoch milliseconds;
 * `rate` is the rate per interval (0.0001 = 0.01%, positive: longs pay shorts). A separate file, not
 * a bar column: the bar loaders' fast paths stay as they are, and funding (every 8 h) has nothing to
 * do with the bar interval.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './errors.ts';

/** A rate in force from `ts` on (the simulator applies, at each boundary, the last one at or before it). */
export interface FundingRow {
  readonly ts: number;
  readonly rate: number;
}

const ROLES: Readonly<Record<string, 'ts' | 'symbol' | 'rate'>> = {
  ts: 'ts', timestamp: 'ts', time: 'ts', fundingtime: 'ts', symbol: 'symbol', rate: 'rate', funding_rate: 'rate', fundingrate: 'rate',
};

/** Parse funding CSV text into rates per symbol, ascending by ts. `source` names the text in errors. */
export function parseFundingCsv(text: string, source: string): Record<string, FundingRow[]> {
  const lines = text.split(/\r?\n/);
  const head = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  const col: Partial<Record<'ts' | 'symbol' | 'rate', number>> = {};
  head.forEach((h, i) => { const r = ROLES[h]; if (r !== undefined && col[r] === undefined) col[r] = i; });
  for (const need of ['ts', 'symbol', 'rate'] as const) {
    if (col[need] === undefined) throw new DataError(source, 1, `funding file header needs a ${need} column (ts,symbol,rate), got "${lines[0] ?? ''}"`);
  }
  const out: Record<string, FundingRow[]> = {};
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const f = line.split(',').map((x) => x.trim().replace(/^"|"$/g, ''));
    const tsText = f[col.ts!] ?? '';
    const symbol = f[col.symbol!] ?? '';
    const rateText = f[col.rate!] ?? '';
    const ts = /^\d+$/.test(tsText) ? Number(tsText) : /(Z|[+-]\d\d:?\d\d)$/i.test(tsText) ? Date.parse(tsText) : Number.NaN;
    if (!Number.isFinite(ts)) throw new DataError(source, n + 1, `ts "${tsText}" is neither epoch milliseconds nor ISO-8601 with a zone (2024-03-04T08:00:00Z)`);
    if (symbol === '') throw new DataError(source, n + 1, 'symbol is empty');
    const rate = Number(rateText);
    if (rateText === '' || !Number.isFinite(rate) || Math.abs(rate) > 0.1) {
      throw new DataError(source, n + 1, `rate "${rateText}" must be a rate per interval in [-0.1, 0.1] (0.0001 = 0.01%)`);
    }
    (out[symbol] ??= []).push({ ts, rate });
  }
  for (const rows of Object.values(out)) rows.sort((a, b) => a.ts - b.ts);
  return out;
}

export function loadFundingRates(path: string): Record<string, FundingRow[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(path, 0, `cannot read the funding file (${err instanceof Error ? err.message : String(err)}): check data.funding in the config`);
  }
  return parseFundingCsv(text, path);
}
