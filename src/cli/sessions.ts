/** `parity sessions`: the recorded sessions, newest first. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { formatSessions, listSessions } from '../recording/sessions.ts';

interface SessionsFlags {
  sessionsDir?: string;
  json?: boolean;
  config?: string;
}

/** The sessions folder: the flag, else the config's run.sessionsDir, else sessions/. */
export function sessionsDirOf(flag: string | undefined, configFile?: string): string {
  if (flag !== undefined) return flag;
  try {
    return loadConfig(configFile).config.run.sessionsDir;
  } catch {
    return 'sessions';
  }
}

export function registerSessions(program: Command): void {
  program
    .command('sessions')
    .description('list recorded sessions: date, mode, venue, strategy, duration, orders, fills, P&L, clean end')
    .option('--sessions-dir <dir>', 'where session folders are (default: the config\'s, else sessions/)')
    .option('--config <file>', 'config file (default: parity.config.json if present)')
    .option('--json', 'one JSON array')
    .action((flags: SessionsFlags) => {
      const rows = listSessions(sessionsDirOf(flags.sessionsDir, flags.config));
      process.stdout.write(flags.json === true ? `${JSON.stringify(rows)}\n` : `${formatSessions(rows)}\n`);
    });
}
