/** The `parity` command line. Each command lives in its own module; this file only assembles them. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerBacktest } from './backtest.ts';
import { registerSweep } from './sweep.ts';
import { registerCheck } from './check.ts';
import { registerRun } from './run.ts';
import { registerCtl } from './ctl.ts';
import { registerData } from './data.ts';
import { registerDoc } from './doc.ts';
import { registerVenue } from './venue.ts';
import { registerReplay } from './replay.ts';
import { registerSessions } from './sessions.ts';
import { registerNew } from './new.ts';
import { registerState } from './state.ts';
import { registerTrain } from './train.ts';
import { registerModel } from './model.ts';
import { reportError } from './errors.ts';
import { guardStream, secrets } from '../util/secrets.ts';
import { secretValuesFromEnv } from '../recording/redact.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('parity')
    .description('a terminal trading console: the strategy you backtested is the code that trades')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerCtl(program);
  registerBacktest(program);
  registerSweep(program);
  registerCheck(program);
  registerData(program);
  registerDoc(program);
  registerVenue(program);
  registerReplay(program);
  registerSessions(program);
  registerNew(program);
  registerState(program);
  registerTrain(program);
  registerModel(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // Every byte this process writes to the terminal passes the one scrubber, fed with every secret
  // it holds: secret-looking environment variables now, venue keys (from .env too) as they resolve.
  secrets.add(...secretValuesFromEnv());
  guardStream(process.stdout);
  guardStream(process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.exitCode = reportError(err);
  }
}
