import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import type { Bar } from '../../src/domain/market.ts';
import { seriesFromBars } from '../../src/data/index.ts';
import { buildInstruments } from '../../src/modes/instruments.ts';
import type { RunParts } from '../../src/modes/parts.ts';
import { loadStrategy, parseParams } from '../../src/strategy/loader.ts';

/** Bars from closes: open = previous close, high/low bracket open and close, one minute apart. */
export function barsFromCloses(symbol: string, closes: readonly number[], start = Date.parse('2024-01-01T00:00:00Z')): Bar[] {
  return closes.map((c, i) => {
    const o = i === 0 ? c : closes[i - 1]!;
    return { kind: 'bar', symbol, ts: start + i * 60_000, open: o, high: Math.max(o, c), low: Math.min(o, c), close: c, volume: 1000 };
  });
}

export function config(over: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse(over);
}

export async function partsFor(strategyFile: string, params: Record<string, unknown>, bars: Bar[], instrumentSpecs: Config['instruments'] = []): Promise<RunParts> {
  const strategy = await loadStrategy(strategyFile);
  const p = parseParams(strategy.definition, params);
  const series = seriesFromBars(bars);
  return { strategy, params: p, series: [series], instruments: buildInstruments([series.symbol], instrumentSpecs, 'sim'), warnings: [] };
}
