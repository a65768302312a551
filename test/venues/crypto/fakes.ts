/**
 * The crypto venues' protocol fakes as one list for tests that run the same thing on each: how to
 * start the fake, the environment a session needs to reach it, and how to push one bar of the
 * BTC perpetual.
 */
import { startDeribitFake } from '../../../src/venue-server/deribit/index.ts';
import { startOkxFake } from '../../../src/venue-server/okx/index.ts';
import { DERIBIT_PROFILE } from '../../../src/venues/ccxt/profile-deribit.ts';
import { startBybitFake } from '../../../src/venue-server/bybit/index.ts';
import { BYBIT_PROFILE } from '../../../src/venues/ccxt/profile-bybit.ts';
import { startBinanceFake } from '../../../src/venue-server/binance/index.ts';
import { BINANCE_PROFILE } from '../../../src/venues/ccxt/profile-binance.ts';
import { OKX_PROFILE } from '../../../src/venues/ccxt/profiles.ts';
import type { CcxtProfile } from '../../../src/venues/ccxt/profiles.ts';

export interface RunningFake {
  readonly env: Record<string, string>;
  pushBar(ts: number, close: number): void;
  close(): Promise<void>;
}

export interface CryptoFakeCase {
  readonly name: string;
  readonly profile: CcxtProfile;
  /** The BTC perpetual in ccxt's spelling. */
  readonly symbol: string;
  start(t0: number): Promise<RunningFake>;
}

const flat = (ts: number, close: number) => ({ ts, open: close, high: close, low: close, close, volume: 10 });

export const CRYPTO_FAKES: readonly CryptoFakeCase[] = [
  {
    name: 'okx', profile: OKX_PROFILE, symbol: 'BTC/USDT:USDT',
    async start(t0) {
      const f = await startOkxFake({ port: 0, speed: 0, startTime: t0 });
      return {
        env: { OKX_API_KEY: f.credentials.apiKey, OKX_SECRET: f.credentials.secret, OKX_PASSPHRASE: f.credentials.passphrase, OKX_BASE_URL: f.restUrl, OKX_WS_URL: f.wsUrl },
        pushBar: (ts, close) => f.admin.pushBar({ instId: 'BTC-USDT-SWAP', ...flat(ts, close) }),
        close: () => f.close(),
      };
    },
  },
  {
    // Binance USD-M: BTCUSDT in BTC (step 0.001); the spot wallet is apart and not traded here.
    name: 'binance', profile: BINANCE_PROFILE, symbol: 'BTC/USDT:USDT',
    async start(t0) {
      const f = await startBinanceFake({ port: 0, speed: 0, startTime: t0 });
      return {
        env: { BINANCE_API_KEY: f.credentials.apiKey, BINANCE_SECRET: f.credentials.secret, BINANCE_BASE_URL: f.restUrl, BINANCE_WS_URL: f.wsUrl },
        pushBar: (ts, close) => f.admin.pushBar({ instId: 'BTCUSDT', ...flat(ts, close) }),
        close: () => f.close(),
      };
    },
  },
  {
    name: 'bybit', profile: BYBIT_PROFILE, symbol: 'BTC/USDT:USDT',
    async start(t0) {
      const f = await startBybitFake({ port: 0, speed: 0, startTime: t0 });
      return {
        env: { BYBIT_API_KEY: f.credentials.apiKey, BYBIT_SECRET: f.credentials.secret, BYBIT_BASE_URL: f.restUrl, BYBIT_WS_URL: f.wsUrl },
        pushBar: (ts, close) => f.admin.pushBar({ instId: 'linear:BTCUSDT', ...flat(ts, close) }),
        close: () => f.close(),
      };
    },
  },
  {
    // Deribit's perpetual is USDC-margined (BTC_USDC-PERPETUAL), amounts in BTC; orders go over the session's own JSON-RPC websocket.
    name: 'deribit', profile: DERIBIT_PROFILE, symbol: 'BTC/USDC:USDC',
    async start(t0) {
      const f = await startDeribitFake({ port: 0, speed: 0, startTime: t0 });
      return {
        env: { DERIBIT_API_KEY: f.credentials.apiKey, DERIBIT_SECRET: f.credentials.secret, DERIBIT_BASE_URL: f.restUrl, DERIBIT_WS_URL: f.wsUrl },
        pushBar: (ts, close) => f.admin.pushBar({ instId: 'BTC_USDC-PERPETUAL', ...flat(ts, close) }),
        close: () => f.close(),
      };
    },
  },
];
