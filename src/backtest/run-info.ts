/**
 * What a run ran, as data and as text: the strategy (file, parameters), each symbol with its asset
 * class and where its instrument spec came from, and the data span. modes/run-description.ts builds
 * it from a run's parts; the backtest summary, `--json` and the console show it.
 */
import { isAbsolute, relative } from 'node:path';
import type { AssetClass, SpecSource } from '../domain/instrument.ts';

/** Where a series' symbol came from: a symbol column (or field) in the data, config / --symbol, or the file name. */
export type SymbolFrom = 'data' | 'config' | 'file name';

export interface InstrumentDescription {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  readonly specSource: SpecSource;
  readonly symbolFrom: SymbolFrom;
  readonly tickSize: number;
  readonly lotSize: number;
  /** The data file it was read from. */
  readonly file: string;
}

export interface RunDescription {
  readonly strategy: { readonly name: string; readonly file: string; readonly params: Readonly<Record<string, unknown>> };
  readonly instruments: readonly InstrumentDescription[];
  /** First and last bar time (epoch ms) over every series, and the bar count; null times for no bars. */
  readonly data: { readonly first: number | null; readonly last: number | null; readonly bars: number };
  /** What the user must know about the description itself (a symbol guessed from a file name). */
  readonly warnings: readonly string[];
}

/** A path as the user would type it: relative to the working directory when it is inside it. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** "config", "venue", "default for equity"; plus "symbol guessed from the file name" when it was. */
export function specSourceText(i: Pick<InstrumentDescription, 'specSource' | 'assetClass' | 'symbolFrom'>): string {
  const spec = i.specSource === 'default' ? `default for ${i.assetClass}` : i.specSource;
  return i.symbolFrom === 'file name' ? `${spec}; symbol guessed from the file name` : spec;
}

/** `fast=10 slow=30`, keys in the schema's order; "(defaults)" for none. */
export function paramsText(params: Readonly<Record<string, unknown>>): string {
  const e = Object.entries(params).filter(([, v]) => v !== undefined);
  return e.length === 0 ? '(none)' : e.map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

/** "2024-01-01 00:00 .. 2024-01-03 23:59 (4,320 bars, 3.0 d)": the data span, minute precision, UTC. */
export function spanText(d: RunDescription['data']): string {
  if (d.first === null || d.last === null) return 'no bars';
  const t = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const days = (d.last - d.first) / 86_400_000;
  const count = String(d.bars).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${t(d.first)} .. ${t(d.last)} UTC (${count} bars, ${days < 10 ? days.toFixed(1) : Math.round(days)} d)`;
}

/** Short lines for a narrow pane (the console's gates pane): strategy, each symbol, the span. */
export function runDescriptionLines(d: RunDescription, cwd = process.cwd()): { text: string; warn: boolean }[] {
  const out: { text: string; warn: boolean }[] = [];
  out.push({ text: `strategy ${d.strategy.name} (${displayPath(d.strategy.file, cwd)}) ${paramsText(d.strategy.params)}`, warn: false });
  for (const i of d.instruments) {
    // Short enough for an 80-column pane: "BTC-USD crypto_spot, spec default, symbol guessed from file name".
    const spec = i.specSource === 'default' ? 'spec default' : `spec from ${i.specSource}`;
    out.push({ text: `${i.symbol} ${i.assetClass}, ${spec}${i.symbolFrom === 'file name' ? ', symbol guessed from file name' : ''}`, warn: i.symbolFrom === 'file name' });
  }
  out.push({ text: `data ${spanText(d.data)}`, warn: false });
  return out;
}
