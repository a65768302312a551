/** `parity backtest`: one strategy over history on the simulated venue, with a summary and a chart. */
import type { Command } from 'commander';
import { loadConfig, type DeepPartial } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { runBacktest } from '../modes/backtest.ts';
import { renderEquityChart, renderPriceChart, renderSummary, summaryJson, writeOutputs, ProgressBar } from '../backtest/index.ts';
import { collect, parseNumberFlag, parseTimeFlag } from './options.ts';
import { parseParamFlags } from '../strategy/loader.ts';

interface BacktestFlags {
  config?: string;
  strategy?: string;
  data: string[];
  symbol?: string;
  tz?: string;
  cash?: number;
  commissionBps?: number;
  slippageBps?: number;
  param: string[];
  from?: number;
  to?: number;
  out?: string;
  json?: boolean;
  color: boolean;
}

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('run a strategy over historical bars on the simulated venue')
    .option('--config <file>', 'config file (default: parity.config.json if present)')
    .option('-s, --strategy <file>', 'strategy file (default: strategies/sma-cross.ts)')
    .option('-d, --data <file>', 'bars as CSV or JSONL; repeat for several files', collect, [])
    .option('--symbol <symbol>', 'symbol for files without a symbol column')
    .option('--tz <zone>', 'IANA zone for timestamps without an offset (e.g. America/New_York)')
    .option('--cash <n>', 'starting cash (default 100000)', parseNumberFlag('cash', 0))
    .option('--commission-bps <n>', 'commission in basis points of notional (default 0)', parseNumberFlag('commission-bps', 0))
    .option('--slippage-bps <n>', 'slippage in basis points against you (default 0)', parseNumberFlag('slippage-bps', 0))
    .option('-p, --param <key=value>', 'strategy parameter; repeat for several', collect, [])
    .option('--from <time>', 'first bar to use (ISO time with offset, date, or epoch ms)', parseTimeFlag('from'))
    .option('--to <time>', 'stop before this time', parseTimeFlag('to'))
    .option('-o, --out <dir>', 'write orders.csv, fills.csv and equity.csv here')
    .option('--json', 'print the summary as one JSON object (no chart, no progress)')
    .option('--no-color', 'plain text output (NO_COLOR is respected too)')
    .action(async (flags: BacktestFlags) => {
      const { config } = loadConfig(flags.config, flagsToConfig(flags));
      const progress = flags.json === true ? null : new ProgressBar(process.stderr);
      const result = await runBacktest(config, { from: flags.from, to: flags.to }, progress === null ? undefined : (d, t) => progress.update(d, t));
      progress?.done();
      for (const w of result.parts.warnings) process.stderr.write(`warning: ${w}\n`);
      for (const e of result.collector.problems()) process.stderr.write(`${e.level}: ${e.message}\n`);
      if (flags.out !== undefined) {
        const paths = writeOutputs(flags.out, result.collector);
        if (flags.json !== true) process.stderr.write(`wrote ${paths.join(', ')}\n`);
      }
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(summaryJson(result.summary))}\n`);
        return;
      }
      const color = flags.color && process.env.NO_COLOR === undefined && process.stdout.isTTY === true;
      const curve = result.collector.result();
      // Charts as wide as the terminal (at most 120 columns); 80 when piped, so a file reads the same anywhere.
      const columns = process.stdout.isTTY === true && process.stdout.columns > 0 ? Math.min(120, process.stdout.columns) : 80;
      process.stdout.write(`${renderSummary(result.summary, { color })}\n\n${renderEquityChart(curve.ts, curve.equity, curve.length, { color, columns, width: columns })}\n\n${renderPriceChart(result.parts.series, curve.fills, { columns })}\n`);
    });
}

/** CLI flags as a partial config: they override the file, which overrides the defaults. */
function flagsToConfig(f: BacktestFlags): DeepPartial<Config> {
  const params = parseParamFlags(f.param);
  return {
    account: f.cash !== undefined ? { cash: f.cash } : undefined,
    venue: {
      commission: f.commissionBps !== undefined ? { model: 'bps', bps: f.commissionBps } : undefined,
      slippage: f.slippageBps !== undefined ? { kind: 'bps', bps: f.slippageBps } : undefined,
    },
    strategy: { file: f.strategy, params: Object.keys(params).length > 0 ? params : undefined },
    data: { files: f.data.length > 0 ? f.data : undefined, symbol: f.symbol, tz: f.tz },
  } as DeepPartial<Config>;
}
