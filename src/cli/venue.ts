/**
 * `parity venue --protocol alpaca`: run the simulated venue as its own process behind an
 * Alpaca-compatible front, so a console can paper-trade against it with no account and tests can
 * crash the console while the venue keeps its books. The first stdout line is machine-readable:
 * `listening 127.0.0.1:PORT`.
 */
import type { Command } from 'commander';
import { startVenueServer } from '../venue-server/index.ts';
import { UsageError } from './errors.ts';
import { collect, parseNumberFlag } from './options.ts';

interface VenueFlags {
  protocol: string;
  port: number;
  state?: string;
  data: string[];
  speed: number;
  accountCash?: number;
  accountType: string;
  tz?: string;
  keyId?: string;
  quiet?: boolean;
}

/** Keys the venue accepts when none are given: fine for a local paper venue, never for a real one. */
export const DEFAULT_VENUE_KEY_ID = 'parity-local-key';
export const DEFAULT_VENUE_SECRET = 'parity-local-secret';

export function registerVenue(program: Command): void {
  program
    .command('venue')
    .description('run the simulated venue behind an Alpaca-compatible REST and websocket front on 127.0.0.1')
    .option('--protocol <name>', 'wire protocol (alpaca)', 'alpaca')
    .option('--port <n>', 'port on 127.0.0.1; 0 picks a free one (printed as "listening 127.0.0.1:PORT")', parseNumberFlag('port', 0), 0)
    .option('--state <file>', 'keep the books (orders, positions, cash, submission counts) in this file; survives restarts')
    .option('-d, --data <file>', 'bars to replay as the market (CSV or JSONL); repeat for several', collect, [])
    .option('--speed <x>', 'replay at x times the pace of the data timestamps (60: one-minute bars at one a second)', parseNumberFlag('speed', 0), 60)
    .option('--account-cash <n>', 'starting cash of a new account (default 100000)', parseNumberFlag('account-cash', 0))
    .option('--account-type <type>', 'cash or margin', 'cash')
    .option('--tz <zone>', 'IANA zone for data timestamps without an offset')
    .option('--key-id <id>', 'API key id to accept (default: $ALPACA_KEY_ID, else a local default); the secret comes from $ALPACA_SECRET_KEY only')
    .option('--quiet', 'no log lines on stderr')
    .action(async (flags: VenueFlags) => {
      if (flags.protocol !== 'alpaca') throw new UsageError(`--protocol ${flags.protocol} is not available: this build speaks alpaca`);
      if (flags.accountType !== 'cash' && flags.accountType !== 'margin') throw new UsageError(`--account-type takes cash or margin, got "${flags.accountType}"`);
      if (!(flags.speed > 0)) throw new UsageError('--speed must be above 0');
      const keyId = flags.keyId ?? process.env.ALPACA_KEY_ID ?? DEFAULT_VENUE_KEY_ID;
      const secretKey = process.env.ALPACA_SECRET_KEY ?? DEFAULT_VENUE_SECRET;
      const log = flags.quiet === true ? () => {} : (line: string) => process.stderr.write(`venue: ${line}\n`);
      const server = await startVenueServer({
        port: flags.port, keyId, secretKey, statePath: flags.state, dataFiles: flags.data, speed: flags.speed,
        accountCash: flags.accountCash, accountType: flags.accountType, tz: flags.tz, log,
      });
      process.stdout.write(`listening 127.0.0.1:${server.port}\n`);
      log(`alpaca protocol on ${server.url} (streams /stream, /v2/iex, /v1beta3/crypto/us); key id ${keyId}${flags.state !== undefined ? `, state ${flags.state}` : ', state in memory only'}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
