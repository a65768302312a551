/**
 * `parity replay <session>`: step through a recording in the console (every pane shows the state at
 * the cursor), or `--rerun` it through the strategy and report the first differing decision.
 * Replay has no venue: nothing here can place an order.
 */
import type { Command } from 'commander';
import { openRecording, type Recording } from '../recording/recording.ts';
import { RecordingError } from '../recording/resolve.ts';
import { describeRerun, rerunRecording } from '../modes/rerun.ts';
import { parseParamFlags } from '../strategy/loader.ts';
import { collect } from './options.ts';
import { sessionsDirOf } from './sessions.ts';

interface ReplayFlags {
  rerun?: boolean;
  strategy?: string;
  param: string[];
  sessionsDir?: string;
  config?: string;
  json?: boolean;
  at?: string;
}

/** Exit codes of `--rerun`: usable as a regression test before deploying a strategy change. */
export const RERUN_EXIT = { match: 0, different: 1, unreadable: 2 } as const;

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('step through a recorded session in the console, or --rerun it through the strategy')
    .argument('<session>', 'session folder, its events.jsonl, or its short id (see parity sessions)')
    .option('--rerun', 'feed the recorded data and venue answers through the strategy; report the first differing decision (exit 0 match, 1 different, 2 unreadable)')
    .option('-s, --strategy <file>', 'with --rerun: run this strategy file instead of the recorded one')
    .option('-p, --param <key=value>', 'with --rerun: override a recorded parameter; repeat for several', collect, [])
    .option('--sessions-dir <dir>', 'where to look up a short id (default: the config\'s, else sessions/)')
    .option('--config <file>', 'config file (for the sessions folder)')
    .option('--json', 'with --rerun: the result as one JSON object')
    .option('--at <time>', 'start the cursor at this time (ISO) or event number (#123)')
    .action(async (session: string, flags: ReplayFlags) => {
      let rec: Recording;
      try {
        rec = openRecording(session, { sessionsDir: sessionsDirOf(flags.sessionsDir, flags.config) });
      } catch (err) {
        if (!(err instanceof RecordingError)) throw err;
        process.stderr.write(`parity: ${err.message}\n`);
        process.exitCode = RERUN_EXIT.unreadable;
        return;
      }
      for (const w of rec.warnings) process.stderr.write(`warning: ${w.message}\n`);
      if (flags.rerun === true) {
        await rerunCommand(rec, flags);
        return;
      }
      if (flags.strategy !== undefined || flags.param.length > 0) process.stderr.write('warning: --strategy and --param apply to --rerun only\n');
      const { runReplayConsole } = await import('../console/replay-console.ts');
      await runReplayConsole(rec, { at: flags.at });
    });
}

async function rerunCommand(rec: Recording, flags: ReplayFlags): Promise<void> {
  if (rec.header === null || rec.total === 0) {
    process.stderr.write(`parity: ${rec.file} cannot be re-run: ${rec.header === null ? 'its header is unreadable' : 'it holds no events'}\n`);
    process.exitCode = RERUN_EXIT.unreadable;
    return;
  }
  try {
    const r = await rerunRecording(rec, { ...(flags.strategy !== undefined ? { strategyFile: flags.strategy } : {}), params: parseParamFlags(flags.param) });
    process.stdout.write(flags.json === true ? `${JSON.stringify(r)}\n` : `${describeRerun(r, rec.header)}\n`);
    process.exitCode = r.match ? RERUN_EXIT.match : RERUN_EXIT.different;
  } catch (err) {
    if (!(err instanceof RecordingError)) throw err;
    process.stderr.write(`parity: ${err.message}\n`);
    process.exitCode = RERUN_EXIT.unreadable;
  }
}
