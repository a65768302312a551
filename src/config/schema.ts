/**
 * The one config file (parity.config.json): account, venue, risk limits, strategy and its parameters,
 * instruments. Every object is strict: a misspelt key is an error that names it and lists what is
 * allowed. Secrets never live here: keys come from the environment or .env only.
 */
import { z } from 'zod';
import { Jurisdiction } from '../ops/rules/jurisdiction.ts';

const positive = z.number().positive();
const nonNeg = z.number().nonnegative();

/**
 * A number in a sane range, the range named in the error: `(lo, hi]` when `lo` itself is not
 * allowed, `[lo, hi]` when it is. Fractions and rates get these, so a unit mistake (`priceCollar: 7`
 * for 7%) is refused instead of trading with a 700% collar.
 */
function bounded(lo: number, hi: number, opts: { readonly loOpen: boolean; readonly unit: string }) {
  const range = `${opts.loOpen ? '(' : '['}${lo}, ${hi}]`;
  const error = (iss: { readonly input?: unknown }) => `must be ${opts.unit} in ${range}, got ${JSON.stringify(iss.input)}`;
  const n = z.number({ error });
  return (opts.loOpen ? n.gt(lo, { error }) : n.min(lo, { error })).max(hi, { error });
}
/** Basis points of notional or price: at most 1000 (10%). */
const bps = bounded(0, 1000, { loOpen: false, unit: 'basis points (1 bp = 0.01%)' });
/** A share of something (a spread, a bar's volume): 1 = all of it. */
const share = (loOpen: boolean) => bounded(0, 1, { loOpen, unit: 'a fraction (0.1 = 10%)' });

export const InstrumentSpec = z.strictObject({
  symbol: z.string().min(1),
  assetClass: z.enum(['equity', 'etf', 'crypto_spot', 'crypto_perp']).optional(),
  quoteCurrency: z.string().min(1).optional(),
  tickSize: positive.optional(),
  lotSize: positive.optional(),
  minQty: nonNeg.optional(),
  multiplier: positive.optional(),
  calendar: z.enum(['us_equity', '24x7']).optional(),
  /** Perpetual terms (crypto_perp only); each absent one takes the default (domain/perp.ts DEFAULT_PERP; leverage: account.perpLeverage). */
  perp: z.strictObject({
    leverage: z.number().min(1).optional(),
    marginMode: z.enum(['cross', 'isolated']).optional(),
    maintenanceMarginRate: share(false).optional(),
    fundingIntervalMs: z.number().int().positive().optional(),
    /** Funding rate per interval when the data gives none (positive: longs pay shorts). */
    fundingRate: bounded(-0.1, 0.1, { loOpen: false, unit: 'a rate per interval (0.0001 = 0.01%)' }).optional(),
    liquidationFeeRate: share(false).optional(),
  }).optional(),
});

export const CommissionSpec = z.discriminatedUnion('model', [
  z.strictObject({ model: z.literal('zero') }),
  z.strictObject({ model: z.literal('bps'), bps }),
  z.strictObject({ model: z.literal('ibkr_fixed') }),
  z.strictObject({ model: z.literal('ibkr_tiered') }),
  z.strictObject({ model: z.literal('crypto'), makerBps: bps, takerBps: bps }),
]);

export const SlippageSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bps'), bps }),
  z.strictObject({ kind: z.literal('spread'), share: share(false) }),
]);

/**
 * A venue through ccxt: endpoint overrides (a local fake; the venue's *_BASE_URL / *_WS_URL
 * in the environment win), symbols, leverage per swap, the venue's dead-man switch (on by default in paper and
 * live; its countdown is clamped to what the venue accepts: OKX 10-120 s).
 */
function ccxtVenue() {
  return z
    .strictObject({
      restUrl: z.string().min(1).optional(),
      wsUrl: z.string().min(1).optional(),
      /** ccxt unified symbols: spot "BTC/USDT", USDT swaps "BTC/USDT:USDT" (--symbol replaces them). */
      symbols: z.array(z.string().min(1)).default([]),
      /** Per swap symbol: leverage and margin mode, set at the venue before the first order (where the venue has the calls). */
      leverage: z.record(z.string(), z.strictObject({
        leverage: positive.optional(),
        marginMode: z.enum(['cross', 'isolated']).default('cross'),
      })).default({}),
      deadMan: z.strictObject({
        enabled: z.boolean().default(true),
        timeoutSec: z.number().int().min(1).max(600).default(60),
        /** Refresh period (default a quarter of the timeout). */
        refreshSec: z.number().positive().optional(),
      }).prefault({}),
    })
    .prefault({});
}

export const ConfigSchema = z.strictObject({
  account: z
    .strictObject({
      currency: z.string().min(1).default('USD'),
      cash: positive.default(100_000),
      type: z.enum(['cash', 'margin']).default('cash'),
      leverage: positive.default(1),
      perpLeverage: positive.default(3),
      fxRates: z.record(z.string(), positive).default({ USDT: 1, USDC: 1 }),
      /** Where the account holder is ('US', 'DE', 'US-NY'): the venue eligibility gate reads it (rules/venue-access.json). */
      jurisdiction: Jurisdiction.optional(),
    })
    .prefault({}),
  venue: z
    .strictObject({
      name: z.enum(['sim']).default('sim'),
      commission: CommissionSpec.default({ model: 'zero' }),
      slippage: SlippageSpec.default({ kind: 'bps', bps: 0 }),
      latency: z.strictObject({ submitMs: nonNeg.default(0), ackMs: nonNeg.default(0) }).prefault({}),
      /** Share of each bar's volume an order may take; null = no cap. */
      volumeShare: share(true).nullable().default(null),
    })
    .prefault({}),
  risk: z
    .strictObject({
      maxOrderQty: positive.optional(),
      maxOrderNotional: positive.optional(),
      maxPositionQty: positive.optional(),
      /** Limit / stop prices at most this fraction from the last price; also the flatten collar. */
      priceCollar: bounded(0, 0.5, { loOpen: true, unit: 'a fraction of the last price (0.05 = 5%)' }).optional(),
      maxOrdersPerSecond: positive.optional(),
      maxDailyLoss: positive.optional(),
    })
    .prefault({}),
  strategy: z
    .strictObject({
      file: z.string().min(1).default('strategies/sma-cross.ts'),
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
      /** Type-check the strategy against the strategy API before it loads (strategy/typecheck.ts); --no-typecheck sets false. */
      typecheck: z.boolean().default(true),
    })
    .prefault({}),
  data: z
    .strictObject({
      files: z.array(z.string().min(1)).default(['data/sample/BTC-USD-1m.csv']),
      symbol: z.string().min(1).optional(),
      tz: z.string().min(1).optional(),
      /** Funding rates for perpetuals: a CSV `ts,symbol,rate` (data/funding.ts); symbols it leaves out use their spec's constant. */
      funding: z.string().min(1).optional(),
      /** Index (spot reference) prices for perpetuals: a CSV `ts,symbol,price` (data/side-series.ts), read by the `basis` feature. */
      index: z.string().min(1).optional(),
    })
    .prefault({}),
  instruments: z.array(InstrumentSpec).default([]),
  /** Interactive Brokers (`parity run --venue ibkr`): where TWS / IB Gateway listens and how contracts are pinned. */
  ibkr: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      /** 4002 IB Gateway paper, 4001 Gateway live, 7497 TWS paper, 7496 TWS live. */
      port: z.number().int().min(1).max(65535).default(4002),
      /** A FIXED client id: a reconnect under another id loses the right to cancel earlier orders. */
      clientId: z.number().int().min(0).max(2_147_483_647).default(17),
      /** Which managed account to trade when the login has several. */
      account: z.string().min(1).optional(),
      /** Exchange for orders and data unless a contract pins one (SMART routing by default). */
      route: z.string().min(1).default('SMART'),
      /** Per symbol: exchange, primary exchange, currency, conId (stocks and ETFs). */
      contracts: z.record(z.string(), z.strictObject({
        exchange: z.string().min(1).optional(),
        primaryExchange: z.string().min(1).optional(),
        currency: z.string().min(1).optional(),
        conId: z.number().int().positive().optional(),
      })).default({}),
    })
    .prefault({}),
  /** The crypto venues through ccxt (`parity run --venue okx|binance|bybit|deribit`): one shape each. */
  okx: ccxtVenue(),
  binance: ccxtVenue(),
  bybit: ccxtVenue(),
  deribit: ccxtVenue(),
  run: z
    .strictObject({
      speed: z.union([positive, z.literal('max')]).default(300),
      sessionsDir: z.string().min(1).default('sessions'),
      seed: z.number().int().default(1),
    })
    .prefault({}),
});

export type Config = z.output<typeof ConfigSchema>;
export type InstrumentSpecT = z.output<typeof InstrumentSpec>;
