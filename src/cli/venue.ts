/**
 * `parity venue --protocol alpaca`: run the simulated venue as its own process behind an
 * Alpaca-compatible front, so a console can paper-trade against it with no account and tests can
 * crash the console while the venue keeps its books. The first stdout line is machine-readable:
 * `listening 127.0.0.1:PORT`. `--protocol tws` puts the same matching core behind the TWS API
 * socket protocol (src/venue-server/tws/), for the Interactive Brokers SDK; with `--admin-port`
 * a second line says `admin 127.0.0.1:PORT`. `--protocol okx`, `binance`, `bybit` and `deribit` run
 * that crypto venue's fake (src/venue-server/<venue>/), for ccxt; its unsigned admin is /admin on the
 * same port (venue-crypto.ts).
 */
import type { Command } from 'commander';
import { startVenueServer } from '../venue-server/index.ts';
import { loadFaultScript, startTwsFake } from '../venue-server/tws/index.ts';
import { isCryptoProtocol, runCryptoVenue } from './venue-crypto.ts';
import { UsageError } from './errors.ts';
import { collect, parseNumberFlag } from './options.ts';

interface VenueFlags {
  protocol: string;
  port: number;
  state?: string;
  data: string[];
  speed: number;
  accountCash?: number;
  accountType?: string;
  tz?: string;
  account?: string;
  adminPort?: number;
  faults?: string;
  keyId?: string;
  apiKey?: string;
  liveAccount?: boolean;
  quiet?: boolean;
  funding?: string;
  index?: string;
}

/** Keys the venue accepts when none are given: fine for a local paper venue, never for a real one. */
export const DEFAULT_VENUE_KEY_ID = 'parity-local-key';
export const DEFAULT_VENUE_SECRET = 'parity-local-secret';

export function registerVenue(program: Command): void {
  program
    .command('venue')
    .description('run the simulated venue on 127.0.0.1 behind an Alpaca-compatible REST and websocket front, the TWS API socket protocol (Interactive Brokers), or a crypto venue\'s own REST and websocket protocol for ccxt (OKX v5, Binance spot + USD-M, Bybit v5, Deribit v2 JSON-RPC)')
    .option('--protocol <name>', 'wire protocol: okx (OKX v5, for ccxt), binance (Binance spot + USD-M, for ccxt), bybit (Bybit v5, for ccxt), deribit (Deribit v2 JSON-RPC, for ccxt), alpaca or tws', 'alpaca')
    .option('--port <n>', 'port on 127.0.0.1; 0 picks a free one (printed as "listening 127.0.0.1:PORT")', parseNumberFlag('port', 0), 0)
    .option('--state <file>', 'alpaca: keep the books (orders, positions, cash, submission counts) in this file; survives restarts')
    .option('-d, --data <file>', 'bars to replay as the market (CSV or JSONL); repeat for several', collect, [])
    .option('--speed <x>', 'replay at x times the pace of the data timestamps (60: one-minute bars at one a second; okx: default 1, its venue clock)', parseNumberFlag('speed', 0), 60)
    .option('--account-cash <n>', 'starting cash of a new account (default 100000)', parseNumberFlag('account-cash', 0))
    .option('--account-type <type>', 'cash or margin (default: cash for alpaca, margin for tws)')
    .option('--tz <zone>', 'IANA zone for data timestamps without an offset')
    .option('--account <id>', 'tws: the managed account (default DU1234567, a paper account)')
    .option('--admin-port <n>', 'tws: admin HTTP on 127.0.0.1 (GET /stats, POST /faults, POST /bars); 0 picks a free one', parseNumberFlag('admin-port', 0))
    .option('--faults <file>', 'tws: fault script, a JSON fault or an array of them with "afterMs" (see src/venue-server/tws/faults.ts)')
    .option('--key-id <id>', 'alpaca: API key id to accept (default: $ALPACA_KEY_ID, else a local default); the secret comes from $ALPACA_SECRET_KEY only')
    .option('--api-key <key>', 'okx / binance / bybit: API key to accept (default: $OKX_API_KEY / $BINANCE_API_KEY / $BYBIT_API_KEY, else a local default); the secret (and OKX passphrase) from $OKX_SECRET / $OKX_PASSPHRASE / $BINANCE_SECRET / $BYBIT_SECRET only')
    .option('--live-account', 'okx / binance / bybit: the account is a live one (okx refuses x-simulated-trading: 1; binance and bybit answer on the live hosts only); default a demo account')
    .option('--funding <file>', 'okx: funding rates, a CSV ts,symbol,rate (a backtest\'s data.funding): booked at its instants instead of 0.0001 every 8 h, served by public/funding-rate-history')
    .option('--index <file>', 'okx: index prices, a CSV ts,symbol,price (a backtest\'s data.index): market/index-candles of the minutes played')
    .option('--quiet', 'no log lines on stderr')
    .action(async (flags: VenueFlags, cmd: Command) => {
      if (flags.protocol !== 'alpaca' && flags.protocol !== 'tws' && flags.protocol !== 'okx' && flags.protocol !== 'binance' && flags.protocol !== 'bybit' && flags.protocol !== 'deribit') throw new UsageError(`--protocol ${flags.protocol} is not available: this build speaks okx, binance, bybit, deribit, alpaca and tws`);
      if (!isCryptoProtocol(flags.protocol)) {
        for (const [flag, v] of [['--api-key', flags.apiKey], ['--live-account', flags.liveAccount]] as const) {
          if (v !== undefined) throw new UsageError(`${flag} is for --protocol okx, bybit or deribit`);
        }
        for (const [flag, v] of [['--funding', flags.funding], ['--index', flags.index]] as const) {
          if (v !== undefined) throw new UsageError(`${flag} is for --protocol okx`);
        }
      }
      const accountType = flags.accountType ?? (flags.protocol === 'tws' ? 'margin' : 'cash');
      if (accountType !== 'cash' && accountType !== 'margin') throw new UsageError(`--account-type takes cash or margin, got "${accountType}"`);
      if (!(flags.speed > 0)) throw new UsageError('--speed must be above 0');
      if (flags.protocol === 'tws') {
        await runTws(flags, accountType);
        return;
      }
      if (isCryptoProtocol(flags.protocol)) {
        await runCryptoVenue(flags.protocol, flags, cmd.getOptionValueSource('speed') === 'default' ? 1 : flags.speed);
        return;
      }
      for (const [flag, v] of [['--account', flags.account], ['--admin-port', flags.adminPort], ['--faults', flags.faults]] as const) {
        if (v !== undefined) throw new UsageError(`${flag} is for --protocol tws (the alpaca venue takes faults on POST /parity/faults)`);
      }
      const keyId = flags.keyId ?? process.env.ALPACA_KEY_ID ?? DEFAULT_VENUE_KEY_ID;
      const secretKey = process.env.ALPACA_SECRET_KEY ?? DEFAULT_VENUE_SECRET;
      const log = flags.quiet === true ? () => {} : (line: string) => process.stderr.write(`venue: ${line}\n`);
      const server = await startVenueServer({
        port: flags.port, keyId, secretKey, statePath: flags.state, dataFiles: flags.data, speed: flags.speed,
        accountCash: flags.accountCash, accountType, tz: flags.tz, log,
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

/** `parity venue --protocol tws`: the books live in memory only; faults from a script file and/or the admin port. */
async function runTws(flags: VenueFlags, accountType: 'cash' | 'margin'): Promise<void> {
  if (flags.state !== undefined) throw new UsageError('--state is for --protocol alpaca: the TWS venue keeps its books in memory only');
  if (flags.keyId !== undefined) throw new UsageError('--key-id is for --protocol alpaca: TWS connections carry no keys');
  if (flags.account !== undefined && !/^[A-Z0-9]{2,20}$/.test(flags.account)) throw new UsageError(`--account takes letters and digits (paper accounts start with DU), got "${flags.account}"`);
  let script: ReturnType<typeof loadFaultScript> = [];
  if (flags.faults !== undefined) {
    try {
      script = loadFaultScript(flags.faults);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const log = flags.quiet === true ? () => {} : (line: string) => process.stderr.write(`venue: ${line}\n`);
  const fake = await startTwsFake({
    port: flags.port, data: flags.data, speed: flags.speed, cash: flags.accountCash, accountType, tz: flags.tz, log,
    ...(flags.account !== undefined ? { account: flags.account } : {}),
    ...(flags.adminPort !== undefined ? { adminPort: flags.adminPort } : {}),
  });
  process.stdout.write(`listening 127.0.0.1:${fake.port}\n`);
  if (fake.adminPort !== null) process.stdout.write(`admin 127.0.0.1:${fake.adminPort}\n`);
  const timers = script.map(({ afterMs, fault }) => setTimeout(() => {
    try {
      fake.admin.inject(fault);
    } catch (err) {
      log(`fault script: ${(err as Error).message}`);
    }
  }, afterMs));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  for (const t of timers) clearTimeout(t);
  await fake.close();
}
