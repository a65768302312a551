/**
 * Backtest scenarios for profiling and for the bench's order-path and symbol-scaling figures.
 * Each runs the full engine (registry, FSM, risk, sim venue, ledger, collector, summary) exactly as
 * `parity backtest` does, on bars generated in memory.
 *
 *   node --cpu-prof --import tsx bench/profile-backtest.ts <scenario> [repeat]
 *     sma       sma-cross on 1,000,000 one-minute bars (the bench's headline run)
 *     trader    a strategy that sends a market order on every bar (200,000 orders, 200,000 fills)
 *     symbols1  sma-cross with a fixed size on 1 symbol x 1,000,000 bars
 *     symbols50 the same on 50 symbols x 20,000 bars (same bars in all, same fill density)
 *     symbols1-half, symbols50-half: the same at 500,000 bars (the bench's symbolScaling)
 *   node --import tsx bench/profile-backtest.ts bench     the bench's order-path figures
 *
 * Prints one JSON line per run: wall seconds, ns per bar, fills, final equity.
 */
import { performance } from 'node:perf_hooks';
import { ConfigSchema } from '../src/config/schema.ts';
import { synthBars, type BarSeries } from '../src/data/index.ts';
import { backtestParts, type BacktestResult } from '../src/modes/backtest.ts';
import { buildInstruments } from '../src/modes/instruments.ts';
import { loadStrategy, parseParams, type LoadedStrategy } from '../src/strategy/loader.ts';
import { defineStrategy } from '../src/engine/strategy.ts';
import { z } from 'zod';

/** Buys a fixed quantity on one bar, sells it on the next: one market order per bar, every bar. */
const everyBar = defineStrategy({
  name: 'every-bar',
  description: 'one market order per bar (bench: the order round trip)',
  params: z.object({ qty: z.number().positive().default(0.01) }),
  create(p) {
    const held = new Map<string, boolean>();
    return {
      onBar(bar, ctx) {
        const h = held.get(bar.symbol) === true;
        ctx.submit({ symbol: bar.symbol, side: h ? 'sell' : 'buy', type: 'market', qty: p.qty });
        held.set(bar.symbol, !h);
      },
    };
  },
});

const inline = (definition: LoadedStrategy['definition']): LoadedStrategy => ({ definition, path: 'bench/profile-backtest.ts', sourceHash: '', typecheck: null });

export interface Scenario {
  readonly bars: number;
  readonly run: () => BacktestResult;
}

/** sma-cross (or `every-bar`) over `symbols` series of `barsPerSymbol` bars each. */
export async function scenario(name: string): Promise<Scenario> {
  const config = ConfigSchema.parse({});
  const sma = await loadStrategy('strategies/sma-cross.ts', process.cwd(), { typecheck: false });
  const make = (symbols: number, barsPerSymbol: number, strategy: LoadedStrategy, raw: Record<string, unknown>): Scenario => {
    const names = Array.from({ length: symbols }, (_, i) => (symbols === 1 ? 'BTC-USD' : `S${i}-USD`));
    // The same generated path under every name: each symbol trades the same, so the fill density
    // per bar is the same at 1 and at 50 symbols.
    const base = synthBars({ bars: barsPerSymbol, seed: 11, symbol: 'BTC-USD' });
    const series: BarSeries[] = names.map((symbol) => ({ ...base, symbol }));
    const instruments = buildInstruments(names, [], 'sim');
    const params = parseParams(strategy.definition, raw);
    return { bars: symbols * barsPerSymbol, run: () => backtestParts(config, { strategy, params, series, instruments, warnings: [] }) };
  };
  switch (name) {
    case 'sma': return make(1, 1_000_000, sma, {});
    case 'trader': return make(1, 200_000, inline(everyBar as unknown as LoadedStrategy['definition']), {});
    case 'trader20k': return make(1, 20_000, inline(everyBar as unknown as LoadedStrategy['definition']), {});
    case 'symbols1': return make(1, 1_000_000, sma, { qty: 0.01 });
    case 'symbols50': return make(50, 20_000, sma, { qty: 0.01 });
    case 'symbols1-half': return make(1, 500_000, sma, { qty: 0.01 });
    case 'symbols50-half': return make(50, 10_000, sma, { qty: 0.01 });
    default: throw new Error(`unknown scenario ${name}: sma, trader, symbols1, symbols50`);
  }
}

/** Wall and CPU time of one run (CPU time is steadier on a shared machine). */
export function timeRun(s: Scenario): { sec: number; cpuSec: number; nsPerBar: number; cpuNsPerBar: number; fills: number; finalEquity: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = s.run();
  const sec = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSec = (c.user + c.system) / 1e6;
  return { sec, cpuSec, nsPerBar: (sec * 1e9) / s.bars, cpuNsPerBar: (cpuSec * 1e9) / s.bars, fills: r.summary.fills, finalEquity: r.summary.finalEquity };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The bench's order-path figures (bench/backtest.bench.ts):
 * - orderRoundTripUs: the every-bar trader's run time per order (submit -> ack -> fill through
 *   registry, FSM, risk, sim, ledger, collector and summary; the per-bar share is ~0.1 us of it).
 * - symbolScaling: ns per bar with 50 symbols / with 1, the same bars and the same fill density
 *   (500,000 bars in both), variants interleaved, medians of three.
 */
export async function benchOrderPath(): Promise<Record<string, number>> {
  const trader = await scenario('trader');
  timeRun(trader); // warm
  const rt: number[] = [];
  let orders = 0;
  for (let i = 0; i < 3; i++) {
    const r = timeRun(trader);
    orders = r.fills + 1; // one order per bar; the last bar's order is still working at the end
    rt.push(r.sec);
  }
  const one = await scenario('symbols1-half');
  const fifty = await scenario('symbols50-half');
  timeRun(one);
  timeRun(fifty);
  const a: number[] = [];
  const b: number[] = [];
  let fills1 = 0;
  let fills50 = 0;
  for (let i = 0; i < 3; i++) {
    const x = timeRun(one);
    const y = timeRun(fifty);
    a.push(x.nsPerBar);
    b.push(y.nsPerBar);
    fills1 = x.fills;
    fills50 = y.fills;
  }
  return {
    orderRoundTripUs: Number(((median(rt) * 1e6) / orders).toFixed(2)),
    symbolScaling: Number((median(b) / median(a)).toFixed(3)),
    nsPerBar1Symbol: Math.round(median(a)),
    nsPerBar50Symbols: Math.round(median(b)),
    fills1Symbol: fills1,
    fills50Symbols: fills50,
  };
}

if (process.argv[1]?.endsWith('profile-backtest.ts')) {
  const name = process.argv[2] ?? 'sma';
  if (name === 'bench') process.stdout.write(`${JSON.stringify(await benchOrderPath())}\n`);
  else {
    const repeat = Number(process.argv[3] ?? '3');
    const s = await scenario(name);
    for (let i = 0; i < repeat; i++) process.stdout.write(`${JSON.stringify({ scenario: name, ...timeRun(s) })}\n`);
  }
}
