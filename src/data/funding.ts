/**
 * Funding rates for perpetuals from a CSV beside the bars (config `data.funding`): a header naming
 * `ts`, `symbol` and `rate` (any order and case; `timestamp` and `funding_rate` also accepted),
 * then one row per funding instant. `ts` is ISO-8601 with a zone (or `Z`) or epoch milliseconds;
 * `rate` is the rate per interval (0.0001 = 0.01%, positive: longs pay shorts). A separate file, not
 * a bar column: the bar loaders' fast paths stay as they are, and funding (every 8 h) has nothing to
 * do with the bar interval. The parsing is side-series.ts's, shared with the index file.
 */
import { FUNDING_FILE, loadSideSeries, parseSideCsv, type SideRow } from './side-series.ts';

/** A rate in force from `ts` on (the simulator applies, at each boundary, the last one at or before it). */
export interface FundingRow {
  readonly ts: number;
  readonly rate: number;
}

/** Parse funding CSV text into rates per symbol, ascending by ts. `source` names the text in errors. */
export function parseFundingCsv(text: string, source: string): Record<string, FundingRow[]> {
  return asRates(parseSideCsv(text, source, FUNDING_FILE));
}

function asRates(series: Record<string, SideRow[]>): Record<string, FundingRow[]> {
  const out: Record<string, FundingRow[]> = {};
  for (const [symbol, rows] of Object.entries(series)) out[symbol] = rows.map((r) => ({ ts: r.ts, rate: r.value }));
  return out;
}

export function loadFundingRates(path: string): Record<string, FundingRow[]> {
  return asRates(loadSideSeries(path, FUNDING_FILE));
}
