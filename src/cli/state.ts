/**
 * `parity state reset`: the remedy a store that refuses to start names (a journal missing, cut short or
 * another store's, beside a snapshot that says it recorded). It archives the store folder's files into
 * `<folder>/archive-<ISO time>/` (nothing is deleted), so the next start begins a fresh store; without
 * `--confirm` it only says what it would move. Refused while a live console holds the store's LOCK.
 * Exit codes: 0 archived (or nothing to archive), 1 nothing done (no --confirm), 2 refused or usage.
 */
import type { Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resetStore, storeDir } from '../journal/store.ts';
import { UsageError } from './errors.ts';

interface ResetFlags {
  confirm?: boolean;
  stateDir: string;
  venue?: string;
  account?: string;
}

export function registerState(program: Command): void {
  const state = program.command('state').description('the durable store of a venue account (state/<venue>-<account>/)');
  state
    .command('reset')
    .description('archive a store folder\'s files into <folder>/archive-<time>/ so the next start begins a fresh store (nothing is deleted)')
    .argument('[folder]', 'the store folder (as a refusal to start names it); or give --venue and --account')
    .option('--confirm', 'do it (without: print what would be archived and exit 1)')
    .option('--state-dir <dir>', 'with --venue and --account: the state folder', 'state')
    .option('--venue <venue>', 'the store\'s venue as its folder names it (alpaca, alpaca-live)')
    .option('--account <id>', 'the venue account id')
    .action((folder: string | undefined, flags: ResetFlags) => {
      process.exitCode = reset(folder, flags);
    });
}

function targetDir(folder: string | undefined, f: ResetFlags): string {
  const named = f.venue !== undefined || f.account !== undefined;
  if (folder !== undefined && named) throw new UsageError('give the store folder, or --venue and --account, not both');
  if (folder !== undefined) return folder;
  if (f.venue === undefined || f.account === undefined) throw new UsageError('which store? give its folder (parity state reset --confirm state/alpaca-PA123), or --venue and --account');
  return storeDir(f.stateDir, f.venue, f.account);
}

function reset(folder: string | undefined, f: ResetFlags): number {
  const dir = targetDir(folder, f);
  const r = resetStore({ dir, list: (d) => readdirSync(d), confirm: f.confirm === true });
  const shown = (base: string) => r.entries.map((n) => `  ${n}${isDir(join(base, n)) ? '/' : ''}\n`).join('');
  if (r.entries.length === 0) {
    process.stdout.write(`parity: nothing to archive in ${r.dir}: the next start begins a fresh store\n`);
    return 0;
  }
  if (!r.done) {
    process.stdout.write(`parity: would archive, from ${r.dir}:\n${shown(r.dir)}into ${r.archive}/ (nothing is deleted); the next start would begin a fresh store `
      + `(a new store id; no orders, fills or kill-switch level of its own). Nothing was done: run again with --confirm to do it.\n`);
    return 1;
  }
  process.stdout.write(`parity: archived, from ${r.dir}:\n${shown(r.archive)}into ${r.archive}/. The next start begins a fresh store.\n`);
  return 0;
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}
