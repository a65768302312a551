/**
 * The market a crypto fake replays from bar files (CSV / JSONL): a file's symbol feeds every
 * instrument of its base currency (`BTC-USD` feeds spot and perpetual alike), in time order.
 * One rule for the four crypto fakes; each says how its instruments name their base.
 */
import { loadBars } from '../data/index.ts';
import type { Bar } from '../domain/market.ts';

export interface ReplayTargets {
  /** The instrument ids (the book's) a file symbol's base currency feeds. */
  readonly idsOf: (base: string) => readonly string[];
  /** The instruments as the operator names them, for the error when a file matches none. */
  readonly names: readonly string[];
  /** A file symbol's base currency (default: upper case, up to the first - or /). */
  readonly baseOf?: (fileSymbol: string) => string;
}

const defaultBase = (symbol: string): string => symbol.toUpperCase().split(/[-/]/)[0] ?? '';

/** Every bar of the files, once per instrument it feeds, sorted by time. Throws naming the file when a symbol feeds nothing. */
export function loadReplay(files: readonly string[], tz: string | undefined, t: ReplayTargets): Bar[] {
  const replay: Bar[] = [];
  const baseOf = t.baseOf ?? defaultBase;
  for (const f of files) {
    for (const series of loadBars(f, { tz })) {
      const targets = t.idsOf(baseOf(series.symbol));
      if (targets.length === 0) throw new Error(`--data ${f}: symbol ${series.symbol} matches no instrument (${t.names.join(', ')})`);
      for (let k = 0; k < series.length; k++) {
        for (const id of targets) replay.push({ kind: 'bar', symbol: id, ts: series.ts[k]!, open: series.open[k]!, high: series.high[k]!, low: series.low[k]!, close: series.close[k]!, volume: series.volume[k]! });
      }
    }
  }
  return replay.sort((a, b) => a.ts - b.ts);
}
