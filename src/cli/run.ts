/** `parity run`: a paper session (the default) on the simulated venue. */
import type { Command } from 'commander';
import { loadConfig, type DeepPartial } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { startPaper } from '../node/paper.ts';
import { parseParamFlags } from '../strategy/loader.ts';
import { EventLines } from './event-lines.ts';
import { collect, parseSpeed } from './options.ts';
import { UsageError } from './errors.ts';

interface RunFlags {
  config?: string;
  mode: string;
  venue: string;
  strategy?: string;
  param: string[];
  data: string[];
  speed?: number | 'max';
  headless?: boolean;
  sessionsDir?: string;
}

export function registerRun(program: Command): void {
  program
    .command('run', { isDefault: false })
    .description('start a trading session (default: paper on the simulated venue with sma-cross and the sample data)')
    .option('--config <file>', 'config file (default: parity.config.json if present)')
    .option('--mode <mode>', 'paper', 'paper')
    .option('--venue <venue>', 'sim (the built-in simulated venue)', 'sim')
    .option('-s, --strategy <file>', 'strategy file (default: strategies/sma-cross.ts)')
    .option('-p, --param <key=value>', 'strategy parameter; repeat for several', collect, [])
    .option('-d, --data <file>', 'bars to replay as the market (CSV or JSONL); repeat for several', collect, [])
    .option('--speed <x>', 'play the data at x times the pace of its timestamps, or "max" (default 300)', parseSpeed)
    .option('--headless', 'no console: print events as JSON lines')
    .option('--sessions-dir <dir>', 'where session folders go (default sessions/)')
    .action(async (flags: RunFlags) => {
      if (flags.mode !== 'paper') throw new UsageError(`--mode ${flags.mode} is not available yet: this build runs paper sessions only`);
      if (flags.venue !== 'sim') throw new UsageError(`--venue ${flags.venue} is not available yet: this build has the simulated venue (sim) only`);
      const { config } = loadConfig(flags.config, flagsToConfig(flags));
      const lines = new EventLines(process.stdout, flags.headless === true);
      const paper = await startPaper(config, [lines]);
      if (flags.headless !== true) {
        process.stdout.write(`parity paper session ${paper.session.name}\n  strategy ${paper.parts.strategy.definition.name} ${JSON.stringify(paper.parts.params)}\n  speed ${config.run.speed}x, folder ${paper.session.dir}\n  Ctrl-C stops the session.\n`);
      }
      for (const w of paper.parts.warnings) process.stderr.write(`warning: ${w}\n`);
      const stop = () => paper.engine.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await paper.done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    });
}

function flagsToConfig(f: RunFlags): DeepPartial<Config> {
  const params = parseParamFlags(f.param);
  return {
    strategy: { file: f.strategy, params: Object.keys(params).length > 0 ? params : undefined },
    data: { files: f.data.length > 0 ? f.data : undefined },
    run: { speed: f.speed, sessionsDir: f.sessionsDir },
  } as DeepPartial<Config>;
}
