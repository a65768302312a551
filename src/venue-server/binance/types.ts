/** The public shapes of the Binance fake (index.ts documents how they are used). */
import type { BinanceFaultIn } from './faults.ts';
import type { CryptoAdmin, CryptoBarIn } from '../crypto-admin.ts';

/** One tradable symbol: spot (api.binance.com) or a USD-M perpetual (fapi.binance.com), quantities in base units. */
export interface BinanceInstrumentSpec {
  /** Binance's symbol, e.g. "BTCUSDT" (the same name on spot and USD-M: `market` tells them apart). */
  readonly symbol: string;
  readonly market: 'spot' | 'usdm';
  readonly base: string;
  readonly quote: string;
  readonly tickSize: number;
  readonly stepSize: number;
  readonly minQty: number;
  /** The NOTIONAL (spot) / MIN_NOTIONAL (USD-M) filter: price x quantity at least this (USD-M: -4164 unless reduce-only). */
  readonly minNotional: number;
}

export interface BinanceFakeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Credentials the fake accepts (defaults: parity-binance-key / parity-binance-secret). */
  readonly apiKey?: string;
  readonly secret?: string;
  /**
   * A live account answers on the live hosts only (api / fapi / stream / fstream.binance.com); a
   * demo account (default) on the demo hosts only (demo-api, demo-fapi, demo-stream.binance.com,
   * fstream.binancefuture.com): a key used on the other side is -2015, as Binance answers.
   */
  readonly liveAccount?: boolean;
  /** The account's uid (GET /api/v3/account `uid`), default 100000001. */
  readonly uid?: number;
  readonly instruments?: readonly BinanceInstrumentSpec[];
  /** Bar files replayed as the market; a file's symbol "BTC-USD"/"BTC-USDT" feeds every BTC symbol (spot and USD-M). */
  readonly data?: readonly string[];
  readonly tz?: string;
  /** Venue ms per wall ms (default 1). */
  readonly speed?: number;
  /** Venue time at start (default: just before the first data bar, else this machine's clock). */
  readonly startTime?: number;
  /** USD-M wallet's starting USDT (default 100000). */
  readonly cash?: number;
  /** Spot wallet's starting USDT (default 100000): Binance keeps spot and USD-M apart. */
  readonly spotCash?: number;
  /** Funding rate per interval when none is given to fundNow (default 0.0001). */
  readonly fundingRate?: number;
  /** Funding interval on the venue clock (default 8 h, at multiples from the epoch). */
  readonly fundingIntervalMs?: number;
  /** Maker / taker fees in basis points (default 2 / 5), charged in the quote currency. */
  readonly fees?: { readonly makerBps: number; readonly takerBps: number };
  /** USD-M leverage before POST /fapi/v1/leverage (default 3). */
  readonly leverage?: number;
  readonly log?: (line: string) => void;
}

/** A bar pushed by the admin: `instId` is Binance's symbol with the market, "BTCUSDT" (USD-M) or "BTCUSDT@spot"; ts defaults to the venue clock. */
export type BinanceBarIn = CryptoBarIn;

export interface BinanceStateDump {
  readonly now: number;
  readonly timeScale: number;
  /** USD-M wallet balance (walletBalance, without unrealized P&L) and the spot wallet's USDT. */
  readonly cash: number;
  readonly spotCash: number;
  readonly orders: readonly { market: 'spot' | 'usdm'; orderId: string; clientOrderId: string; symbol: string; status: string; origQty: string; executedQty: string }[];
  readonly positions: readonly { symbol: string; positionAmt: number; entryPrice: number }[];
  readonly income: number;
  /** countdownCancelAll per symbol: when it lapses (this machine's clock, ms). */
  readonly deadMan: readonly { symbol: string; triggerTime: number }[];
  readonly requests: number;
}

/** The admin (crypto-admin.ts); fundNow books funding on open USD-M positions and returns the income tranIds booked. */
export type BinanceAdmin = CryptoAdmin<BinanceFaultIn, BinanceStateDump>;

export interface BinanceFake {
  readonly port: number;
  /** http://127.0.0.1:PORT — the REST override: every ccxt origin becomes `${restUrl}/${host}` (rewriteOrigins). */
  readonly restUrl: string;
  /** ws://127.0.0.1:PORT — the websocket override, the same way. */
  readonly wsUrl: string;
  readonly adminUrl: string;
  readonly credentials: { readonly apiKey: string; readonly secret: string };
  readonly admin: BinanceAdmin;
  close(): Promise<void>;
}
