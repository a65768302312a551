/** The public shapes of the OKX fake (index.ts documents how they are used). */
import type { OkxFaultIn } from './faults.ts';
import type { CryptoAdmin, CryptoBarIn } from '../crypto-admin.ts';

/** One tradable instrument. Spot: quantity in base units; swap: in contracts of `ctVal` base units. */
export interface OkxInstrumentSpec {
  /** OKX instId: "BTC-USDT" (SPOT) or "BTC-USDT-SWAP" (SWAP, USDT-margined linear). */
  readonly instId: string;
  readonly tickSz: number;
  readonly lotSz: number;
  readonly minSz: number;
  /** Contract value in base currency (swaps only; spot: 1). */
  readonly ctVal?: number;
}

export interface OkxFakeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Credentials the fake accepts (defaults: parity-okx-key / parity-okx-secret / Parity-Pass1). */
  readonly apiKey?: string;
  readonly secret?: string;
  readonly passphrase?: string;
  /** A live account refuses requests with `x-simulated-trading: 1`; a demo account (default) requires it. */
  readonly liveAccount?: boolean;
  /** The account id account/config answers as `uid` (default "parity-okx-1"). */
  readonly uid?: string;
  /** Instruments (default BTC-USDT, ETH-USDT, BTC-USDT-SWAP, ETH-USDT-SWAP). */
  readonly instruments?: readonly OkxInstrumentSpec[];
  /** Bar files (CSV/JSONL) replayed as the market; a file's symbol "BTC-USD"/"BTC-USDT" feeds BTC-USDT and BTC-USDT-SWAP. */
  readonly data?: readonly string[];
  readonly tz?: string;
  /** Venue ms per wall ms (default 1; with `data`, how fast the replay runs). */
  readonly speed?: number;
  /** Venue time at start (default: just before the first data bar, else this machine's clock). */
  readonly startTime?: number;
  /** Starting USDT (default 100000). */
  readonly cash?: number;
  /** Funding rate per interval when none is given to fundNow (default 0.0001). */
  readonly fundingRate?: number;
  /**
   * Funding rates from a CSV `ts,symbol,rate` (a backtest's data.funding): booked at the file's
   * instants with its rates instead of the fixed clock, and served by public/funding-rate-history
   * once settled. A symbol feeds the swaps of its base currency.
   */
  readonly funding?: string;
  /** Index prices from a CSV `ts,symbol,price` (a backtest's data.index, a row per minute at its open): market/index-candles. */
  readonly index?: string;
  /** Funding interval on the venue clock (default 8 h, at multiples from the epoch). */
  readonly fundingIntervalMs?: number;
  /** Maker / taker fees in basis points of notional, for every instrument (default 2 / 5: OKX Regular tier, USDT swaps). */
  readonly fees?: { readonly makerBps: number; readonly takerBps: number };
  /** Leverage of swaps before set-leverage (default 3). */
  readonly leverage?: number;
  readonly log?: (line: string) => void;
}

/** A bar pushed by the admin; `ts` defaults to the venue clock now; `instId` or the data file's symbol. */
export type OkxBarIn = CryptoBarIn;

export interface OkxStateDump {
  readonly now: number;
  readonly timeScale: number;
  readonly cash: number;
  readonly orders: readonly { ordId: string; clOrdId: string; tag: string; instId: string; state: string; sz: string; accFillSz: string }[];
  readonly positions: readonly { instId: string; pos: number; avgPx: number }[];
  readonly bills: number;
  readonly deadMan: readonly { tag: string; triggerTime: number }[];
  readonly requests: number;
}

/** The admin (crypto-admin.ts); fundNow books funding on open swap positions and returns the bill ids booked. */
export type OkxAdmin = CryptoAdmin<OkxFaultIn, OkxStateDump>;

export interface OkxFake {
  readonly port: number;
  /** http://127.0.0.1:PORT — ccxt's urls.api.rest. */
  readonly restUrl: string;
  /** ws://127.0.0.1:PORT/ws/v5 — ccxt's urls.api.ws (it appends /public, /private, /business). */
  readonly wsUrl: string;
  /** http://127.0.0.1:PORT/admin */
  readonly adminUrl: string;
  readonly credentials: { readonly apiKey: string; readonly secret: string; readonly passphrase: string };
  readonly admin: OkxAdmin;
  close(): Promise<void>;
}
