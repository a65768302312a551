/**
 * `parity venue --protocol okx|binance|bybit|deribit`: a crypto venue's fake (src/venue-server/<venue>/)
 * as its own process, for ccxt. Books in memory only; its unsigned admin (clock, bars, funding,
 * faults, state) is /admin on the same port. The venue clock runs at `speed` (1, real time, unless
 * --speed is given), funding times with it (at 60 an OKX 10 s cancel-all-after lapses in a sixth of
 * a wall second); the venues' dead-man countdowns (Binance countdownCancelAll, the Bybit
 * Disconnection Protect window) count real time (and admin advances).
 *
 * Per venue, one row of VENUES: the environment prefix of its keys (<PREFIX>_API_KEY, else
 * --api-key; <PREFIX>_SECRET, OKX also OKX_PASSPHRASE), how the fake starts, and the log line that
 * says where to point ccxt:
 * - okx: ccxt's urls.api.rest / ws (OKX v5 REST and websocket).
 * - binance: spot (/api/v3) and USD-M (/fapi) with the profile's 'origins' override
 *   (BINANCE_BASE_URL, BINANCE_WS_URL); --account-cash is the USD-M wallet's (spot starts at 100,000).
 * - bybit: v5 with the 'origins' override (BYBIT_BASE_URL, BYBIT_WS_URL).
 * - deribit: API v2 (JSON-RPC over HTTP and the websocket /ws/api/v2) with the 'paths' override
 *   (DERIBIT_BASE_URL, DERIBIT_WS_URL) and parity's order connection; the key is Deribit's client
 *   id and secret; `--live-account` answers `testnet: false` (www.deribit.com), else `testnet: true`.
 */
import { startBinanceFake } from '../venue-server/binance/index.ts';
import { startBybitFake } from '../venue-server/bybit/index.ts';
import { startDeribitFake } from '../venue-server/deribit/index.ts';
import { startOkxFake } from '../venue-server/okx/index.ts';
import { UsageError } from './errors.ts';

export type CryptoProtocol = 'okx' | 'binance' | 'bybit' | 'deribit';
export const CRYPTO_PROTOCOLS: readonly CryptoProtocol[] = ['okx', 'binance', 'bybit', 'deribit'];
export const isCryptoProtocol = (p: string): p is CryptoProtocol => (CRYPTO_PROTOCOLS as readonly string[]).includes(p);

export interface CryptoVenueFlags {
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
  /** OKX only: the side-input files (funding rates, index prices) the fake serves. */
  readonly funding?: string;
  readonly index?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** What every crypto fake takes from the flags alike. */
interface CommonOptions {
  readonly port: number;
  readonly data: readonly string[];
  readonly speed: number;
  readonly tz: string | undefined;
  readonly log: (line: string) => void;
  readonly cash?: number;
}

interface SideFiles {
  readonly funding?: string;
  readonly index?: string;
}

/** The keys the fake accepts, each only when given (else the fake's local default). */
interface Keys {
  readonly key: string | undefined;
  readonly secret: string | undefined;
  readonly passphrase: string | undefined;
}

interface Started {
  readonly port: number;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly adminUrl: string;
  readonly credentials: { readonly apiKey: string };
  close(): Promise<void>;
}

interface CryptoVenue {
  /** Serves funding and index files (--funding, --index); the others refuse the flags. */
  readonly sideFiles: boolean;
  /** <PREFIX>_API_KEY, <PREFIX>_SECRET (and OKX_PASSPHRASE) in the environment. */
  readonly envPrefix: string;
  start(common: CommonOptions & SideFiles, keys: Keys, liveAccount: boolean): Promise<Started>;
  /** The log line after `listening`: where to point ccxt, the admin, the key accepted (never the secret). */
  logLine(fake: Started): string;
}

const given = <K extends string>(k: K, v: string | undefined): { [P in K]?: string } => (v !== undefined ? { [k]: v } as { [P in K]: string } : {});
const envUrls = (prefix: string) => (f: Started): string => `${prefix}_BASE_URL=${f.restUrl} ${prefix}_WS_URL=${f.wsUrl}, admin ${f.adminUrl}; api key ${f.credentials.apiKey}`;

const VENUES: Readonly<Record<CryptoProtocol, CryptoVenue>> = {
  okx: {
    envPrefix: 'OKX',
    sideFiles: true,
    start: (o, k, live) => startOkxFake({ ...o, liveAccount: live, ...given('apiKey', k.key), ...given('secret', k.secret), ...given('passphrase', k.passphrase) }),
    logLine: (f) => `rest ${f.restUrl}, websocket ${f.wsUrl}, admin ${f.adminUrl}; api key ${f.credentials.apiKey}`,
  },
  binance: {
    envPrefix: 'BINANCE',
    sideFiles: false,
    start: (o, k, live) => startBinanceFake({ ...o, liveAccount: live, ...given('apiKey', k.key), ...given('secret', k.secret) }),
    logLine: envUrls('BINANCE'),
  },
  bybit: {
    envPrefix: 'BYBIT',
    sideFiles: false,
    start: (o, k, live) => startBybitFake({ ...o, liveAccount: live, ...given('apiKey', k.key), ...given('secret', k.secret) }),
    logLine: envUrls('BYBIT'),
  },
  deribit: {
    envPrefix: 'DERIBIT',
    sideFiles: false,
    start: (o, k, live) => startDeribitFake({ ...o, testnet: !live, ...given('clientId', k.key), ...given('clientSecret', k.secret) }),
    logLine: (f) => `DERIBIT_BASE_URL=${f.restUrl} DERIBIT_WS_URL=${f.wsUrl}, admin ${f.adminUrl}; client id ${f.credentials.apiKey}`,
  },
};

/** Resolves on the first SIGINT or SIGTERM. */
function signalled(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Runs the venue until `until` resolves (SIGINT or SIGTERM unless given), then closes it. */
export async function runCryptoVenue(protocol: CryptoProtocol, flags: CryptoVenueFlags, speed: number, env: Env = process.env, until?: Promise<void>): Promise<void> {
  for (const [flag, v] of [['--state', flags.state], ['--key-id', flags.keyId], ['--account', flags.account], ['--admin-port', flags.adminPort], ['--faults', flags.faults], ['--account-type', flags.accountType]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} is not for --protocol ${protocol} (its admin, faults included, is /admin on the same port; the books live in memory)`);
  }
  const venue = VENUES[protocol];
  for (const [flag, v] of [['--funding', flags.funding], ['--index', flags.index]] as const) {
    if (v !== undefined && !venue.sideFiles) throw new UsageError(`${flag} is for --protocol okx (the ${protocol} fake books its own funding and serves no index prices)`);
  }
  const log = flags.quiet === true ? () => {} : (line: string) => process.stderr.write(`venue: ${line}\n`);
  const fake = await venue.start(
    { port: flags.port, data: flags.data, speed, tz: flags.tz, log, ...(flags.accountCash !== undefined ? { cash: flags.accountCash } : {}),
      ...(flags.funding !== undefined ? { funding: flags.funding } : {}), ...(flags.index !== undefined ? { index: flags.index } : {}) },
    { key: flags.apiKey ?? env[`${venue.envPrefix}_API_KEY`], secret: env[`${venue.envPrefix}_SECRET`], passphrase: env[`${venue.envPrefix}_PASSPHRASE`] },
    flags.liveAccount === true,
  );
  process.stdout.write(`listening 127.0.0.1:${fake.port}\n`);
  log(venue.logLine(fake));
  await (until ?? signalled());
  await fake.close();
}
