/** `parity sweep`: a strategy over a grid of parameters (and walk-forward windows) on every core. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { parseOnError, runInputConfig, runInputOptions, type RunInputFlags } from './run-input.ts';
import { UsageError } from './errors.ts';
import { parseAxes } from '../sweep/grid.ts';
import { parseWalkForward } from '../sweep/windows.ts';
import { parseRankKey, RANK_KEYS, type RankKey } from '../sweep/rank.ts';
import { defaultWorkers } from '../sweep/pool.ts';
import { runSweep } from '../sweep/sweep.ts';
import { renderSweep } from '../sweep/table.ts';
import { SweepProgress } from '../sweep/progress.ts';

interface SweepFlags extends RunInputFlags {
  walkForward?: string;
  rank: RankKey;
  workers?: number;
  top: number;
  json?: boolean;
}

function parseCount(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} takes a whole number >= 1, got "${value}"`);
    return n;
  };
}

const HELP = `
Grid (one --param per parameter; every combination runs):
  fast=10        one value            slow=20,30,50   a list
  fast=5..20:5   5, 10, 15, 20        fast=5..8       step 1
  A name the strategy does not have, or a value its schema refuses, stops the
  sweep before any run; a combination only a rule across parameters refuses
  (sma-cross: fast < slow) is skipped and listed.

Walk-forward: --walk-forward train=SPAN,test=SPAN[,step=SPAN][,anchored]
  SPAN is 90m, 12h, 30d or 2w. Window k trains on [first bar + k*step, +train)
  and tests on the test span right after it; step defaults to test; anchored
  starts every training span at the first bar. In each window the grid runs in
  sample, the best by --rank runs out of sample, and the out-of-sample results
  are what is reported (compounded over the windows).

Each run is the computation \`parity backtest\` does with the same flags,
--param values and --from/--to: its --json summary is identical.
--json prints one JSON document on stdout.`;

export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('run a strategy over a parameter grid (and walk-forward windows) on every core, ranked');
  runInputOptions(cmd, {
    data: 'bars as CSV, JSONL or Parquet; repeat for several files',
    tz: 'IANA zone for timestamps without an offset',
    paramFlag: '-p, --param <name=values>',
    param: 'a grid axis: fast=5..20:5, slow=20,30,50, qty=1; repeat for several',
  })
    .option('--walk-forward <spec>', 'train=30d,test=7d[,step=7d][,anchored]: rank in sample, report out of sample')
    .option('--rank <metric>', `what "best" means: ${RANK_KEYS.join(', ')}`, parseRankKey, 'sharpe')
    .option('--workers <n>', 'worker threads (default: every core)', parseCount('workers'))
    .option('--top <n>', 'rows of the ranked table to print (--json has every run)', parseCount('top'), 20)
    .option('--json', 'print the whole result as one JSON document (no table, no progress)')
    .option('--on-error <policy>', 'a strategy exception: stop that run (ranked last) or skip past it', parseOnError, 'stop')
    .option('--no-typecheck', 'skip type-checking the strategy against the strategy API before it loads')
    .addHelpText('after', HELP)
    .action(async (flags: SweepFlags) => {
      const axes = parseAxes(flags.param);
      const walkForward = flags.walkForward === undefined ? null : parseWalkForward(flags.walkForward);
      const { config } = loadConfig(flags.config, runInputConfig(flags)); // the grid's params are applied per run
      const progress = flags.json === true ? null : new SweepProgress(process.stderr);
      const report = await runSweep({
        config, axes, walkForward, rank: flags.rank, workers: flags.workers ?? defaultWorkers(),
        range: { ...(flags.from === undefined ? {} : { from: flags.from }), ...(flags.to === undefined ? {} : { to: flags.to }) },
        onError: flags.onError,
        ...(progress === null ? {} : { onProgress: (d: number, t: number) => progress.update(d, t) }),
      });
      progress?.done();
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      process.stdout.write(`${renderSweep(report, { top: flags.top })}\n`);
    });
}

