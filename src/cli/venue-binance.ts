/**
 * `parity venue --protocol binance`: the simulated venue behind Binance's spot (/api/v3) and USD-M
 * (/fapi) REST and websocket protocol (src/venue-server/binance/), for ccxt with the profile's
 * 'origins' override (BINANCE_BASE_URL=http://127.0.0.1:PORT, BINANCE_WS_URL=ws://127.0.0.1:PORT).
 * Books in memory only; its unsigned admin (clock, bars, funding, faults, state) is /admin on the
 * same port. The venue clock runs at `speed` (1, real time, unless --speed is given), funding times
 * with it; countdownCancelAll counts real milliseconds (and admin advances). --account-cash is the
 * USD-M wallet's (the spot wallet starts with the default 100,000).
 */
import { startBinanceFake } from '../venue-server/binance/index.ts';
import { UsageError } from './errors.ts';

export interface BinanceVenueFlags {
  readonly port: number;
  readonly data: readonly string[];
  readonly tz?: string;
  readonly accountCash?: number;
  readonly apiKey?: string;
  readonly liveAccount?: boolean;
  readonly quiet?: boolean;
  /** Flags of other protocols, refused here. */
  readonly state?: string;
  readonly keyId?: string;
  readonly account?: string;
  readonly adminPort?: number;
  readonly faults?: string;
  readonly accountType?: string;
}

export async function runBinance(flags: BinanceVenueFlags, speed: number, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  for (const [flag, v] of [['--state', flags.state], ['--key-id', flags.keyId], ['--account', flags.account], ['--admin-port', flags.adminPort], ['--faults', flags.faults], ['--account-type', flags.accountType]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} is not for --protocol binance (its admin, faults included, is /admin on the same port; the books live in memory)`);
  }
  const log = flags.quiet === true ? () => {} : (line: string) => process.stderr.write(`venue: ${line}\n`);
  const apiKey = flags.apiKey ?? env.BINANCE_API_KEY;
  const fake = await startBinanceFake({
    port: flags.port, data: flags.data, speed, tz: flags.tz, log, liveAccount: flags.liveAccount === true,
    ...(flags.accountCash !== undefined ? { cash: flags.accountCash } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(env.BINANCE_SECRET !== undefined ? { secret: env.BINANCE_SECRET } : {}),
  });
  process.stdout.write(`listening 127.0.0.1:${fake.port}\n`);
  log(`BINANCE_BASE_URL=${fake.restUrl} BINANCE_WS_URL=${fake.wsUrl}, admin ${fake.adminUrl}; api key ${fake.credentials.apiKey}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await fake.close();
}
