/** `parity new strategy <name> [--dir D]`: a commented strategy template that backtests as it is. */
import type { Command } from 'commander';
import { relative, isAbsolute } from 'node:path';
import { writeStrategyTemplate } from '../strategy/template.ts';

export function registerNew(program: Command): void {
  const cmd = program.command('new').description('write a starter file (kinds: strategy)');
  cmd
    .command('strategy <name>')
    .description('write <dir>/<name>.ts, a commented breakout strategy that backtests as it is; never overwrites')
    .option('--dir <dir>', 'folder to write it in, created if missing (any folder works)', 'strategies')
    .action((name: string, flags: { dir: string }) => {
      const path = writeStrategyTemplate(name, flags.dir);
      const shown = relative(process.cwd(), path);
      const arg = shown === '' || shown.startsWith('..') || isAbsolute(shown) ? path : shown;
      process.stdout.write(`wrote ${path}\nbacktest it on the sample data: npx parity backtest -s ${arg}\n`);
    });
}
