/** `parity backtest`: one strategy over history on the simulated venue, with a summary and a chart. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { runBacktest } from '../modes/backtest.ts';
import { chartSeries } from '../modes/parts.ts';
import { renderEquityChart, renderPriceChart, renderSummary, writeOutputs, ProgressBar } from '../backtest/index.ts';
import { backtestJson } from '../backtest/report.ts';
import { parseOnError, runInputConfig, runInputOptions, type RunInputFlags } from './run-input.ts';
import { parseParamFlags } from '../strategy/loader.ts';
import { strategyErrorLines } from './strategy-errors.ts';

interface BacktestFlags extends RunInputFlags {
  out?: string;
  json?: boolean;
  color: boolean;
}

export function registerBacktest(program: Command): void {
  const cmd = program
    .command('backtest')
    .description('run a strategy over historical bars on the simulated venue');
  runInputOptions(cmd, {
    data: 'bars as CSV, JSONL or Parquet (streamed from disk); repeat for several files',
    tz: 'IANA zone for timestamps without an offset (e.g. America/New_York)',
    paramFlag: '-p, --param <key=value>',
    param: 'strategy parameter; repeat for several',
  })
    .option('-o, --out <dir>', 'write orders.csv, fills.csv and equity.csv here')
    .option('--json', 'print the summary as one JSON object (no chart, no progress)')
    .option('--no-color', 'plain text output (NO_COLOR is respected too)')
    .option('--on-error <policy>', 'a strategy exception: stop (end the run, exit 1) or skip (go on; identical ones collapsed, counted in the summary)', parseOnError, 'stop')
    .option('--no-typecheck', 'skip type-checking the strategy against the strategy API before it loads')
    .action(async (flags: BacktestFlags) => {
      const { config } = loadConfig(flags.config, runInputConfig(flags, parseParamFlags(flags.param)));
      const progress = flags.json === true ? null : new ProgressBar(process.stderr);
      const result = await runBacktest(config, { from: flags.from, to: flags.to }, {
        onError: flags.onError, ...(progress === null ? {} : { onProgress: (d: number, t: number) => progress.update(d, t) }),
      });
      progress?.done();
      for (const w of [...result.description.warnings, ...result.parts.warnings]) process.stderr.write(`warning: ${w}\n`);
      // Strategy exceptions are printed collapsed below, not once per log entry.
      for (const e of result.collector.problems()) if (e.source !== 'strategy') process.stderr.write(`${e.level}: ${e.message}\n`);
      for (const l of strategyErrorLines(result.errors)) process.stderr.write(`${l}\n`);
      if (!result.completed) {
        process.stderr.write(`parity: backtest stopped at the strategy's first exception (${result.engine.eventsProcessed()} bars in): fix the strategy, or run with --on-error skip to go on past exceptions\n`);
        process.exitCode = 1;
      }
      if (flags.out !== undefined) {
        const paths = writeOutputs(flags.out, result.collector);
        if (flags.json !== true) process.stderr.write(`wrote ${paths.join(', ')}\n`);
      }
      const run = { description: result.description, counts: result.counts, completed: result.completed };
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(backtestJson(result.summary, run))}\n`);
        return;
      }
      const color = flags.color && process.env.NO_COLOR === undefined && process.stdout.isTTY === true;
      const curve = result.collector.result();
      // Charts as wide as the terminal (at most 120 columns); 80 when piped, so a file reads the same anywhere.
      const columns = process.stdout.isTTY === true && process.stdout.columns > 0 ? Math.min(120, process.stdout.columns) : 80;
      const chart = result.completed
        ? `\n\n${renderEquityChart(curve.ts, curve.equity, curve.length, { color, columns, width: columns })}\n\n${renderPriceChart(chartSeries(result.parts), curve.fills, { columns })}`
        : '';
      process.stdout.write(`${renderSummary(result.summary, { color, run })}${chart}\n`);
    });
}

