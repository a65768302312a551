/** The public shapes of the Deribit fake (index.ts documents how they are used). */
import type { DeribitFaultIn } from './faults.ts';
import type { CryptoAdmin, CryptoBarIn } from '../crypto-admin.ts';

/** One USDC linear perpetual. Amounts in base currency (BTC), prices in USDC. */
export interface DeribitInstrumentSpec {
  /** Deribit instrument_name: "BTC_USDC-PERPETUAL". */
  readonly name: string;
  readonly tickSize: number;
  /** min_trade_amount: also the amount step (ccxt's amount precision). */
  readonly minTradeAmount: number;
  /**
   * contract_size as Deribit lists it (BTC_USDC-PERPETUAL: 0.001). Amounts stay in the base
   * currency whatever it says; ccxt copies it into the market's contractSize.
   */
  readonly contractSize: number;
}

export interface DeribitFakeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** The API key the fake accepts (Deribit: client id and client secret; defaults parity-deribit-id / parity-deribit-secret). */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The account's user id (get_account_summaries `id`, default 1001) and username. */
  readonly userId?: number;
  readonly username?: string;
  /** Answers `testnet: true` (test.deribit.com, default) or false (www.deribit.com). */
  readonly testnet?: boolean;
  readonly instruments?: readonly DeribitInstrumentSpec[];
  /** Bar files (CSV/JSONL) replayed as the market; a file's symbol "BTC-USD" feeds BTC_USDC-PERPETUAL. */
  readonly data?: readonly string[];
  readonly tz?: string;
  readonly speed?: number;
  readonly startTime?: number;
  /** Starting USDC (default 100000). */
  readonly cash?: number;
  /** Funding rate per 8 h settlement when none is given to fundNow (default 0.0001). */
  readonly fundingRate?: number;
  readonly fundingIntervalMs?: number;
  readonly fees?: { readonly makerBps: number; readonly takerBps: number };
  /** Cross-margin leverage the margin check uses (default 3, as the OKX fake). */
  readonly leverage?: number;
  /** Wall ms per second of a public/set_heartbeat interval (default 1000; tests make it short). */
  readonly heartbeatUnitMs?: number;
  readonly log?: (line: string) => void;
}

/** A bar pushed by the admin; `instId` is Deribit's instrument_name (BTC_USDC-PERPETUAL). */
export type DeribitBarIn = CryptoBarIn;

export interface DeribitStateDump {
  readonly now: number;
  readonly timeScale: number;
  readonly cash: number;
  readonly orders: readonly { orderId: string; label: string; instrument: string; state: string; amount: number; filled: number; connection: string | null; cancelReason: string }[];
  readonly positions: readonly { instrument: string; size: number; averagePrice: number }[];
  readonly logs: number;
  /** Open websocket connections: cancel-on-disconnect on each, logged in or not. */
  readonly connections: readonly { id: string; authed: boolean; cancelOnDisconnect: boolean; subscriptions: number }[];
  readonly accountCancelOnDisconnect: boolean;
  readonly requests: number;
}

/** The admin (crypto-admin.ts); fundNow books a funding settlement on open positions and returns the transaction-log ids booked. */
export type DeribitAdmin = CryptoAdmin<DeribitFaultIn, DeribitStateDump>;

export interface DeribitFake {
  readonly port: number;
  /** http://127.0.0.1:PORT — ccxt's urls.api.rest (it appends /api/v2/...). */
  readonly restUrl: string;
  /** ws://127.0.0.1:PORT/ws/api/v2 — ccxt's urls.api.ws. */
  readonly wsUrl: string;
  readonly adminUrl: string;
  readonly credentials: { readonly apiKey: string; readonly secret: string };
  readonly admin: DeribitAdmin;
  close(): Promise<void>;
}
