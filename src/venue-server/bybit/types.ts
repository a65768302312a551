/** The public shapes of the Bybit fake (index.ts documents how they are used). */
import type { OkxFaultIn } from '../okx/faults.ts';
import type { CryptoAdmin, CryptoBarIn } from '../crypto-admin.ts';

/** Bybit's product categories the fake serves: `spot` and `linear` (USDT-settled perpetuals). */
export type BybitCategory = 'spot' | 'linear';

/** One tradable instrument: Bybit's symbol (BTCUSDT) in one category; quantities in base units on both. */
export interface BybitInstrumentSpec {
  readonly category: BybitCategory;
  readonly symbol: string;
  readonly baseCoin: string;
  readonly quoteCoin: string;
  readonly tickSize: number;
  readonly qtyStep: number;
  readonly minOrderQty: number;
}

export interface BybitFakeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Credentials the fake accepts (defaults: parity-bybit-key / parity-bybit-secret). */
  readonly apiKey?: string;
  readonly secret?: string;
  /** The account's UID, user/query-api `userID` (default 50000001). */
  readonly uid?: number;
  /** A live account: its key works on api.bybit.com / stream.bybit.com only; a demo account (default) on the api-demo / stream-demo hosts only. */
  readonly liveAccount?: boolean;
  /** Whether the account has Disconnection Protect enabled (default true; Bybit enables it per account on request). */
  readonly dcpEnabled?: boolean;
  /** Instruments (default BTCUSDT and ETHUSDT, spot and linear). */
  readonly instruments?: readonly BybitInstrumentSpec[];
  /** Bar files (CSV/JSONL) replayed as the market; a file's symbol "BTC-USD"/"BTCUSDT" feeds every BTC instrument. */
  readonly data?: readonly string[];
  readonly tz?: string;
  /** Venue ms per wall ms (default 1). */
  readonly speed?: number;
  /** Venue time at start (default: just before the first data bar, else this machine's clock). */
  readonly startTime?: number;
  /** Starting USDT (default 100000). */
  readonly cash?: number;
  /** Funding rate per interval when none is given to fundNow (default 0.0001). */
  readonly fundingRate?: number;
  /** Funding interval on the venue clock (default 8 h, at multiples from the epoch). */
  readonly fundingIntervalMs?: number;
  /** Maker / taker fees in basis points of notional (default 2 / 5). */
  readonly fees?: { readonly makerBps: number; readonly takerBps: number };
  /** Leverage of the perpetuals before set-leverage (default 3). */
  readonly leverage?: number;
  readonly log?: (line: string) => void;
}

/** A bar pushed by the admin; `instId` is Bybit's symbol (BTCUSDT: both its spot and linear instruments) or `linear:BTCUSDT` / `spot:BTCUSDT`. */
export type BybitBarIn = CryptoBarIn;

export interface BybitStateDump {
  readonly now: number;
  readonly timeScale: number;
  readonly cash: number;
  readonly orders: readonly { orderId: string; orderLinkId: string; category: BybitCategory; symbol: string; orderStatus: string; qty: string; cumExecQty: string }[];
  readonly positions: readonly { symbol: string; size: number; side: 'Buy' | 'Sell'; avgPrice: number }[];
  readonly transactions: number;
  /** Disconnection Protect per product: its window, the private sockets subscribed to it, and when it fires (epoch ms; null while a socket is up). */
  readonly dcp: readonly { product: string; timeWindow: number; sockets: number; firesAt: number | null }[];
  readonly requests: number;
}

/** The admin (crypto-admin.ts); fundNow books funding on open linear positions and returns the transaction-log ids booked; inject takes the OKX fake's faults, rejectCode a Bybit retCode (110007) or an OKX sCode the fake translates (codes.ts). */
export type BybitAdmin = CryptoAdmin<OkxFaultIn, BybitStateDump>;

export interface BybitFake {
  readonly port: number;
  /** http://127.0.0.1:PORT: the profile's BYBIT_BASE_URL (urlOverride 'origins': `${it}/${host}${path}`). */
  readonly restUrl: string;
  /** ws://127.0.0.1:PORT: BYBIT_WS_URL. */
  readonly wsUrl: string;
  readonly adminUrl: string;
  readonly credentials: { readonly apiKey: string; readonly secret: string };
  readonly admin: BybitAdmin;
  close(): Promise<void>;
}
