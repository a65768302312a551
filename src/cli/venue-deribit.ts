/**
 * `parity venue --protocol deribit`: the simulated venue behind Deribit's API v2 (JSON-RPC over
 * HTTP and over the websocket /ws/api/v2, src/venue-server/deribit/), for ccxt with the profile's
 * 'paths' override (DERIBIT_BASE_URL=http://127.0.0.1:PORT, DERIBIT_WS_URL=ws://127.0.0.1:PORT/ws/api/v2)
 * and parity's order connection. Books in memory only; its unsigned admin (clock, bars, funding,
 * faults, state) is /admin on the same port. The venue clock runs at `speed` (1, real time, unless
 * --speed is given), the 8-hourly funding settlements with it. `--live-account` answers
 * `testnet: false` (www.deribit.com) instead of test.deribit.com's `testnet: true`.
 */
import { startDeribitFake } from '../venue-server/deribit/index.ts';
import { UsageError } from './errors.ts';

export interface DeribitVenueFlags {
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

export async function runDeribit(flags: DeribitVenueFlags, speed: number, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  for (const [flag, v] of [['--state', flags.state], ['--key-id', flags.keyId], ['--account', flags.account], ['--admin-port', flags.adminPort], ['--faults', flags.faults], ['--account-type', flags.accountType]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} is not for --protocol deribit (its admin, faults included, is /admin on the same port; the books live in memory)`);
  }
  const log = flags.quiet === true ? () => {} : (line: string) => process.stderr.write(`venue: ${line}\n`);
  const clientId = flags.apiKey ?? env.DERIBIT_API_KEY;
  const fake = await startDeribitFake({
    port: flags.port, data: flags.data, speed, tz: flags.tz, log, testnet: flags.liveAccount !== true,
    ...(flags.accountCash !== undefined ? { cash: flags.accountCash } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
    ...(env.DERIBIT_SECRET !== undefined ? { clientSecret: env.DERIBIT_SECRET } : {}),
  });
  process.stdout.write(`listening 127.0.0.1:${fake.port}\n`);
  log(`DERIBIT_BASE_URL=${fake.restUrl} DERIBIT_WS_URL=${fake.wsUrl}, admin ${fake.adminUrl}; client id ${fake.credentials.apiKey}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await fake.close();
}
