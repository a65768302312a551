/**
 * What a run ran (backtest/run-info.ts), built from its parts: a file `big.csv` without a symbol
 * column silently became the equity `BIG` traded in whole units; now the description says "guessed
 * from the file name" and carries a warning.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import type { Config } from '../config/schema.ts';
import { displayPath, type InstrumentDescription, type RunDescription, type SymbolFrom } from '../backtest/run-info.ts';
import { seriesSummaries, type RunParts } from './parts.ts';
import { parquetNamesSymbol } from '../data/index.ts';

export type { RunDescription } from '../backtest/run-info.ts';

/** The first line of a file (up to 64 KB): enough to see a CSV header or a JSONL record's keys; null when unreadable. */
function firstLine(path: string): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(65_536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return lines[0] ?? '';
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Whether a bar file names its symbol itself (a `symbol` CSV column, a `symbol` JSONL field). A
 * source that is no file (synthetic or in-memory series) named its symbol when it was made.
 */
export function fileNamesSymbol(path: string): boolean {
  // A sweep describes the same files once per combination: read each header once per process.
  let known = headerNamesSymbol.get(path);
  if (known === undefined) { known = readNamesSymbol(path); headerNamesSymbol.set(path, known); }
  return known;
}

const headerNamesSymbol = new Map<string, boolean>();

function readNamesSymbol(path: string): boolean {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return parquetNamesSymbol(path) ?? true;
  const line = firstLine(path);
  if (line === null) return true;
  if (extname(path).toLowerCase() === '.csv') return line.split(',').some((c) => c.trim().replace(/^"|"$/g, '').toLowerCase() === 'symbol');
  try {
    const rec = JSON.parse(line) as Record<string, unknown>;
    return Object.keys(rec).some((k) => k.toLowerCase() === 'symbol');
  } catch {
    return false;
  }
}

export function describeRun(config: Config, parts: RunParts): RunDescription {
  const warnings: string[] = [];
  const seen = new Set<string>();
  const instruments: InstrumentDescription[] = [];
  let first: number | null = null;
  let last: number | null = null;
  let bars = 0;
  for (const s of seriesSummaries(parts)) {
    bars += s.length;
    if (s.first !== null && s.last !== null) {
      const a = s.first;
      const b = s.last;
      first = first === null ? a : Math.min(first, a);
      last = last === null ? b : Math.max(last, b);
    }
    if (seen.has(s.symbol)) continue;
    seen.add(s.symbol);
    const inst = parts.instruments.get(s.symbol);
    if (inst === undefined) continue;
    const symbolFrom: SymbolFrom = fileNamesSymbol(s.source) ? 'data' : config.data.symbol !== undefined ? 'config' : 'file name';
    instruments.push({
      symbol: s.symbol, assetClass: inst.assetClass, specSource: inst.source, symbolFrom,
      tickSize: inst.tickSize, lotSize: inst.lotSize, file: s.source,
    });
    if (symbolFrom === 'file name') {
      warnings.push(`symbol ${s.symbol} was guessed from the file name ${displayPath(s.source)} (no symbol column, no --symbol)`
        + (inst.source === 'default' ? `, and its spec is the ${inst.assetClass} default (tick ${inst.tickSize}, lot ${inst.lotSize})` : '')
        + `: pass --symbol or add a symbol column${inst.source === 'default' ? ', and an "instruments" entry in the config to set the spec' : ''}`);
    }
  }
  return {
    strategy: { name: parts.strategy.definition.name, file: parts.strategy.path, params: parts.params },
    instruments,
    data: { first, last, bars },
    warnings,
  };
}

