/** `parity new strategy <name> [--dir D]`: a commented strategy template that backtests as it is. */
import type { Command } from 'commander';
import { relative, isAbsolute, resolve } from 'node:path';
import { writeStrategyTemplate } from '../strategy/template.ts';

export function registerNew(program: Command): void {
  const cmd = program.command('new').description('write a starter file (kinds: strategy)');
  cmd
    .command('strategy <name>')
    .description('write <dir>/<name>.ts, a commented breakout strategy that backtests as it is; never overwrites')
    .option('--dir <dir>', 'folder to write it in, created if missing (any folder works)', 'strategies')
    .action((name: string, flags: { dir: string }) => {
      const path = writeStrategyTemplate(name, flags.dir);
      const cwd = process.cwd();
      const arg = inside(path, cwd) ? relative(cwd, path) : path;
      process.stdout.write(`wrote ${path}\nbacktest it on the sample data: ${parityCommand(cwd)} backtest -s ${shellQuote(arg)}\n`);
    });
}

/** The folder parity is installed in (this file is <root>/src/cli/new.ts). */
const INSTALL_ROOT = resolve(import.meta.dirname, '../..');

const inside = (path: string, dir: string): boolean => {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/**
 * How to call this parity from `cwd`: `npx parity` finds it only from inside the install (its own
 * package.json); anywhere else npx would look for another package, so the bin file's absolute path.
 */
export function parityCommand(cwd: string, root: string = INSTALL_ROOT): string {
  return inside(cwd, root) ? 'npx parity' : `node ${shellQuote(resolve(root, 'bin/parity.js'))}`;
}

/** A word a POSIX shell reads back as it is: quoted only when it has to be. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
